//! Per-call position data, built on the host: RoPE tables, position ids and the additive
//! attention mask. Shapes depend only on (queries, keys), so training steps and generation
//! steps each reuse one set of compiled GPU kernels.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::config::{Architecture, ModelConfig};

/// Large negative logit for masked keys: exp() underflows to 0 without producing NaN.
const MASKED: f32 = -1e9;

pub struct Positions {
    /// Position ids of the queries, [T] (used by learned position tables).
    pub ids: Tensor<1, Int>,
    /// RoPE cos/sin, [T, head_dim] each (Llama only).
    pub rope: Option<(Tensor<2>, Tensor<2>)>,
    /// Additive mask, [T, K]: 0 where the query may attend, very negative elsewhere.
    pub mask: Tensor<2>,
    /// For cached decoding: one-hot [K] of the cache slot this step writes.
    pub write_slot: Option<Tensor<1>>,
}

impl Positions {
    /// A causal block of `len` queries at positions 0..len attending to themselves.
    pub fn causal(config: &ModelConfig, len: usize, device: &Device) -> Self {
        let mask: Vec<f32> = (0..len).flat_map(|i| (0..len).map(move |j| if j <= i { 0.0 } else { MASKED })).collect();
        let positions: Vec<usize> = (0..len).collect();
        Self {
            ids: ids_tensor(&positions, device),
            rope: rope_tables(config, &positions, device),
            mask: Tensor::from_data(TensorData::new(mask, [len, len]), device),
            write_slot: None,
        }
    }

    /// One query at `pos` attending to cache slots 0..=pos of a cache with `capacity` slots.
    pub fn decode_step(config: &ModelConfig, pos: usize, capacity: usize, device: &Device) -> Self {
        assert!(pos < capacity, "position {pos} beyond the cache capacity {capacity}");
        let mask: Vec<f32> = (0..capacity).map(|j| if j <= pos { 0.0 } else { MASKED }).collect();
        let slot: Vec<f32> = (0..capacity).map(|j| if j == pos { 1.0 } else { 0.0 }).collect();
        Self {
            ids: ids_tensor(&[pos], device),
            rope: rope_tables(config, &[pos], device),
            mask: Tensor::from_data(TensorData::new(mask, [1, capacity]), device),
            write_slot: Some(Tensor::from_data(TensorData::new(slot, [capacity]), device)),
        }
    }
}

fn ids_tensor(positions: &[usize], device: &Device) -> Tensor<1, Int> {
    let ids: Vec<i32> = positions.iter().map(|&p| p as i32).collect();
    Tensor::from_data(TensorData::new(ids, [positions.len()]), device)
}

/// Hugging Face's "rotate half" convention: frequencies repeated over both halves of a head.
fn rope_tables(config: &ModelConfig, positions: &[usize], device: &Device) -> Option<(Tensor<2>, Tensor<2>)> {
    if config.architecture != Architecture::Llama {
        return None;
    }
    let head_dim = config.head_dim();
    let half = head_dim / 2;
    let mut cos = Vec::with_capacity(positions.len() * head_dim);
    let mut sin = Vec::with_capacity(positions.len() * head_dim);
    for &p in positions {
        for _half in 0..2 {
            for i in 0..half {
                let mut inv_freq = config.rope_theta.powf(-(2.0 * i as f64) / head_dim as f64);
                if let Some(scaling) = &config.rope_scaling {
                    inv_freq = scaling.apply(inv_freq);
                }
                let angle = p as f64 * inv_freq;
                cos.push(angle.cos() as f32);
                sin.push(angle.sin() as f32);
            }
        }
    }
    let shape = [positions.len(), head_dim];
    Some((
        Tensor::from_data(TensorData::new(cos, shape), device),
        Tensor::from_data(TensorData::new(sin, shape), device),
    ))
}
