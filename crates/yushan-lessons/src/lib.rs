//! The lessons: each one is a small, seeded experiment on the shipped model that shows one
//! finding about instruction fine-tuning, and a report of held-out numbers and example answers.
//! Front ends (the `yushan lesson` command, the page) supply the model and the data and show
//! the report; the experiment itself lives here once.

pub mod distance;
pub mod qa;
pub mod role_tags;
mod run;
pub mod shortcut;

pub use qa::{AnswerCheck, QaItem, parse_lesson, score_answers};
pub use role_tags::{RoleTagsReport, RoleTagsSpec, run_role_tags};
pub use shortcut::{ShortcutArm, ShortcutReport, ShortcutSpec, run_shortcut};
