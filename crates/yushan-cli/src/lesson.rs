//! `yushan lesson NAME`: the teaching experiments, run on the shipped model with a fixed seed,
//! printed as a side-by-side table (or JSON).

use std::path::PathBuf;

use anyhow::{Context, Result};
use burn::tensor::Device;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use yushan_data::ChatTokenizer;
use yushan_lessons::{
    AnswerCheck, LoraVsFullSpec, QaItem, RoleTagsSpec, ShortcutSpec, TransferData, TransferSpec, parse_lesson,
    run_lora_vs_full, run_role_tags, run_shortcut, run_transfer, shortcut, transfer,
};
use yushan_model::frozen::FrozenPrecision;
use yushan_model::{LoraConfig, LoraTarget, Model};
use yushan_train::StepEvent;

use crate::device::{self, Backend};
use crate::lesson_tasks::{self, ForgettingArgs, SpecialistsArgs};
use crate::model_dir;

#[derive(Args)]
pub struct LessonArgs {
    #[command(subcommand)]
    lesson: Lesson,
}

#[derive(Subcommand)]
enum Lesson {
    /// 最 → 玉山: a model trained from scratch on a few pairs learns a shortcut; the pretrained
    /// model fine-tuned with LoRA on the same pairs answers new questions from its knowledge.
    Shortcut(ShortcutArgs),
    /// Why role tags: the same pairs with and without tags; without them the model does not
    /// know where its answer ends.
    RoleTags(RoleTagsArgs),
    /// LoRA vs full fine-tuning on the shortcut pairs: trainable parameters, step time, memory,
    /// held-out accuracy, how far the weights moved and how much pretraining knowledge survives.
    LoraVsFull(LoraVsFullArgs),
    /// 舉一反三: fine-tune on English pairs, ask in Chinese about other facts; compared with
    /// Chinese pairs and with no fine-tuning.
    Transfer(TransferArgs),
    /// Specialists and a generalist: a translation adapter, an editing adapter and one on both,
    /// each asked every task and a composite none was trained on.
    Specialists(SpecialistsArgs),
    /// 複習: editing, then translation; task A's accuracy while B trains, with no replay, with
    /// a share of A's pairs replayed, and with the model's own answers to A's prompts replayed.
    Forgetting(ForgettingArgs),
}

#[derive(Args)]
pub(crate) struct Common {
    /// The pretrained model (config.json, model.safetensors, tokenizer.json).
    #[arg(long, default_value = "models/knowledge")]
    model: PathBuf,
    /// Folder with the lesson's data: chat pairs (train.jsonl; transfer: train-en.jsonl and
    /// train-zh.jsonl; specialists, forgetting: translate-train.jsonl, edit-train.jsonl) and
    /// held-out items ({"question","answer","accept":[...]} per line: heldout.jsonl; the tasks:
    /// translate-, edit- and composite-heldout.jsonl). Default: the lesson's own folder,
    /// lessons/shortcut (lessons/transfer, lessons/tasks).
    #[arg(long)]
    data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Backend::Wgpu)]
    backend: Backend,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// The adapter's shape, as in `yushan train`.
#[derive(Args)]
struct AdapterArgs {
    #[arg(long, default_value_t = ShortcutSpec::default().lora.rank)]
    rank: usize,
    /// Comma-separated projections: q,k,v,o,gate,up,down.
    #[arg(long, default_value = "q,k,v,o")]
    targets: String,
}

impl AdapterArgs {
    fn config(&self) -> Result<LoraConfig> {
        lora_config(self.rank, &self.targets)
    }
}

/// Rank r and alpha 2r on the comma-separated projections `targets`.
pub(crate) fn lora_config(rank: usize, targets: &str) -> Result<LoraConfig> {
    let targets = targets
        .split(',')
        .map(|t| LoraTarget::parse(t.trim()).with_context(|| format!("unknown LoRA target `{t}`")))
        .collect::<Result<Vec<_>>>()?;
    Ok(LoraConfig::new(rank, 2.0 * rank as f64, &targets))
}

#[derive(Args)]
struct ShortcutArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long, default_value_t = ShortcutSpec::default().scratch_steps)]
    scratch_steps: usize,
    #[arg(long, default_value_t = ShortcutSpec::default().lora_steps)]
    lora_steps: usize,
    #[arg(long, default_value_t = ShortcutSpec::default().lora_lr)]
    lora_lr: f64,
    #[command(flatten)]
    adapter: AdapterArgs,
}

