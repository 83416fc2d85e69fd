//! The lessons: each one is a small, seeded experiment on the shipped model that shows one
//! finding about instruction fine-tuning against a control arm (the pretrained model, not
//! fine-tuned), and a report of held-out numbers and example answers. `registry` lists them;
//! front ends (the `yushan lesson` command, the page) supply the model and the files, run a
//! lesson through it and show its `summary`; the experiment itself lives here once.

pub mod compare;
pub mod distance;
pub mod forgetting;
pub mod lora_vs_full;
pub mod qa;
pub mod registry;
pub mod role_tags;
mod run;
pub mod shortcut;
pub mod specialists;
pub mod summary;
pub mod tasks;
pub mod transfer;

pub use compare::{ArmReport, TrainingMemory, UNTUNED, find_arm};
pub use forgetting::{ForgettingReport, ForgettingSpec, run_forgetting};
pub use lora_vs_full::{LoraVsFullReport, LoraVsFullSpec, run_lora_vs_full};
pub use qa::{AnswerCheck, QaItem, first_sentence, parse_lesson, parse_pairs, parse_questions, score_answers};
pub use registry::{ArmPlan, Lesson, LessonData, LessonOutcome, LessonSpec, run_lesson};
pub use role_tags::{RoleTagsReport, RoleTagsSpec, run_role_tags};
pub use shortcut::{ShortcutReport, ShortcutSpec, run_shortcut};
pub use specialists::{SpecialistsReport, SpecialistsSpec, run_specialists};
pub use summary::{LessonSummary, Metric, MetricKind};
pub use tasks::{TaskData, TaskScore};
pub use transfer::{TransferData, TransferReport, TransferSpec, run_transfer};

#[cfg(test)]
mod tests {
    use super::*;

    /// A misspelt setting (from the page's link, say) must be refused, not run with the default.
    #[test]
    fn every_lesson_spec_refuses_a_field_it_does_not_have() {
        fn refused<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
            serde_json::from_str::<T>(json).unwrap_err().to_string()
        }
        assert!(refused::<ShortcutSpec>(r#"{"lora_step": 1}"#).contains("unknown field `lora_step`"));
        assert!(refused::<RoleTagsSpec>(r#"{"scratch_steps": 1}"#).contains("unknown field `scratch_steps`"));
        assert!(refused::<LoraVsFullSpec>(r#"{"steps": 1, "full_steps": 1}"#).contains("unknown field `full_steps`"));
        assert!(refused::<TransferSpec>(r#"{"lr": 1e-3, "lora_lr": 1e-3}"#).contains("unknown field `lora_lr`"));
        assert!(refused::<SpecialistsSpec>(r#"{"step": 2}"#).contains("unknown field `step`"));
        assert!(refused::<ForgettingSpec>(r#"{"replay": 0.5}"#).contains("unknown field `replay`"));
        // Inside the adapter's settings too.
        let lora = r#"{"lora": {"rank": 4, "alpha": 8, "target": ["q"], "targets": ["q"]}}"#;
        assert!(refused::<ShortcutSpec>(lora).contains("unknown field `target`"));
        let spec: TransferSpec = serde_json::from_str(r#"{"steps": 2}"#).unwrap();
        assert_eq!(spec, TransferSpec { steps: 2, ..TransferSpec::default() });
    }
}
