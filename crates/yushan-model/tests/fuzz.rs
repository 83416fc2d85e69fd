//! Property tests for the files a user hands the model crate: config.json, a PEFT
//! adapter_config.json and safetensors bytes. Whatever they hold, the answer is a model or an
//! error, never a panic, an abort on a huge allocation or a hang.

mod common;

use burn::tensor::Device;
use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use yushan_model::{Model, ModelConfig, describe, parse_peft_config};

const CONFIG: &str = include_str!("../../../models/default/config.json");

/// Values a careless or hostile file puts in a field.
fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1u64 << 40)),
        Just(json!(100_000_000)),
        Just(json!(u64::MAX)),
        Just(json!(1.5)),
        Just(json!(1e308)),
        Just(json!(null)),
        Just(json!(true)),
        Just(json!("64")),
        Just(json!([])),
        Just(json!({})),
        (1u64..4096).prop_map(|n| json!(n)),
    ]
}

fn with_field(text: &str, field: &str, value: Value) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    v[field] = value;
    v.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_config_field_is_accepted_whole_or_refused(
        field in prop::sample::select(vec![
            "vocab_size", "hidden_size", "num_layers", "num_heads", "num_kv_heads", "intermediate_size",
            "max_seq_len", "norm_eps", "rope_theta", "head_dim", "architecture", "tie_embeddings",
        ]),
        value in odd_value(),
    ) {
        if let Ok(config) = ModelConfig::from_json(&with_field(CONFIG, field, value)) {
            // Accepted: the estimate every front end checks memory with is computable at once.
            let estimate = config.weight_estimate();
            prop_assert!(estimate.params > 0 && estimate.bytes >= estimate.params);
        }
    }

    #[test]
    fn any_adapter_config_field_is_accepted_whole_or_refused(
        field in prop::sample::select(vec!["r", "lora_alpha", "lora_dropout", "target_modules", "exclude_modules",
            "layers_to_transform", "rank_pattern", "alpha_pattern", "use_rslora", "use_dora", "bias"]),
        value in prop_oneof![
            odd_value(),
            Just(json!("(")),
            Just(json!("all-linear")),
            Just(json!(".*")),
            Just(json!(["q_proj", 3])),
            Just(json!({"q_proj": -4})),
            Just(json!(f64::MIN_POSITIVE)),
        ],
    ) {
        let config = tiny_llama();
        let good = json!({"peft_type": "LORA", "r": 4, "lora_alpha": 8, "lora_dropout": 0.0,
            "target_modules": ["q_proj", "v_proj"]}).to_string();
        if let Ok(lora) = parse_peft_config(&with_field(&good, field, value), &config) {
            prop_assert!(lora.check().is_ok(), "accepted {lora:?}");
            prop_assert!(!lora.targets.is_empty());
        }
    }
}

/// A small model's weights as safetensors, made once.
fn weights() -> (ModelConfig, Vec<u8>) {
    let config = tiny_llama();
    let model = Model::init(&config, 3, &Device::flex());
    (config, pollster::block_on(model.to_safetensors()).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn damaged_safetensors_load_or_are_refused(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        in_header in any::<bool>(),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let (config, mut bytes) = weights();
        let header = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        // Bytes changed in the length prefix and JSON header (where parsing can go wrong), or anywhere.
        let span = if in_header { header } else { bytes.len() };
        for (at, byte) in edits {
            let i = at.index(span);
            bytes[i] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let _ = describe(&bytes);
        if let Ok(model) = Model::from_safetensors(&config, &bytes, &Device::flex()) {
            prop_assert_eq!(model.config, config);
        }
    }
}

#[test]
fn a_huge_declared_header_length_is_refused_without_allocating_it() {
    let (config, mut bytes) = weights();
    bytes[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(describe(&bytes).is_err());
    assert!(Model::from_safetensors(&config, &bytes, &Device::flex()).is_err());
    // And the intact file loads: the damage above is what was refused.
    let (config, bytes) = weights();
    assert!(Model::from_safetensors(&config, &bytes, &Device::flex()).is_ok());
}