#[derive(Args)]
struct RoleTagsArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long, default_value_t = RoleTagsSpec::default().steps)]
    steps: usize,
}

#[derive(Args)]
struct LoraVsFullArgs {
    #[command(flatten)]
    common: Common,
    /// Training steps of each arm.
    #[arg(long, default_value_t = LoraVsFullSpec::default().steps)]
    steps: usize,
    #[arg(long, default_value_t = LoraVsFullSpec::default().lora_lr)]
    lora_lr: f64,
    #[arg(long, default_value_t = LoraVsFullSpec::default().full_lr)]
    full_lr: f64,
    #[command(flatten)]
    adapter: AdapterArgs,
}

#[derive(Args)]
struct TransferArgs {
    #[command(flatten)]
    common: Common,
    /// Training steps of each fine-tuned arm.
    #[arg(long, default_value_t = TransferSpec::default().steps)]
    steps: usize,
    #[arg(long, default_value_t = TransferSpec::default().lr)]
    lr: f64,
    #[command(flatten)]
    adapter: AdapterArgs,
}

pub fn run(args: LessonArgs) -> Result<()> {
    match args.lesson {
        Lesson::Shortcut(a) => shortcut(a),
        Lesson::RoleTags(a) => role_tags(a),
        Lesson::LoraVsFull(a) => lora_vs_full(a),
        Lesson::Transfer(a) => transfer(a),
        Lesson::Specialists(a) => lesson_tasks::specialists(a),
        Lesson::Forgetting(a) => lesson_tasks::forgetting(a),
    }
}

/// What every lesson runs on: the device and the pretrained model.
pub(crate) struct Setup {
    pub device: Device,
    pub model: Model,
    pub tokenizer: ChatTokenizer,
}

impl Common {
    pub(crate) fn setup(&self) -> Result<Setup> {
        let (device, info) = device::open(self.backend)?;
        eprintln!("device: {info}");
        // f32 everywhere, so a lesson's figures do not depend on the GPU it ran on.
        let (model, tokenizer) = model_dir::load(&self.model, &device, FrozenPrecision::F32)?;
        Ok(Setup { device, model, tokenizer })
    }

    /// The lesson's folder: `--data`, or `default` (relative to where the command runs).
    pub(crate) fn data_dir(&self, default: &str) -> PathBuf {
        self.data.clone().unwrap_or_else(|| PathBuf::from(default))
    }

    /// The pairs and held-out questions of lessons/shortcut (or `--data`).
    fn shortcut_data(&self) -> Result<(Vec<QaItem>, Vec<QaItem>)> {
        let dir = self.data_dir(shortcut::DATA_DIR);
        let read = |name: &str| read_text(&dir.join(name));
        parse_lesson(&read("train.jsonl")?, &read("heldout.jsonl")?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))
    }

    pub(crate) fn report(&self, report: &impl serde::Serialize) -> Result<bool> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(report)?);
        }
        Ok(self.json)
    }
}

pub(crate) fn read_text(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

pub(crate) fn progress(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} {msg}")
            .expect("template")
            .progress_chars("=> "),
    );
    bar
}

pub(crate) fn on_step(bar: &ProgressBar) -> impl FnMut(&str, &StepEvent) + '_ {
    let mut arm = String::new();
    move |name, e| {
        if name != arm {
            arm = name.to_string();
            bar.set_prefix(arm.clone());
            bar.set_length(e.total_steps as u64);
        }
        bar.set_position(e.step as u64);
        bar.set_message(format!("loss {:.3}", e.loss));
    }
}

