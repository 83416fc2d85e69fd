//! Multi-head self-attention with grouped-query heads, RoPE and a fixed-capacity KV cache.

use burn::module::Module;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};

use crate::config::{Architecture, ModelConfig};
use crate::layers::dense::Dense;
use crate::layers::norm::Norm;
use crate::layers::positions::Positions;
use crate::ops::kernels::Kernels;
use crate::ops::rope::rope;
use yushan_rng::SplitMix64;

#[derive(Module, Debug)]
pub struct Attention {
    pub q_proj: Dense,
    pub k_proj: Dense,
    pub v_proj: Dense,
    pub o_proj: Dense,
    /// RMSNorm over each query / key head before RoPE (Qwen3).
    pub q_norm: Option<Norm>,
    pub k_norm: Option<Norm>,
    pub num_heads: usize,
    pub num_kv_heads: usize,
    pub head_dim: usize,
    #[module(skip)]
    pub kernels: Kernels,
}

/// Keys and values of one layer for every cache slot, [batch, kv_heads, capacity, head_dim].
/// Slots are written by a one-hot blend rather than a growing concat, so every decoding step
/// has the same shapes (and the GPU compiles its kernels once).
#[derive(Clone, Debug)]
pub struct LayerCache {
    pub keys: Tensor<4>,
    pub values: Tensor<4>,
}

impl LayerCache {
    pub fn new(batch: usize, kv_heads: usize, capacity: usize, head_dim: usize, device: &Device) -> Self {
        Self {
            keys: Tensor::zeros([batch, kv_heads, capacity, head_dim], device),
            values: Tensor::zeros([batch, kv_heads, capacity, head_dim], device),
        }
    }

    fn write(&mut self, keys: Tensor<4>, values: Tensor<4>, slot: Tensor<1>) -> (Tensor<4>, Tensor<4>) {
        let [_, _, capacity, _] = self.keys.dims();
        let slot = slot.reshape([1, 1, capacity, 1]);
        let keep = slot.clone().neg() + 1.0;
        self.keys = self.keys.clone() * keep.clone() + keys * slot.clone();
        self.values = self.values.clone() * keep + values * slot;
        (self.keys.clone(), self.values.clone())
    }
}

impl Attention {
    pub fn init(config: &ModelConfig, rng: &mut SplitMix64, out_std: f64, device: &Device) -> Self {
        let d = config.hidden_size;
        let head_dim = config.head_dim();
        let (q, kv) = (config.q_dim(), config.kv_dim());
        let gpt2 = config.architecture == Architecture::Gpt2;
        let qkv_bias = config.attention_bias || gpt2;
        let o_bias = config.attention_out_bias || gpt2;
        let head_norm = || config.qk_norm.then(|| Norm::rms_norm(head_dim, config.norm_eps, device));
        Self {
            q_proj: Dense::init(d, q, qkv_bias, 0.02, rng.fork(), device),
            k_proj: Dense::init(d, kv, qkv_bias, 0.02, rng.fork(), device),
            v_proj: Dense::init(d, kv, qkv_bias, 0.02, rng.fork(), device),
            o_proj: Dense::init(q, d, o_bias, out_std, rng.fork(), device),
            q_norm: head_norm(),
            k_norm: head_norm(),
            num_heads: config.num_heads,
            num_kv_heads: config.num_kv_heads,
            head_dim,
            kernels: Kernels::default(),
        }
    }

    pub fn forward(&self, x: Tensor<3>, positions: &Positions, cache: Option<&mut LayerCache>) -> Tensor<3> {
        let [batch, len, _] = x.dims();
        let head_dim = self.head_dim;
        // The fused RoPE kernel rotates the projection's own layout; burn's ops rotate after
        // the heads move in front.
        let fused_rope = self.kernels == Kernels::Wgsl;
        // [batch, len, heads·head_dim] → [batch, heads, len, head_dim], normalising each head
        // on the way when the model has a per-head norm, and rotating it when it is a query or key.
        let split = |t: Tensor<3>, heads: usize, norm: Option<&Norm>, rotate: bool| {
            let t = match norm {
                Some(norm) => norm.forward(t.reshape([batch, len * heads, head_dim])),
                None => t,
            };
            let t = t.reshape([batch, len, heads, head_dim]);
            match &positions.rope {
                Some((cos, sin)) if rotate && fused_rope => rope(t, cos.clone(), sin.clone()).swap_dims(1, 2),
                Some((cos, sin)) if rotate => apply_rope(t.swap_dims(1, 2), cos.clone(), sin.clone()),
                _ => t.swap_dims(1, 2),
            }
        };
        let q = split(self.q_proj.forward(x.clone()), self.num_heads, self.q_norm.as_ref(), true);
        let k = split(self.k_proj.forward(x.clone()), self.num_kv_heads, self.k_norm.as_ref(), true);
        let v = split(self.v_proj.forward(x), self.num_kv_heads, None, false);
        let (k, v) = match (cache, &positions.write_slot) {
            (Some(cache), Some(slot)) => cache.write(k, v, slot.clone()),
            _ => (k, v),
        };
        let (k, v) = (self.repeat_kv(k), self.repeat_kv(v));

        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let scores = q.matmul(k.swap_dims(2, 3)).mul_scalar(scale) + positions.mask.clone().unsqueeze::<4>();
        let out = softmax(scores, 3).matmul(v);
        let out = out.swap_dims(1, 2).reshape([batch, len, self.num_heads * self.head_dim]);
        self.o_proj.forward(out)
    }

    /// Grouped-query attention: each key/value head serves `num_heads / num_kv_heads` query
    /// heads, in the order Hugging Face's `repeat_kv` uses.
    fn repeat_kv(&self, t: Tensor<4>) -> Tensor<4> {
        let groups = self.num_heads / self.num_kv_heads;
        if groups == 1 {
            return t;
        }
        let [b, h, s, d] = t.dims();
        t.unsqueeze_dim::<5>(2).repeat_dim(2, groups).reshape([b, h * groups, s, d])
    }
}

/// x·cos + rotate_half(x)·sin, with rotate_half([x1, x2]) = [-x2, x1].
fn apply_rope(x: Tensor<4>, cos: Tensor<2>, sin: Tensor<2>) -> Tensor<4> {
    let [_, _, _, d] = x.dims();
    let half = d / 2;
    let x1 = x.clone().narrow(3, 0, half);
    let x2 = x.clone().narrow(3, half, half);
    let rotated = Tensor::cat(vec![x2.neg(), x1], 3);
    x * cos.unsqueeze::<4>() + rotated * sin.unsqueeze::<4>()
}
