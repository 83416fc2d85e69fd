//! `yushan lesson NAME`: a teaching experiment of yushan-lessons' registry, run on the shipped
//! model with a fixed seed, printed as tables (each arm's answers, each arm's figures beside the
//! control arm's) or as JSON. This command knows no lesson by itself.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use yushan_lessons::summary::{self, LessonSummary};
use yushan_lessons::{Lesson, LessonSpec, run_lesson};
use yushan_model::FrozenPrecision;
use yushan_train::StepEvent;

use crate::device::{self, Backend};
use crate::{model_dir, text_file};

#[derive(Args)]
#[command(after_help = lesson_list())]
pub struct LessonArgs {
    /// The lesson (see the list below).
    #[arg(value_parser = |s: &str| Lesson::parse(s))]
    lesson: Lesson,
    /// The pretrained model (config.json, model.safetensors, tokenizer.json).
    #[arg(long, default_value = "models/knowledge")]
    model: PathBuf,
    /// Folder with the lesson's files (see the list below). Default: the lesson's own folder.
    #[arg(long)]
    data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Backend::Wgpu)]
    backend: Backend,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// A setting of the lesson, as KEY=VALUE with a JSON value (a bare word is a string), e.g.
    /// `--set lora_steps=50 --set lora.rank=4 --set 'lora.targets=["q","v"]'`; repeatable.
    /// `--json` prints every setting of the lesson's spec.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Ask only the first N questions of each held-out set (0: all).
    #[arg(long, default_value_t = 0)]
    questions: usize,
    /// Print the spec, the summary and the lesson's whole report as JSON.
    #[arg(long)]
    json: bool,
}

/// The lessons and their files, for `--help`.
fn lesson_list() -> String {
    let mut out = String::from("Lessons:\n");
    for lesson in Lesson::ALL {
        out += &format!("  {:<13} {}\n", lesson.name(), lesson.about());
        out += &format!("  {:<13} files: {}/{{{}}}\n", "", lesson.data_dir(), lesson.files().join(","));
    }
    out
}

pub fn run(args: LessonArgs) -> Result<()> {
    let lesson = args.lesson;
    let spec = spec(lesson, args.seed, &args.settings)?;
    let dir = args.data.clone().unwrap_or_else(|| PathBuf::from(lesson.data_dir()));
    let data = lesson
        .read_data(|name| text_file::read(&dir.join(name)).map_err(|e| format!("{e:#}")), args.questions)
        .map_err(|e| anyhow!("{}: {e}", dir.display()))?;
    let (device, info) = device::open(args.backend)?;
    eprintln!("device: {info}");
    // f32 everywhere, so a lesson's figures do not depend on the GPU it ran on.
    let (model, tokenizer) = model_dir::load(&args.model, &device, FrozenPrecision::F32)?;
    let plan: Vec<String> = spec
        .plan()
        .iter()
        .map(|a| match a.steps {
            Some(steps) => format!("{} {steps} steps", a.key),
            None => format!("{} (not trained)", a.key),
        })
        .collect();
    eprintln!("lesson {}, seed {}: {}", lesson.name(), spec.seed(), plan.join(" · "));
    let bar = progress();
    let outcome = pollster::block_on(run_lesson(&spec, &data, &model, &tokenizer, &device, on_step(&bar)))?;
    bar.finish_and_clear();
    if args.json {
        let all = serde_json::json!({ "spec": spec, "summary": outcome.summary, "report": outcome.report });
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        print_summary(&outcome.summary);
    }
    Ok(())
}

/// The lesson's default spec with `--seed` and each `--set KEY=VALUE` applied (dotted keys reach
/// into nested settings: `lora.rank`).
fn spec(lesson: Lesson, seed: u64, settings: &[String]) -> Result<LessonSpec> {
    let mut json = serde_json::to_value(LessonSpec::default_for(lesson))?;
    json["seed"] = seed.into();
    for setting in settings {
        let (key, value) = setting.split_once('=').with_context(|| format!("--set {setting}: expected KEY=VALUE"))?;
        let value = serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
        let mut target = &mut json;
        for part in key.split('.') {
            target = match target {
                serde_json::Value::Object(map) if map.contains_key(part) => &mut map[part],
                _ => bail!("--set {setting}: the {} lesson has no setting `{key}` (see --json)", lesson.name()),
            };
        }
        *target = value;
    }
    LessonSpec::from_json(lesson, json).map_err(|e| anyhow!(e))
}

fn progress() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} {msg}")
            .expect("template")
            .progress_chars("=> "),
    );
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

/// The summary as tables: every answer of every arm, each arm's figures, then the notes, curves
/// and examples a lesson has.
fn print_summary(s: &LessonSummary) {
    let arms: Vec<&str> = s.arms.iter().map(|a| a.key).collect();
    let mut head = format!("{}{}", cell("question", 34), cell("expected", 18));
    for arm in &arms {
        head += &cell(arm, 26);
    }
    println!("{}", head.trim_end());
    for row in &s.rows {
        let mut line = format!("{}{}", cell(&row.question, 34), cell(&row.expected, 18));
        for answer in &row.answers {
            line += if answer.ok { "✓ " } else { "✗ " };
            line += &cell(&answer.text, 24);
        }
        println!("{}", line.trim_end());
    }
    println!("{}", check_meaning(s.check));
    println!();
    let mut keys: Vec<&str> = Vec::new();
    for metric in s.arms.iter().flat_map(|a| &a.metrics) {
        if !keys.contains(&metric.key) {
            keys.push(metric.key);
        }
    }
    let mut head = cell(&format!("{} training pairs, seed {}", s.train_pairs, s.seed), 36);
    for arm in &arms {
        head += &format!("{arm:>16}");
    }
    println!("{}", head.trim_end());
    for key in &keys {
        let mut line = cell(summary::label(key), 36);
        for arm in &s.arms {
            let value = arm.metrics.iter().find(|m| m.key == *key).map_or("–".into(), |m| m.display());
            line += &format!("{value:>16}");
        }
        println!("{line}");
    }
    for (i, footnote) in summary::FOOTNOTES.iter().enumerate() {
        let mark = ["¹", "²"][i];
        if keys.iter().any(|k| summary::label(k).ends_with(mark)) {
            println!("{footnote}");
        }
    }
    for note in &s.notes {
        println!("{}", summary::label(note.key).replace("{}", &note.display()));
    }
    if let Some(first) = s.curves.first() {
        println!();
        let mut head = cell("held-out exact at step", 36);
        for (step, _) in &first.points {
            head += &format!("{step:>8}");
        }
        println!("{head}");
        for curve in &s.curves {
            let mut line = cell(curve.key, 36);
            for (_, value) in &curve.points {
                line += &format!("{:>8}", format!("{:.1}%", value * 100.0));
            }
            println!("{line}");
        }
    }
    for example in &s.examples {
        println!("  {} → {}", example.question, example.answer.replace('\n', "⏎"));
    }
}

fn check_meaning(check: &str) -> &'static str {
    match check {
        "correct" => "✓ = the answer's first sentence names the expected answer",
        "correct_either" => "✓ = the answer's first sentence names the expected answer, in Chinese or English",
        "stopped" => "✓ = stops right after its answer",
        "exact" => "✓ = exactly the expected text",
        _ => "",
    }
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
