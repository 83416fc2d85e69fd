//! A model on disk: `config.json`, `model.safetensors` (or shards and
//! `model.safetensors.index.json`) and `tokenizer.json` in one folder, in our format or as a
//! Hugging Face model folder; an adapter: PEFT's `adapter_config.json` and
//! `adapter_model.safetensors`.

use std::path::Path;

use anyhow::{Context, Result};
use burn::tensor::Device;
use yushan_data::{ChatTokenizer, Template};
use yushan_model::{FrozenPrecision, Kernels, LoraConfig, Model, ModelConfig, dtype_name, megabytes};

use crate::{atomic, device};

fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(name);
    std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_text(dir: &Path, name: &str) -> Result<String> {
    crate::text_file::read(&dir.join(name))
}

/// Reads a file of the folder, `None` when it does not exist.
fn read_optional(dir: &Path, name: &str) -> Result<Option<Vec<u8>>, yushan_model::ModelError> {
    match std::fs::read(dir.join(name)) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(yushan_model::ModelError::Weights(format!("cannot read {}: {e}", dir.join(name).display()))),
    }
}

/// Loads the model of `dir` with its base matrices stored as `frozen` resolves on `device`
/// (f32 when every weight will train).
pub fn load(dir: &Path, device: &Device, frozen: FrozenPrecision) -> Result<(Model, ChatTokenizer)> {
    let config_text = read_text(dir, "config.json")?;
    let config =
        ModelConfig::from_json(&config_text).with_context(|| format!("in {}", dir.join("config.json").display()))?;
    // Hugging Face's model_type (qwen2, …) says more than our architecture family.
    let kind = serde_json::from_str::<serde_json::Value>(&config_text)
        .ok()
        .and_then(|v| v.get("model_type")?.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{:?}", config.architecture).to_lowercase());
    let matrix_dtype = frozen.dtype_on(device)?;
    let estimate = config.weight_estimate().with_matrix_dtype(matrix_dtype);
    eprintln!("model: {kind}, {estimate}");
    if frozen == FrozenPrecision::Auto && device.clone() != Device::flex() {
        let why =
            if matrix_dtype == burn::tensor::FloatDType::F16 { "this GPU has shader-f16" } else { "no shader-f16" };
        eprintln!("frozen weights: {} ({why}; --frozen-weights f32|f16 to choose)", dtype_name(matrix_dtype));
    }
    if let Some(max_buffer) = device::max_buffer_bytes(device) {
        estimate.check_buffer_limit(max_buffer).with_context(|| format!("{} cannot be loaded here", dir.display()))?;
    }
    // The weights pass through this machine's memory on every backend (the file is read here).
    if let Some(free) = device::available_memory().filter(|&free| estimate.bytes > free) {
        anyhow::bail!(
            "{} cannot be loaded here: its weights need {}, more than the {} of memory available",
            dir.display(),
            megabytes(estimate.bytes),
            megabytes(free)
        );
    }
    let mut tokenizer = ChatTokenizer::from_json(&read_text(dir, "tokenizer.json")?)?;
    // The model's own chat template and special tokens, where the folder has them (newer
    // Hugging Face repos keep the template in its own file).
    if dir.join("tokenizer_config.json").exists() {
        tokenizer = tokenizer
            .with_config_json(&read_text(dir, "tokenizer_config.json")?)
            .with_context(|| format!("in {}", dir.join("tokenizer_config.json").display()))?;
    }
    if dir.join("chat_template.jinja").exists() {
        tokenizer = tokenizer
            .with_chat_template(&read_text(dir, "chat_template.jinja")?)
            .with_context(|| format!("in {}", dir.join("chat_template.jinja").display()))?;
    }
    if tokenizer.vocab_size() > config.vocab_size {
        anyhow::bail!(
            "{}: the tokenizer has {} tokens but the model's vocab_size is {}",
            dir.display(),
            tokenizer.vocab_size(),
            config.vocab_size
        );
    }
    let model = Model::from_checkpoint_as(&config, |name| read_optional(dir, name), device, matrix_dtype)
        .with_context(|| format!("in {}", dir.display()))?;
    Ok((model, tokenizer))
}

/// Passes `--enable-thinking` to the model's chat template; it means nothing to the others.
pub fn set_enable_thinking(
    tokenizer: ChatTokenizer,
    template: Template,
    enable: Option<bool>,
) -> Result<ChatTokenizer> {
    let Some(enable) = enable else { return Ok(tokenizer) };
    if template != Template::Model {
        anyhow::bail!("--enable-thinking applies to the model's own chat template (--template model)");
    }
    let tokenizer = tokenizer.with_thinking(template, Some(enable))?;
    if !tokenizer.reads_enable_thinking() {
        eprintln!("note: this model's chat template does not read enable_thinking; --enable-thinking changes nothing");
    }
    Ok(tokenizer)
}

/// Writes the model's folder; each file replaces the old one only once it is whole.
pub fn save(dir: &Path, model: &Model, tokenizer: &ChatTokenizer) -> Result<()> {
    // Our models end every document and answer with <|endoftext|> and have no BOS token.
    let tokenizer_config = serde_json::json!({ "bos_token": null, "eos_token": yushan_data::END_OF_TEXT });
    let tokenizer_config = serde_json::to_string_pretty(&tokenizer_config)? + "\n";
    let weights = pollster::block_on(model.to_safetensors())?;
    let (config, tokenizer) = (model.config.to_json(), tokenizer.to_json());
    atomic::write_files(
        dir,
        &[
            ("config.json", config.as_bytes()),
            ("tokenizer.json", tokenizer.as_bytes()),
            ("tokenizer_config.json", tokenizer_config.as_bytes()),
            ("model.safetensors", &weights),
        ],
    )
}

pub fn attach_adapter(model: Model, dir: &Path) -> Result<(Model, LoraConfig)> {
    let config = read_text(dir, "adapter_config.json")?;
    let weights = read(dir, "adapter_model.safetensors")?;
    model.with_peft_adapter(&config, &weights).with_context(|| format!("loading the adapter in {}", dir.display()))
}

/// Writes the adapter in PEFT's layout; each file replaces the old one only once it is whole.
pub fn save_adapter(dir: &Path, model: &Model, lora: &LoraConfig, base: &str) -> Result<()> {
    let (config, weights) = pollster::block_on(model.adapter_to_peft(lora, base))?;
    atomic::write_files(dir, &[("adapter_config.json", config.as_bytes()), ("adapter_model.safetensors", &weights)])
}

/// `--kernels`: wgsl or burn.
pub fn parse_kernels(text: &str) -> Result<Kernels, String> {
    Kernels::parse(text).ok_or_else(|| format!("unknown kernels `{text}` (expected wgsl or burn)"))
}

/// `--frozen-weights`: auto, f16 or f32.
pub fn parse_frozen(text: &str) -> Result<FrozenPrecision, String> {
    FrozenPrecision::parse(text).ok_or_else(|| format!("unknown precision `{text}` (expected auto, f16 or f32)"))
}
