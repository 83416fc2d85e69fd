//! The lessons in the page: the pretrained model and a lesson's files come from JS, the
//! experiment itself is yushan-lessons' (`run_shortcut`, `run_lora_vs_full`, …), run on the
//! page's GPU, and the report comes back together with a summary the page draws as two tables:
//! one column of figures per arm, and one row per question asked with each arm's answer. The
//! arms' keys come from yushan-lessons; the page reads them from `lesson_plan` and the summary.
//!
//! The page runs lessons in a worker of their own (web/lessons.js), so a lesson never touches
//! the studio's model or run, and Stop can end the worker at once.
//!
//! A new lesson slots in with one `Lesson` variant here (its name, its default spec, how it is
//! run and summarised) and one entry in web/lessons.js.
//!
//! A lesson may also give curves (the forgetting lesson: task A's held-out share over B's steps),
//! which the page draws as a second chart under the figures.

use std::cell::Cell;
use std::collections::HashMap;

use burn::module::Module;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use yushan_data::ChatTokenizer;
use yushan_lessons::forgetting::{self, ForgettingReport, ForgettingSpec, run_forgetting};
use yushan_lessons::role_tags::{RoleTagsArm, WITH_TAGS, WITHOUT_TAGS};
use yushan_lessons::specialists::{self, SpecialistsReport, SpecialistsSpec, run_specialists};
use yushan_lessons::tasks::{self, TaskAnswer, TaskData, TaskScore};
use yushan_lessons::{
    AnswerCheck, ArmReport, LoraVsFullReport, LoraVsFullSpec, QaItem, RoleTagsReport, RoleTagsSpec, ShortcutArm,
    ShortcutReport, ShortcutSpec, TransferData, TransferReport, TransferSpec, lora_vs_full, parse_lesson,
    run_lora_vs_full, run_role_tags, run_shortcut, run_transfer, shortcut, transfer,
};
use yushan_model::{Model, ModelConfig};
use yushan_train::StepEvent;

use crate::{gpu_device, to_js};

/// The lessons the page can run, by the name the page uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lesson {
    /// 最 → 玉山: a model from random weights vs the pretrained model + LoRA on the same pairs.
    Shortcut,
    /// The same pairs with and without role tags: does the model stop after its answer?
    RoleTags,
    /// The shortcut lesson's adapter vs training every weight, on the same pairs.
    LoraVsFull,
    /// 舉一反三: English pairs, Chinese questions about other facts.
    Transfer,
    /// A translator, an editor and a generalist adapter, each asked every task.
    Specialists,
    /// 複習: task A, then task B three ways (alone, with A's pairs replayed, with the model's own
    /// answers to A's prompts replayed), watching A while B trains.
    Forgetting,
}

impl Lesson {
    pub const ALL: [Lesson; 6] = [
        Lesson::Shortcut,
        Lesson::RoleTags,
        Lesson::LoraVsFull,
        Lesson::Transfer,
        Lesson::Specialists,
        Lesson::Forgetting,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Lesson::Shortcut => "shortcut",
            Lesson::RoleTags => "role-tags",
            Lesson::LoraVsFull => "lora-vs-full",
            Lesson::Transfer => "transfer",
            Lesson::Specialists => "specialists",
            Lesson::Forgetting => "forgetting",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The arms in the order they run, by the tag `on_step` gives their steps. The forgetting
    /// lesson's first one is a stage (task A), not an arm of its figures: each arm starts from it.
    pub fn arms(self) -> &'static [&'static str] {
        match self {
            Lesson::Shortcut => &[shortcut::SCRATCH, shortcut::LORA],
            Lesson::RoleTags => &[WITH_TAGS, WITHOUT_TAGS],
            Lesson::LoraVsFull => &[lora_vs_full::LORA, lora_vs_full::FULL],
            Lesson::Transfer => &[transfer::UNTUNED, transfer::ENGLISH, transfer::CHINESE],
            Lesson::Specialists => {
                &[specialists::UNTUNED, specialists::TRANSLATOR, specialists::EDITOR, specialists::GENERALIST]
            }
            Lesson::Forgetting => {
                &[forgetting::FIRST, forgetting::SEQUENTIAL, forgetting::REPLAY, forgetting::SELF_REPLAY]
            }
        }
    }
}

/// A lesson's settings: the lesson's own spec, any subset of its fields from JS (the rest keep
/// the lesson's defaults, which are the CLI's; a field the spec does not have is refused).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LessonSpec {
    Shortcut(ShortcutSpec),
    RoleTags(RoleTagsSpec),
    LoraVsFull(LoraVsFullSpec),
    Transfer(TransferSpec),
    Specialists(SpecialistsSpec),
    Forgetting(ForgettingSpec),
}

impl LessonSpec {
    pub fn default_for(lesson: Lesson) -> Self {
        match lesson {
            Lesson::Shortcut => LessonSpec::Shortcut(ShortcutSpec::default()),
            Lesson::RoleTags => LessonSpec::RoleTags(RoleTagsSpec::default()),
            Lesson::LoraVsFull => LessonSpec::LoraVsFull(LoraVsFullSpec::default()),
            Lesson::Transfer => LessonSpec::Transfer(TransferSpec::default()),
            Lesson::Specialists => LessonSpec::Specialists(SpecialistsSpec::default()),
            Lesson::Forgetting => LessonSpec::Forgetting(ForgettingSpec::default()),
        }
    }

    pub fn lesson(&self) -> Lesson {
        match self {
            LessonSpec::Shortcut(_) => Lesson::Shortcut,
            LessonSpec::RoleTags(_) => Lesson::RoleTags,
            LessonSpec::LoraVsFull(_) => Lesson::LoraVsFull,
            LessonSpec::Transfer(_) => Lesson::Transfer,
            LessonSpec::Specialists(_) => Lesson::Specialists,
            LessonSpec::Forgetting(_) => Lesson::Forgetting,
        }
    }

    pub fn seed(&self) -> u64 {
        match self {
            LessonSpec::Shortcut(s) => s.seed,
            LessonSpec::RoleTags(s) => s.seed,
            LessonSpec::LoraVsFull(s) => s.seed,
            LessonSpec::Transfer(s) => s.seed,
            LessonSpec::Specialists(s) => s.seed,
            LessonSpec::Forgetting(s) => s.seed,
        }
    }

    /// Training steps of each arm, in the order the arms run; `None` for an arm that does not
    /// train (the pretrained model asked as it is).
    pub fn steps(&self) -> Vec<Option<usize>> {
        match self {
            LessonSpec::Shortcut(s) => vec![Some(s.scratch_steps), Some(s.lora_steps)],
            LessonSpec::RoleTags(s) => vec![Some(s.steps); 2],
            LessonSpec::LoraVsFull(s) => vec![Some(s.steps); 2],
            LessonSpec::Transfer(s) => vec![None, Some(s.steps), Some(s.steps)],
            LessonSpec::Specialists(s) => s.plan().iter().map(|&(_, steps)| steps).collect(),
            LessonSpec::Forgetting(s) => s.plan().iter().map(|&(_, steps)| Some(steps)).collect(),
        }
    }

