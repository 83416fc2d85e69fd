//! The pretraining data of the shipped model, from one table of true facts.
//!
//! `facts` holds the table; `prose` states every fact in varied Traditional Chinese and English
//! sentences (plain text, not question-answer pairs: the model must learn what the world is
//! like; the only questions are the rhetorical ones textbooks answer in the next breath); `questions` turns facts into the chat pairs and held-out questions
//! of the lessons, so what a lesson asks is always what the corpus taught.

pub mod facts;
pub mod prose;
pub mod questions;

pub use facts::{FACTS, Fact, Kind, Scope};
pub use prose::{Document, generate_corpus, sentences};
pub use questions::{QuestionItem, answer_sentence, question_for, shortcut_lesson};
