//! Model behaviour on burn's CPU backend: adapters, cache, weights and gradients.

mod common;

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};
use common::*;
use yushan_model::{LoraConfig, LoraTarget, Model, ModelConfig};
use yushan_rng::SplitMix64;

fn cpu() -> Device {
    Device::flex()
}

fn all_targets() -> LoraConfig {
    LoraConfig::new(4, 8.0, &LoraTarget::ALL)
}

#[test]
fn a_fresh_adapter_leaves_outputs_unchanged() {
    for config in [tiny_llama(), tiny_gpt2()] {
        let device = cpu();
        let base = Model::init(&config, 3, &device);
        let tokens = random_tokens(&config, 2, 9, 4, &device);
        let before = values(base.forward(tokens.clone()));
        let adapted = base.with_lora(&all_targets(), 5);
        assert!(adapted.has_lora());
        let after = values(adapted.forward(tokens));
        assert_eq!(before, after, "{:?}: a fresh adapter changed the logits", config.architecture);
    }
}

#[test]
fn lora_trains_only_the_adapter_factors() {
    let config = tiny_llama();
    let model = Model::init(&config, 3, &cpu()).with_lora(&LoraConfig::new(4, 8.0, &[LoraTarget::Q, LoraTarget::V]), 1);
    // q: [16 -> 16], v: [16 -> 8] per layer, rank 4: A is [in, 4], B is [4, out].
    let per_layer = (16 * 4 + 4 * 16) + (16 * 4 + 4 * 8);
    assert_eq!(model.trainable_params(), 2 * per_layer);
    let full = Model::init(&config, 3, &cpu());
    assert_eq!(full.trainable_params(), full.num_params());
    // The count the page shows before training matches the adapters once they exist.
    for config in [tiny_llama(), tiny_gpt2()] {
        for lora in [all_targets(), LoraConfig::new(3, 6.0, &[LoraTarget::K, LoraTarget::Down])] {
            let attached = Model::init(&config, 3, &cpu()).with_lora(&lora, 1).trainable_params();
            assert_eq!(lora.trainable_params(&config), attached, "{:?} {:?}", config.architecture, lora.targets);
        }
    }
}

#[test]
fn cached_decoding_matches_the_full_forward_pass() {
    for config in [tiny_llama(), tiny_gpt2()] {
        let device = cpu();
        let model = randomise_adapters(Model::init(&config, 11, &device).with_lora(&all_targets(), 2), 9);
        let len = 7;
        let tokens = random_tokens(&config, 1, len, 12, &device);
        let full = values(model.forward(tokens.clone()));
        let ids = tokens.into_data().convert::<i32>().try_into_vec::<i32>().unwrap();
        let mut cache = model.new_cache(1, 12);
        for (pos, &id) in ids.iter().enumerate() {
            let step =
                model.decode_step(Tensor::from_data(TensorData::new(vec![id], [1, 1]), &device), pos, &mut cache);
            let step = values(step);
            let expected = &full[pos * config.vocab_size..(pos + 1) * config.vocab_size];
            let diff = max_abs_diff(&step, expected);
            assert!(diff < 1e-4, "{:?} position {pos}: cached logits differ by {diff}", config.architecture);
        }
    }
}

#[test]
fn merging_adds_the_scaled_low_rank_product_and_keeps_outputs() {
    let config = tiny_llama();
    let device = cpu();
    let lora = all_targets();
    let adapted = randomise_adapters(Model::init(&config, 21, &device).with_lora(&lora, 22), 23);
    let tokens = random_tokens(&config, 2, 6, 24, &device);
    let with_adapter = values(adapted.forward(tokens.clone()));

    let q = &adapted.layers[1].attention.q_proj;
    let adapter = q.lora.as_ref().unwrap();
    let expected =
        values(q.weight.val() + adapter.a.val().matmul(adapter.b.val()).mul_scalar(lora.alpha / lora.rank as f64));

    let merged = adapted.clone().merge_lora();
    assert!(!merged.has_lora());
    let merged_q = values(merged.layers[1].attention.q_proj.weight.val());
    assert!(max_abs_diff(&merged_q, &expected) < 1e-6);
    let diff = max_abs_diff(&values(merged.forward(tokens)), &with_adapter);
    assert!(diff < 1e-4, "merged model's logits differ by {diff}");
}