    /// Each arm's key and steps, in the order they run: what the page shows before a run.
    pub fn plan(&self) -> Vec<ArmPlan> {
        let arms = self.lesson().arms();
        arms.iter().zip(self.steps()).map(|(&key, steps)| ArmPlan { key, steps }).collect()
    }

    /// Refuses settings the lesson cannot run with, before anything is loaded.
    pub fn check(&self) -> Result<(), String> {
        let steps = self.steps();
        if steps.contains(&Some(0)) {
            return Err(format!("every arm that trains needs at least one training step (got {steps:?})"));
        }
        let (batch, tokens) = match self {
            LessonSpec::Shortcut(s) => (s.batch_size, s.max_answer_tokens),
            LessonSpec::RoleTags(s) => (s.batch_size, s.max_answer_tokens),
            LessonSpec::LoraVsFull(s) => (s.batch_size, s.max_answer_tokens),
            LessonSpec::Transfer(s) => (s.batch_size, s.max_answer_tokens),
            LessonSpec::Specialists(s) => (s.batch_size, s.max_answer_tokens),
            LessonSpec::Forgetting(s) => (s.batch_size, s.max_answer_tokens),
        };
        if batch == 0 || tokens == 0 {
            return Err("batch_size and max_answer_tokens must be at least 1".into());
        }
        match self {
            LessonSpec::Forgetting(s) => s.check(),
            _ => Ok(()),
        }
    }
}

/// One arm of a lesson as the page shows it before a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArmPlan {
    pub key: &'static str,
    /// `None`: the arm does not train.
    pub steps: Option<usize>,
}

/// How a figure is shown: a share (0..1, as a percentage), a score (0..1 that is not a share of
/// anything, e.g. a mean similarity, with two decimals), a count, a relative change, a loss,
/// milliseconds, bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    Share,
    Score,
    Count,
    Ratio,
    Loss,
    Ms,
    Bytes,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metric {
    /// The report's field name; the page's label for it is `lessons.metric.<key>`.
    pub key: &'static str,
    pub kind: MetricKind,
    pub value: f64,
}

const fn metric(key: &'static str, kind: MetricKind, value: f64) -> Metric {
    Metric { key, kind, value }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmSummary {
    /// The tag of this arm's training steps (`on_step`'s first argument).
    pub key: &'static str,
    pub metrics: Vec<Metric>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmAnswer {
    pub text: String,
    /// What the lesson counts as a good answer: right (shortcut), stopped after it (role tags).
    pub ok: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnswerRow {
    pub question: String,
    pub expected: String,
    /// One per arm, in the order of `LessonSummary::arms`.
    pub answers: Vec<ArmAnswer>,
}

/// The report as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LessonSummary {
    pub lesson: &'static str,
    pub seed: u64,
    pub train_pairs: usize,
    /// Figures about the lesson as a whole (e.g. what the pretrained model knew before).
    pub notes: Vec<Metric>,
    pub arms: Vec<ArmSummary>,
    /// What ✓ means in `rows`: `correct`, `correct_either` (in either language), `stopped` or
    /// `exact` (exactly the expected text).
    pub check: &'static str,
    pub rows: Vec<AnswerRow>,
    /// Figures measured along an arm's training, one curve per arm (only the forgetting lesson
    /// has any).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub curves: Vec<Curve>,
    /// Pairs the page lists under the notes (the forgetting lesson: examples the model wrote
    /// itself and rehearses); none for most lessons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Example {
    pub question: String,
    pub answer: String,
}

/// One arm's figure over its training steps: `(step, value)` pairs, serialised as `[step, value]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Curve {
    pub key: &'static str,
    pub points: Vec<(usize, f64)>,
}

/// A figure every compared arm has ([`ArmReport`]), by its field name in the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Figure {
    Accuracy,
    ShortcutShare,
    StopShare,
    TrainableParams,
    MedianStepMs,
    Memory,
    RelativeChange,
    Completes,
    FinalLoss,
}

impl Figure {
    /// The figure of `arm`; `None` where the arm has none (one that does not train has no loss).
    fn of(self, arm: &ArmReport) -> Option<Metric> {
        use MetricKind::*;
        let (key, kind, value) = match self {
            Figure::Accuracy => ("accuracy", Share, Some(arm.accuracy)),
            Figure::ShortcutShare => ("shortcut_share", Share, Some(arm.shortcut_share)),
            Figure::StopShare => ("stop_share", Share, Some(arm.stop_share)),
            Figure::TrainableParams => ("trainable_params", Count, Some(arm.trainable_params as f64)),
            Figure::MedianStepMs => ("median_step_ms", Ms, arm.median_step_ms),
            Figure::Memory => ("memory", Bytes, arm.memory.map(|m| m.total as f64)),
            Figure::RelativeChange => ("relative_change", Ratio, Some(arm.relative_change)),
            Figure::Completes => ("completes", Share, arm.completes),
            Figure::FinalLoss => ("final_loss", Loss, arm.final_loss.map(f64::from)),
        };
        value.map(|v| metric(key, kind, v))
    }
}

