//! A model on disk: `config.json`, `model.safetensors` and `tokenizer.json` in one folder; an
//! adapter: PEFT's `adapter_config.json` and `adapter_model.safetensors`.

use std::path::Path;

use anyhow::{Context, Result};
use burn::tensor::Device;
use yushan_data::ChatTokenizer;
use yushan_model::{LoraConfig, Model, ModelConfig};

fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(name);
    std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_text(dir: &Path, name: &str) -> Result<String> {
    String::from_utf8(read(dir, name)?).with_context(|| format!("{} is not UTF-8 text", dir.join(name).display()))
}

pub fn load(dir: &Path, device: &Device) -> Result<(Model, ChatTokenizer)> {
    let config = ModelConfig::from_json(&read_text(dir, "config.json")?)
        .with_context(|| format!("in {}", dir.join("config.json").display()))?;
    let tokenizer = ChatTokenizer::from_json(&read_text(dir, "tokenizer.json")?)?;
    if tokenizer.vocab_size() > config.vocab_size {
        anyhow::bail!(
            "{}: the tokenizer has {} tokens but the model's vocab_size is {}",
            dir.display(),
            tokenizer.vocab_size(),
            config.vocab_size
        );
    }
    let model = Model::from_safetensors(&config, &read(dir, "model.safetensors")?, device)
        .with_context(|| format!("in {}", dir.join("model.safetensors").display()))?;
    Ok((model, tokenizer))
}

pub fn save(dir: &Path, model: &Model, tokenizer: &ChatTokenizer) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join("config.json"), model.config.to_json())?;
    std::fs::write(dir.join("tokenizer.json"), tokenizer.to_json())?;
    std::fs::write(dir.join("model.safetensors"), pollster::block_on(model.to_safetensors())?)?;
    Ok(())
}

pub fn attach_adapter(model: Model, dir: &Path) -> Result<(Model, LoraConfig)> {
    let config = read_text(dir, "adapter_config.json")?;
    let weights = read(dir, "adapter_model.safetensors")?;
    model.with_peft_adapter(&config, &weights).with_context(|| format!("loading the adapter in {}", dir.display()))
}

pub fn save_adapter(dir: &Path, model: &Model, lora: &LoraConfig, base: &str) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (config, weights) = pollster::block_on(model.adapter_to_peft(lora, base))?;
    std::fs::write(dir.join("adapter_config.json"), config)?;
    std::fs::write(dir.join("adapter_model.safetensors"), weights)?;
    Ok(())
}
