//! The lessons in the page: the pretrained model and a lesson's files come from JS, the
//! experiment itself is yushan-lessons' (`run_shortcut`, `run_role_tags`), run on the page's
//! GPU, and the report comes back together with a summary the page draws as two tables: one
//! column of figures per arm, and one row per question asked with each arm's answer.
//!
//! The page runs lessons in a worker of their own (web/lessons.js), so a lesson never touches
//! the studio's model or run, and Stop can end the worker at once.
//!
//! A new lesson slots in with one `Lesson` variant here (its name, its default spec, how it is
//! run and summarised) and one entry in web/lessons.js.

use std::cell::Cell;

use burn::module::Module;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use yushan_data::ChatTokenizer;
use yushan_lessons::role_tags::RoleTagsArm;
use yushan_lessons::{
    QaItem, RoleTagsReport, RoleTagsSpec, ShortcutArm, ShortcutReport, ShortcutSpec, parse_lesson, run_role_tags,
    run_shortcut,
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
}

impl Lesson {
    pub const ALL: [Lesson; 2] = [Lesson::Shortcut, Lesson::RoleTags];

    pub fn name(self) -> &'static str {
        match self {
            Lesson::Shortcut => "shortcut",
            Lesson::RoleTags => "role-tags",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The arms in the order they train, by the tag `on_step` gives their steps.
    pub fn arms(self) -> [&'static str; 2] {
        match self {
            Lesson::Shortcut => ["scratch", "lora"],
            Lesson::RoleTags => ["with tags", "without tags"],
        }
    }
}

/// A lesson's settings: the lesson's own spec, any subset of its fields from JS (the rest keep
/// the lesson's defaults, which are the CLI's).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LessonSpec {
    Shortcut(ShortcutSpec),
    RoleTags(RoleTagsSpec),
}

impl LessonSpec {
    pub fn default_for(lesson: Lesson) -> Self {
        match lesson {
            Lesson::Shortcut => LessonSpec::Shortcut(ShortcutSpec::default()),
            Lesson::RoleTags => LessonSpec::RoleTags(RoleTagsSpec::default()),
        }
    }

    pub fn seed(&self) -> u64 {
        match self {
            LessonSpec::Shortcut(s) => s.seed,
            LessonSpec::RoleTags(s) => s.seed,
        }
    }

    /// Training steps of each arm, in the order the arms train.
    pub fn steps(&self) -> [usize; 2] {
        match self {
            LessonSpec::Shortcut(s) => [s.scratch_steps, s.lora_steps],
            LessonSpec::RoleTags(s) => [s.steps, s.steps],
        }
    }

    /// Refuses settings the lesson cannot run with, before anything is loaded.
    pub fn check(&self) -> Result<(), String> {
        let steps = self.steps();
        if steps.contains(&0) {
            return Err(format!("every arm needs at least one training step (got {steps:?})"));
        }
        let (batch, tokens) = match self {
            LessonSpec::Shortcut(s) => (s.batch_size, s.max_answer_tokens),
            LessonSpec::RoleTags(s) => (s.batch_size, s.max_answer_tokens),
        };
        if batch == 0 || tokens == 0 {
            return Err("batch_size and max_answer_tokens must be at least 1".into());
        }
        Ok(())
    }
}

/// How a figure is shown: a share (0..1, as a percentage), a count, a relative change, a loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    Share,
    Count,
    Ratio,
    Loss,
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
    /// What ✓ means in `rows`: `correct` or `stopped`.
    pub check: &'static str,
    pub rows: Vec<AnswerRow>,
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
        arms: vec![shortcut_arm("scratch", a), shortcut_arm("lora", b)],
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
pub fn summarize_role_tags(report: &RoleTagsReport, probe: &[QaItem], train_pairs: usize, trainable: usize, seed: u64) -> LessonSummary {
    let (a, b) = (&report.with_tags, &report.without_tags);
    LessonSummary {
        lesson: Lesson::RoleTags.name(),
        seed,
        train_pairs,
        notes: Vec::new(),
        arms: vec![role_tags_arm("with tags", a, trainable), role_tags_arm("without tags", b, trainable)],
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
    }
}

