//! One config struct describes every model this crate builds; it is what `config.json` holds.

use serde::{Deserialize, Serialize};

/// The two decoder families we build: they differ in normalisation, positions and MLP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// Learned positions, pre-LayerNorm, GELU MLP, biases everywhere.
    Gpt2,
    /// RoPE, RMSNorm, SwiGLU MLP, grouped-query attention, optional q/k/v bias.
    Llama,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub architecture: Architecture,
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    /// Key/value heads; fewer than `num_heads` means grouped-query attention.
    pub num_kv_heads: usize,
    pub intermediate_size: usize,
    /// Longest sequence the model handles (size of the learned position table for GPT-2).
    pub max_seq_len: usize,
    #[serde(default = "default_norm_eps")]
    pub norm_eps: f64,
    #[serde(default = "default_rope_theta")]
    pub rope_theta: f64,
    /// Bias on the q/k/v projections (Qwen2 style). GPT-2 has biases on every linear.
    #[serde(default)]
    pub attention_bias: bool,
    /// The output projection reuses the token embedding matrix.
    #[serde(default = "default_true")]
    pub tie_embeddings: bool,
    /// Width of one attention head when it is not `hidden_size / num_heads` (Qwen3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_dim: Option<usize>,
    /// RMSNorm over each query and key head before RoPE (Qwen3).
    #[serde(default, skip_serializing_if = "is_false")]
    pub qk_norm: bool,
    /// Bias on the attention output projection too (Llama/Qwen3 with `attention_bias`).
    /// GPT-2 always has one.
    #[serde(default, skip_serializing_if = "is_false")]
    pub attention_out_bias: bool,
    /// Llama 3's long-context RoPE frequencies; `None` is plain RoPE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rope_scaling: Option<RopeScaling>,
}

/// Llama 3's `rope_scaling` (`"rope_type": "llama3"`): low frequencies are divided by `factor`,
/// high ones kept, and the band between blended smoothly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RopeScaling {
    pub factor: f64,
    pub low_freq_factor: f64,
    pub high_freq_factor: f64,
    pub original_max_position_embeddings: usize,
}

impl RopeScaling {
    /// The scaled inverse frequency (Hugging Face's `_compute_llama3_parameters`).
    pub fn apply(&self, inv_freq: f64) -> f64 {
        let old_len = self.original_max_position_embeddings as f64;
        let low_freq_wavelen = old_len / self.low_freq_factor;
        let high_freq_wavelen = old_len / self.high_freq_factor;
        let wavelen = 2.0 * std::f64::consts::PI / inv_freq;
        if wavelen < high_freq_wavelen {
            inv_freq
        } else if wavelen > low_freq_wavelen {
            inv_freq / self.factor
        } else {
            let smooth = (old_len / wavelen - self.low_freq_factor) / (self.high_freq_factor - self.low_freq_factor);
            (1.0 - smooth) * inv_freq / self.factor + smooth * inv_freq
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn default_norm_eps() -> f64 {
    1e-5
}
fn default_rope_theta() -> f64 {
    10_000.0
}
fn default_true() -> bool {
    true
}

impl ModelConfig {
    pub fn head_dim(&self) -> usize {
        self.head_dim.unwrap_or(self.hidden_size / self.num_heads.max(1))
    }

    /// Width of the concatenated query heads (the input of the output projection).
    pub fn q_dim(&self) -> usize {
        self.num_heads * self.head_dim()
    }

    /// Width of the concatenated key (or value) heads.
    pub fn kv_dim(&self) -> usize {
        self.num_kv_heads * self.head_dim()
    }

    /// A GPT-2 style config (the benchmark shapes S and M use this family).
    pub fn gpt2(vocab: usize, hidden: usize, layers: usize, heads: usize, ff: usize, seq: usize) -> Self {
        Self {
            architecture: Architecture::Gpt2,
            vocab_size: vocab,
            hidden_size: hidden,
            num_layers: layers,
            num_heads: heads,
            num_kv_heads: heads,
            intermediate_size: ff,
            max_seq_len: seq,
            norm_eps: default_norm_eps(),
            rope_theta: default_rope_theta(),
            attention_bias: true,
            tie_embeddings: true,
            head_dim: None,
            qk_norm: false,
            attention_out_bias: false,
            rope_scaling: None,
        }
    }

    /// A Llama/Qwen style config with grouped-query attention.
    #[allow(clippy::too_many_arguments)]
    pub fn llama(
        vocab: usize,
        hidden: usize,
        layers: usize,
        heads: usize,
        kv_heads: usize,
        ff: usize,
        seq: usize,
    ) -> Self {
        Self {
            architecture: Architecture::Llama,
            vocab_size: vocab,
            hidden_size: hidden,
            num_layers: layers,
            num_heads: heads,
            num_kv_heads: kv_heads,
            intermediate_size: ff,
            max_seq_len: seq,
            norm_eps: 1e-6,
            rope_theta: default_rope_theta(),
            attention_bias: false,
            tie_embeddings: true,
            head_dim: None,
            qk_norm: false,
            attention_out_bias: false,
            rope_scaling: None,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("config serialises")
    }

    /// Rejects shapes the layers cannot be built with, naming the field at fault.
    pub fn validate(&self) -> Result<(), crate::ModelError> {
        let bad = |msg: String| Err(crate::ModelError::Config(msg));
        if self.head_dim == Some(0) {
            return bad("head_dim must be positive".into());
        }
        if self.num_heads == 0 || (self.head_dim.is_none() && !self.hidden_size.is_multiple_of(self.num_heads)) {
            return bad(format!("hidden_size {} is not divisible by num_heads {}", self.hidden_size, self.num_heads));
        }
        if self.num_kv_heads == 0 || !self.num_heads.is_multiple_of(self.num_kv_heads) {
            return bad(format!(
                "num_heads {} is not a multiple of num_kv_heads {}",
                self.num_heads, self.num_kv_heads
            ));
        }
        if self.architecture == Architecture::Llama && !self.head_dim().is_multiple_of(2) {
            return bad(format!("head_dim {} must be even for RoPE", self.head_dim()));
        }
        if self.architecture == Architecture::Gpt2 && (self.qk_norm || self.rope_scaling.is_some()) {
            return bad("qk_norm and rope_scaling apply to the llama architecture only".into());
        }
        for (name, value) in [("norm_eps", self.norm_eps), ("rope_theta", self.rope_theta)] {
            if !(value.is_finite() && value > 0.0) {
                return bad(format!("{name} must be a positive number, not {value}"));
            }
        }
        for (name, value) in [
            ("hidden_size", self.hidden_size),
            ("vocab_size", self.vocab_size),
            ("num_layers", self.num_layers),
            ("intermediate_size", self.intermediate_size),
            ("max_seq_len", self.max_seq_len),
        ] {
            if value == 0 {
                return bad(format!("{name} must be positive"));
            }
        }
        Ok(())
    }
}
