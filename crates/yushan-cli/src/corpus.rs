//! `yushan corpus`: writes the knowledge corpus (plain documents separated by <|endoftext|>,
//! the format `yushan pretrain --text` reads) and the lesson files drawn from the same facts.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use yushan_corpus::tasks::{TaskItem, task_lesson};
use yushan_corpus::{
    CorpusRepeats, FACTS, QuestionItem, knowledge_corpus, shortcut_lesson, shortcut_paraphrases, transfer_lesson,
};
use yushan_data::tokenizer::END_OF_TEXT;
use yushan_data::{Conversation, to_jsonl};

#[derive(Args)]
pub struct CorpusArgs {
    /// The corpus text file to write.
    #[arg(long)]
    out: PathBuf,
    /// Also write the lessons' data here (shortcut/, transfer/: train*.jsonl, heldout.jsonl;
    /// tasks/: the translation and editing tasks, *-train.jsonl and *-heldout.jsonl).
    #[arg(long)]
    lessons: Option<PathBuf>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How many times every sentence form of every fact appears.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// How many times every fact is asked and answered in a transcript, per language.
    #[arg(long, default_value_t = 6)]
    dialogue_repeats: usize,
    /// How many times every glossary entry appears in a word list, and misspelt in a note.
    #[arg(long, default_value_t = 4)]
    glossary_repeats: usize,
    /// Write half of the Chinese transcripts' speaker tags with a half-width colon (`老師: `).
    #[arg(long)]
    half_width_tags: bool,
}

pub fn run(args: CorpusArgs) -> Result<()> {
    let repeats = CorpusRepeats {
        prose: args.repeats,
        dialogue: args.dialogue_repeats,
        glossary: args.glossary_repeats,
        half_width_tags: args.half_width_tags,
    };
    let documents = knowledge_corpus(args.seed, repeats);
    let text: String = documents.iter().map(|d| format!("{}{END_OF_TEXT}", d.text)).collect();
    write(&args.out, &text)?;
    eprintln!(
        "{}: {} facts in {} documents, {} characters",
        args.out.display(),
        FACTS.len(),
        documents.len(),
        text.chars().count()
    );
    if let Some(dir) = &args.lessons {
        let (train, heldout) = shortcut_lesson();
        write(&dir.join("shortcut/train.jsonl"), &pairs_jsonl(&train))?;
        write(&dir.join("shortcut/heldout.jsonl"), &heldout_jsonl(&heldout))?;
        write(&dir.join("shortcut/paraphrases.jsonl"), &heldout_jsonl(&shortcut_paraphrases()))?;
        eprintln!(
            "{}: {} pairs to train on, {} held-out questions",
            dir.join("shortcut").display(),
            train.len(),
            heldout.len()
        );
        let (train_en, train_zh, heldout) = transfer_lesson();
        write(&dir.join("transfer/train-en.jsonl"), &pairs_jsonl(&train_en))?;
        write(&dir.join("transfer/train-zh.jsonl"), &pairs_jsonl(&train_zh))?;
        write(&dir.join("transfer/heldout.jsonl"), &heldout_jsonl(&heldout))?;
        eprintln!(
            "{}: {} pairs in each language, {} held-out questions",
            dir.join("transfer").display(),
            train_en.len(),
            heldout.len()
        );
        let tasks = task_lesson(args.seed);
        let tasks_dir = dir.join("tasks");
        write(&tasks_dir.join("translate-train.jsonl"), &task_pairs_jsonl(&tasks.translate_train))?;
        write(&tasks_dir.join("edit-train.jsonl"), &task_pairs_jsonl(&tasks.edit_train))?;
        write(&tasks_dir.join("translate-heldout.jsonl"), &task_heldout_jsonl(&tasks.translate_heldout))?;
        write(&tasks_dir.join("edit-heldout.jsonl"), &task_heldout_jsonl(&tasks.edit_heldout))?;
        write(&tasks_dir.join("composite-heldout.jsonl"), &task_heldout_jsonl(&tasks.composite_heldout))?;
        eprintln!(
            "{}: {} pairs per task to train on, {} held-out phrases per task",
            tasks_dir.display(),
            tasks.translate_train.len(),
            tasks.translate_heldout.len()
        );
    }
    Ok(())
}

fn task_pairs_jsonl(items: &[TaskItem]) -> String {
    let pairs: Vec<Conversation> = items.iter().map(|t| Conversation::pair(&t.prompt, &t.answer)).collect();
    to_jsonl(&pairs)
}

fn task_heldout_jsonl(items: &[TaskItem]) -> String {
    items.iter().map(|t| format!("{}\n", serde_json::json!({ "question": t.prompt, "answer": t.answer }))).collect()
}

/// Chat JSONL, one question-answer conversation a line (what the page's editor opens).
fn pairs_jsonl(items: &[QuestionItem]) -> String {
    let pairs: Vec<Conversation> = items.iter().map(|q| Conversation::pair(&q.question, &q.reply)).collect();
    to_jsonl(&pairs)
}

/// One `{"question","answer"}` object a line, with `accept` where other names count too (what
/// `yushan lesson` reads).
fn heldout_jsonl(items: &[QuestionItem]) -> String {
    items
        .iter()
        .map(|q| {
            let mut line = serde_json::json!({ "question": q.question, "answer": q.answer });
            if !q.accept.is_empty() {
                line["accept"] = serde_json::json!(q.accept);
            }
            format!("{line}\n")
        })
        .collect()
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
