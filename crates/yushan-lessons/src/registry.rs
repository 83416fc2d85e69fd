//! Every lesson in one list: its name, what it shows, its files, its arms, its settings and how
//! it runs. The front ends (the `yushan lesson` command, the page's Lessons panel) know no lesson
//! by itself: they read this list, pass a lesson's files and settings in, and show the
//! [`LessonSummary`] that comes back. A new lesson is a module of this crate, one variant here
//! and its data under `lessons/`.

use burn::tensor::Device;
use serde::Serialize;
use yushan_data::ChatTokenizer;
use yushan_model::Model;
use yushan_train::{StepEvent, TrainError};

use crate::compare::UNTUNED;
use crate::forgetting::{self, ForgettingSpec, run_forgetting};
use crate::lora_vs_full::{self, LoraVsFullSpec, run_lora_vs_full};
use crate::qa::{QaItem, parse_lesson, parse_questions};
use crate::role_tags::{self, RoleTagsSpec, run_role_tags};
use crate::shortcut::{self, ShortcutSpec, run_shortcut};
use crate::specialists::{self, SpecialistsSpec, run_specialists};
use crate::summary::LessonSummary;
use crate::tasks::{self, TaskData};
use crate::transfer::{self, TransferData, TransferSpec, run_transfer};

/// The lessons, by the name the CLI and the page use.
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