fn shortcut(args: ShortcutArgs) -> Result<()> {
    let c = &args.common;
    let (train, heldout) = c.shortcut_data()?;
    let Setup { device, model, tokenizer } = c.setup()?;
    let spec = ShortcutSpec {
        scratch_steps: args.scratch_steps,
        lora_steps: args.lora_steps,
        lora_lr: args.lora_lr,
        lora: args.adapter.config()?,
        seed: c.seed,
        ..ShortcutSpec::default()
    };
    eprintln!("lesson 最 → 玉山: {} pairs to train on, {} held-out questions", train.len(), heldout.len());
    let bar = progress(spec.scratch_steps);
    let report = pollster::block_on(run_shortcut(&model, &tokenizer, &train, &heldout, &spec, &device, on_step(&bar)))?;
    bar.finish_and_clear();
    if c.report(&report)? {
        return Ok(());
    }
    let (a, b) = (&report.from_scratch, &report.pretrained_lora);
    answers_table(&[("(a) from scratch", &a.answers), ("(b) pretrained + LoRA", &b.answers)]);
    println!();
    println!(
        "before fine-tuning, the pretrained model completes {:.1}% of the held-out facts as plain text",
        report.pretrained_completes * 100.0
    );
    for arm in [a, b] {
        println!(
            "{:<20} accuracy {:>5.1}%  repeats a training answer {:>5.1}%  trainable {:>9}  ‖ΔW‖/‖W₀‖ {:.4}  final loss {:.3}",
            arm.name,
            arm.accuracy * 100.0,
            arm.shortcut_share * 100.0,
            arm.trainable_params,
            arm.relative_change,
            arm.final_loss
        );
    }
    Ok(())
}

fn lora_vs_full(args: LoraVsFullArgs) -> Result<()> {
    let c = &args.common;
    let (train, heldout) = c.shortcut_data()?;
    let Setup { device, model, tokenizer } = c.setup()?;
    let spec = LoraVsFullSpec {
        steps: args.steps,
        lora_lr: args.lora_lr,
        full_lr: args.full_lr,
        lora: args.adapter.config()?,
        seed: c.seed,
        ..LoraVsFullSpec::default()
    };
    eprintln!(
        "lesson LoRA vs full fine-tuning: {} pairs to train on, {} held-out questions",
        train.len(),
        heldout.len()
    );
    let bar = progress(spec.steps);
    let report =
        pollster::block_on(run_lora_vs_full(&model, &tokenizer, &train, &heldout, &spec, &device, on_step(&bar)))?;
    bar.finish_and_clear();
    if c.report(&report)? {
        return Ok(());
    }
    let arms = &report.arms;
    answers_table(&arms.iter().map(|a| (a.key, a.answers.as_slice())).collect::<Vec<_>>());
    println!();
    figures_table(
        arms,
        |a| a.key,
        &[
            ("trainable parameters", &|a| a.trainable_params.to_string()),
            ("median step (ms)", &|a| a.median_step_ms.map_or("–".into(), |ms| format!("{ms:.1}"))),
            ("training memory (MB)¹", &|a| a.memory.map_or("–".into(), |m| format!("{:.2}", m.total as f64 / 1e6))),
            ("held-out accuracy", &|a| percent(a.accuracy)),
            ("repeats a training answer", &|a| percent(a.shortcut_share)),
            ("‖ΔW‖/‖W₀‖", &|a| format!("{:.4}", a.relative_change)),
            ("final loss", &|a| a.final_loss.map_or("–".into(), |l| format!("{l:.3}"))),
            ("completes facts as text²", &|a| a.completes.map_or("–".into(), percent)),
        ],
    );
    println!();
    println!("¹ f32 weights (frozen and trainable), plus a gradient and AdamW's two moments per trainable weight;");
    println!("  activations and temporary buffers are not counted.");
    println!(
        "² share of held-out facts whose statement (「世界最深的海溝是」) it completes right as plain text ({} before fine-tuning)",
        percent(report.pretrained_completes)
    );
    Ok(())
}

