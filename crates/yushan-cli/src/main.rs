//! `yushan`: fine-tune small language models with LoRA on role-tagged chat data, offline.

mod atomic;
mod bench;
mod chat;
mod corpus;
mod device;
mod eval;
mod lesson;
mod model_dir;
mod pretrain;
mod text_file;
mod train;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use device::Backend;
use yushan_data::Template;
use yushan_model::{FrozenPrecision, Kernels};
use yushan_train::SamplingConfig;

#[derive(Parser)]
#[command(name = "yushan", version, about = "Fine-tune small language models with LoRA on role-tagged chat data")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fine-tune a model on a JSONL file of conversations (LoRA by default, --full for all weights).
    Train(train::TrainArgs),
    /// Answer one prompt.
    Generate(GenerateArgs),
    /// Chat in the terminal (one question a line; an empty line or EOF ends).
    Chat(ChatArgs),
    /// Held-out loss and answers on a JSONL file.
    Eval(eval::EvalArgs),
    /// Write the knowledge corpus (true facts as Chinese and English prose) and the lesson data.
    Corpus(corpus::CorpusArgs),
    /// Build a tokenizer (characters or BPE) and a model from text files, and train it on the text.
    Pretrain(pretrain::PretrainArgs),
    /// Training throughput on the fixed benchmark shapes (shared/BENCH.md).
    Bench(BenchArgs),
    /// Run a lesson: a seeded experiment that shows one finding about instruction fine-tuning.
    Lesson(lesson::LessonArgs),
}

/// Where the model lives and how to run it; shared by the commands that load one.
#[derive(Args, Clone)]
pub struct ModelArgs {
    /// Folder with config.json, model.safetensors and tokenizer.json.
    #[arg(long, default_value = "models/default")]
    pub model: PathBuf,
    /// Folder with a PEFT adapter (adapter_config.json, adapter_model.safetensors).
    #[arg(long)]
    pub adapter: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Backend::Wgpu)]
    pub backend: Backend,
    /// Chat template: plain (使用者:/AI:), chatml, none, or model (the model's own, from its
    /// tokenizer_config.json).
    #[arg(long, default_value = "plain", value_parser = parse_template)]
    pub template: Template,
    /// `enable_thinking` for the model's own chat template (Qwen3 reads it; false gives an
    /// empty <think> block); left undefined when not given, as transformers does.
    #[arg(long, value_name = "true|false")]
    pub enable_thinking: Option<bool>,
    /// How the frozen base weights are stored: auto (f16 on a GPU with shader-f16, half the
    /// memory), f16 or f32.
    #[arg(long, default_value = "auto", value_parser = model_dir::parse_frozen)]
    pub frozen_weights: FrozenPrecision,
    /// GPU kernels: wgsl (the fused kernels of shaders/: fewer dispatches a step) or burn
    /// (burn's composed tensor ops, to compare against); the CPU backend always runs burn's.
    #[arg(long, default_value = "wgsl", value_parser = model_dir::parse_kernels)]
    pub kernels: Kernels,
}

