//! `yushan lesson specialists` and `yushan lesson forgetting`: the lessons over the translation
//! and editing tasks (lessons/tasks), printed as tables of each arm's figures per task.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use yushan_lessons::forgetting::{ForgettingSpec, run_forgetting};
use yushan_lessons::specialists::{SpecialistsSpec, run_specialists};
use yushan_lessons::tasks::{self, TaskData, TaskScore};
use yushan_model::LoraConfig;

use crate::lesson::{Common, Setup, cell, lora_config, on_step, percent, progress, read_text};

#[derive(Args)]
pub struct TaskAdapterArgs {
    #[arg(long, default_value_t = SpecialistsSpec::default().lora.rank)]
    rank: usize,
    /// Comma-separated projections: q,k,v,o,gate,up,down.
    #[arg(long, default_value = "q,k,v,o,gate,up,down")]
    targets: String,
}

impl TaskAdapterArgs {
    fn config(&self) -> Result<LoraConfig> {
        lora_config(self.rank, &self.targets)
    }
}

#[derive(Args)]
pub struct SpecialistsArgs {
    #[command(flatten)]
    common: Common,
    /// Training steps of each specialist (the generalist gets twice as many).
    #[arg(long, default_value_t = SpecialistsSpec::default().steps)]
    steps: usize,
    #[arg(long, default_value_t = SpecialistsSpec::default().lr)]
    lr: f64,
    #[command(flatten)]
    adapter: TaskAdapterArgs,
}

#[derive(Args)]
pub struct ForgettingArgs {
    #[command(flatten)]
    common: Common,
    /// Steps on task A (editing).
    #[arg(long, default_value_t = ForgettingSpec::default().a_steps)]
    a_steps: usize,
    /// Steps on task B (translation), in each arm.
    #[arg(long, default_value_t = ForgettingSpec::default().b_steps)]
    b_steps: usize,
    #[arg(long, default_value_t = ForgettingSpec::default().lr)]
    lr: f64,
    /// Share of the replay arms' training pairs that are task A's.
    #[arg(long, default_value_t = ForgettingSpec::default().replay_share)]
    replay_share: f64,
    /// How many times task A is measured while B trains.
    #[arg(long, default_value_t = ForgettingSpec::default().checkpoints)]
    checkpoints: usize,
    #[command(flatten)]
    adapter: TaskAdapterArgs,
}

/// lessons/tasks (or `--data`), parsed.
fn task_data(c: &Common) -> Result<TaskData> {
    let dir: PathBuf = c.data_dir(tasks::DATA_DIR);
    TaskData::read(|name| read_text(&dir.join(name)).map_err(|e| format!("{e:#}")))
        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))
}

pub fn specialists(args: SpecialistsArgs) -> Result<()> {
    let c = &args.common;
    let data = task_data(c)?;
    let Setup { device, model, tokenizer } = c.setup()?;
    let spec = SpecialistsSpec {
        steps: args.steps,
        lr: args.lr,
        lora: args.adapter.config()?,
        seed: c.seed,
        ..Default::default()
    };
    eprintln!(
        "lesson specialists and a generalist: {} translation pairs, {} editing pairs, {} held-out items per task",
        data.translate_train.len(),
        data.edit_train.len(),
        data.translate_heldout.len()
    );
    let bar = progress(spec.steps);
    let report = pollster::block_on(run_specialists(&model, &tokenizer, &data, &spec, &device, on_step(&bar)))?;
    bar.finish_and_clear();
    if c.report(&report)? {
        return Ok(());
    }
    for task in [tasks::TRANSLATE, tasks::EDIT, tasks::COMPOSITE] {
        let arms: Vec<(&str, &TaskScore)> =
            report.arms.iter().filter_map(|a| Some((a.key, tasks::find_task(&a.tasks, task)?))).collect();
        task_answers(task, &arms, 4);
    }
    let mut head = cell("held-out, exact (similarity¹)", 30);
    for arm in &report.arms {
        head += &format!("{:>18}", arm.key);
    }
    println!("{}", head.trim_end());
    for task in [tasks::TRANSLATE, tasks::EDIT, tasks::COMPOSITE] {
        let mut line = cell(task, 30);
        for arm in &report.arms {
            line += &format!("{:>18}", tasks::find_task(&arm.tasks, task).map_or("–".into(), figure));
        }
        println!("{line}");
    }
    println!();
    println!("¹ 1 − character edit distance / length, averaged: partial credit for near misses.");
    Ok(())
}

pub fn forgetting(args: ForgettingArgs) -> Result<()> {
    let c = &args.common;
    let data = task_data(c)?;
    let Setup { device, model, tokenizer } = c.setup()?;
    let spec = ForgettingSpec {
        a_steps: args.a_steps,
        b_steps: args.b_steps,
        lr: args.lr,
        replay_share: args.replay_share,
        checkpoints: args.checkpoints,
        lora: args.adapter.config()?,
        seed: c.seed,
        ..Default::default()
    };
    eprintln!(
        "lesson 複習: task A = editing ({} pairs), then task B = translation ({} pairs); {} held-out items per task",
        data.edit_train.len(),
        data.translate_train.len(),
        data.edit_heldout.len()
    );
    let bar = progress(spec.a_steps);
    let report = pollster::block_on(run_forgetting(&model, &tokenizer, &data, &spec, &device, on_step(&bar)))?;
    bar.finish_and_clear();
    if c.report(&report)? {
        return Ok(());
    }
    let arms: Vec<(&str, &TaskScore)> = report.arms.iter().map(|a| (a.key, &a.a)).collect();
    task_answers("task A (editing) after B", &arms, 6);
    let [a, b] = &report.after_a;
    println!("right after task A: A {}, B {}", figure(a), figure(b));
    println!("self-replay: {} examples the model wrote itself right after A, e.g.", report.self_written.len());
    for item in report.self_written.iter().take(4) {
        println!("  {} → {}", item.question, item.answer);
    }
    println!();
    let mut head = cell("task A held-out exact, B step", 30);
    for point in &report.arms[0].curve {
        head += &format!("{:>8}", point.b_step);
    }
    head += &format!("{:>14}", "B at the end");
    println!("{head}");
    for arm in &report.arms {
        let mut line = cell(&format!("{} ({} A pairs)", arm.key, arm.replayed), 30);
        for point in &arm.curve {
            line += &format!("{:>8}", percent(point.exact));
        }
        line += &format!("{:>14}", percent(arm.b.exact));
        println!("{line}");
    }
    Ok(())
}

/// "45.5% (0.91)": exact share and mean similarity.
fn figure(score: &TaskScore) -> String {
    format!("{} ({:.2})", percent(score.exact), score.similarity)
}

/// The first `n` items of a task with each arm's answer, ✓ when exact.
fn task_answers(title: &str, arms: &[(&str, &TaskScore)], n: usize) {
    let Some((_, first)) = arms.first() else { return };
    println!("{title}:");
    let mut head = format!("  {}{}", cell("asked", 34), cell("expected", 20));
    for (key, _) in arms {
        head += &cell(key, 24);
    }
    println!("{}", head.trim_end());
    for (i, item) in first.answers.iter().take(n).enumerate() {
        let mut line = format!("  {}{}", cell(&item.question, 34), cell(&item.expected, 20));
        for (_, score) in arms {
            let a = &score.answers[i];
            line += if a.exact { "✓ " } else { "✗ " };
            line += &cell(&a.answer, 22);
        }
        println!("{}", line.trim_end());
    }
    println!();
}
