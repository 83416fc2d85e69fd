//! `yushan lesson NAME`: the teaching experiments, run on the shipped model with a fixed seed,
//! printed as a side-by-side table (or JSON).

use std::path::PathBuf;

use anyhow::{Context, Result};
use burn::tensor::Device;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use yushan_data::ChatTokenizer;
use yushan_lessons::{QaItem, RoleTagsSpec, ShortcutSpec, parse_lesson, run_role_tags, run_shortcut};
use yushan_model::{LoraConfig, LoraTarget, Model};
use yushan_train::StepEvent;

use crate::device::{self, Backend};
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
}

#[derive(Args)]
struct Common {
    /// The pretrained model (config.json, model.safetensors, tokenizer.json).
    #[arg(long, default_value = "models/knowledge")]
    model: PathBuf,
    /// Folder with the lesson's train.jsonl (chat pairs) and heldout.jsonl
    /// ({"question","answer","accept":[...]} per line).
    #[arg(long, default_value = "lessons/shortcut")]
    data: PathBuf,
    #[arg(long, value_enum, default_value_t = Backend::Wgpu)]
    backend: Backend,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
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
    #[arg(long, default_value_t = ShortcutSpec::default().lora.rank)]
    rank: usize,
    /// Comma-separated projections: q,k,v,o,gate,up,down.
    #[arg(long, default_value = "q,k,v,o")]
    targets: String,
}

#[derive(Args)]
struct RoleTagsArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long, default_value_t = RoleTagsSpec::default().steps)]
    steps: usize,
}

pub fn run(args: LessonArgs) -> Result<()> {
    match args.lesson {
        Lesson::Shortcut(a) => shortcut(a),
        Lesson::RoleTags(a) => role_tags(a),
    }
}

/// Everything a lesson runs on: the device, the pretrained model and the lesson's data.
struct Setup {
    device: Device,
    model: Model,
    tokenizer: ChatTokenizer,
    train: Vec<QaItem>,
    heldout: Vec<QaItem>,
}

impl Common {
    fn setup(&self) -> Result<Setup> {
        let (device, info) = device::open(self.backend)?;
        eprintln!("device: {info}");
        let (model, tokenizer) = model_dir::load(&self.model, &device)?;
        let read = |name: &str| {
            let path = self.data.join(name);
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
        };
        let (train, heldout) = parse_lesson(&read("train.jsonl")?, &read("heldout.jsonl")?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", self.data.display()))?;
        Ok(Setup { device, model, tokenizer, train, heldout })
    }
}

fn progress(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    bar.set_style(ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} {msg}").expect("template").progress_chars("=> "));
    bar
}

fn on_step(bar: &ProgressBar) -> impl FnMut(&str, &StepEvent) + '_ {
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
    let Setup { device, model, tokenizer, train, heldout } = c.setup()?;
    let targets = args
        .targets
        .split(',')
        .map(|t| LoraTarget::parse(t.trim()).with_context(|| format!("unknown LoRA target `{t}`")))
        .collect::<Result<Vec<_>>>()?;
    let spec = ShortcutSpec {
        scratch_steps: args.scratch_steps,
        lora_steps: args.lora_steps,
        lora_lr: args.lora_lr,
        lora: LoraConfig::new(args.rank, 2.0 * args.rank as f64, &targets),
        seed: c.seed,
        ..ShortcutSpec::default()
    };
    eprintln!("lesson 最 → 玉山: {} pairs to train on, {} held-out questions", train.len(), heldout.len());
    let bar = progress(spec.scratch_steps);
    let report = pollster::block_on(run_shortcut(&model, &tokenizer, &train, &heldout, &spec, &device, on_step(&bar)))?;
    bar.finish_and_clear();
    if c.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let (a, b) = (&report.from_scratch, &report.pretrained_lora);
    println!("{}{}{}(b) pretrained + LoRA", cell("held-out question", 30), cell("expected", 16), cell("(a) from scratch", 24));
    for (x, y) in a.answers.iter().zip(&b.answers) {
        let mark = |ok: bool| if ok { "✓ " } else { "✗ " };
        println!(
            "{}{}{}{}{}{}",
            cell(&x.question, 30),
            cell(&x.expected, 16),
            mark(x.correct),
            cell(&x.answer, 22),
            mark(y.correct),
            cell(&y.answer, 22).trim_end()
        );
    }
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

fn role_tags(args: RoleTagsArgs) -> Result<()> {
    let c = &args.common;
    let Setup { device, model, tokenizer, train, heldout } = c.setup()?;
    let probe: Vec<QaItem> = train.iter().chain(&heldout).cloned().collect();
    let spec = RoleTagsSpec { steps: args.steps, seed: c.seed, ..RoleTagsSpec::default() };
    eprintln!("lesson role tags: {} pairs to train on, {} questions to ask", train.len(), probe.len());
    let bar = progress(spec.steps);
    let report = pollster::block_on(run_role_tags(&model, &tokenizer, &train, &probe, &spec, &device, on_step(&bar)))?;
    bar.finish_and_clear();
    if c.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
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
fn cell(s: &str, width: usize) -> String {
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