/// The questions a lesson asks: the held-out ones (the role-tags lesson, as the CLI does, asks
/// the training questions first), the first `limit` of them when `limit` is not 0.
pub fn questions(lesson: Lesson, train: &[QaItem], heldout: &[QaItem], limit: usize) -> Vec<QaItem> {
    let all: Vec<QaItem> = match lesson {
        Lesson::Shortcut => heldout.to_vec(),
        Lesson::RoleTags => train.iter().chain(heldout).cloned().collect(),
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

/// `lesson`'s spec with the fields of `value` (any subset; `undefined` = the defaults).
fn spec_from_js(lesson: Lesson, value: JsValue) -> Result<LessonSpec, JsError> {
    let given = !(value.is_undefined() || value.is_null());
    let parse = |what: &str, e: serde_wasm_bindgen::Error| js_err(format!("{what} spec: {e}"));
    let spec = match lesson {
        Lesson::Shortcut if given => LessonSpec::Shortcut(serde_wasm_bindgen::from_value(value).map_err(|e| parse("shortcut", e))?),
        Lesson::RoleTags if given => LessonSpec::RoleTags(serde_wasm_bindgen::from_value(value).map_err(|e| parse("role-tags", e))?),
        _ => LessonSpec::default_for(lesson),
    };
    spec.check().map_err(js_err)?;
    Ok(spec)
}

/// The settings `run_lesson(name, …)` would use with `spec` (any subset of the lesson's spec):
/// the page shows the steps and the seed before a run.
#[wasm_bindgen]
pub fn lesson_spec(name: &str, spec: JsValue) -> Result<JsValue, JsError> {
    to_js(&spec_from_js(lesson(name)?, spec)?)
}

/// A lesson's files as the page fetched them.
#[derive(Deserialize)]
struct LessonFiles {
    config_json: String,
    tokenizer_json: String,
    train_jsonl: String,
    heldout_jsonl: String,
}

#[derive(Serialize)]
struct LessonResult<'a, R: Serialize> {
    spec: &'a LessonSpec,
    /// Questions asked (after the `questions` limit).
    questions: usize,
    model_params: usize,
    summary: LessonSummary,
    /// The lesson's own report, as `yushan lesson NAME --json` prints it.
    report: R,
}

/// Runs lesson `name` ("shortcut", "role-tags") on the page's GPU: `files` is `{config_json,
/// tokenizer_json, train_jsonl, heldout_jsonl}`, `weights` the model's safetensors, `spec` any
/// subset of the lesson's spec, `questions` how many questions to ask (0 = all).
/// `on_step(arm, {step, total_steps, loss, …})` is called after every training step. Returns
/// `{spec, questions, model_params, summary, report}`.
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
    let tokenizer = ChatTokenizer::from_json(&files.tokenizer_json).map_err(|e| js_err(format!("tokenizer.json: {e}")))?;
    let model = Model::from_safetensors(&config, weights, &device).map_err(|e| js_err(format!("model.safetensors: {e}")))?;
    let (train, heldout) = parse_lesson(&files.train_jsonl, &files.heldout_jsonl).map_err(js_err)?;
    if train.is_empty() {
        return Err(js_err("train.jsonl has no pairs"));
    }
    let asked = self::questions(lesson, &train, &heldout, questions);
    if asked.is_empty() {
        return Err(js_err("heldout.jsonl has no questions"));
    }
    let step = |arm: &str, e: &StepEvent| {
        if let Ok(event) = to_js(e) {
            // A throwing callback must not stop the run: the page ends a lesson by ending the worker.
            let _ = on_step.call2(&JsValue::NULL, &JsValue::from_str(arm), &event);
        }
    };
    let model_params = model.num_params();
    match &spec {
        LessonSpec::Shortcut(s) => {
            let report = run_shortcut(&model, &tokenizer, &train, &asked, s, &device, step).await.map_err(js_err)?;
            let summary = summarize_shortcut(&report, s.seed);
            to_js(&LessonResult { spec: &spec, questions: asked.len(), model_params, summary, report })
        }
        LessonSpec::RoleTags(s) => {
            let report = run_role_tags(&model, &tokenizer, &train, &asked, s, &device, step).await.map_err(js_err)?;
            let trainable = s.lora.trainable_params(&config);
            let summary = summarize_role_tags(&report, &asked, train.len(), trainable, s.seed);
            to_js(&LessonResult { spec: &spec, questions: asked.len(), model_params, summary, report })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yushan_data::Template;
    use yushan_lessons::AnswerCheck;
    use yushan_lessons::role_tags::Generated;

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
        assert_eq!(Lesson::parse("transfer"), None);
        assert_eq!(LessonSpec::default_for(Lesson::Shortcut).steps(), [300, 100]);
        let none = LessonSpec::RoleTags(RoleTagsSpec { steps: 0, ..RoleTagsSpec::default() });
        assert!(none.check().unwrap_err().contains("at least one training step"));
    }

    #[test]
    fn the_shortcut_summary_has_a_column_per_arm_and_a_row_per_question() {
        let q = ["世界最高的山是哪一座？", "世界最深的湖是哪一個？"];
        let report = ShortcutReport {
            train_pairs: 8,
            heldout_questions: 2,
            pretrained_completes: 0.5,
            from_scratch: arm("from scratch", vec![check(q[0], "聖母峰", "世界最高的山是玉山。", false), check(q[1], "貝加爾湖", "玉山。", false)], 0.0),
            pretrained_lora: arm("pretrained + LoRA", vec![check(q[0], "聖母峰", "聖母峰。", true), check(q[1], "貝加爾湖", "裏海。", false)], 0.5),
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
        assert_eq!(s.rows[0].answers, vec![
            ArmAnswer { text: "世界最高的山是玉山。".into(), ok: false },
            ArmAnswer { text: "聖母峰。".into(), ok: true },
        ]);
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
    fn a_limit_keeps_the_first_questions_and_role_tags_asks_the_training_questions_too() {
        let train = vec![QaItem::new("a", "1"), QaItem::new("b", "2")];
        let heldout = vec![QaItem::new("c", "3"), QaItem::new("d", "4"), QaItem::new("e", "5")];
        let names = |v: Vec<QaItem>| v.into_iter().map(|q| q.question).collect::<Vec<_>>();
        assert_eq!(names(questions(Lesson::Shortcut, &train, &heldout, 0)), ["c", "d", "e"]);
        assert_eq!(names(questions(Lesson::Shortcut, &train, &heldout, 2)), ["c", "d"]);
        assert_eq!(names(questions(Lesson::Shortcut, &train, &heldout, 9)), ["c", "d", "e"]);
        assert_eq!(names(questions(Lesson::RoleTags, &train, &heldout, 0)), ["a", "b", "c", "d", "e"]);
        assert_eq!(names(questions(Lesson::RoleTags, &train, &heldout, 3)), ["a", "b", "c"]);
    }
}
