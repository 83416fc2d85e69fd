//! The pretraining data of the shipped model, from one table of true facts.
//!
//! `facts` holds the table; `forms` how each kind of fact is stated and asked; `prose` states every fact in varied Traditional Chinese and English
//! sentences, as encyclopedias and textbooks do; `dialogue` asks them in quiz transcripts and
//! FAQs (never in the chat templates' role tags); `questions` turns facts into the chat pairs
//! and held-out questions of the lessons, so what a lesson asks is always what the corpus taught;
//! `tasks` makes the translation and editing tasks of the specialist and forgetting lessons.

pub mod dialogue;
pub mod document;
pub mod facts;
pub mod forms;
pub mod glossary;
pub mod prose;
pub mod questions;
pub mod tasks;
#[cfg(test)]
mod truth;

pub use dialogue::generate_dialogues;

/// How often each kind of text states each thing it states.
#[derive(Clone, Copy, Debug)]
pub struct CorpusRepeats {
    /// Every sentence form of every fact.
    pub prose: usize,
    /// Every fact asked and answered in a transcript, per language.
    pub dialogue: usize,
    /// Every glossary entry in a word list, and misspelt in a spelling note.
    pub glossary: usize,
    /// Half of the Chinese transcripts write their speaker tags with a half-width colon and a
    /// space (`老師: `), as chat logs and forums do, so that a tag's punctuation does not
    /// decide whether the model answers (the chat template's `使用者: ` is written so).
    pub half_width_tags: bool,
}

/// The pretraining corpus: prose, transcripts, word lists and spelling notes, shuffled
/// together from `seed`.
pub fn knowledge_corpus(seed: u64, repeats: CorpusRepeats) -> Vec<Document> {
    let mut documents = generate_corpus(seed, repeats.prose);
    documents.extend(generate_dialogues(seed, repeats.dialogue, repeats.half_width_tags));
    documents.extend(glossary::generate_glossary(seed, repeats.glossary));
    yushan_rng::SplitMix64::new(seed.wrapping_add(1)).shuffle(&mut documents);
    documents
}

pub use document::Document;
pub use facts::{FACTS, Fact, Kind, Scope};
pub use prose::{generate_corpus, sentences};
pub use questions::{
    QuestionItem, answer_sentence, question_en, question_for, shortcut_lesson, shortcut_paraphrases, transfer_lesson,
};
