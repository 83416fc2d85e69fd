//! PEFT's `target_modules` in its string forms (a regular expression full-matched against module
//! names, "all-linear"), with `exclude_modules` and `layers_to_transform`: an adapter selected
//! so imports to the same outputs as the one listed by name, and selections our adapters cannot
//! hold are refused with the module or layers at fault.

mod common;

use burn::tensor::Device;
use common::*;
use serde_json::json;
use yushan_model::{LoraConfig, LoraTarget, Model, ModelConfig};

/// A 4-layer Llama with q/k/v bias.
fn llama4() -> ModelConfig {
    let mut c = tiny_llama();
    c.num_layers = 4;
    c
}

/// `base` with random adapters on `targets`, exported in PEFT's layout.
fn exported(base: &Model, targets: &[LoraTarget]) -> (serde_json::Value, Vec<u8>) {
    let lora = LoraConfig::new(4, 8.0, targets);
    let adapted = randomise_adapters(base.clone().with_lora(&lora, 21), 22);
    let (json, bytes) = pollster::block_on(adapted.adapter_to_peft(&lora, "tiny")).unwrap();
    (serde_json::from_str(&json).unwrap(), bytes)
}

/// The config with some fields replaced.
fn with(config: &serde_json::Value, fields: serde_json::Value) -> String {
    let mut config = config.clone();
    for (k, v) in fields.as_object().unwrap() {
        config[k] = v.clone();
    }
    config.to_string()
}

fn import(base: &Model, config: &str, bytes: &[u8]) -> Result<(Model, LoraConfig), String> {
    base.clone().with_peft_adapter(config, bytes).map_err(|e| e.to_string())
}

fn logits(model: &Model) -> Vec<f32> {
    values(model.forward(random_tokens(&model.config, 2, 9, 23, &model.device())))
}

/// Imports `config` and the list form the adapter was exported with; both give the same model.
fn assert_same_as_listed(base: &Model, listed: &serde_json::Value, config: &str, bytes: &[u8]) {
    let (by_list, list_lora) = import(base, &listed.to_string(), bytes).unwrap();
    let (model, lora) = import(base, config, bytes).unwrap_or_else(|e| panic!("{config}: {e}"));
    assert_eq!(lora, list_lora, "{config}");
    let (want, got) = (logits(&by_list), logits(&model));
    assert_ne!(want, logits(base), "the adapter must change the outputs");
    assert_eq!(got, want, "{config}");
}

#[test]
fn a_regex_imports_as_the_list_of_names_does() {
    use LoraTarget::*;
    let base = Model::init(&llama4(), 20, &Device::flex());
    let (listed, bytes) = exported(&base, &[Q, V, Down]);
    assert_eq!(listed["target_modules"], json!(["q_proj", "v_proj", "down_proj"]));
    for regex in [
        r".*\.(q_proj|v_proj|down_proj)$",
        r"model\.layers\.\d+\.(self_attn\.[qv]_proj|mlp\.down_proj)",
        // [0-3] is every layer of this 4-layer model.
        r"model.layers.[0-3].(self_attn.q_proj|self_attn.v_proj|mlp.down_proj)",
    ] {
        assert_same_as_listed(&base, &listed, &with(&listed, json!({"target_modules": regex})), &bytes);
    }
    // exclude_modules takes modules out of "all-linear" (and of a regex).
    let all_but =
        json!({"target_modules": "all-linear", "exclude_modules": ["k_proj", "o_proj", "gate_proj", "up_proj"]});
    assert_same_as_listed(&base, &listed, &with(&listed, all_but), &bytes);
    let regex_but = json!({"target_modules": r".*_proj", "exclude_modules": r".*\.(k|o|gate|up)_proj"});
    assert_same_as_listed(&base, &listed, &with(&listed, regex_but), &bytes);
    // layers_to_transform naming every layer changes nothing.
    let every_layer = json!({"layers_to_transform": [0, 1, 2, 3]});
    assert_same_as_listed(&base, &listed, &with(&listed, every_layer), &bytes);
}

#[test]
fn a_gpt2_regex_selects_the_fused_modules() {
    use LoraTarget::*;
    let base = Model::init(&tiny_gpt2(), 24, &Device::flex());
    let (listed, bytes) = exported(&base, &[Q, K, V, Down]);
    assert_eq!(listed["target_modules"], json!(["c_attn", "mlp.c_proj"]));
    let regex = with(&listed, json!({"target_modules": r"transformer\.h\.\d+\.(attn\.c_attn|mlp\.c_proj)"}));
    assert_same_as_listed(&base, &listed, &regex, &bytes);
    // c_proj alone is the attention output too: an adapter file without it cannot load.
    let err = import(&base, &with(&listed, json!({"target_modules": r".*\.c_(attn|proj)"})), &bytes).unwrap_err();
    assert!(err.contains("transformer.h.0.attn.c_proj.lora_A.weight"), "{err}");
}