fn transfer(args: TransferArgs) -> Result<()> {
    let c = &args.common;
    let dir = c.data_dir(transfer::DATA_DIR);
    let data = TransferData::read(|name| read_text(&dir.join(name)).map_err(|e| format!("{e:#}")))
        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let Setup { device, model, tokenizer } = c.setup()?;
    let lora = args.adapter.config()?;
    let spec = TransferSpec { steps: args.steps, lr: args.lr, lora, seed: c.seed, ..TransferSpec::default() };
    eprintln!(
        "lesson 舉一反三: {} pairs in English, {} in Chinese, {} held-out questions in Chinese",
        data.en.len(),
        data.zh.len(),
        data.heldout.len()
    );
    let bar = progress(spec.steps);
    let report = pollster::block_on(run_transfer(&model, &tokenizer, &data, &spec, &device, on_step(&bar)))?;
    bar.finish_and_clear();
    if c.report(&report)? {
        return Ok(());
    }
    let arms = &report.arms;
    answers_table(&arms.iter().map(|a| (a.arm.key, a.arm.answers.as_slice())).collect::<Vec<_>>());
    println!();
    figures_table(
        arms,
        |a| a.arm.key,
        &[
            ("held-out accuracy¹", &|a| percent(a.arm.accuracy)),
            ("answers in Chinese", &|a| percent(a.chinese_share)),
            ("repeats a training answer", &|a| percent(a.arm.shortcut_share)),
            ("stops after its answer", &|a| percent(a.arm.stop_share)),
            ("trainable parameters", &|a| a.arm.trainable_params.to_string()),
            ("final loss", &|a| a.arm.final_loss.map_or("–".into(), |l| format!("{l:.3}"))),
        ],
    );
    println!();
    println!("¹ an answer naming the fact in either language (新北市 or New Taipei City) is right.");
    Ok(())
}

pub(crate) fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// One row per held-out question: the question, the expected answer and each arm's answer, ✓ or ✗.
fn answers_table(arms: &[(&str, &[AnswerCheck])]) {
    let mut head = format!("{}{}", cell("held-out question", 30), cell("expected", 16));
    for (name, _) in arms {
        head += &cell(name, 24);
    }
    println!("{}", head.trim_end());
    let Some((_, first)) = arms.first() else { return };
    for (i, q) in first.iter().enumerate() {
        let mut line = format!("{}{}", cell(&q.question, 30), cell(&q.expected, 16));
        for (_, answers) in arms {
            let a = &answers[i];
            line += if a.correct { "✓ " } else { "✗ " };
            line += &cell(&a.answer, 22);
        }
        println!("{}", line.trim_end());
    }
}

/// A row of a figures table: its label, and how to write an arm's figure.
type FigureRow<'a, T> = (&'a str, &'a dyn Fn(&T) -> String);

/// One row per figure, one column per arm (headed by its key).
fn figures_table<T>(arms: &[T], key: impl Fn(&T) -> &str, rows: &[FigureRow<T>]) {
    let mut head = cell("", 30);
    for arm in arms {
        head += &format!("{:>14}", key(arm));
    }
    println!("{}", head.trim_end());
    for (label, value) in rows {
        let mut line = cell(label, 30);
        for arm in arms {
            line += &format!("{:>14}", value(arm));
        }
        println!("{line}");
    }
}

fn role_tags(args: RoleTagsArgs) -> Result<()> {
    let c = &args.common;
    let (train, heldout) = c.shortcut_data()?;
    let Setup { device, model, tokenizer } = c.setup()?;
    let probe: Vec<QaItem> = train.iter().chain(&heldout).cloned().collect();
    let spec = RoleTagsSpec { steps: args.steps, seed: c.seed, ..RoleTagsSpec::default() };
    eprintln!("lesson role tags: {} pairs to train on, {} questions to ask", train.len(), probe.len());
    let bar = progress(spec.steps);
    let report = pollster::block_on(run_role_tags(&model, &tokenizer, &train, &probe, &spec, &device, on_step(&bar)))?;
    bar.finish_and_clear();
    if c.report(&report)? {
        return Ok(());
    }
    for arm in [&report.with_tags, &report.without_tags] {
        println!(
            "{:?}: stops at the end of its answer {:.0}%, writes on past it {:.0}%, asks itself a question {:.0}%, final loss {:.3}",
            arm.template,
            arm.stop_share * 100.0,
            arm.run_on_share * 100.0,
            arm.asks_itself_share * 100.0,
            arm.final_loss
        );
        for s in arm.samples.iter().take(3) {
            println!("  {} → {:?}", s.question, s.text);
        }
    }
    Ok(())
}

/// `s` on one line, cut and padded to `width` terminal columns (Chinese characters take two).
pub(crate) fn cell(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    for ch in s.replace('\n', "⏎").chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > width - 2 {
            out.push('…');
            used += 1;
            break;
        }
        out.push(ch);
        used += w;
    }
    out.extend(std::iter::repeat_n(' ', width - used));
    out
}