const PAIR_FILES: [&str; 2] = ["train.jsonl", "heldout.jsonl"];

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
            Lesson::Shortcut => shortcut::NAME,
            Lesson::RoleTags => role_tags::NAME,
            Lesson::LoraVsFull => lora_vs_full::NAME,
            Lesson::Transfer => transfer::NAME,
            Lesson::Specialists => specialists::NAME,
            Lesson::Forgetting => forgetting::NAME,
        }
    }

    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|l| l.name() == name).ok_or_else(|| {
            let known: Vec<_> = Self::ALL.iter().map(|l| l.name()).collect();
            format!("unknown lesson {name:?} (known: {})", known.join(", "))
        })
    }

    /// One line on what the lesson compares, for `yushan lesson --help` and the list.
    pub fn about(self) -> &'static str {
        match self {
            Lesson::Shortcut => {
                "最 → 玉山: the same few pairs train a model from random weights (it learns a shortcut) and the \
                 pretrained model through LoRA (it answers from what it read); the untuned model is the control"
            }
            Lesson::RoleTags => {
                "the same pairs with and without role tags: without them the model does not know where its answer ends"
            }
            Lesson::LoraVsFull => {
                "LoRA vs every weight on the shortcut pairs: parameters, step time, memory, held-out answers, \
                 how far the weights move and what pretraining knowledge survives"
            }
            Lesson::Transfer => {
                "舉一反三: fine-tune on English pairs, ask in Chinese about other facts; against Chinese pairs and \
                 no fine-tuning"
            }
            Lesson::Specialists => {
                "a translation adapter, an editing adapter and one on both, each asked every task and a composite \
                 none was trained on"
            }
            Lesson::Forgetting => {
                "複習: editing, then translation; task A while B trains, with no replay, with stored A pairs \
                 replayed, and with the model's own A examples replayed"
            }
        }
    }

    /// The folder of its files in the repository (the page fetches them from the same path).
    pub fn data_dir(self) -> &'static str {
        match self {
            Lesson::Shortcut | Lesson::RoleTags | Lesson::LoraVsFull => shortcut::DATA_DIR,
            Lesson::Transfer => transfer::DATA_DIR,
            Lesson::Specialists | Lesson::Forgetting => tasks::DATA_DIR,
        }
    }

    /// The files it reads from its folder.
    pub fn files(self) -> &'static [&'static str] {
        match self {
            Lesson::Shortcut => &shortcut::FILES,
            Lesson::RoleTags | Lesson::LoraVsFull => &PAIR_FILES,
            Lesson::Transfer => &transfer::FILES,
            Lesson::Specialists | Lesson::Forgetting => &tasks::FILES,
        }
    }

    /// The arms in the order they run, by the tag `on_step` gives their steps. The forgetting
    /// lesson's task A is a stage (each of its B arms starts from it), not a column of its figures.
    pub fn arms(self) -> &'static [&'static str] {
        match self {
            Lesson::Shortcut => &[UNTUNED, shortcut::SCRATCH, shortcut::LORA],
            Lesson::RoleTags => &[UNTUNED, role_tags::WITH_TAGS, role_tags::WITHOUT_TAGS],
            Lesson::LoraVsFull => &[UNTUNED, lora_vs_full::LORA, lora_vs_full::FULL],
            Lesson::Transfer => &[UNTUNED, transfer::ENGLISH, transfer::CHINESE],
            Lesson::Specialists => &[UNTUNED, specialists::TRANSLATOR, specialists::EDITOR, specialists::GENERALIST],
            Lesson::Forgetting => {
                &[UNTUNED, forgetting::FIRST, forgetting::SEQUENTIAL, forgetting::REPLAY, forgetting::SELF_REPLAY]
            }
        }
    }

    /// Reads the lesson's files through `read` (a file name in [`Lesson::files`] → its text) and
    /// keeps the first `limit` questions of each held-out set (all when `limit` is 0). Errors
    /// name the file and the line.
    pub fn read_data(
        self,
        mut read: impl FnMut(&str) -> Result<String, String>,
        limit: usize,
    ) -> Result<LessonData, String> {
        match self {
            Lesson::Shortcut | Lesson::RoleTags | Lesson::LoraVsFull => {
                let (train, heldout) = parse_lesson(&read(PAIR_FILES[0])?, &read(PAIR_FILES[1])?)?;
                if train.is_empty() {
                    return Err(format!("{} has no pairs", PAIR_FILES[0]));
                }
                if heldout.is_empty() {
                    return Err(format!("{} has no questions", PAIR_FILES[1]));
                }
                // The role-tags lesson also asks the training questions, first.
                let asked = match self {
                    Lesson::RoleTags => first(train.iter().chain(&heldout).cloned().collect(), limit),
                    _ => first(heldout, limit),
                };
                let paraphrases = match self {
                    Lesson::Shortcut => first(parse_questions(shortcut::FILES[2], &read(shortcut::FILES[2])?)?, limit),
                    _ => Vec::new(),
                };
                Ok(LessonData::Pairs { train, asked, paraphrases })
            }
            Lesson::Transfer => {
                let mut data = TransferData::read(read)?;
                data.heldout = first(data.heldout, limit);
                Ok(LessonData::Transfer(data))
            }
            Lesson::Specialists | Lesson::Forgetting => {
                let mut data = TaskData::read(read)?;
                for set in [&mut data.translate_heldout, &mut data.edit_heldout, &mut data.composite_heldout] {
                    *set = first(std::mem::take(set), limit);
                }
                Ok(LessonData::Tasks(data))
            }
        }
    }
}

fn first(items: Vec<QaItem>, limit: usize) -> Vec<QaItem> {
    let n = if limit == 0 { items.len() } else { limit.min(items.len()) };
    items.into_iter().take(n).collect()
}

/// A lesson's files, parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum LessonData {
    /// Chat pairs to train on, the questions asked after training, and (the shortcut lesson) the
    /// held-out facts asked in other phrasings.
    Pairs {
        train: Vec<QaItem>,
        asked: Vec<QaItem>,
        paraphrases: Vec<QaItem>,
    },
    Transfer(TransferData),
    Tasks(TaskData),
}