#[test]
fn selections_our_adapters_cannot_hold_are_refused_by_name() {
    use LoraTarget::*;
    let base = Model::init(&llama4(), 20, &Device::flex());
    let (listed, bytes) = exported(&base, &[Q, V]);
    let refuse = |fields: serde_json::Value| import(&base, &with(&listed, fields), &bytes).unwrap_err();

    let err = refuse(json!({"target_modules": r".*(q_proj|lm_head)"}));
    assert_eq!(
        err,
        "adapter_config.json: `target_modules` \".*(q_proj|lm_head)\" selects 1 module(s) that LoRA cannot adapt \
         here, such as `lm_head` (only the attention and MLP projections, like `model.layers.0.self_attn.q_proj`)"
    );
    let err = refuse(json!({"target_modules": r".*\.self_attn"}));
    assert!(
        err.contains("selects 4 module(s) that LoRA cannot adapt here, such as `model.layers.0.self_attn`"),
        "{err}"
    );

    let err = refuse(json!({"target_modules": r"model\.layers\.[0-1]\.self_attn\.(q|v)_proj"}));
    assert_eq!(
        err,
        "adapter_config.json: `target_modules` \"model\\\\.layers\\\\.[0-1]\\\\.self_attn\\\\.(q|v)_proj\" selects \
         `q_proj` in 2 of 4 layers (0, 1); an adapter here covers every layer alike, per-layer targets are not supported"
    );
    let err = refuse(json!({"layers_to_transform": [0, 2]}));
    assert!(err.contains("with `layers_to_transform` [0, 2] selects `q_proj` in 2 of 4 layers (0, 2)"), "{err}");
    let err = refuse(json!({"layers_to_transform": 3}));
    assert!(err.contains("in 1 of 4 layers (3)"), "{err}");

    // A plain name as a string is a regex that matches no whole module name, as in PEFT.
    let err = refuse(json!({"target_modules": "q_proj"}));
    assert_eq!(
        err,
        "adapter_config.json: `target_modules` \"q_proj\" selects no module of this model (they are named like \
         `model.layers.0.self_attn.q_proj`)"
    );
    let err = refuse(json!({"target_modules": "(q_proj"}));
    assert!(
        err.starts_with("adapter_config.json: `target_modules` \"(q_proj\" is not a regular expression we can read"),
        "{err}"
    );
    let err = refuse(json!({"target_modules": r".*q_proj", "layers_to_transform": [0]}));
    assert!(err.contains("`layers_to_transform` cannot be used when `target_modules` is a string"), "{err}");
    let err = refuse(json!({"target_modules": 3}));
    assert!(err.contains("must be a list of module names or a regular expression"), "{err}");
    let err = refuse(json!({"target_modules": ["q_proj", "gate"], "exclude_modules": ".*"}));
    assert!(err.contains("selects no module of this model"), "{err}");
}

#[test]
fn settings_and_weights_no_adapter_can_have_are_refused_by_name() {
    use LoraTarget::*;
    let base = Model::init(&llama4(), 20, &Device::flex());
    let (listed, bytes) = exported(&base, &[Q, V]);
    let refuse = |fields: serde_json::Value| import(&base, &with(&listed, fields), &bytes).unwrap_err();
    assert_eq!(
        refuse(json!({"lora_alpha": -16})),
        "adapter_config.json: LoRA alpha must be a positive number, not -16"
    );
    assert_eq!(
        refuse(json!({"lora_dropout": 1.5})),
        "adapter_config.json: LoRA dropout must be at least 0 and below 1, not 1.5"
    );

    // One NaN in a lora_B matrix: the adapter is refused, naming the tensor.
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let name = "base_model.model.model.layers.2.self_attn.v_proj.lora_B.weight";
    let tensors: Vec<(String, Vec<u8>, Vec<usize>)> = file
        .tensors()
        .into_iter()
        .map(|(n, view)| {
            let mut data = view.data().to_vec();
            if n == name {
                data[4..8].copy_from_slice(&f32::NAN.to_le_bytes());
            }
            (n, data, view.shape().to_vec())
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(n, data, shape)| {
            (n.clone(), safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data).unwrap())
        })
        .collect();
    let damaged = safetensors::serialize(views, None).unwrap();
    let err = import(&base, &listed.to_string(), &damaged).unwrap_err();
    assert!(err.contains(&format!("tensor `{name}` holds 1 NaN or infinite value(s)")), "{err}");
    assert!(import(&base, &listed.to_string(), &bytes).is_ok());
}
