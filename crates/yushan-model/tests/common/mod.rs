//! Small models and helpers shared by the integration tests.
#![allow(dead_code)]

use burn::module::Param;
use burn::tensor::{Device, Int, Tensor, TensorData};
use yushan_model::{LoraTarget, Model, ModelConfig};
use yushan_rng::SplitMix64;

pub fn tiny_llama() -> ModelConfig {
    // Grouped-query attention (4 query heads share 2 kv heads), q/k/v bias like Qwen2.
    let mut c = ModelConfig::llama(37, 16, 2, 4, 2, 24, 16);
    c.attention_bias = true;
    c.tie_embeddings = false;
    c
}

pub fn tiny_gpt2() -> ModelConfig {
    ModelConfig::gpt2(41, 16, 2, 2, 32, 16)
}

pub fn random_tokens(config: &ModelConfig, batch: usize, len: usize, seed: u64, device: &Device) -> Tensor<2, Int> {
    let mut rng = SplitMix64::new(seed);
    let ids: Vec<i32> = (0..batch * len).map(|_| (rng.next_u64() % config.vocab_size as u64) as i32).collect();
    Tensor::from_data(TensorData::new(ids, [batch, len]), device)
}

pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_into_vec::<f32>().unwrap()
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

pub fn max_abs(a: &[f32]) -> f32 {
    a.iter().fold(0.0f32, |m, x| m.max(x.abs()))
}

/// Gives every adapter a random B so that it changes the outputs (a fresh one is zero).
pub fn randomise_adapters(mut model: Model, seed: u64) -> Model {
    let mut rng = SplitMix64::new(seed);
    let device = model.device();
    for layer in &mut model.layers {
        for target in LoraTarget::ALL {
            if let Some(lora) = layer.projection_mut(target).and_then(|d| d.lora.as_mut()) {
                let [r, out] = lora.b.dims();
                let b = rng.normal_vec(r * out, 0.3);
                lora.b = Param::from_tensor(Tensor::from_data(TensorData::new(b, [r, out]), &device));
            }
        }
    }
    model
}