#[derive(Args, Clone)]
pub struct SamplingArgs {
    #[arg(long, default_value_t = 128)]
    pub max_tokens: usize,
    /// 0 decodes greedily.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f64,
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl SamplingArgs {
    pub fn config(&self) -> SamplingConfig {
        SamplingConfig {
            max_new_tokens: self.max_tokens,
            temperature: self.temperature,
            top_k: self.top_k,
            top_p: self.top_p,
            seed: self.seed,
        }
    }

    /// Refuses settings that cannot sample, naming them, before any model loads.
    pub fn check(&self) -> anyhow::Result<()> {
        self.config().check().map_err(|e| anyhow::anyhow!("invalid sampling settings: {e}"))
    }
}

#[derive(Args)]
struct GenerateArgs {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    sampling: SamplingArgs,
    /// The user's question.
    #[arg(long)]
    prompt: String,
    #[arg(long, conflicts_with = "raw")]
    system: Option<String>,
    /// Continue the prompt as plain text, with no template or role tags (\n in the shell
    /// becomes a real line break), to see what the base model does with text.
    #[arg(long)]
    raw: bool,
    /// Also show, at each position of the answer, the token's probability and the K most
    /// likely tokens there (what the page's compare panel shows).
    #[arg(long, value_name = "K", conflicts_with = "raw")]
    top: Option<usize>,
    /// Print the answer (and with --top, the probabilities) as one JSON object.
    #[arg(long, conflicts_with = "raw")]
    json: bool,
}

#[derive(Args)]
struct ChatArgs {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    sampling: SamplingArgs,
    #[arg(long)]
    system: Option<String>,
}

#[derive(Args)]
struct BenchArgs {
    /// S, M, or all.
    #[arg(long, default_value = "all")]
    shape: String,
    /// wgpu, cpu, or all.
    #[arg(long, default_value = "all")]
    backend: String,
    #[arg(long, default_value_t = 20)]
    steps: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// How the frozen base weights are stored: auto (f16 on a GPU with shader-f16), f16 or f32.
    #[arg(long, default_value = "auto", value_parser = model_dir::parse_frozen)]
    frozen_weights: FrozenPrecision,
    /// GPU kernels: wgsl (the fused kernels of shaders/), burn (burn's composed ops), or all
    /// (both, one after the other, for the ratio).
    #[arg(long, default_value = "wgsl")]
    kernels: String,
    /// Run exactly one shape on one backend in this process and print its JSON (used internally).
    #[arg(long, hide = true)]
    one: bool,
}

pub fn parse_template(name: &str) -> Result<Template, String> {
    Template::parse(name).ok_or_else(|| format!("unknown template `{name}` (expected plain, chatml, none or model)"))
}

fn main() -> anyhow::Result<()> {
    let process_start = std::time::Instant::now();
    let command = Cli::parse().command;
    match &command {
        Command::Generate(GenerateArgs { sampling, .. }) | Command::Chat(ChatArgs { sampling, .. }) => {
            sampling.check()?
        }
        _ => {}
    }
    match command {
        Command::Train(args) => train::run(args),
        Command::Generate(args) if args.raw => {
            chat::complete_once(&args.model, &args.sampling, &args.prompt.replace("\\n", "\n"))
        }
        Command::Generate(args) => {
            chat::generate_once(&args.model, &args.sampling, args.system.as_deref(), &args.prompt, args.top, args.json)
        }
        Command::Chat(args) => chat::repl(&args.model, &args.sampling, args.system.as_deref()),
        Command::Eval(args) => eval::run(args),
        Command::Corpus(args) => corpus::run(args),
        Command::Pretrain(args) => pretrain::run(args),
        Command::Lesson(args) => lesson::run(args),
        Command::Bench(args) => {
            let backends: Vec<Backend> = match args.backend.as_str() {
                "all" => vec![Backend::Wgpu, Backend::Cpu],
                "wgpu" => vec![Backend::Wgpu],
                "cpu" => vec![Backend::Cpu],
                other => anyhow::bail!("unknown backend `{other}` (expected wgpu, cpu or all)"),
            };
            let shapes: Vec<String> = match args.shape.as_str() {
                "all" => vec!["S".into(), "M".into()],
                one => vec![one.to_string()],
            };
            let kernels: Vec<Kernels> = match args.kernels.as_str() {
                "all" => Kernels::ALL.to_vec(),
                one => vec![model_dir::parse_kernels(one).map_err(anyhow::Error::msg)?],
            };
            let settings = bench::Settings { frozen: args.frozen_weights, steps: args.steps };
            if args.one {
                let line = bench::run_one(&shapes[0], backends[0], kernels[0], &settings, process_start)?;
                println!("{}", serde_json::to_string(&line)?);
                Ok(())
            } else {
                bench::run_all(&shapes, &backends, &kernels, &settings, args.json)
            }
        }
    }
}
