//! The decoder: embeddings, a stack of pre-norm blocks, a final norm and the output head.

use burn::module::{Module, Param};
use burn::tensor::{Device, FloatDType, Int, Tensor};

use crate::config::{Architecture, ModelConfig};
use crate::layers::attention::{Attention, LayerCache};
use crate::layers::dense::{Dense, cast_frozen, random_param};
use crate::layers::lora::{LoraConfig, LoraTarget};
use crate::layers::mlp::Mlp;
use crate::layers::norm::Norm;
use crate::layers::positions::Positions;
use crate::ops::frozen::frozen_matmul;
use crate::ops::kernels::Kernels;
use yushan_rng::SplitMix64;

#[derive(Module, Debug)]
pub struct Block {
    pub input_norm: Norm,
    pub attention: Attention,
    pub post_attention_norm: Norm,
    pub mlp: Mlp,
}

impl Block {
    fn forward(&self, x: Tensor<3>, positions: &Positions, cache: Option<&mut LayerCache>) -> Tensor<3> {
        let x = x.clone() + self.attention.forward(self.input_norm.forward(x), positions, cache);
        x.clone() + self.mlp.forward(self.post_attention_norm.forward(x))
    }

    /// The projection a LoRA target names in this block.
    pub fn projection_mut(&mut self, target: LoraTarget) -> Option<&mut Dense> {
        match target {
            LoraTarget::Q => Some(&mut self.attention.q_proj),
            LoraTarget::K => Some(&mut self.attention.k_proj),
            LoraTarget::V => Some(&mut self.attention.v_proj),
            LoraTarget::O => Some(&mut self.attention.o_proj),
            LoraTarget::Gate => self.mlp.gate_proj.as_mut(),
            LoraTarget::Up => Some(&mut self.mlp.up_proj),
            LoraTarget::Down => Some(&mut self.mlp.down_proj),
        }
    }

    pub fn projection(&self, target: LoraTarget) -> Option<&Dense> {
        match target {
            LoraTarget::Q => Some(&self.attention.q_proj),
            LoraTarget::K => Some(&self.attention.k_proj),
            LoraTarget::V => Some(&self.attention.v_proj),
            LoraTarget::O => Some(&self.attention.o_proj),
            LoraTarget::Gate => self.mlp.gate_proj.as_ref(),
            LoraTarget::Up => Some(&self.mlp.up_proj),
            LoraTarget::Down => Some(&self.mlp.down_proj),
        }
    }
}

#[derive(Module, Debug)]
pub struct Model {
    /// [vocab, hidden]
    pub embed_tokens: Param<Tensor<2>>,
    /// [max_seq_len, hidden], GPT-2 only.
    pub embed_positions: Option<Param<Tensor<2>>>,
    pub layers: Vec<Block>,
    pub norm: Norm,
    /// Absent when the embeddings are tied.
    pub lm_head: Option<Dense>,
    #[module(skip)]
    pub config: ModelConfig,
}

/// Keys and values of every layer for cached generation.
#[derive(Clone, Debug)]
pub struct KvCache {
    pub layers: Vec<LayerCache>,
    pub capacity: usize,
}

