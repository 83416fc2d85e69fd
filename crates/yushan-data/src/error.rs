//! What can go wrong between a file of conversations and a batch, said so that a person can
//! find and fix the conversation at fault.

use std::path::PathBuf;

use crate::jsonl::JsonlErrors;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{0}")]
    Tokenizer(String),
    /// The model's own chat template: it does not parse, refused a conversation
    /// (`raise_exception`), or renders in a way that cannot be split into turns.
    #[error("{0}")]
    ChatTemplate(String),
    /// A conversation that cannot be trained on. `index` is 0-based; the message counts from 1,
    /// as people do, and names the file line when the conversation came from one.
    #[error("conversation {}{}: {message}", .index + 1, line_note(*.line))]
    Conversation { index: usize, line: Option<usize>, message: String },
    #[error(transparent)]
    Jsonl(#[from] JsonlErrors),
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

impl DataError {
    pub(crate) fn conversation(index: usize, message: impl Into<String>) -> Self {
        DataError::Conversation { index, line: None, message: message.into() }
    }

    /// Names the file line of the conversation at fault (JSONL import knows it; encoding does not).
    pub fn at_line(self, line: usize) -> Self {
        match self {
            DataError::Conversation { index, message, .. } => {
                DataError::Conversation { index, line: Some(line), message }
            }
            other => other,
        }
    }
}

fn line_note(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}