/// A lesson's settings: the lesson's own spec.
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

    /// The lesson's spec from a JSON object holding any subset of its fields (the rest keep the
    /// lesson's defaults); a field the spec does not have is refused, by name. Checked.
    pub fn from_json(lesson: Lesson, value: serde_json::Value) -> Result<Self, String> {
        fn parse<T: serde::de::DeserializeOwned>(lesson: Lesson, value: serde_json::Value) -> Result<T, String> {
            serde_json::from_value(value).map_err(|e| format!("{} settings: {e}", lesson.name()))
        }
        let spec = match lesson {
            Lesson::Shortcut => LessonSpec::Shortcut(parse(lesson, value)?),
            Lesson::RoleTags => LessonSpec::RoleTags(parse(lesson, value)?),
            Lesson::LoraVsFull => LessonSpec::LoraVsFull(parse(lesson, value)?),
            Lesson::Transfer => LessonSpec::Transfer(parse(lesson, value)?),
            Lesson::Specialists => LessonSpec::Specialists(parse(lesson, value)?),
            Lesson::Forgetting => LessonSpec::Forgetting(parse(lesson, value)?),
        };
        spec.check()?;
        Ok(spec)
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
            LessonSpec::Shortcut(s) => vec![None, Some(s.scratch_steps), Some(s.lora_steps)],
            LessonSpec::RoleTags(s) => vec![None, Some(s.steps), Some(s.steps)],
            LessonSpec::LoraVsFull(s) => vec![None, Some(s.steps), Some(s.steps)],
            LessonSpec::Transfer(s) => vec![None, Some(s.steps), Some(s.steps)],
            LessonSpec::Specialists(s) => s.plan().iter().map(|&(_, steps)| steps).collect(),
            LessonSpec::Forgetting(s) => {
                std::iter::once(None).chain(s.plan().iter().map(|&(_, steps)| Some(steps))).collect()
            }
        }
    }

    /// Each arm's key and steps, in the order they run: what a front end shows before a run.
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

/// One arm of a lesson as a front end shows it before a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArmPlan {
    pub key: &'static str,
    /// `None`: the arm does not train.
    pub steps: Option<usize>,
}

/// What a lesson run gives back.
#[derive(Clone, Debug, Serialize)]
pub struct LessonOutcome {
    /// Questions each arm was asked once it had trained.
    pub questions: usize,
    pub summary: LessonSummary,
    /// The lesson's own report, every answer and figure (`yushan lesson NAME --json`).
    pub report: serde_json::Value,
}