impl Model {
    /// Random initialisation from a seed (GPT-2's scheme: N(0, 0.02), residual outputs scaled
    /// by 1/sqrt(2·layers)); the same seed gives the same weights on every backend.
    /// The random matrices are drawn when first used, so a loader that replaces them pays
    /// nothing for them.
    pub fn init(config: &ModelConfig, seed: u64, device: &Device) -> Self {
        config.validate().expect("valid model config");
        let mut rng = SplitMix64::new(seed);
        let d = config.hidden_size;
        let gpt2 = config.architecture == Architecture::Gpt2;
        let out_std = 0.02 / (2.0 * config.num_layers as f64).sqrt();
        let norm = |device: &Device| {
            if gpt2 { Norm::layer_norm(d, config.norm_eps, device) } else { Norm::rms_norm(d, config.norm_eps, device) }
        };
        let embed_tokens = random_param(rng.fork(), [config.vocab_size, d], 0.02, device);
        let embed_positions = gpt2.then(|| random_param(rng.fork(), [config.max_seq_len, d], 0.01, device));
        let layers = (0..config.num_layers)
            .map(|_| {
                let mut layer_rng = rng.fork();
                Block {
                    input_norm: norm(device),
                    attention: Attention::init(config, &mut layer_rng, out_std, device),
                    post_attention_norm: norm(device),
                    mlp: Mlp::init(config, &mut layer_rng, out_std, device),
                }
            })
            .collect();
        let head_rng = rng.fork();
        Self {
            embed_tokens,
            embed_positions,
            layers,
            norm: norm(device),
            lm_head: (!config.tie_embeddings).then(|| Dense::init(d, config.vocab_size, false, 0.02, head_rng, device)),
            config: config.clone(),
        }
    }

    pub fn device(&self) -> Device {
        self.embed_tokens.lazy_device()
    }

    /// Final hidden states, [batch, len, hidden], for tokens at positions 0..len.
    pub fn forward_hidden(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let [_, len] = tokens.dims();
        let positions = Positions::causal(&self.config, len, &tokens.device());
        self.run(tokens, &positions)
    }

