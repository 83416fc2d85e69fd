//! `yushan train`: fine-tune on a JSONL file with a progress bar; writes the adapter (PEFT
//! layout) or, with --full, the whole model, and the step log as JSONL.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use yushan_data::{ChatTokenizer, Conversation, DataError, JsonlErrors, Template, parse_jsonl_lenient};
use yushan_model::{FrozenPrecision, Kernels, LoraConfig, LoraTarget, megabytes};
use yushan_train::{FineTuneSpec, LossPlan, StepMemory, TrainConfig, TrainError, fitting_seq_len, prepare};

use crate::device::{self, Backend};
use crate::{model_dir, parse_template};

#[derive(Args)]
pub struct TrainArgs {
    /// JSONL conversations: {"messages":[{"role","content"}]} or {"prompt","completion"} per line.
    #[arg(long)]
    data: PathBuf,
    /// Folder with config.json, model.safetensors and tokenizer.json.
    #[arg(long, default_value = "models/default")]
    model: PathBuf,
    /// Where the adapter (or, with --full, the model) and training_log.jsonl go.
    #[arg(long, default_value = "runs/latest")]
    out: PathBuf,
    #[arg(long, value_enum, default_value_t = Backend::Wgpu)]
    backend: Backend,
    /// Chat template: plain, chatml, none, or model (the model's own, from tokenizer_config.json).
    #[arg(long, default_value = "plain", value_parser = parse_template)]
    template: Template,
    /// `enable_thinking` for the model's own chat template (Qwen3 reads it; false gives an
    /// empty <think> block); left undefined when not given, as transformers does.
    #[arg(long, value_name = "true|false")]
    enable_thinking: Option<bool>,
    #[arg(long, default_value_t = 8)]
    rank: usize,
    #[arg(long, default_value_t = 16.0)]
    alpha: f64,
    #[arg(long, default_value_t = 0.0)]
    dropout: f64,
    /// Comma-separated projections: q,k,v,o,gate,up,down.
    #[arg(long, default_value = "q,v")]
    targets: String,
    /// Train every weight instead of a LoRA adapter (in f32).
    #[arg(long)]
    full: bool,
    /// How the frozen base weights are stored under LoRA: auto (f16 on a GPU with shader-f16,
    /// half the memory), f16 or f32.
    #[arg(long, default_value = "auto", value_parser = model_dir::parse_frozen, conflicts_with = "full")]
    frozen_weights: FrozenPrecision,
    /// GPU kernels: wgsl (the fused kernels of shaders/: fewer dispatches a step) or burn
    /// (burn's composed tensor ops, to compare against); the CPU backend always runs burn's.
    #[arg(long, default_value = "wgsl", value_parser = model_dir::parse_kernels)]
    kernels: Kernels,
    #[arg(long, default_value_t = 100)]
    steps: usize,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Steps over which the learning rate rises to its peak [default: 5, or the whole run if shorter].
    #[arg(long)]
    warmup: Option<usize>,
    #[arg(long, default_value_t = 0.01)]
    weight_decay: f64,
    /// Global gradient-norm limit (0 disables clipping).
    #[arg(long, default_value_t = 1.0)]
    clip: f64,
    #[arg(long, default_value_t = 8)]
    batch: usize,
    /// Tokens per row; longer conversations are refused with their line number
    /// [default: what the longest conversation needs, within the model's context].
    #[arg(long)]
    seq: Option<usize>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Share of the conversations held out for evaluation.
    #[arg(long, default_value_t = 0.1)]
    heldout: f64,
    #[arg(long, default_value_t = 10)]
    eval_every: usize,
}

/// Characters the tokenizer cannot read train as `<|unk|>`, so the model never learns them:
/// say which, and where the first one is, as the page's token view does.
fn warn_unknown_chars(tokenizer: &ChatTokenizer, conversations: &[Conversation], lines: &[usize], file: &Path) {
    let mut unknown: Vec<char> = Vec::new();
    let mut first_line = None;
    for (conversation, line) in conversations.iter().zip(lines) {
        for message in &conversation.messages {
            for c in tokenizer.unknown_chars(&message.content) {
                if !unknown.contains(&c) {
                    unknown.push(c);
                    first_line.get_or_insert(*line);
                }
            }
        }
    }
    if let Some(line) = first_line {
        let shown: String = unknown.iter().take(12).flat_map(|c| [*c, ' ']).collect();
        let more = if unknown.len() > 12 { "…" } else { "" };
        eprintln!(
            "warning: {}: {} characters are not in the model's tokenizer and train as <|unk|> ({}{more}; the first on line {line})",
            file.display(),
            unknown.len(),
            shown.trim_end()
        );
    }
}

