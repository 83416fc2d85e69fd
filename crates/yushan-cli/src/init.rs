//! `yushan init`: a randomly initialised model and a character tokenizer over given text files.

use std::path::PathBuf;

use anyhow::{Context, Result};
use burn::tensor::Device;
use clap::{Args, ValueEnum};
use yushan_data::build_char_tokenizer;
use yushan_model::{Model, ModelConfig};

use crate::model_dir;

#[derive(Clone, Copy, ValueEnum)]
enum Arch {
    Gpt2,
    Llama,
}

#[derive(Args)]
pub struct InitArgs {
    /// Text or JSONL files whose characters make the vocabulary.
    #[arg(long, required = true, num_args = 1..)]
    text: Vec<PathBuf>,
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value_t = Arch::Llama)]
    arch: Arch,
    #[arg(long, default_value_t = 64)]
    hidden: usize,
    #[arg(long, default_value_t = 2)]
    layers: usize,
    #[arg(long, default_value_t = 4)]
    heads: usize,
    #[arg(long, default_value_t = 2)]
    kv_heads: usize,
    #[arg(long, default_value_t = 128)]
    ff: usize,
    #[arg(long, default_value_t = 128)]
    context: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

pub fn run(args: InitArgs) -> Result<()> {
    let texts: Vec<String> = args
        .text
        .iter()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display())))
        .collect::<Result<_>>()?;
    // JSONL escapes non-ASCII characters rarely, but decode it anyway so \uXXXX becomes text.
    let decoded: Vec<String> = texts.iter().map(|t| unescape_json_strings(t)).collect();
    let refs: Vec<&str> = decoded.iter().map(|s| s.as_str()).chain(["使用者: AI: 系統: \n"]).collect();
    let tokenizer = build_char_tokenizer(&refs);
    let vocab = tokenizer.vocab_size();
    let config = match args.arch {
        Arch::Gpt2 => ModelConfig::gpt2(vocab, args.hidden, args.layers, args.heads, args.ff, args.context),
        Arch::Llama => ModelConfig::llama(vocab, args.hidden, args.layers, args.heads, args.kv_heads, args.ff, args.context),
    };
    config.validate()?;
    let model = Model::init(&config, args.seed, &Device::flex());
    model_dir::save(&args.out, &model, &tokenizer)?;
    eprintln!(
        "wrote {} ({} parameters, vocabulary of {vocab} tokens)",
        args.out.display(),
        burn::module::Module::num_params(&model)
    );
    Ok(())
}

/// The text inside JSON string literals of each line, or the line itself when it is not JSON.
fn unescape_json_strings(text: &str) -> String {
    fn collect(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::String(s) => out.push_str(s),
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut out = String::new();
    for line in text.lines() {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(value) => collect(&value, &mut out),
            Err(_) => out.push_str(line),
        }
        out.push('\n');
    }
    out
}
