//! The special tokens every tokenizer we build has. Their own file, so the templates (which
//! write them) and the tokenizer (which reads them) both depend on it and not on each other.

pub const PAD: &str = "<|pad|>";
pub const UNK: &str = "<|unk|>";
/// Document boundary.
pub const END_OF_TEXT: &str = "<|endoftext|>";
/// End of an assistant turn in the plain template.
pub const END_OF_TURN: &str = "<|eot|>";
pub const IM_START: &str = "<|im_start|>";
pub const IM_END: &str = "<|im_end|>";

/// Special tokens every tokenizer we build has, at these ids (0..6).
pub const SPECIAL_TOKENS: [&str; 6] = [PAD, UNK, END_OF_TEXT, END_OF_TURN, IM_START, IM_END];