/// A row per question asked (the first `n`): the question, the expected answer, and each arm's
/// answer with whether it counts as good. `arms` holds each arm's answers, in the arms' order;
/// `view` reads (question, expected, answer, good) from one answer.
fn rows<A>(arms: &[&[A]], n: usize, view: impl Fn(&A) -> (&str, &str, &str, bool)) -> Vec<AnswerRow> {
    let Some(first) = arms.first() else { return Vec::new() };
    (0..first.len().min(n))
        .map(|i| {
            let (question, expected, ..) = view(&first[i]);
            AnswerRow {
                question: question.to_string(),
                expected: expected.to_string(),
                answers: arms
                    .iter()
                    .map(|answers| {
                        let (_, _, text, ok) = view(&answers[i]);
                        ArmAnswer { text: text.to_string(), ok }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A row per held-out question, with each arm's answer marked right or wrong.
fn answer_rows(arms: &[&ArmReport]) -> Vec<AnswerRow> {
    let answers: Vec<&[AnswerCheck]> = arms.iter().map(|a| a.answers.as_slice()).collect();
    rows(&answers, usize::MAX, |c| (&c.question, &c.expected, &c.answer, c.correct))
}

const LORA_VS_FULL_FIGURES: [Figure; 8] = [
    Figure::TrainableParams,
    Figure::MedianStepMs,
    Figure::Memory,
    Figure::Accuracy,
    Figure::ShortcutShare,
    Figure::RelativeChange,
    Figure::Completes,
    Figure::FinalLoss,
];

pub fn summarize_lora_vs_full(report: &LoraVsFullReport, seed: u64) -> LessonSummary {
    LessonSummary {
        lesson: Lesson::LoraVsFull.name(),
        seed,
        train_pairs: report.train_pairs,
        notes: vec![metric("pretrained_completes", MetricKind::Share, report.pretrained_completes)],
        arms: report
            .arms
            .iter()
            .map(|a| ArmSummary { key: a.key, metrics: LORA_VS_FULL_FIGURES.iter().filter_map(|f| f.of(a)).collect() })
            .collect(),
        check: "correct",
        rows: answer_rows(&report.arms.iter().collect::<Vec<_>>()),
        curves: Vec::new(),
        examples: Vec::new(),
    }
}

pub fn summarize_transfer(report: &TransferReport, seed: u64) -> LessonSummary {
    let arms: Vec<&ArmReport> = report.arms.iter().map(|a| &a.arm).collect();
    LessonSummary {
        lesson: Lesson::Transfer.name(),
        seed,
        train_pairs: report.train_pairs,
        notes: Vec::new(),
        arms: report
            .arms
            .iter()
            .map(|a| {
                let figures = |list: &[Figure]| list.iter().filter_map(|f| f.of(&a.arm)).collect::<Vec<_>>();
                let mut metrics = figures(&[Figure::Accuracy]);
                metrics.push(metric("chinese_share", MetricKind::Share, a.chinese_share));
                metrics.extend(figures(&[
                    Figure::ShortcutShare,
                    Figure::StopShare,
                    Figure::TrainableParams,
                    Figure::FinalLoss,
                ]));
                ArmSummary { key: a.arm.key, metrics }
            })
            .collect(),
        check: "correct_either",
        rows: answer_rows(&arms),
        curves: Vec::new(),
        examples: Vec::new(),
    }
}

fn shortcut_arm(key: &'static str, arm: &ShortcutArm) -> ArmSummary {
    ArmSummary {
        key,
        metrics: vec![
            metric("accuracy", MetricKind::Share, arm.accuracy),
            metric("shortcut_share", MetricKind::Share, arm.shortcut_share),
            metric("trainable_params", MetricKind::Count, arm.trainable_params as f64),
            metric("relative_change", MetricKind::Ratio, arm.relative_change),
            metric("final_loss", MetricKind::Loss, f64::from(arm.final_loss)),
        ],
    }
}

pub fn summarize_shortcut(report: &ShortcutReport, seed: u64) -> LessonSummary {
    let (a, b) = (&report.from_scratch, &report.pretrained_lora);
    LessonSummary {
        lesson: Lesson::Shortcut.name(),
        seed,
        train_pairs: report.train_pairs,
        notes: vec![metric("pretrained_completes", MetricKind::Share, report.pretrained_completes)],
        arms: vec![shortcut_arm(shortcut::SCRATCH, a), shortcut_arm(shortcut::LORA, b)],
        check: "correct",
        rows: a
            .answers
            .iter()
            .zip(&b.answers)
            .map(|(x, y)| AnswerRow {
                question: x.question.clone(),
                expected: x.expected.clone(),
                answers: [x, y].map(|c| ArmAnswer { text: c.answer.clone(), ok: c.correct }).to_vec(),
            })
            .collect(),
        curves: Vec::new(),
        examples: Vec::new(),
    }
}

fn role_tags_arm(key: &'static str, arm: &RoleTagsArm, trainable: usize) -> ArmSummary {
    ArmSummary {
        key,
        metrics: vec![
            metric("stop_share", MetricKind::Share, arm.stop_share),
            metric("run_on_share", MetricKind::Share, arm.run_on_share),
            metric("asks_itself_share", MetricKind::Share, arm.asks_itself_share),
            metric("trainable_params", MetricKind::Count, trainable as f64),
            metric("final_loss", MetricKind::Loss, f64::from(arm.final_loss)),
        ],
    }
}

/// `probe`: the questions asked, in order (their expected answers go in the table);
/// `trainable`: the adapter's size (both arms train the same adapter).
pub fn summarize_role_tags(
    report: &RoleTagsReport,
    probe: &[QaItem],
    train_pairs: usize,
    trainable: usize,
    seed: u64,
) -> LessonSummary {
    let (a, b) = (&report.with_tags, &report.without_tags);
    LessonSummary {
        lesson: Lesson::RoleTags.name(),
        seed,
        train_pairs,
        notes: Vec::new(),
        arms: vec![role_tags_arm(WITH_TAGS, a, trainable), role_tags_arm(WITHOUT_TAGS, b, trainable)],
        check: "stopped",
        rows: a
            .samples
            .iter()
            .zip(&b.samples)
            .zip(probe)
            .map(|((x, y), q)| AnswerRow {
                question: x.question.clone(),
                expected: q.answer.clone(),
                answers: [x, y].map(|g| ArmAnswer { text: g.text.clone(), ok: g.stopped_correctly }).to_vec(),
            })
            .collect(),
        curves: Vec::new(),
        examples: Vec::new(),
    }
}

/// A task's held-out items as answer rows: the first `n`, with each arm's answer (in the order of
/// `scores`), ✓ when it is exactly the expected text.
fn task_rows(scores: &[&TaskScore], n: usize) -> Vec<AnswerRow> {
    let answers: Vec<&[TaskAnswer]> = scores.iter().map(|s| s.answers.as_slice()).collect();
    rows(&answers, n, |a| (&a.question, &a.expected, &a.answer, a.exact))
}

/// Rows of each task the specialists' answer table shows (all items are in the report): enough to
/// see what each arm does with each kind of instruction, few enough to read.
pub const SPECIALISTS_ROWS_PER_TASK: usize = 8;

/// Each task's figures: its key, and the names of its exact share and mean similarity.
const TASK_FIGURES: [(&str, &str, &str); 3] = [
    (tasks::TRANSLATE, "translate_exact", "translate_similarity"),
    (tasks::EDIT, "edit_exact", "edit_similarity"),
    (tasks::COMPOSITE, "composite_exact", "composite_similarity"),
];

pub fn summarize_specialists(report: &SpecialistsReport, seed: u64) -> LessonSummary {
    let arms = report
        .arms
        .iter()
        .map(|a| {
            let mut metrics = Vec::new();
            for (task, exact, similarity) in TASK_FIGURES {
                if let Some(score) = tasks::find_task(&a.tasks, task) {
                    metrics.push(metric(exact, MetricKind::Share, score.exact));
                    metrics.push(metric(similarity, MetricKind::Score, score.similarity));
                }
            }
            metrics.push(metric("train_pairs", MetricKind::Count, a.train_pairs as f64));
            metrics.extend(a.final_loss.map(|l| metric("final_loss", MetricKind::Loss, f64::from(l))));
            ArmSummary { key: a.key, metrics }
        })
        .collect();
    let rows = TASK_FIGURES
        .iter()
        .flat_map(|&(task, ..)| {
            let scores: Vec<&TaskScore> = report.arms.iter().filter_map(|a| tasks::find_task(&a.tasks, task)).collect();
            // Only where every arm has the task, so that each row has an answer per arm.
            if scores.len() == report.arms.len() { task_rows(&scores, SPECIALISTS_ROWS_PER_TASK) } else { Vec::new() }
        })
        .collect();
    LessonSummary {
        lesson: Lesson::Specialists.name(),
        seed,
        train_pairs: report.translate_pairs + report.edit_pairs,
        notes: Vec::new(),
        arms,
        check: "exact",
        rows,
        curves: Vec::new(),
        examples: Vec::new(),
    }
}

/// Task A's held-out items the forgetting lesson's answer table shows.
pub const FORGETTING_ROWS: usize = 12;
/// Examples of A the model wrote itself that the page lists (all are in the report).
pub const FORGETTING_EXAMPLES: usize = 6;

/// The three ways of training B are its arms (task A, the stage they start from, trains but has
/// no column); each arm's curve is its share of A's held-out items exactly right, from B's step
/// 0 (right after A) to its last step.
pub fn summarize_forgetting(report: &ForgettingReport, seed: u64) -> LessonSummary {
    use MetricKind::*;
    let [a_after_a, b_after_a] = &report.after_a;
    LessonSummary {
        lesson: Lesson::Forgetting.name(),
        seed,
        train_pairs: report.a_pairs + report.b_pairs,
        notes: vec![
            metric("a_after_a_exact", Share, a_after_a.exact),
            metric("b_after_a_exact", Share, b_after_a.exact),
            metric("self_written", Count, report.self_written.len() as f64),
        ],
        arms: report
            .arms
            .iter()
            .map(|a| ArmSummary {
                key: a.key,
                metrics: vec![
                    metric("a_after_b_exact", Share, a.a.exact),
                    metric("a_after_b_similarity", Score, a.a.similarity),
                    metric("b_exact", Share, a.b.exact),
                    metric("b_similarity", Score, a.b.similarity),
                    metric("replayed", Count, a.replayed as f64),
                    metric("final_loss", Loss, f64::from(a.final_loss)),
                ],
            })
            .collect(),
        check: "exact",
        rows: task_rows(&report.arms.iter().map(|a| &a.a).collect::<Vec<_>>(), FORGETTING_ROWS),
        curves: report
            .arms
            .iter()
            .map(|a| Curve { key: a.key, points: a.curve.iter().map(|p| (p.b_step, p.exact)).collect() })
            .collect(),
        examples: report
            .self_written
            .iter()
            .take(FORGETTING_EXAMPLES)
            .map(|q| Example { question: q.question.clone(), answer: q.answer.clone() })
            .collect(),
    }
}

/// The questions a lesson asks: the held-out ones (the role-tags lesson, as the CLI does, asks
/// the training questions first), the first `limit` of them when `limit` is not 0.
pub fn questions(lesson: Lesson, train: &[QaItem], heldout: &[QaItem], limit: usize) -> Vec<QaItem> {
    let all: Vec<QaItem> = match lesson {
        Lesson::RoleTags => train.iter().chain(heldout).cloned().collect(),
        Lesson::Shortcut | Lesson::LoraVsFull | Lesson::Transfer | Lesson::Specialists | Lesson::Forgetting => {
            heldout.to_vec()
        }
    };
    let n = if limit == 0 { all.len() } else { limit.min(all.len()) };
    all.into_iter().take(n).collect()
}

// --- wasm bindings ----------------------------------------------------------------------------

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// Marks a lesson as running for the lifetime of `run_lesson`.
struct Running;
impl Running {
    fn take() -> Result<Self, JsError> {
        if RUNNING.with(|r| r.replace(true)) {
            return Err(JsError::new("a lesson is already running"));
        }
        Ok(Running)
    }
}
impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|r| r.set(false));
    }
}

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn lesson(name: &str) -> Result<Lesson, JsError> {
    Lesson::parse(name).ok_or_else(|| {
        let known: Vec<_> = Lesson::ALL.iter().map(|l| l.name()).collect();
        js_err(format!("unknown lesson {name:?} (known: {})", known.join(", ")))
    })
}

/// `lesson`'s spec with the fields of `value` (any subset; `undefined` = the defaults). A field
/// the lesson's spec does not have is an error that names it, not silently ignored.
fn spec_from_js(lesson: Lesson, value: JsValue) -> Result<LessonSpec, JsError> {
    fn parse<T: serde::de::DeserializeOwned>(lesson: Lesson, value: JsValue) -> Result<T, JsError> {
        let error = |e: &dyn std::fmt::Display| js_err(format!("{} spec: {e}", lesson.name()));
        // Through JSON: serde-wasm-bindgen looks up only a struct's own fields, so it would never
        // see (and could not refuse) a misspelt one.
        let json: serde_json::Value = serde_wasm_bindgen::from_value(value).map_err(|e| error(&e))?;
        serde_json::from_value(json).map_err(|e| error(&e))
    }
    let spec = if value.is_undefined() || value.is_null() {
        LessonSpec::default_for(lesson)
    } else {
        match lesson {
            Lesson::Shortcut => LessonSpec::Shortcut(parse(lesson, value)?),
            Lesson::RoleTags => LessonSpec::RoleTags(parse(lesson, value)?),
            Lesson::LoraVsFull => LessonSpec::LoraVsFull(parse(lesson, value)?),
            Lesson::Transfer => LessonSpec::Transfer(parse(lesson, value)?),
            Lesson::Specialists => LessonSpec::Specialists(parse(lesson, value)?),
            Lesson::Forgetting => LessonSpec::Forgetting(parse(lesson, value)?),
        }
    };
    spec.check().map_err(js_err)?;
    Ok(spec)
}

#[derive(Serialize)]
struct LessonPlan {
    spec: LessonSpec,
    arms: Vec<ArmPlan>,
}

/// What `run_lesson(name, …)` would run with `spec` (any subset of the lesson's spec): `{spec,
/// arms: [{key, steps}]}`, the arms in the order they run (`steps` null for one that does not
/// train). The page shows the arms, their steps and the seed before a run.
#[wasm_bindgen]
pub fn lesson_plan(name: &str, spec: JsValue) -> Result<JsValue, JsError> {
    let spec = spec_from_js(lesson(name)?, spec)?;
    to_js(&LessonPlan { arms: spec.plan(), spec })
}

/// A lesson's files as the page fetched them: the model's, and the lesson's data by file name.
#[derive(Deserialize)]
struct LessonFiles {
    config_json: String,
    tokenizer_json: String,
    data: HashMap<String, String>,
}

impl LessonFiles {
    fn data(&self, name: &str) -> Result<String, String> {
        self.data.get(name).cloned().ok_or_else(|| format!("{name} was not given"))
    }

    /// The pairs of train.jsonl and the questions `lesson` asks (at most `limit`, 0 = all), for
    /// the lessons on the shortcut lesson's files.
    fn pairs_and_questions(&self, lesson: Lesson, limit: usize) -> Result<(Vec<QaItem>, Vec<QaItem>), JsError> {
        let (train, heldout) = self
            .data("train.jsonl")
            .and_then(|train| parse_lesson(&train, &self.data("heldout.jsonl")?))
            .map_err(js_err)?;
        if train.is_empty() {
            return Err(js_err("train.jsonl has no pairs"));
        }
        let asked = questions(lesson, &train, &heldout, limit);
        if asked.is_empty() {
            return Err(js_err("heldout.jsonl has no questions"));
        }
        Ok((train, asked))
    }

    /// The translation and editing tasks' files (lessons/tasks), every held-out set cut to its
    /// first `limit` items (0 = all).
    fn task_data(&self, lesson: Lesson, limit: usize) -> Result<TaskData, JsError> {
        let mut data = TaskData::read(|name| self.data(name)).map_err(js_err)?;
        for set in [&mut data.translate_heldout, &mut data.edit_heldout, &mut data.composite_heldout] {
            *set = questions(lesson, &[], set, limit);
        }
        Ok(data)
    }
}

#[derive(Serialize)]
struct LessonResult<'a, R: Serialize> {
    spec: &'a LessonSpec,
    /// Questions asked (after the `questions` limit).
    questions: usize,
    model_params: usize,
    summary: LessonSummary,
    /// The lesson's own report, as `yushan lesson NAME --json` prints it.
    report: &'a R,
}

fn result<R: Serialize>(
    spec: &LessonSpec,
    questions: usize,
    model_params: usize,
    summary: LessonSummary,
    report: &R,
) -> Result<JsValue, JsError> {
    to_js(&LessonResult { spec, questions, model_params, summary, report })
}

/// Runs lesson `name` ("shortcut", "role-tags", "lora-vs-full", "transfer", "specialists",
/// "forgetting") on the page's GPU: `files` is `{config_json, tokenizer_json, data:
/// {"train.jsonl": …, "heldout.jsonl": …}}` (the lesson's files by name), `weights` the model's
/// safetensors, `spec` any subset of the lesson's spec, `questions` how many questions to ask
/// (0 = all; the lessons over several tasks ask that many of each task). `on_step(arm, {step, total_steps,
/// loss, …})` is called after every training step. Returns `{spec, questions, model_params,
/// summary, report}`.
#[wasm_bindgen]
pub async fn run_lesson(
    name: &str,
    files: JsValue,
    weights: &[u8],
    spec: JsValue,
    questions: usize,
    on_step: js_sys::Function,
) -> Result<JsValue, JsError> {
    let lesson = lesson(name)?;
    let spec = spec_from_js(lesson, spec)?;
    let files: LessonFiles = serde_wasm_bindgen::from_value(files).map_err(|e| js_err(format!("lesson files: {e}")))?;
    let _running = Running::take()?;
    let device = gpu_device()?;
    let config = ModelConfig::from_json(&files.config_json).map_err(|e| js_err(format!("config.json: {e}")))?;
    let tokenizer =
        ChatTokenizer::from_json(&files.tokenizer_json).map_err(|e| js_err(format!("tokenizer.json: {e}")))?;
    let model =
        Model::from_safetensors(&config, weights, &device).map_err(|e| js_err(format!("model.safetensors: {e}")))?;
    let step = |arm: &str, e: &StepEvent| {
        if let Ok(event) = to_js(e) {
            // A throwing callback must not stop the run: the page ends a lesson by ending the worker.
            let _ = on_step.call2(&JsValue::NULL, &JsValue::from_str(arm), &event);
        }
    };
    let model_params = model.num_params();
    match &spec {
        LessonSpec::Shortcut(s) => {
            let (train, asked) = files.pairs_and_questions(lesson, questions)?;
            let report = run_shortcut(&model, &tokenizer, &train, &asked, s, &device, step).await.map_err(js_err)?;
            result(&spec, asked.len(), model_params, summarize_shortcut(&report, s.seed), &report)
        }
        LessonSpec::RoleTags(s) => {
            let (train, asked) = files.pairs_and_questions(lesson, questions)?;
            let report = run_role_tags(&model, &tokenizer, &train, &asked, s, &device, step).await.map_err(js_err)?;
            let trainable = s.lora.trainable_params(&config);
            let summary = summarize_role_tags(&report, &asked, train.len(), trainable, s.seed);
            result(&spec, asked.len(), model_params, summary, &report)
        }
        LessonSpec::LoraVsFull(s) => {
            let (train, asked) = files.pairs_and_questions(lesson, questions)?;
            let report =
                run_lora_vs_full(&model, &tokenizer, &train, &asked, s, &device, step).await.map_err(js_err)?;
            result(&spec, asked.len(), model_params, summarize_lora_vs_full(&report, s.seed), &report)
        }
        LessonSpec::Transfer(s) => {
            let mut data = TransferData::read(|name| files.data(name)).map_err(js_err)?;
            data.heldout = self::questions(lesson, &[], &data.heldout, questions);
            let report = run_transfer(&model, &tokenizer, &data, s, &device, step).await.map_err(js_err)?;
            result(&spec, data.heldout.len(), model_params, summarize_transfer(&report, s.seed), &report)
        }
        LessonSpec::Specialists(s) => {
            let data = files.task_data(lesson, questions)?;
            let report = run_specialists(&model, &tokenizer, &data, s, &device, step).await.map_err(js_err)?;
            // Each arm is asked every task's held-out items.
            let asked = data.heldout().iter().map(|t| t.items.len()).sum();
            result(&spec, asked, model_params, summarize_specialists(&report, s.seed), &report)
        }
        LessonSpec::Forgetting(s) => {
            let data = files.task_data(lesson, questions)?;
            let report = run_forgetting(&model, &tokenizer, &data, s, &device, step).await.map_err(js_err)?;
            // Each arm's model is asked A's held-out items (at every checkpoint) and B's.
            let asked = data.edit_heldout.len() + data.translate_heldout.len();
            result(&spec, asked, model_params, summarize_forgetting(&report, s.seed), &report)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yushan_data::Template;
    use yushan_lessons::TrainingMemory;
    use yushan_lessons::role_tags::Generated;
    use yushan_lessons::transfer::TransferArm;

    fn check(question: &str, expected: &str, answer: &str, correct: bool) -> AnswerCheck {
        AnswerCheck {
            question: question.into(),
            expected: expected.into(),
            answer: answer.into(),
            correct,
            copies_training_answer: !correct && answer.contains("玉山"),
        }
    }

    fn arm(name: &str, answers: Vec<AnswerCheck>, accuracy: f64) -> ShortcutArm {
        ShortcutArm {
            name: name.into(),
            trainable_params: 100,
            final_loss: 0.25,
            accuracy,
            shortcut_share: 1.0 - accuracy,
            relative_change: 0.07,
            answers,
        }
    }

    #[test]
    fn lessons_have_names_arms_and_default_specs() {
        for lesson in Lesson::ALL {
            assert_eq!(Lesson::parse(lesson.name()), Some(lesson));
            let spec = LessonSpec::default_for(lesson);
            assert_eq!(spec.seed(), 0);
            assert!(spec.check().is_ok());
        }
        assert_eq!(Lesson::parse("transfers"), None);
        assert_eq!(LessonSpec::default_for(Lesson::Shortcut).steps(), [Some(300), Some(100)]);
        let none = LessonSpec::RoleTags(RoleTagsSpec { steps: 0, ..RoleTagsSpec::default() });
        assert!(none.check().unwrap_err().contains("at least one training step"));
        let none = LessonSpec::Transfer(TransferSpec { steps: 0, ..TransferSpec::default() });
        assert!(none.check().unwrap_err().contains("at least one training step"));
    }

    #[test]
    fn a_plan_names_each_arm_and_its_steps_and_the_untuned_arm_has_none() {
        let plan = LessonSpec::Transfer(TransferSpec { steps: 7, ..TransferSpec::default() }).plan();
        assert_eq!(
            plan,
            [
                ArmPlan { key: transfer::UNTUNED, steps: None },
                ArmPlan { key: transfer::ENGLISH, steps: Some(7) },
                ArmPlan { key: transfer::CHINESE, steps: Some(7) },
            ]
        );
        for lesson in Lesson::ALL {
            let plan = LessonSpec::default_for(lesson).plan();
            assert_eq!(plan.iter().map(|a| a.key).collect::<Vec<_>>(), lesson.arms(), "{}", lesson.name());
        }
    }

    fn compared(key: &'static str, trained: bool, answers: Vec<AnswerCheck>) -> ArmReport {
        ArmReport {
            key,
            trainable_params: if trained { 28_672 } else { 0 },
            memory: trained.then(|| TrainingMemory::new(865_408, 28_672)),
            final_loss: trained.then_some(0.01),
            median_step_ms: trained.then_some(31.5),
            relative_change: if trained { 0.03 } else { 0.0 },
            accuracy: answers.iter().filter(|a| a.correct).count() as f64 / answers.len() as f64,
            shortcut_share: 0.0,
            stop_share: if trained { 1.0 } else { 0.0 },
            completes: trained.then_some(0.9),
            answers,
        }
    }

    #[test]
    fn the_lora_vs_full_summary_shows_cost_and_held_out_figures_per_arm() {
        let q = "世界最高的山是哪一座？";
        let report = LoraVsFullReport {
            train_pairs: 8,
            heldout_questions: 1,
            pretrained_completes: 0.93,
            arms: vec![
                compared(lora_vs_full::LORA, true, vec![check(q, "聖母峰", "聖母峰。", true)]),
                compared(lora_vs_full::FULL, true, vec![check(q, "聖母峰", "玉山。", false)]),
            ],
        };
        let s = summarize_lora_vs_full(&report, 2);
        assert_eq!((s.lesson, s.seed, s.train_pairs, s.check), ("lora-vs-full", 2, 8, "correct"));
        assert_eq!(s.arms.iter().map(|a| a.key).collect::<Vec<_>>(), Lesson::LoraVsFull.arms());
        let keys: Vec<_> = s.arms[0].metrics.iter().map(|m| (m.key, m.kind)).collect();
        assert_eq!(
            keys,
            [
                ("trainable_params", MetricKind::Count),
                ("median_step_ms", MetricKind::Ms),
                ("memory", MetricKind::Bytes),
                ("accuracy", MetricKind::Share),
                ("shortcut_share", MetricKind::Share),
                ("relative_change", MetricKind::Ratio),
                ("completes", MetricKind::Share),
                ("final_loss", MetricKind::Loss),
            ]
        );
        assert_eq!(s.arms[0].metrics[2].value, ((865_408 + 3 * 28_672) * 4) as f64);
        assert_eq!(s.notes, vec![metric("pretrained_completes", MetricKind::Share, 0.93)]);
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].answers.iter().map(|a| a.ok).collect::<Vec<_>>(), [true, false]);
    }

    #[test]
    fn the_transfer_summary_has_no_training_figures_for_the_untuned_arm() {
        let q = "韓國最高的山是哪一座？";
        let arm = |key, trained, answer: &str, ok, chinese_share| TransferArm {
            arm: compared(key, trained, vec![check(q, "漢拏山", answer, ok)]),
            chinese_share,
        };
        let report = TransferReport {
            train_pairs: 8,
            heldout_questions: 1,
            arms: vec![
                arm(transfer::UNTUNED, false, "韓國最高的山是哪一座？韓國", false, 1.0),
                arm(transfer::ENGLISH, true, "漢拏山。", true, 1.0),
                arm(transfer::CHINESE, true, "Hallasan.", true, 0.0),
            ],
        };
        let s = summarize_transfer(&report, 0);
        assert_eq!((s.lesson, s.check), ("transfer", "correct_either"));
        assert_eq!(s.arms.iter().map(|a| a.key).collect::<Vec<_>>(), Lesson::Transfer.arms());
        let keys = |i: usize| s.arms[i].metrics.iter().map(|m| m.key).collect::<Vec<_>>();
        assert_eq!(
            keys(1),
            ["accuracy", "chinese_share", "shortcut_share", "stop_share", "trainable_params", "final_loss"]
        );
        assert_eq!(keys(0), ["accuracy", "chinese_share", "shortcut_share", "stop_share", "trainable_params"]);
        assert_eq!(s.arms[2].metrics[1], metric("chinese_share", MetricKind::Share, 0.0));
        assert_eq!(s.rows[0].answers.iter().map(|a| a.ok).collect::<Vec<_>>(), [false, true, true]);
    }

    #[test]
    fn the_shortcut_summary_has_a_column_per_arm_and_a_row_per_question() {
        let q = ["世界最高的山是哪一座？", "世界最深的湖是哪一個？"];
        let report = ShortcutReport {
            train_pairs: 8,
            heldout_questions: 2,
            pretrained_completes: 0.5,
            from_scratch: arm(
                "from scratch",
                vec![check(q[0], "聖母峰", "世界最高的山是玉山。", false), check(q[1], "貝加爾湖", "玉山。", false)],
                0.0,
            ),
            pretrained_lora: arm(
                "pretrained + LoRA",
                vec![check(q[0], "聖母峰", "聖母峰。", true), check(q[1], "貝加爾湖", "裏海。", false)],
                0.5,
            ),
        };
        let s = summarize_shortcut(&report, 7);
        assert_eq!((s.lesson, s.seed, s.train_pairs, s.check), ("shortcut", 7, 8, "correct"));
        assert_eq!(s.arms.iter().map(|a| a.key).collect::<Vec<_>>(), Lesson::Shortcut.arms());
        let value = |arm: usize, key: &str| s.arms[arm].metrics.iter().find(|m| m.key == key).map(|m| m.value);
        assert_eq!((value(0, "accuracy"), value(1, "accuracy")), (Some(0.0), Some(0.5)));
        assert_eq!(value(1, "shortcut_share"), Some(0.5));
        assert_eq!(value(0, "final_loss"), Some(0.25));
        assert_eq!(s.notes, vec![metric("pretrained_completes", MetricKind::Share, 0.5)]);
        assert_eq!(s.rows.len(), 2);
        assert_eq!((s.rows[0].question.as_str(), s.rows[0].expected.as_str()), (q[0], "聖母峰"));
        assert_eq!(
            s.rows[0].answers,
            vec![
                ArmAnswer { text: "世界最高的山是玉山。".into(), ok: false },
                ArmAnswer { text: "聖母峰。".into(), ok: true },
            ]
        );
    }

    #[test]
    fn the_role_tags_summary_marks_the_answers_that_stop() {
        let generated = |text: &str, stopped: bool| Generated {
            question: "臺灣最高的山是哪一座？".into(),
            text: text.into(),
            stopped_correctly: stopped,
            kept_writing: !stopped,
            asked_itself: !stopped,
        };
        let arm = |template, text: &str, stopped: bool| RoleTagsArm {
            template,
            final_loss: 0.5,
            stop_share: f64::from(u8::from(stopped)),
            run_on_share: f64::from(u8::from(!stopped)),
            asks_itself_share: f64::from(u8::from(!stopped)),
            samples: vec![generated(text, stopped)],
        };
        let report = RoleTagsReport {
            with_tags: arm(Template::Plain, "臺灣最高的山是玉山。", true),
            without_tags: arm(Template::NoTags, "臺灣最高的山是玉山。日本最高的山是哪一座？", false),
        };
        let probe = [QaItem::from_pair("臺灣最高的山是哪一座？", "臺灣最高的山是玉山。")];
        let s = summarize_role_tags(&report, &probe, 8, 1234, 3);
        assert_eq!((s.lesson, s.seed, s.check), ("role-tags", 3, "stopped"));
        assert_eq!(s.arms.iter().map(|a| a.key).collect::<Vec<_>>(), Lesson::RoleTags.arms());
        assert_eq!(s.arms[1].metrics[0], metric("stop_share", MetricKind::Share, 0.0));
        assert!(s.arms[0].metrics.contains(&metric("trainable_params", MetricKind::Count, 1234.0)));
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].expected, "臺灣最高的山是玉山。");
        assert_eq!(s.rows[0].answers.iter().map(|a| a.ok).collect::<Vec<_>>(), [true, false]);
    }

    #[test]
    fn the_task_lessons_plan_their_arms_as_the_lessons_do() {
        let spec = SpecialistsSpec { steps: 3, ..SpecialistsSpec::default() };
        let plan = LessonSpec::Specialists(spec.clone()).plan();
        assert_eq!(
            plan,
            [
                ArmPlan { key: specialists::UNTUNED, steps: None },
                ArmPlan { key: specialists::TRANSLATOR, steps: Some(3) },
                ArmPlan { key: specialists::EDITOR, steps: Some(3) },
                ArmPlan { key: specialists::GENERALIST, steps: Some(6) },
            ]
        );
        assert_eq!(plan.iter().map(|a| a.key).collect::<Vec<_>>(), spec.plan().map(|(k, _)| k));
        // Task A trains first: it is in the plan (the loss chart and the progress show it).
        let spec = ForgettingSpec { a_steps: 2, b_steps: 3, ..ForgettingSpec::default() };
        let plan = LessonSpec::Forgetting(spec.clone()).plan();
        assert_eq!(
            plan,
            [
                ArmPlan { key: forgetting::FIRST, steps: Some(2) },
                ArmPlan { key: forgetting::SEQUENTIAL, steps: Some(3) },
                ArmPlan { key: forgetting::REPLAY, steps: Some(3) },
                ArmPlan { key: forgetting::SELF_REPLAY, steps: Some(3) },
            ]
        );
        assert_eq!(plan.iter().map(|a| a.key).collect::<Vec<_>>(), spec.plan().map(|(k, _)| k));
        let none = LessonSpec::Specialists(SpecialistsSpec { steps: 0, ..SpecialistsSpec::default() });
        assert!(none.check().unwrap_err().contains("at least one training step"));
        let none = LessonSpec::Forgetting(ForgettingSpec { b_steps: 0, ..ForgettingSpec::default() });
        assert!(none.check().unwrap_err().contains("at least one training step"));
        let none = LessonSpec::Forgetting(ForgettingSpec { max_answer_tokens: 0, ..ForgettingSpec::default() });
        assert!(none.check().unwrap_err().contains("max_answer_tokens"));
    }

    /// A task's score from (question, expected, answer) triples, scored as the lessons score.
    fn score(task: &'static str, items: &[(&str, &str, &str)]) -> TaskScore {
        let qa: Vec<QaItem> = items.iter().map(|&(q, e, _)| QaItem::new(q, e)).collect();
        let answers: Vec<String> = items.iter().map(|&(.., a)| a.to_string()).collect();
        tasks::score_task(task, &qa, &answers)
    }

    #[test]
    fn the_specialists_summary_shows_each_task_per_arm_and_rows_of_each_task() {
        use yushan_lessons::specialists::SpecialistsArm;
        let translate = |answer: &str| {
            let mut items = vec![("Translate into Chinese: the longest river in Japan", "日本最長的河", answer)];
            // More items than the table shows: it keeps the first rows of each task.
            items.extend(std::iter::repeat_n(
                ("Translate into Chinese: the largest lake in Asia", "亞洲最大的湖", "湖"),
                9,
            ));
            score(tasks::TRANSLATE, &items)
        };
        let edit = |answer: &str| {
            score(tasks::EDIT, &[("Fix the measure word: 日本最長的河是哪一座？", "日本最長的河是哪一條？", answer)])
        };
        let composite = |answer: &str| {
            let q = "Translate into Chinese: Which is the largest ocean in the world?";
            score(tasks::COMPOSITE, &[(q, "世界最大的海洋是哪一個？", answer)])
        };
        let arm = |key, train_pairs, final_loss, answers: [&str; 3]| SpecialistsArm {
            key,
            train_pairs,
            final_loss,
            tasks: vec![translate(answers[0]), edit(answers[1]), composite(answers[2])],
        };
        let report = SpecialistsReport {
            translate_pairs: 70,
            edit_pairs: 70,
            heldout_items: 10,
            arms: vec![
                arm(specialists::UNTUNED, 0, None, ["Japan", "日本", "Poyang Lake."]),
                arm(specialists::TRANSLATOR, 70, Some(0.3), ["日本最長的河", "日本最長", "世界最大的海洋"]),
                arm(
                    specialists::EDITOR,
                    70,
                    Some(0.2),
                    ["日本最長的河是哪一條？", "日本最長的河是哪一條？", "It is the Pacific Ocean."],
                ),
                arm(
                    specialists::GENERALIST,
                    140,
                    Some(0.25),
                    ["日本最長的河", "日本最長的河是哪一條？", "Poyang Lake."],
                ),
            ],
        };
        let s = summarize_specialists(&report, 4);
        assert_eq!((s.lesson, s.seed, s.train_pairs, s.check), ("specialists", 4, 140, "exact"));
        assert_eq!(s.arms.iter().map(|a| a.key).collect::<Vec<_>>(), Lesson::Specialists.arms());
        let keys = |i: usize| s.arms[i].metrics.iter().map(|m| (m.key, m.kind)).collect::<Vec<_>>();
        use MetricKind::*;
        assert_eq!(
            keys(3),
            [
                ("translate_exact", Share),
                ("translate_similarity", Score),
                ("edit_exact", Share),
                ("edit_similarity", Score),
                ("composite_exact", Share),
                ("composite_similarity", Score),
                ("train_pairs", Count),
                ("final_loss", Loss),
            ]
        );
        assert_eq!(keys(0).len(), 7, "the untuned model has no loss");
        let value = |arm: usize, key: &str| s.arms[arm].metrics.iter().find(|m| m.key == key).unwrap().value;
        assert_eq!(value(3, "translate_exact"), 0.1);
        assert_eq!(value(2, "edit_exact"), 1.0);
        assert_eq!(value(1, "edit_exact"), 0.0);
        assert!((value(1, "edit_similarity") - 4.0 / 11.0).abs() < 1e-12);
        assert_eq!(value(3, "train_pairs"), 140.0);
        assert!(s.notes.is_empty() && s.curves.is_empty() && s.examples.is_empty());
        // The first 8 translations, then the edit, then the composite, each with every arm's answer.
        assert_eq!(s.rows.len(), SPECIALISTS_ROWS_PER_TASK + 2);
        assert_eq!(s.rows[0].expected, "日本最長的河");
        assert_eq!(s.rows[0].answers.iter().map(|a| a.ok).collect::<Vec<_>>(), [false, true, false, true]);
        let edit_row = &s.rows[SPECIALISTS_ROWS_PER_TASK];
        assert_eq!(edit_row.question, "Fix the measure word: 日本最長的河是哪一座？");
        assert_eq!(edit_row.answers.iter().map(|a| a.ok).collect::<Vec<_>>(), [false, false, true, true]);
        assert_eq!(s.rows.last().unwrap().answers[2].text, "It is the Pacific Ocean.");
        // No curves: the field is left out of what the page gets.
        let json = serde_json::to_value(&s).unwrap();
        assert!(json.get("curves").is_none() && json.get("examples").is_none());
    }

    #[test]
    fn the_forgetting_summary_has_the_b_arms_notes_on_a_and_a_curve_per_arm() {
        use yushan_lessons::forgetting::{CurvePoint, ForgettingArm};
        let q = "Fix the measure word: 日本最長的河是哪一座？";
        let a_score = |answer: &str| score(tasks::EDIT, &[(q, "日本最長的河是哪一條？", answer), (q, "日本", "日本")]);
        let b_score = |answer: &str| score(tasks::TRANSLATE, &[("Translate into Chinese: Japan", "日本", answer)]);
        let point = |b_step, exact| CurvePoint { b_step, exact, similarity: exact };
        let arm = |key, replayed, a_answer: &str, curve: Vec<CurvePoint>| ForgettingArm {
            key,
            replayed,
            final_loss: 0.5,
            curve,
            a: a_score(a_answer),
            b: b_score("日本"),
        };
        let report = ForgettingReport {
            a_task: tasks::EDIT,
            b_task: tasks::TRANSLATE,
            a_pairs: 70,
            b_pairs: 70,
            after_a: [a_score("日本最長的河是哪一條？"), b_score("Japan")],
            self_written: vec![
                QaItem::new("Fix the measure word: 英國最長的河是哪一條？", "英國最長的河是哪一條？"),
                QaItem::new("Fix the measure word: Honshu", "The Hsuehshan Tunnel."),
            ],
            arms: vec![
                arm(forgetting::SEQUENTIAL, 0, "日本最長的河", vec![point(0, 1.0), point(1, 0.5), point(2, 0.5)]),
                arm(
                    forgetting::REPLAY,
                    23,
                    "日本最長的河是哪一條？",
                    vec![point(0, 1.0), point(1, 1.0), point(2, 1.0)],
                ),
                arm(
                    forgetting::SELF_REPLAY,
                    23,
                    "日本最長的河是哪一條？",
                    vec![point(0, 1.0), point(1, 0.5), point(2, 1.0)],
                ),
            ],
        };
        let s = summarize_forgetting(&report, 1);
        assert_eq!((s.lesson, s.seed, s.train_pairs, s.check), ("forgetting", 1, 140, "exact"));
        // Task A is a stage of the plan, not a column of the figures.
        assert_eq!(s.arms.iter().map(|a| a.key).collect::<Vec<_>>(), &Lesson::Forgetting.arms()[1..]);
        use MetricKind::*;
        assert_eq!(
            s.arms[1].metrics,
            [
                metric("a_after_b_exact", Share, 1.0),
                metric("a_after_b_similarity", Score, 1.0),
                metric("b_exact", Share, 1.0),
                metric("b_similarity", Score, 1.0),
                metric("replayed", Count, 23.0),
                metric("final_loss", Loss, 0.5),
            ]
        );
        assert_eq!(s.arms[0].metrics[0], metric("a_after_b_exact", Share, 0.5));
        assert_eq!(
            s.notes,
            [
                metric("a_after_a_exact", Share, 1.0),
                metric("b_after_a_exact", Share, 0.0),
                metric("self_written", Count, 2.0)
            ]
        );
        // Rows: task A's items with each arm's answer at the end of B.
        assert_eq!(s.rows.len(), 2);
        assert_eq!((s.rows[0].question.as_str(), s.rows[0].expected.as_str()), (q, "日本最長的河是哪一條？"));
        assert_eq!(s.rows[0].answers.iter().map(|a| a.ok).collect::<Vec<_>>(), [false, true, true]);
        assert_eq!(s.rows[0].answers[0].text, "日本最長的河");
        assert_eq!(s.curves.iter().map(|c| c.key).collect::<Vec<_>>(), &Lesson::Forgetting.arms()[1..]);
        assert_eq!(s.curves[0].points, [(0, 1.0), (1, 0.5), (2, 0.5)]);
        assert_eq!(
            s.examples[1],
            Example { question: "Fix the measure word: Honshu".into(), answer: "The Hsuehshan Tunnel.".into() }
        );
        // The page gets each point as [step, share].
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            json["curves"][2],
            serde_json::json!({"key": "self-replay", "points": [[0, 1.0], [1, 0.5], [2, 1.0]]})
        );
    }

    #[test]
    fn a_limit_keeps_the_first_questions_and_role_tags_asks_the_training_questions_too() {
        let train = vec![QaItem::new("a", "1"), QaItem::new("b", "2")];
        let heldout = vec![QaItem::new("c", "3"), QaItem::new("d", "4"), QaItem::new("e", "5")];
        let names = |v: Vec<QaItem>| v.into_iter().map(|q| q.question).collect::<Vec<_>>();
        assert_eq!(names(questions(Lesson::Shortcut, &train, &heldout, 0)), ["c", "d", "e"]);
        assert_eq!(names(questions(Lesson::Shortcut, &train, &heldout, 2)), ["c", "d"]);
        assert_eq!(names(questions(Lesson::Shortcut, &train, &heldout, 9)), ["c", "d", "e"]);
        assert_eq!(names(questions(Lesson::RoleTags, &train, &heldout, 0)), ["a", "b", "c", "d", "e"]);
        assert_eq!(names(questions(Lesson::RoleTags, &train, &heldout, 3)), ["a", "b", "c"]);
        assert_eq!(names(questions(Lesson::Transfer, &[], &heldout, 1)), ["c"]);
        assert_eq!(names(questions(Lesson::Specialists, &[], &heldout, 2)), ["c", "d"]);
        assert_eq!(names(questions(Lesson::Forgetting, &[], &heldout, 0)), ["c", "d", "e"]);
    }
}
