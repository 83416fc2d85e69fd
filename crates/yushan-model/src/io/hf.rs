//! Hugging Face `config.json` (`model_type` gpt2, llama, qwen2, qwen3) → [`ModelConfig`].
//! Fields we cannot honour are refused by name rather than silently ignored.

use serde::Deserialize;
use serde_json::Value;

use crate::ModelError;
use crate::config::{ModelConfig, RopeScaling};

// Reading a config.json lives here, not in config.rs, so config.rs does not depend on this file.
impl ModelConfig {
    /// Reads our own `config.json` (it has an `architecture` field) or a Hugging Face one (it
    /// has `model_type`; read here).
    pub fn from_json(text: &str) -> Result<Self, crate::ModelError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| crate::ModelError::Config(format!("config.json: {e}")))?;
        let config: Self = if value.get("architecture").is_none() && value.get("model_type").is_some() {
            config_from_hf(&value)?
        } else {
            serde_json::from_value(value).map_err(|e| crate::ModelError::Config(format!("config.json: {e}")))?
        };
        config.validate()?;
        Ok(config)
    }
}

/// The `model_type`s we can load.
pub const SUPPORTED_MODEL_TYPES: [&str; 4] = ["gpt2", "llama", "qwen2", "qwen3"];

fn err(model_type: &str, msg: impl std::fmt::Display) -> ModelError {
    ModelError::Config(format!("config.json (model_type {model_type}): {msg}"))
}

#[derive(Deserialize)]
struct Gpt2Json {
    vocab_size: usize,
    n_embd: usize,
    n_layer: usize,
    n_head: usize,
    n_positions: usize,
    /// `null` means 4 · n_embd.
    #[serde(default)]
    n_inner: Option<usize>,
    #[serde(default = "gpt2_eps")]
    layer_norm_epsilon: f64,
    #[serde(default = "gelu_new")]
    activation_function: String,
    #[serde(default = "yes")]
    scale_attn_weights: bool,
    #[serde(default)]
    scale_attn_by_inverse_layer_idx: bool,
    #[serde(default = "yes")]
    tie_word_embeddings: bool,
}

fn gpt2_eps() -> f64 {
    1e-5
}
fn gelu_new() -> String {
    "gelu_new".into()
}
fn yes() -> bool {
    true
}

/// The fields Llama, Qwen2 and Qwen3 share (defaults as in `transformers`).
#[derive(Deserialize)]
struct LlamaJson {
    vocab_size: usize,
    hidden_size: usize,
    intermediate_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    #[serde(default)]
    num_key_value_heads: Option<usize>,
    #[serde(default)]
    head_dim: Option<usize>,
    #[serde(default = "rms_eps")]
    rms_norm_eps: f64,
    #[serde(default)]
    rope_theta: Option<f64>,
    max_position_embeddings: usize,
    #[serde(default)]
    tie_word_embeddings: bool,
    #[serde(default)]
    attention_bias: bool,
    #[serde(default)]
    mlp_bias: bool,
    #[serde(default = "silu")]
    hidden_act: String,
    #[serde(default)]
    rope_scaling: Option<Value>,
    /// transformers v5 moves `rope_theta` and the scaling here.
    #[serde(default)]
    rope_parameters: Option<Value>,
    #[serde(default)]
    use_sliding_window: bool,
}

fn rms_eps() -> f64 {
    1e-6
}
fn silu() -> String {
    "silu".into()
}

/// Reads a Hugging Face config (the caller has seen its `model_type`).
pub(crate) fn config_from_hf(value: &Value) -> Result<ModelConfig, ModelError> {
    let model_type = value.get("model_type").and_then(Value::as_str).unwrap_or("");
    match model_type {
        "gpt2" => gpt2(value),
        "llama" | "qwen2" | "qwen3" => llama(value, model_type),
        other => Err(ModelError::Config(format!(
            "config.json: model_type `{other}` is not supported; supported: {}",
            SUPPORTED_MODEL_TYPES.join(", ")
        ))),
    }
}

