//! A lesson's report as every front end shows it: a column of figures per arm, a row per
//! question asked with each arm's answer, and, for some lessons, notes, curves and examples.
//! Each lesson turns its own report into this ([`crate::registry`] knows which); the CLI prints
//! it as tables and the page draws it, without knowing any lesson.

use serde::Serialize;

use crate::compare::ArmReport;
use crate::qa::AnswerCheck;
use crate::tasks::{TaskAnswer, TaskScore};

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

pub const fn metric(key: &'static str, kind: MetricKind, value: f64) -> Metric {
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
pub enum Figure {
    Accuracy,
    RightAndStops,
    ShortcutShare,
    StopShare,
    TrainableParams,
    MedianStepMs,
    Memory,
    RelativeChange,
    Completes,
    ParaphraseAccuracy,
    ParaphraseRightAndStops,
    FinalLoss,
}

impl Figure {
    /// The figure of `arm`; `None` where the arm has none (one that does not train has no loss).
    pub fn of(self, arm: &ArmReport) -> Option<Metric> {
        use MetricKind::*;
        let (key, kind, value) = match self {
            Figure::Accuracy => ("accuracy", Share, Some(arm.accuracy)),
            Figure::RightAndStops => ("right_and_stops", Share, Some(arm.right_and_stops)),
            Figure::ShortcutShare => ("shortcut_share", Share, Some(arm.shortcut_share)),
            Figure::StopShare => ("stop_share", Share, Some(arm.stop_share)),
            Figure::TrainableParams => ("trainable_params", Count, Some(arm.trainable_params as f64)),
            Figure::MedianStepMs => ("median_step_ms", Ms, arm.median_step_ms),
            Figure::Memory => ("memory", Bytes, arm.memory.map(|m| m.total as f64)),
            Figure::RelativeChange => ("relative_change", Ratio, Some(arm.relative_change)),
            Figure::Completes => ("completes", Share, arm.completes),
            Figure::ParaphraseAccuracy => ("paraphrase_accuracy", Share, arm.paraphrase_accuracy),
            Figure::ParaphraseRightAndStops => ("paraphrase_right_and_stops", Share, arm.paraphrase_right_and_stops),
            Figure::FinalLoss => ("final_loss", Loss, arm.final_loss.map(f64::from)),
        };
        value.map(|v| metric(key, kind, v))
    }

    /// The figures of `arm` among `list`, in that order.
    pub fn all_of(list: &[Figure], arm: &ArmReport) -> Vec<Metric> {
        list.iter().filter_map(|f| f.of(arm)).collect()
    }
}

/// A row per question asked (the first `n`): the question, the expected answer, and each arm's
/// answer with whether it counts as good. `arms` holds each arm's answers, in the arms' order;
/// `view` reads (question, expected, answer, good) from one answer.
pub(crate) fn rows<A>(arms: &[&[A]], n: usize, view: impl Fn(&A) -> (&str, &str, &str, bool)) -> Vec<AnswerRow> {
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

/// A row per question asked, with each arm's answer (`answers[arm]`) marked right or wrong.
pub(crate) fn answer_rows(answers: &[&[AnswerCheck]]) -> Vec<AnswerRow> {
    rows(answers, usize::MAX, |c| (&c.question, &c.expected, &c.answer, c.correct))
}

/// The summary of a lesson whose arms are all compared on the same questions ([`ArmReport`]):
/// `figures` of each arm, and a row per question with each arm's answer.
pub(crate) fn compared_summary(
    lesson: &'static str,
    seed: u64,
    train_pairs: usize,
    notes: Vec<Metric>,
    arms: &[&ArmReport],
    figures: &[Figure],
) -> LessonSummary {
    LessonSummary {
        lesson,
        seed,
        train_pairs,
        notes,
        arms: arms.iter().map(|a| ArmSummary { key: a.key, metrics: Figure::all_of(figures, a) }).collect(),
        check: "correct",
        rows: answer_rows(&arms.iter().map(|a| a.answers.as_slice()).collect::<Vec<_>>()),
        curves: Vec::new(),
        examples: Vec::new(),
    }
}

/// A task's held-out items as answer rows: the first `n`, with each arm's answer (in the order of
/// `scores`), ✓ when it is exactly the expected text.
pub(crate) fn task_rows(scores: &[&TaskScore], n: usize) -> Vec<AnswerRow> {
    let answers: Vec<&[TaskAnswer]> = scores.iter().map(|s| s.answers.as_slice()).collect();
    rows(&answers, n, |a| (&a.question, &a.expected, &a.answer, a.exact))
}

/// What a figure or note is called in English, by its key (the page has its own wording in both
/// languages, web/lessons.js): the CLI's row labels. `{}` in a note stands for its value.
pub fn label(key: &str) -> &'static str {
    match key {
        "accuracy" => "right",
        "right_and_stops" => "right and stops",
        "shortcut_share" => "repeats a training answer",
        "stop_share" => "stops after its answer",
        "run_on_share" => "writes on past its answer",
        "asks_itself_share" => "asks itself a question",
        "trainable_params" => "trainable parameters",
        "median_step_ms" => "median step",
        "memory" => "training memory¹",
        "completes" => "completes the facts as plain text",
        "paraphrase_accuracy" => "other phrasings: right",
        "paraphrase_right_and_stops" => "other phrasings: right and stops",
        "chinese_share" => "answers in Chinese",
        "relative_change" => "‖ΔW‖/‖W₀‖",
        "final_loss" => "final loss",
        "translate_exact" => "translation: exact",
        "translate_similarity" => "translation: similarity²",
        "edit_exact" => "editing: exact",
        "edit_similarity" => "editing: similarity²",
        "composite_exact" => "composite (never taught): exact",
        "composite_similarity" => "composite: similarity²",
        "train_pairs" => "training pairs",
        "a_after_b_exact" => "task A at the end: exact",
        "a_after_b_similarity" => "task A at the end: similarity²",
        "b_exact" => "task B: exact",
        "b_similarity" => "task B: similarity²",
        "replayed" => "A examples mixed into B",
        "pretrained_completes" => "before fine-tuning, the pretrained model completes {} of these facts as plain text",
        "a_after_a_exact" => "right after task A, {} of A's held-out items are exactly right",
        "b_after_a_exact" => "right after task A, {} of B's held-out items are exactly right",
        "self_written" => "self-replay: the model wrote {} A-type examples itself right after A",
        _ => "",
    }
}

/// Footnotes for the figures marked ¹ and ² in [`label`].
pub const FOOTNOTES: [&str; 2] = [
    "¹ f32 weights, plus a gradient and AdamW's two moments per trainable weight; activations not counted.",
    "² 1 − character edit distance / length, averaged: partial credit for a near miss.",
];

impl Metric {
    /// The value as the tables write it: 12.5%, 0.87, 28,672, 31.5 ms, 3.84 MB.
    pub fn display(&self) -> String {
        match self.kind {
            MetricKind::Share => format!("{:.1}%", self.value * 100.0),
            MetricKind::Score => format!("{:.2}", self.value),
            MetricKind::Count => group_thousands(self.value.round() as u64),
            MetricKind::Ratio => format!("{:.4}", self.value),
            MetricKind::Ms => format!("{:.1} ms", self.value),
            MetricKind::Bytes => format!("{:.2} MB", self.value / 1e6),
            MetricKind::Loss => format!("{:.3}", self.value),
        }
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{TrainingMemory, UNTUNED};
    use crate::forgetting::{self, ForgettingReport};
    use crate::lora_vs_full::{self, LoraVsFullReport};
    use crate::qa::QaItem;
    use crate::registry::Lesson;
    use crate::role_tags::{self, Generated, RoleTagsArm, RoleTagsReport};
    use crate::shortcut::{self, ShortcutReport};
    use crate::specialists::{self, ROWS_PER_TASK as SPECIALISTS_ROWS_PER_TASK, SpecialistsReport};
    use crate::tasks;
    use crate::transfer::{self, TransferArm, TransferReport};
    use yushan_data::Template;

    fn check(question: &str, expected: &str, answer: &str, correct: bool) -> AnswerCheck {
        AnswerCheck {
            question: question.into(),
            expected: expected.into(),
            answer: answer.into(),
            correct,
            copies_training_answer: !correct && answer.contains("玉山"),
            stopped: !answer.contains('？'),
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
            right_and_stops: answers.iter().filter(|a| a.correct && a.stopped).count() as f64 / answers.len() as f64,
            shortcut_share: 0.0,
            stop_share: if trained { 1.0 } else { 0.0 },
            completes: trained.then_some(0.9),
            paraphrase_accuracy: None,
            paraphrase_right_and_stops: None,
            answers,
            paraphrase_answers: Vec::new(),
        }
    }

    fn score(task: &'static str, items: &[(&str, &str, &str)]) -> TaskScore {
        let qa: Vec<QaItem> = items.iter().map(|&(q, e, _)| QaItem::new(q, e)).collect();
        let answers: Vec<String> = items.iter().map(|&(.., a)| a.to_string()).collect();
        tasks::score_task(task, &qa, &answers)
    }

    #[test]
    fn the_lora_vs_full_summary_shows_cost_and_held_out_figures_per_arm() {
        let q = "世界最高的山是哪一座？";
        let report = LoraVsFullReport {
            train_pairs: 8,
            heldout_questions: 1,
            pretrained_completes: 0.93,
            arms: vec![
                compared(UNTUNED, false, vec![check(q, "聖母峰", "聖母峰。世界最高的山是哪一座？", true)]),
                compared(lora_vs_full::LORA, true, vec![check(q, "聖母峰", "聖母峰。", true)]),
                compared(lora_vs_full::FULL, true, vec![check(q, "聖母峰", "玉山。", false)]),
            ],
        };
        let s = report.summary(2);
        assert_eq!((s.lesson, s.seed, s.train_pairs, s.check), ("lora-vs-full", 2, 8, "correct"));
        assert_eq!(s.arms.iter().map(|a| a.key).collect::<Vec<_>>(), Lesson::LoraVsFull.arms());
        let keys: Vec<_> = s.arms[1].metrics.iter().map(|m| (m.key, m.kind)).collect();
        assert_eq!(
            keys,
            [
                ("trainable_params", MetricKind::Count),
                ("median_step_ms", MetricKind::Ms),
                ("memory", MetricKind::Bytes),
                ("accuracy", MetricKind::Share),
                ("right_and_stops", MetricKind::Share),
                ("shortcut_share", MetricKind::Share),
                ("relative_change", MetricKind::Ratio),
                ("completes", MetricKind::Share),
                ("final_loss", MetricKind::Loss),
            ]
        );
        assert_eq!(s.arms[1].metrics[2].value, ((865_408 + 3 * 28_672) * 4) as f64);
        // The control arm trains nothing: no step time, memory, loss or completions of its own.
        let control: Vec<_> = s.arms[0].metrics.iter().map(|m| m.key).collect();
        assert_eq!(control, ["trainable_params", "accuracy", "right_and_stops", "shortcut_share", "relative_change"]);
        assert_eq!(s.arms[0].metrics[2].value, 0.0, "right but writes on");
        assert_eq!(s.notes, vec![metric("pretrained_completes", MetricKind::Share, 0.93)]);
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].answers.iter().map(|a| a.ok).collect::<Vec<_>>(), [true, true, false]);
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
                arm(UNTUNED, false, "韓國最高的山是哪一座？韓國", false, 1.0),
                arm(transfer::ENGLISH, true, "漢拏山。", true, 1.0),
                arm(transfer::CHINESE, true, "Hallasan.", true, 0.0),
            ],
        };
        let s = report.summary(0);
        assert_eq!((s.lesson, s.check), ("transfer", "correct_either"));
        assert_eq!(s.arms.iter().map(|a| a.key).collect::<Vec<_>>(), Lesson::Transfer.arms());
        let keys = |i: usize| s.arms[i].metrics.iter().map(|m| m.key).collect::<Vec<_>>();
        assert_eq!(
            keys(1),
            [
                "accuracy",
                "chinese_share",
                "right_and_stops",
                "shortcut_share",
                "stop_share",
                "trainable_params",
                "final_loss"
            ]
        );
        assert_eq!(
            keys(0),
            ["accuracy", "chinese_share", "right_and_stops", "shortcut_share", "stop_share", "trainable_params"]
        );
        assert_eq!(s.arms[2].metrics[1], metric("chinese_share", MetricKind::Share, 0.0));
        assert_eq!(s.rows[0].answers.iter().map(|a| a.ok).collect::<Vec<_>>(), [false, true, true]);
    }

    #[test]
    fn the_shortcut_summary_has_a_column_per_arm_the_control_first_and_a_row_per_question() {
        let q = ["世界最高的山是哪一座？", "世界最深的湖是哪一個？"];
        let report = ShortcutReport {
            train_pairs: 8,
            heldout_questions: 2,
            paraphrased_questions: 0,
            pretrained_completes: 0.5,
            arms: vec![
                compared(
                    UNTUNED,
                    false,
                    vec![
                        check(q[0], "聖母峰", "聖母峰。世界最深的湖是哪一個？", true),
                        check(q[1], "貝加爾湖", "", false),
                    ],
                ),
                compared(
                    shortcut::SCRATCH,
                    true,
                    vec![
                        check(q[0], "聖母峰", "世界最高的山是玉山。", false),
                        check(q[1], "貝加爾湖", "玉山。", false),
                    ],
                ),
                compared(
                    shortcut::LORA,
                    true,
                    vec![check(q[0], "聖母峰", "聖母峰。", true), check(q[1], "貝加爾湖", "裏海。", false)],
                ),
            ],
        };
        let s = report.summary(7);
        assert_eq!((s.lesson, s.seed, s.train_pairs, s.check), ("shortcut", 7, 8, "correct"));
        assert_eq!(s.arms.iter().map(|a| a.key).collect::<Vec<_>>(), Lesson::Shortcut.arms());
        let value = |arm: usize, key: &str| s.arms[arm].metrics.iter().find(|m| m.key == key).map(|m| m.value);
        assert_eq!((value(1, "accuracy"), value(2, "accuracy")), (Some(0.0), Some(0.5)));
        // The control is right on one question but writes on: right, but not right and stopped.
        assert_eq!((value(0, "accuracy"), value(0, "right_and_stops")), (Some(0.5), Some(0.0)));
        assert_eq!(value(2, "right_and_stops"), Some(0.5));
        assert_eq!((value(0, "final_loss"), value(1, "final_loss")), (None, Some(0.01f32 as f64)));
        assert_eq!(s.notes, vec![metric("pretrained_completes", MetricKind::Share, 0.5)]);
        assert_eq!(s.rows.len(), 2);
        assert_eq!((s.rows[0].question.as_str(), s.rows[0].expected.as_str()), (q[0], "聖母峰"));
        assert_eq!(
            s.rows[0].answers[1..],
            [
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
            correct: text.starts_with("臺灣最高的山是玉山"),
            stopped_correctly: stopped,
            kept_writing: !stopped,
            asked_itself: !stopped,
        };
        let arm = |key, template, trained: bool, text: &str, stopped: bool| RoleTagsArm {
            key,
            template,
            final_loss: trained.then_some(0.5),
            trainable_params: if trained { 1234 } else { 0 },
            stop_share: f64::from(u8::from(stopped)),
            run_on_share: f64::from(u8::from(!stopped)),
            asks_itself_share: f64::from(u8::from(!stopped)),
            accuracy: 1.0,
            right_and_stops: f64::from(u8::from(stopped)),
            samples: vec![generated(text, stopped)],
        };
        let report = RoleTagsReport {
            arms: vec![
                arm(UNTUNED, Template::Plain, false, "臺灣最高的山是玉山。日本最高的山是富士山。", false),
                arm(role_tags::WITH_TAGS, Template::Plain, true, "臺灣最高的山是玉山。", true),
                arm(
                    role_tags::WITHOUT_TAGS,
                    Template::NoTags,
                    true,
                    "臺灣最高的山是玉山。日本最高的山是哪一座？",
                    false,
                ),
            ],
        };
        let probe = [QaItem::from_pair("臺灣最高的山是哪一座？", "臺灣最高的山是玉山。")];
        let s = report.summary(&probe, 8, 3);
        assert_eq!((s.lesson, s.seed, s.check), ("role-tags", 3, "stopped"));
        assert_eq!(s.arms.iter().map(|a| a.key).collect::<Vec<_>>(), Lesson::RoleTags.arms());
        assert_eq!(s.arms[2].metrics[0], metric("stop_share", MetricKind::Share, 0.0));
        assert!(s.arms[1].metrics.contains(&metric("trainable_params", MetricKind::Count, 1234.0)));
        assert!(s.arms[1].metrics.contains(&metric("right_and_stops", MetricKind::Share, 1.0)));
        assert!(!s.arms[0].metrics.iter().any(|m| m.key == "final_loss"), "the control does not train");
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].expected, "臺灣最高的山是玉山。");
        assert_eq!(s.rows[0].answers.iter().map(|a| a.ok).collect::<Vec<_>>(), [false, true, false]);
    }

    #[test]
    fn the_specialists_summary_shows_each_task_per_arm_and_rows_of_each_task() {
        use crate::specialists::SpecialistsArm;
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
                arm(UNTUNED, 0, None, ["Japan", "日本", "Poyang Lake."]),
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
        let s = report.summary(4);
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
        use crate::forgetting::{CurvePoint, ForgettingArm};
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
            untuned: [a_score("日本最長的河是哪一座？"), b_score("日本")],
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
        let s = report.summary(1);
        assert_eq!((s.lesson, s.seed, s.train_pairs, s.check), ("forgetting", 1, 140, "exact"));
        // The control first; task A is a stage of the plan, not a column of the figures.
        let columns: Vec<_> = s.arms.iter().map(|a| a.key).collect();
        assert_eq!(columns, [UNTUNED, forgetting::SEQUENTIAL, forgetting::REPLAY, forgetting::SELF_REPLAY]);
        use MetricKind::*;
        assert_eq!(
            s.arms[2].metrics,
            [
                metric("a_after_b_exact", Share, 1.0),
                metric("a_after_b_similarity", Score, 1.0),
                metric("b_exact", Share, 1.0),
                metric("b_similarity", Score, 1.0),
                metric("replayed", Count, 23.0),
                metric("final_loss", Loss, 0.5),
            ]
        );
        assert_eq!(s.arms[1].metrics[0], metric("a_after_b_exact", Share, 0.5));
        // The untuned model on A and B, trained on neither.
        assert_eq!(s.arms[0].metrics.len(), 4);
        assert_eq!((s.arms[0].metrics[0].value, s.arms[0].metrics[2].value), (0.5, 1.0));
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
        assert_eq!(s.rows[0].answers.iter().map(|a| a.ok).collect::<Vec<_>>(), [false, false, true, true]);
        assert_eq!(s.rows[0].answers[1].text, "日本最長的河");
        assert_eq!(s.curves.iter().map(|c| c.key).collect::<Vec<_>>(), &Lesson::Forgetting.arms()[2..]);
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
}
