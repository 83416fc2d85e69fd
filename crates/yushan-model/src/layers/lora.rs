//! LoRA settings and the adapter factors attached to a projection.

use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::config::{Architecture, ModelConfig};
use yushan_rng::SplitMix64;

/// The projections an adapter can attach to; names follow Hugging Face / PEFT module names
/// (the short names of the CLI and the page, `q`, `gate`…, are read too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LoraTarget {
    #[serde(rename = "q_proj", alias = "q")]
    Q,
    #[serde(rename = "k_proj", alias = "k")]
    K,
    #[serde(rename = "v_proj", alias = "v")]
    V,
    #[serde(rename = "o_proj", alias = "o")]
    O,
    #[serde(rename = "gate_proj", alias = "gate")]
    Gate,
    #[serde(rename = "up_proj", alias = "up")]
    Up,
    #[serde(rename = "down_proj", alias = "down")]
    Down,
}

impl LoraTarget {
    pub const ALL: [LoraTarget; 7] = [Self::Q, Self::K, Self::V, Self::O, Self::Gate, Self::Up, Self::Down];

    /// PEFT module name (`q_proj`, …).
    pub fn module_name(self) -> &'static str {
        match self {
            Self::Q => "q_proj",
            Self::K => "k_proj",
            Self::V => "v_proj",
            Self::O => "o_proj",
            Self::Gate => "gate_proj",
            Self::Up => "up_proj",
            Self::Down => "down_proj",
        }
    }

    /// Accepts the short names (`q`, `gate`) and the PEFT names (`q_proj`).
    pub fn parse(name: &str) -> Option<Self> {
        let short = name.trim().trim_end_matches("_proj");
        Self::ALL.into_iter().find(|t| t.module_name().trim_end_matches("_proj") == short)
    }

    /// A list of names (a comma-separated flag, a form's choices), blanks skipped; an unknown
    /// name is refused by name.
    pub fn parse_list<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Vec<Self>, String> {
        names
            .into_iter()
            .filter(|name| !name.trim().is_empty())
            .map(|name| {
                Self::parse(name)
                    .ok_or_else(|| format!("unknown LoRA target `{name}` (expected q, k, v, o, gate, up or down)"))
            })
            .collect()
    }
}

/// A misspelt field (in a lesson's settings from a link, say) is refused, not left at its default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoraConfig {
    pub rank: usize,
    pub alpha: f64,
    #[serde(default)]
    pub dropout: f64,
    pub targets: Vec<LoraTarget>,
}

impl LoraConfig {
    pub fn new(rank: usize, alpha: f64, targets: &[LoraTarget]) -> Self {
        Self { rank, alpha, dropout: 0.0, targets: targets.to_vec() }
    }

    /// Why these settings cannot make an adapter, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.rank == 0 {
            return Err("LoRA rank must be at least 1".into());
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(format!("LoRA alpha must be a positive number, not {}", self.alpha));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(format!("LoRA dropout must be at least 0 and below 1, not {}", self.dropout));
        }
        if self.targets.is_empty() {
            return Err("LoRA needs at least one target projection".into());
        }
        Ok(())
    }

    pub fn scaling(&self) -> f64 {
        self.alpha / self.rank as f64
    }

    /// Why these adapters cannot go on a model of `config`, if they cannot: a rank above the
    /// hidden size, or a projection the architecture lacks (GPT-2's MLP has no gate).
    pub fn check_for(&self, config: &ModelConfig) -> Result<(), String> {
        if self.rank > config.hidden_size {
            return Err(format!(
                "LoRA rank {} is larger than the model's hidden size ({}): each adapter would hold more \
                 weights than the matrix it adapts",
                self.rank, config.hidden_size
            ));
        }
        if config.architecture == Architecture::Gpt2 && self.targets.contains(&LoraTarget::Gate) {
            return Err("LoRA target gate: this GPT-2 model's MLP has no gate projection (it has up and down)".into());
        }
        Ok(())
    }

    /// Parameters these adapters add to a model of `config` (what training will update),
    /// known before any tensor is made: r · (in + out) per adapted projection and layer.
    pub fn trainable_params(&self, config: &ModelConfig) -> usize {
        let (h, q, kv, ff) = (config.hidden_size, config.q_dim(), config.kv_dim(), config.intermediate_size);
        let per_layer: usize = self
            .targets
            .iter()
            .filter_map(|t| match t {
                LoraTarget::Q => Some((h, q)),
                LoraTarget::O => Some((q, h)),
                LoraTarget::K | LoraTarget::V => Some((h, kv)),
                LoraTarget::Gate => (config.architecture == Architecture::Llama).then_some((h, ff)),
                LoraTarget::Up => Some((h, ff)),
                LoraTarget::Down => Some((ff, h)),
            })
            .map(|(d_in, d_out)| self.rank * (d_in + d_out))
            .sum();
        per_layer * config.num_layers
    }
}

/// `y += scale · dropout(x) · A · B`, with A: [in, r] random and B: [r, out] zero, so a fresh
/// adapter leaves the model's outputs unchanged.
#[derive(Module, Debug)]
pub struct LoraAdapter {
    pub a: Param<Tensor<2>>,
    pub b: Param<Tensor<2>>,
    pub scale: f64,
    pub dropout: Dropout,
}

impl LoraAdapter {
    /// A ~ Kaiming-uniform as PEFT initialises it (bound 1/sqrt(in)), B = 0.
    pub fn new(d_in: usize, d_out: usize, config: &LoraConfig, rng: &mut SplitMix64, device: &Device) -> Self {
        let bound = 1.0 / (d_in as f64).sqrt();
        let a: Vec<f32> = (0..d_in * config.rank).map(|_| ((rng.next_f64() * 2.0 - 1.0) * bound) as f32).collect();
        let a = Tensor::from_data(TensorData::new(a, [d_in, config.rank]), device);
        let b = Tensor::zeros([config.rank, d_out], device);
        Self::from_factors(a, b, config)
    }

    pub fn from_factors(a: Tensor<2>, b: Tensor<2>, config: &LoraConfig) -> Self {
        Self {
            a: Param::from_tensor(a),
            b: Param::from_tensor(b),
            scale: config.scaling(),
            dropout: DropoutConfig::new(config.dropout).init(),
        }
    }

    pub fn rank(&self) -> usize {
        self.a.dims()[1]
    }

    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let x = self.dropout.forward(x);
        let low = x.matmul(unsqueeze_as::<D>(self.a.val()));
        low.matmul(unsqueeze_as::<D>(self.b.val())).mul_scalar(self.scale)
    }

    /// The dense update `scale · A · B` ([in, out]) that merging adds to the base weight.
    pub fn delta(&self) -> Tensor<2> {
        self.a.val().matmul(self.b.val()).mul_scalar(self.scale)
    }
}

/// Lifts a matrix to rank D so it broadcasts in a batched matmul.
pub(crate) fn unsqueeze_as<const D: usize>(w: Tensor<2>) -> Tensor<D> {
    w.unsqueeze::<D>()
}
