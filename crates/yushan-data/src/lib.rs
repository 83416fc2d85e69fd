//! Chat data for instruction fine-tuning: conversations with explicit roles, templates that
//! render them with role tags, tokenization with Hugging Face `tokenizers`, the assistant-only
//! loss mask, JSONL import with line-numbered errors, and fixed-shape batches.
//!
//! The core API takes text and returns values, never touching the filesystem, so the same code
//! runs natively and in the page (wasm32). The few `std::fs` helpers (`ChatTokenizer::from_file`,
//! `read_jsonl_file`, …) are thin wrappers for the command line.

pub mod batch;
pub mod bpe;
pub mod chat;
pub mod encode;
pub mod error;
pub mod jinja;
pub mod jsonl;
pub mod specials;
pub mod split;
pub mod template;
pub mod tokenizer;

pub use batch::{Batch, Batcher, fixed_batches, pack_text_batches};
pub use bpe::train_bpe_tokenizer;
pub use chat::{Conversation, Message, Role};
pub use encode::{
    EncodedConversation, encode_conversation, encode_prompt, encode_segments, end_of_turn, end_of_turn_id,
    model_template, prompt_segments, render_segments, validate,
};
pub use error::DataError;
pub use jinja::JinjaTemplate;
pub use jsonl::{JsonlError, JsonlErrors, JsonlImport, parse_jsonl, parse_jsonl_lenient, read_jsonl_file, to_jsonl};
pub use split::{heldout_mask, split_train_heldout};
pub use template::{Segment, Template, TokenKind};
pub use tokenizer::{ChatTokenizer, END_OF_TEXT, END_OF_TURN, IM_END, IM_START, SPECIAL_TOKENS, build_char_tokenizer};
