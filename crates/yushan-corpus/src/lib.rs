//! The pretraining data of the shipped model, from one table of true facts.
//!
//! `facts` holds the table; `prose` states every fact in varied Traditional Chinese and English
//! sentences, as encyclopedias and textbooks do; `dialogue` asks them in quiz transcripts and
//! FAQs (never in the chat templates' role tags); `questions` turns facts into the chat pairs
//! and held-out questions of the lessons, so what a lesson asks is always what the corpus taught.

pub mod dialogue;
pub mod facts;
pub mod prose;
pub mod questions;

pub use dialogue::generate_dialogues;

/// The pretraining corpus: every fact's prose forms `prose_repeats` times and its question in
/// transcripts `dialogue_repeats` times per language, shuffled together from `seed`.
pub fn knowledge_corpus(seed: u64, prose_repeats: usize, dialogue_repeats: usize) -> Vec<Document> {
    let mut documents = generate_corpus(seed, prose_repeats);
    documents.extend(generate_dialogues(seed, dialogue_repeats));
    yushan_rng::SplitMix64::new(seed.wrapping_add(1)).shuffle(&mut documents);
    documents
}

pub use facts::{FACTS, Fact, Kind, Scope};
pub use prose::{Document, generate_corpus, sentences};
pub use questions::{QuestionItem, answer_sentence, question_for, shortcut_lesson};