    /// Logits, [batch, len, vocab].
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        self.logits(self.forward_hidden(tokens))
    }

    pub fn logits(&self, hidden: Tensor<3>) -> Tensor<3> {
        match &self.lm_head {
            Some(head) => head.forward(hidden),
            None => frozen_matmul(hidden, self.embed_tokens.val().transpose()),
        }
    }

    pub fn new_cache(&self, batch: usize, capacity: usize) -> KvCache {
        let device = self.device();
        let c = &self.config;
        let capacity = capacity.min(c.max_seq_len);
        KvCache {
            layers: (0..c.num_layers)
                .map(|_| LayerCache::new(batch, c.num_kv_heads, capacity, c.head_dim(), &device))
                .collect(),
            capacity,
        }
    }

    /// Logits for one new token per row at position `pos`, [batch, vocab], writing its keys
    /// and values into the cache.
    pub fn decode_step(&self, tokens: Tensor<2, Int>, pos: usize, cache: &mut KvCache) -> Tensor<2> {
        let positions = Positions::decode_step(&self.config, pos, cache.capacity, &tokens.device());
        let hidden = self.run_cached(tokens, &positions, cache);
        let batch = hidden.dims()[0];
        let logits = self.logits(hidden);
        let vocab = logits.dims()[2];
        logits.reshape([batch, vocab])
    }

    fn embed(&self, tokens: Tensor<2, Int>, positions: &Positions) -> Tensor<3> {
        let [batch, len] = tokens.dims();
        let d = self.config.hidden_size;
        // Rows are gathered in the table's dtype and only they are widened to f32.
        let rows = |table: &Param<Tensor<2>>, ids: Tensor<1, Int>| table.val().select(0, ids).cast(FloatDType::F32);
        let x = rows(&self.embed_tokens, tokens.reshape([batch * len])).reshape([batch, len, d]);
        match &self.embed_positions {
            Some(table) => x + rows(table, positions.ids.clone()).unsqueeze::<3>(),
            None => x,
        }
    }

    fn run(&self, tokens: Tensor<2, Int>, positions: &Positions) -> Tensor<3> {
        let mut x = self.embed(tokens, positions);
        for layer in &self.layers {
            x = layer.forward(x, positions, None);
        }
        self.norm.forward(x)
    }

    fn run_cached(&self, tokens: Tensor<2, Int>, positions: &Positions, cache: &mut KvCache) -> Tensor<3> {
        let mut x = self.embed(tokens, positions);
        for (layer, layer_cache) in self.layers.iter().zip(cache.layers.iter_mut()) {
            x = layer.forward(x, positions, Some(layer_cache));
        }
        self.norm.forward(x)
    }

    /// Freezes every base weight and attaches fresh adapters on the chosen projections.
    pub fn with_lora(mut self, config: &LoraConfig, seed: u64) -> Self {
        self = self.no_grad();
        let mut rng = SplitMix64::new(seed);
        for layer in &mut self.layers {
            for &target in &config.targets {
                let mut layer_rng = rng.fork();
                if let Some(dense) = layer.projection_mut(target) {
                    dense.attach_lora(config, &mut layer_rng);
                }
            }
        }
        self
    }

    /// Stores every base matrix (embeddings, projections, output head) in `dtype` and freezes
    /// it; norms, biases and adapters are untouched. f16 halves the memory of a model that only
    /// adapters train; f32 turns them back, ready for `unfreeze` (after an f16 round trip they keep
    /// f16's precision).
    pub fn with_matrix_dtype(mut self, dtype: FloatDType) -> Self {
        self.embed_tokens = cast_frozen(self.embed_tokens, dtype);
        self.embed_positions = self.embed_positions.map(|p| cast_frozen(p, dtype));
        for layer in &mut self.layers {
            for target in LoraTarget::ALL {
                if let Some(dense) = layer.projection_mut(target) {
                    dense.cast_weight(dtype);
                }
            }
        }
        if let Some(head) = &mut self.lm_head {
            head.cast_weight(dtype);
        }
        self
    }

    /// The kernels the layers run (see [`Model::with_kernels`]).
    pub fn kernels(&self) -> Kernels {
        self.norm.kernels
    }

    /// Runs the layers on `kernels` (the GPU's fused WGSL kernels or burn's composed ops);
    /// on the CPU backend always burn's.
    pub fn with_kernels(mut self, kernels: Kernels) -> Self {
        let kernels = kernels.on(&self.device());
        for layer in &mut self.layers {
            layer.input_norm.kernels = kernels;
            layer.post_attention_norm.kernels = kernels;
            for norm in [&mut layer.attention.q_norm, &mut layer.attention.k_norm].into_iter().flatten() {
                norm.kernels = kernels;
            }
            layer.attention.kernels = kernels;
            layer.mlp.kernels = kernels;
            for target in LoraTarget::ALL {
                if let Some(dense) = layer.projection_mut(target) {
                    dense.kernels = kernels;
                }
            }
        }
        self.norm.kernels = kernels;
        if let Some(head) = &mut self.lm_head {
            head.kernels = kernels;
        }
        self
    }

    /// Folds every adapter into its base weight.
    pub fn merge_lora(mut self) -> Self {
        for layer in &mut self.layers {
            for target in LoraTarget::ALL {
                if let Some(dense) = layer.projection_mut(target) {
                    dense.merge_lora();
                }
            }
        }
        self
    }

    /// Drops every adapter, leaving the base model.
    pub fn without_lora(mut self) -> Self {
        for layer in &mut self.layers {
            for target in LoraTarget::ALL {
                if let Some(dense) = layer.projection_mut(target) {
                    dense.lora = None;
                }
            }
        }
        self
    }

    pub fn has_lora(&self) -> bool {
        self.layers.iter().any(|l| LoraTarget::ALL.iter().any(|&t| l.projection(t).is_some_and(|d| d.lora.is_some())))
    }

    /// Parameters a fine-tune trains: the adapter factors under LoRA, every weight otherwise.
    pub fn trainable_params(&self) -> usize {
        if !self.has_lora() {
            return self.num_params();
        }
        self.layers
            .iter()
            .flat_map(|l| LoraTarget::ALL.into_iter().filter_map(move |t| l.projection(t)?.lora.as_ref()))
            .map(|lora| lora.a.num_params() + lora.b.num_params())
            .sum()
    }
}