pub fn run(args: TrainArgs) -> Result<()> {
    let text = crate::text_file::read(&args.data)?;
    let import = parse_jsonl_lenient(&text);
    if !import.errors.is_empty() {
        anyhow::bail!("{}:\n{}", args.data.display(), JsonlErrors(import.errors));
    }
    let (lines, conversations): (Vec<usize>, Vec<_>) = import.conversations.into_iter().unzip();
    if conversations.is_empty() {
        anyhow::bail!("{}: holds no conversations to train on", args.data.display());
    }
    let lora = (!args.full).then(|| -> Result<LoraConfig> {
        Ok(LoraConfig {
            rank: args.rank,
            alpha: args.alpha,
            dropout: args.dropout,
            targets: LoraTarget::parse_list(args.targets.split(',')).map_err(anyhow::Error::msg)?,
        })
    });
    let lora = lora.transpose()?;
    let mut spec = FineTuneSpec {
        template: args.template,
        batch_size: args.batch,
        seq_len: args.seq.unwrap_or(1), // fitted to the data once the tokenizer is loaded
        heldout_fraction: args.heldout,
        train: TrainConfig {
            lora: lora.clone(),
            learning_rate: args.lr,
            warmup_steps: args.warmup.unwrap_or(args.steps.min(5)),
            min_lr_ratio: 0.1,
            steps: args.steps,
            weight_decay: args.weight_decay,
            grad_clip: (args.clip != 0.0).then_some(args.clip),
            seed: args.seed,
            eval_every: args.eval_every,
        },
    };

    // Settings first, before the model loads: a typo is refused by name, not against the data.
    spec.check().map_err(|e| anyhow::anyhow!("invalid training settings: {e}"))?;
    let (device, adapter) = device::open(args.backend)?;
    eprintln!("device: {adapter}");
    let frozen = if args.full { FrozenPrecision::F32 } else { args.frozen_weights };
    let (model, tokenizer) = model_dir::load(&args.model, &device, frozen)?;
    let model = model.with_kernels(args.kernels);
    let tokenizer = model_dir::set_enable_thinking(tokenizer, args.template, args.enable_thinking)?;
    let total = burn::module::Module::num_params(&model);
    if args.seq.is_none() {
        spec.seq_len = fitting_seq_len(&conversations, args.template, &tokenizer, model.config.max_seq_len, 16);
    }
    device::check_step_fits(&device, &StepMemory::estimate(&model.config, spec.batch_size, spec.seq_len))?;
    let (mut trainer, summary) = prepare(model, &tokenizer, &conversations, &spec, &device).map_err(|e| match e {
        // Name the file line of the conversation at fault, not only its position.
        TrainError::Data(e @ DataError::Conversation { index, .. }) => {
            anyhow::anyhow!("{}: {}", args.data.display(), e.at_line(lines[index]))
        }
        TrainError::Data(e) => anyhow::anyhow!("{}: {e}", args.data.display()),
        // Settings and the model are not the data file's fault.
        other => anyhow::anyhow!(other),
    })?;
    warn_unknown_chars(&tokenizer, &conversations, &lines, &args.data);
    let trainable = trainer.model().trainable_params();
    eprintln!(
        "data: {} conversations for training ({} tokens, {} carry loss), {} held out",
        summary.train_conversations, summary.train_tokens, summary.loss_tokens, summary.heldout_conversations
    );
    eprintln!("trainable: {trainable} of {total} parameters ({:.2}%)", 100.0 * trainable as f64 / total as f64);
    eprintln!("rows: {} conversations of up to {} tokens per step", args.batch, spec.seq_len + 1);
    let (positions, vocab) = (args.batch * spec.seq_len, trainer.model().config.vocab_size);
    if let plan @ LossPlan::Chunks(rows) = LossPlan::new(positions, vocab) {
        eprintln!(
            "loss: logits for {rows} positions at a time ({}), not all {positions} at once ({})",
            megabytes(4 * plan.peak_logits(positions, vocab) as u64),
            megabytes(4 * (positions * vocab) as u64)
        );
    }

    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let saved = ["adapter_model.safetensors", "model.safetensors"].iter().find(|f| args.out.join(f).exists());
    if let Some(file) = saved {
        eprintln!(
            "note: {} already holds a run ({file}); it stays until this run ends, then this run replaces it",
            args.out.display()
        );
    }
    // The log is written beside the old one and takes its place with the new adapter, so a run
    // stopped part-way leaves the folder's last run whole.
    let (log_path, partial_log) = (args.out.join("training_log.jsonl"), args.out.join(".training_log.jsonl.partial"));
    let mut log =
        std::fs::File::create(&partial_log).with_context(|| format!("cannot write {}", partial_log.display()))?;
    let bar = ProgressBar::new(args.steps as u64);
    bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} [{elapsed}<{eta}] {msg}").expect("template"));
    let mut heldout = None;
    while !trainer.is_done() {
        let event = pollster::block_on(trainer.step())?;
        writeln!(log, "{}", serde_json::to_string(&event)?)?;
        heldout = event.heldout_loss.or(heldout);
        let held = heldout.map(|h| format!(" held-out {h:.4}")).unwrap_or_default();
        bar.set_message(format!("loss {:.4}{held} lr {:.2e} {:.0} tok/s", event.loss, event.lr, event.tokens_per_s));
        bar.inc(1);
    }
    bar.finish();

    let model = trainer.into_model();
    match &lora {
        Some(lora) => {
            model_dir::save_adapter(&args.out, &model, lora, &args.model.display().to_string())?;
            eprintln!("adapter saved in {} (PEFT layout)", args.out.display());
        }
        None => {
            model_dir::save(&args.out, &model, &tokenizer)?;
            eprintln!("model saved in {}", args.out.display());
        }
    }
    log.sync_all()?;
    std::fs::rename(&partial_log, &log_path).with_context(|| format!("cannot replace {}", log_path.display()))?;
    Ok(())
}