#[test]
fn lora_gradients_match_finite_differences() {
    let config = tiny_llama();
    let device = cpu().autodiff();
    let lora = LoraConfig::new(2, 4.0, &[LoraTarget::Q, LoraTarget::V, LoraTarget::Down]);
    let model = randomise_adapters(Model::init(&config, 31, &device).with_lora(&lora, 32), 33);
    let tokens = random_tokens(&config, 2, 5, 34, &device);
    let mut rng = SplitMix64::new(35);
    let weights = rng.normal_vec(2 * 5 * config.vocab_size, 1.0);
    let weights: Tensor<3> = Tensor::from_data(TensorData::new(weights, [2, 5, config.vocab_size]), &device);
    // A loss linear in the logits: well conditioned for central differences in f32.
    let loss = |m: &Model| (m.forward(tokens.clone()) * weights.clone()).sum();

    let grads = loss(&model).backward();
    for (layer, target) in [(0, LoraTarget::Q), (1, LoraTarget::V), (1, LoraTarget::Down)] {
        let adapter = model.layers[layer].projection(target).unwrap().lora.as_ref().unwrap();
        for (name, param) in [("A", &adapter.a), ("B", &adapter.b)] {
            let grad = values(param.val().grad(&grads).expect("adapter factor has a gradient"));
            let shape = param.dims();
            // Check the three largest entries of the analytic gradient.
            let mut order: Vec<usize> = (0..grad.len()).collect();
            order.sort_by(|&i, &j| grad[j].abs().total_cmp(&grad[i].abs()));
            for &index in &order[..3] {
                let eps = 1e-2f32;
                let perturbed = |delta: f32| {
                    let mut m = model.clone();
                    let adapter = m.layers[layer].projection_mut(target).unwrap().lora.as_mut().unwrap();
                    let p = if name == "A" { &mut adapter.a } else { &mut adapter.b };
                    let mut v = values(p.val());
                    v[index] += delta;
                    *p = Param::from_tensor(Tensor::from_data(TensorData::new(v, shape), &device));
                    values(loss(&m))[0]
                };
                let numeric = (perturbed(eps) - perturbed(-eps)) / (2.0 * eps);
                let analytic = grad[index];
                let rel = (numeric - analytic).abs() / analytic.abs().max(1e-3);
                assert!(rel < 2e-2, "layer {layer} {target:?} {name}[{index}]: analytic {analytic}, numeric {numeric}");
            }
        }
    }
    // The frozen base gets no gradient.
    let base = &model.layers[0].attention.q_proj.weight;
    assert!(base.val().grad(&grads).is_none(), "a frozen base weight received a gradient");
}

#[test]
fn safetensors_round_trip_gives_identical_outputs() {
    for config in [tiny_llama(), tiny_gpt2()] {
        let device = cpu();
        let model = Model::init(&config, 41, &device);
        let bytes = pollster::block_on(model.to_safetensors()).unwrap();
        let loaded = Model::from_safetensors(&config, &bytes, &device).unwrap();
        let tokens = random_tokens(&config, 1, 8, 42, &device);
        assert_eq!(values(model.forward(tokens.clone())), values(loaded.forward(tokens)));
        let names = yushan_model::describe(&bytes).unwrap();
        assert_eq!(names["model.layers.1.self_attn.k_proj.weight"], vec![config.num_kv_heads * config.head_dim(), 16]);
    }
}

#[test]
fn peft_adapter_round_trip_gives_identical_outputs() {
    let config = tiny_llama();
    let device = cpu();
    let lora = LoraConfig::new(4, 16.0, &[LoraTarget::Q, LoraTarget::V, LoraTarget::Up]);
    let base = Model::init(&config, 51, &device);
    let adapted = randomise_adapters(base.clone().with_lora(&lora, 52), 53);
    let (json, bytes) = pollster::block_on(adapted.adapter_to_peft(&lora, "yushan/tiny")).unwrap();

    let cfg: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(cfg["peft_type"], "LORA");
    assert_eq!(cfg["task_type"], "CAUSAL_LM");
    assert_eq!(cfg["r"], 4);
    assert_eq!(cfg["target_modules"], serde_json::json!(["q_proj", "v_proj", "up_proj"]));
    let names = yushan_model::describe(&bytes).unwrap();
    assert_eq!(names["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"], vec![4, 16]);
    assert_eq!(names["base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"], vec![8, 4]);
    assert_eq!(names["base_model.model.model.layers.1.mlp.up_proj.lora_B.weight"], vec![24, 4]);
    assert_eq!(names.len(), 2 * 3 * 2);

    let (loaded, loaded_cfg) = base.with_peft_adapter(&json, &bytes).unwrap();
    assert_eq!(loaded_cfg, lora);
    let tokens = random_tokens(&config, 2, 7, 54, &device);
    assert_eq!(values(adapted.forward(tokens.clone())), values(loaded.forward(tokens)));
}

#[test]
fn broken_weight_files_give_errors_that_name_the_problem() {
    let config = tiny_gpt2();
    let device = cpu();
    let bytes = pollster::block_on(Model::init(&config, 61, &device).to_safetensors()).unwrap();

    let truncated = Model::from_safetensors(&config, &bytes[..bytes.len() / 2], &device).unwrap_err();
    assert!(truncated.to_string().contains("not a valid safetensors file"), "{truncated}");

    let mut wider = config.clone();
    wider.hidden_size = 32;
    let err = Model::from_safetensors(&wider, &bytes, &device).unwrap_err().to_string();
    assert!(err.contains("model.embed_tokens.weight") && err.contains("shape"), "{err}");

    let mut deeper: ModelConfig = config.clone();
    deeper.num_layers = 3;
    let err = Model::from_safetensors(&deeper, &bytes, &device).unwrap_err().to_string();
    assert!(err.contains("missing tensor `model.layers.2.input_layernorm.weight`"), "{err}");

    let err = ModelConfig::from_json(r#"{"architecture":"llama","vocab_size":10,"hidden_size":30,"num_layers":1,"num_heads":4,"num_kv_heads":4,"intermediate_size":8,"max_seq_len":8}"#).unwrap_err().to_string();
    assert!(err.contains("hidden_size 30 is not divisible by num_heads 4"), "{err}");
}