fn gpt2(value: &Value) -> Result<ModelConfig, ModelError> {
    let c: Gpt2Json = serde_json::from_value(value.clone()).map_err(|e| err("gpt2", e))?;
    // Both names are the tanh approximation of GELU, which is what our GPT-2 MLP computes.
    if !matches!(c.activation_function.as_str(), "gelu_new" | "gelu_pytorch_tanh") {
        return Err(err(
            "gpt2",
            format!("activation_function `{}` is not supported (gelu_new or gelu_pytorch_tanh)", c.activation_function),
        ));
    }
    if !c.scale_attn_weights || c.scale_attn_by_inverse_layer_idx {
        return Err(err(
            "gpt2",
            "only scale_attn_weights = true, scale_attn_by_inverse_layer_idx = false is supported",
        ));
    }
    let mut config = ModelConfig::gpt2(
        c.vocab_size,
        c.n_embd,
        c.n_layer,
        c.n_head,
        c.n_inner.unwrap_or(4 * c.n_embd),
        c.n_positions,
    );
    config.norm_eps = c.layer_norm_epsilon;
    config.tie_embeddings = c.tie_word_embeddings;
    Ok(config)
}

fn llama(value: &Value, model_type: &str) -> Result<ModelConfig, ModelError> {
    let c: LlamaJson = serde_json::from_value(value.clone()).map_err(|e| err(model_type, e))?;
    if c.hidden_act != "silu" {
        return Err(err(model_type, format!("hidden_act `{}` is not supported (silu)", c.hidden_act)));
    }
    if c.mlp_bias {
        return Err(err(model_type, "mlp_bias = true is not supported"));
    }
    if c.use_sliding_window {
        return Err(err(model_type, "use_sliding_window = true is not supported (sliding-window attention)"));
    }
    let params = c.rope_parameters.as_ref();
    let rope_theta =
        c.rope_theta.or_else(|| params.and_then(|p| p.get("rope_theta")).and_then(Value::as_f64)).unwrap_or(10_000.0);
    let rope_scaling = match (&c.rope_scaling, params) {
        (Some(scaling), _) if !scaling.is_null() => rope_scaling(scaling, "rope_scaling", model_type)?,
        (_, Some(params)) => rope_scaling(params, "rope_parameters", model_type)?,
        _ => None,
    };
    let mut config = ModelConfig::llama(
        c.vocab_size,
        c.hidden_size,
        c.num_hidden_layers,
        c.num_attention_heads,
        c.num_key_value_heads.unwrap_or(c.num_attention_heads),
        c.intermediate_size,
        c.max_position_embeddings,
    );
    config.norm_eps = c.rms_norm_eps;
    config.rope_theta = rope_theta;
    config.rope_scaling = rope_scaling;
    config.tie_embeddings = c.tie_word_embeddings;
    match model_type {
        // Qwen2 always has q/k/v bias and never an output bias.
        "qwen2" => config.attention_bias = true,
        _ => {
            config.attention_bias = c.attention_bias;
            config.attention_out_bias = c.attention_bias;
        }
    }
    config.head_dim = match (model_type, c.head_dim) {
        (_, Some(d)) => Some(d),
        // transformers' Qwen3Config defaults head_dim to 128 rather than deriving it.
        ("qwen3", None) => Some(128),
        _ => None,
    };
    config.qk_norm = model_type == "qwen3";
    Ok(config)
}

/// `rope_scaling` / `rope_parameters`: plain RoPE or Llama 3's; anything else is refused.
fn rope_scaling(value: &Value, field: &str, model_type: &str) -> Result<Option<RopeScaling>, ModelError> {
    let kind = value.get("rope_type").or_else(|| value.get("type")).and_then(Value::as_str).unwrap_or("default");
    match kind {
        "default" => Ok(None),
        "llama3" => {
            let number = |name: &str| {
                value
                    .get(name)
                    .and_then(Value::as_f64)
                    .ok_or_else(|| err(model_type, format!("{field}.{name} must be a number")))
            };
            Ok(Some(RopeScaling {
                factor: number("factor")?,
                low_freq_factor: number("low_freq_factor")?,
                high_freq_factor: number("high_freq_factor")?,
                original_max_position_embeddings: number("original_max_position_embeddings")? as usize,
            }))
        }
        other => Err(err(model_type, format!("{field} of type `{other}` is not supported (only llama3 scaling)"))),
    }
}
