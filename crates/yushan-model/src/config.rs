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
        self.hidden_size / self.num_heads
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
        }
    }

    pub fn from_json(text: &str) -> Result<Self, crate::ModelError> {
        let config: Self = serde_json::from_str(text)
            .map_err(|e| crate::ModelError::Config(format!("config.json: {e}")))?;
        config.validate()?;
        Ok(config)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("config serialises")
    }

    /// Rejects shapes the layers cannot be built with, naming the field at fault.
    pub fn validate(&self) -> Result<(), crate::ModelError> {
        let bad = |msg: String| Err(crate::ModelError::Config(msg));
        if self.num_heads == 0 || !self.hidden_size.is_multiple_of(self.num_heads) {
            return bad(format!(
                "hidden_size {} is not divisible by num_heads {}",
                self.hidden_size, self.num_heads
            ));
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
        for (name, value) in [
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
