//! `yushan corpus`: writes the knowledge corpus (plain documents separated by <|endoftext|>,
//! the format `yushan pretrain --text` reads) and the lesson files drawn from the same facts.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use yushan_corpus::{FACTS, QuestionItem, knowledge_corpus, shortcut_lesson};
use yushan_data::tokenizer::END_OF_TEXT;
use yushan_data::{Conversation, to_jsonl};

#[derive(Args)]
pub struct CorpusArgs {
    /// The corpus text file to write.
    #[arg(long)]
    out: PathBuf,
    /// Also write the lessons' data here (shortcut/train.jsonl, shortcut/heldout.jsonl).
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
}

pub fn run(args: CorpusArgs) -> Result<()> {
    let documents = knowledge_corpus(args.seed, args.repeats, args.dialogue_repeats);
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
        let pairs: Vec<Conversation> = train.iter().map(|q| Conversation::pair(&q.question, &q.reply)).collect();
        write(&dir.join("shortcut/train.jsonl"), &to_jsonl(&pairs))?;
        write(&dir.join("shortcut/heldout.jsonl"), &heldout_jsonl(&heldout))?;
        eprintln!("{}: {} pairs to train on, {} held-out questions", dir.join("shortcut").display(), train.len(), heldout.len());
    }
    Ok(())
}

/// One `{"question","answer"}` object a line (what `yushan lesson` reads).
fn heldout_jsonl(items: &[QuestionItem]) -> String {
    items
        .iter()
        .map(|q| format!("{}\n", serde_json::json!({ "question": q.question, "answer": q.answer })))
        .collect()
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