/// Runs the lesson `spec` is for on `data` (read with [`Lesson::read_data`] for the same
/// lesson); `on_step` receives each training step with its arm's key.
pub async fn run_lesson(
    spec: &LessonSpec,
    data: &LessonData,
    pretrained: &Model,
    tokenizer: &ChatTokenizer,
    device: &Device,
    on_step: impl FnMut(&str, &StepEvent),
) -> Result<LessonOutcome, TrainError> {
    let seed = spec.seed();
    fn outcome<R: Serialize>(questions: usize, summary: LessonSummary, report: &R) -> LessonOutcome {
        // A report is plain data (strings, numbers, lists): it always serialises.
        let report = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
        LessonOutcome { questions, summary, report }
    }
    let (p, t, d) = (pretrained, tokenizer, device);
    Ok(match (spec, data) {
        (LessonSpec::Shortcut(s), LessonData::Pairs { train, asked, paraphrases }) => {
            let report = run_shortcut(p, t, train, asked, paraphrases, s, d, on_step).await?;
            outcome(asked.len() + paraphrases.len(), report.summary(seed), &report)
        }
        (LessonSpec::RoleTags(s), LessonData::Pairs { train, asked, .. }) => {
            let report = run_role_tags(p, t, train, asked, s, d, on_step).await?;
            outcome(asked.len(), report.summary(asked, train.len(), seed), &report)
        }
        (LessonSpec::LoraVsFull(s), LessonData::Pairs { train, asked, .. }) => {
            let report = run_lora_vs_full(p, t, train, asked, s, d, on_step).await?;
            outcome(asked.len(), report.summary(seed), &report)
        }
        (LessonSpec::Transfer(s), LessonData::Transfer(data)) => {
            let report = run_transfer(p, t, data, s, d, on_step).await?;
            outcome(data.heldout.len(), report.summary(seed), &report)
        }
        (LessonSpec::Specialists(s), LessonData::Tasks(data)) => {
            let report = run_specialists(p, t, data, s, d, on_step).await?;
            // Each arm is asked every task's held-out items.
            let asked = data.heldout().iter().map(|t| t.items.len()).sum();
            outcome(asked, report.summary(seed), &report)
        }
        (LessonSpec::Forgetting(s), LessonData::Tasks(data)) => {
            let report = run_forgetting(p, t, data, s, d, on_step).await?;
            // Each arm's model is asked A's held-out items (at every checkpoint) and B's.
            let asked = data.edit_heldout.len() + data.translate_heldout.len();
            outcome(asked, report.summary(seed), &report)
        }
        _ => {
            let lesson = spec.lesson().name();
            return Err(TrainError::Config(format!("the {lesson} lesson was given another lesson's files")));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use yushan_model::LoraTarget;

    #[test]
    fn lessons_have_names_arms_files_and_default_specs() {
        for lesson in Lesson::ALL {
            assert_eq!(Lesson::parse(lesson.name()), Ok(lesson));
            let spec = LessonSpec::default_for(lesson);
            assert_eq!((spec.seed(), spec.lesson()), (0, lesson));
            assert!(spec.check().is_ok());
            // Every lesson has the control arm, first.
            assert_eq!(lesson.arms()[0], UNTUNED, "{}", lesson.name());
            assert!(!lesson.about().is_empty() && !lesson.files().is_empty());
        }
        assert!(Lesson::parse("transfers").unwrap_err().contains("known: shortcut, role-tags"));
        assert_eq!(LessonSpec::default_for(Lesson::Shortcut).steps(), [None, Some(300), Some(100)]);
        let none = LessonSpec::RoleTags(RoleTagsSpec { steps: 0, ..RoleTagsSpec::default() });
        assert!(none.check().unwrap_err().contains("at least one training step"));
        let none = LessonSpec::Transfer(TransferSpec { steps: 0, ..TransferSpec::default() });
        assert!(none.check().unwrap_err().contains("at least one training step"));
    }

    #[test]
    fn a_spec_from_json_keeps_the_defaults_it_is_not_given_and_refuses_unknown_fields() {
        let spec = LessonSpec::from_json(Lesson::Transfer, serde_json::json!({"steps": 7, "seed": 3})).unwrap();
        assert_eq!(spec, LessonSpec::Transfer(TransferSpec { steps: 7, seed: 3, ..TransferSpec::default() }));
        let e = LessonSpec::from_json(Lesson::Shortcut, serde_json::json!({"lora_step": 1})).unwrap_err();
        assert!(e.starts_with("shortcut settings:") && e.contains("unknown field `lora_step`"), "{e}");
        let e = LessonSpec::from_json(Lesson::Shortcut, serde_json::json!({"lora_steps": 0})).unwrap_err();
        assert!(e.contains("at least one training step"), "{e}");
        // Targets by the short names of the CLI and the page, or by PEFT's module names.
        let json = serde_json::json!({"lora": {"rank": 4, "alpha": 8.0, "targets": ["q", "v_proj", "gate"]}});
        let LessonSpec::Shortcut(spec) = LessonSpec::from_json(Lesson::Shortcut, json).unwrap() else { panic!() };
        assert_eq!(spec.lora.targets, [LoraTarget::Q, LoraTarget::V, LoraTarget::Gate]);
    }

    #[test]
    fn a_plan_names_each_arm_and_its_steps_and_the_untuned_arm_has_none() {
        let plan = LessonSpec::Transfer(TransferSpec { steps: 7, ..TransferSpec::default() }).plan();
        assert_eq!(
            plan,
            [
                ArmPlan { key: UNTUNED, steps: None },
                ArmPlan { key: transfer::ENGLISH, steps: Some(7) },
                ArmPlan { key: transfer::CHINESE, steps: Some(7) },
            ]
        );
        for lesson in Lesson::ALL {
            let plan = LessonSpec::default_for(lesson).plan();
            assert_eq!(plan.iter().map(|a| a.key).collect::<Vec<_>>(), lesson.arms(), "{}", lesson.name());
        }
    }

    #[test]
    fn the_task_lessons_plan_their_arms_as_the_lessons_do() {
        let spec = SpecialistsSpec { steps: 3, ..SpecialistsSpec::default() };
        let plan = LessonSpec::Specialists(spec.clone()).plan();
        assert_eq!(
            plan,
            [
                ArmPlan { key: UNTUNED, steps: None },
                ArmPlan { key: specialists::TRANSLATOR, steps: Some(3) },
                ArmPlan { key: specialists::EDITOR, steps: Some(3) },
                ArmPlan { key: specialists::GENERALIST, steps: Some(6) },
            ]
        );
        assert_eq!(plan.iter().map(|a| a.key).collect::<Vec<_>>(), spec.plan().map(|(k, _)| k));
        // The control is asked first; task A trains next (the loss chart and the progress show it).
        let spec = ForgettingSpec { a_steps: 2, b_steps: 3, ..ForgettingSpec::default() };
        let plan = LessonSpec::Forgetting(spec).plan();
        assert_eq!(
            plan,
            [
                ArmPlan { key: UNTUNED, steps: None },
                ArmPlan { key: forgetting::FIRST, steps: Some(2) },
                ArmPlan { key: forgetting::SEQUENTIAL, steps: Some(3) },
                ArmPlan { key: forgetting::REPLAY, steps: Some(3) },
                ArmPlan { key: forgetting::SELF_REPLAY, steps: Some(3) },
            ]
        );
        let none = LessonSpec::Specialists(SpecialistsSpec { steps: 0, ..SpecialistsSpec::default() });
        assert!(none.check().unwrap_err().contains("at least one training step"));
        let none = LessonSpec::Forgetting(ForgettingSpec { b_steps: 0, ..ForgettingSpec::default() });
        assert!(none.check().unwrap_err().contains("at least one training step"));
        let none = LessonSpec::Forgetting(ForgettingSpec { max_answer_tokens: 0, ..ForgettingSpec::default() });
        assert!(none.check().unwrap_err().contains("max_answer_tokens"));
    }

    #[test]
    fn a_limit_keeps_the_first_questions_and_role_tags_asks_the_training_questions_too() {
        let pair = |q: &str| {
            format!(r#"{{"messages":[{{"role":"user","content":"{q}"}},{{"role":"assistant","content":"x"}}]}}"#)
        };
        let question = |q: &str| format!(r#"{{"question":"{q}","answer":"y"}}"#);
        let train = [pair("a"), pair("b")].join("\n");
        let heldout = [question("c"), question("d"), question("e")].join("\n");
        let read = |name: &str| Ok(if name == "train.jsonl" { train.clone() } else { heldout.clone() });
        let asked = |lesson: Lesson, limit| match lesson.read_data(read, limit).unwrap() {
            LessonData::Pairs { asked, .. } => asked.into_iter().map(|q| q.question).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(asked(Lesson::Shortcut, 0), ["c", "d", "e"]);
        assert_eq!(asked(Lesson::Shortcut, 2), ["c", "d"]);
        assert_eq!(asked(Lesson::LoraVsFull, 9), ["c", "d", "e"]);
        assert_eq!(asked(Lesson::RoleTags, 0), ["a", "b", "c", "d", "e"]);
        assert_eq!(asked(Lesson::RoleTags, 3), ["a", "b", "c"]);
        let empty = |name: &str| Ok(if name == "train.jsonl" { train.clone() } else { String::new() });
        assert_eq!(Lesson::Shortcut.read_data(empty, 0).unwrap_err(), "heldout.jsonl has no questions");
        let missing = |name: &str| Err(format!("{name}: not found"));
        assert_eq!(Lesson::Transfer.read_data(missing, 0).unwrap_err(), "train-en.jsonl: not found");
    }
}
