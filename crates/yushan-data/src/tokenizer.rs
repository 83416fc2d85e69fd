//! Hugging Face `tokenizers` behind a small interface, plus a character-level tokenizer builder
//! for models we train from scratch (the BPE one is in `bpe`). Only the pure-Rust (fancy-regex) engine is used, so text
//! encodes to the same ids natively and in the page.

use std::collections::BTreeSet;
use std::path::Path;

use tokenizers::decoders::fuse::Fuse;
use tokenizers::models::wordlevel::WordLevel;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{AddedToken, SplitDelimiterBehavior, Tokenizer};

use crate::DataError;
use crate::jinja::JinjaTemplate;
use crate::template::Template;

pub use crate::specials::{END_OF_TEXT, END_OF_TURN, IM_END, IM_START, PAD, SPECIAL_TOKENS, UNK};

/// The chat-template variable that switches Qwen3's thinking on or off.
const ENABLE_THINKING: &str = "enable_thinking";

#[derive(Clone)]
pub struct ChatTokenizer {
    inner: Tokenizer,
    /// From `tokenizer_config.json`: what a chat template sees as `bos_token` / `eos_token`.
    bos_token: String,
    eos_token: String,
    /// The model's own chat template (`tokenizer_config.json`'s `chat_template`).
    chat_template: Option<JinjaTemplate>,
}

impl std::fmt::Debug for ChatTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChatTokenizer({} tokens)", self.vocab_size())
    }
}

impl From<Tokenizer> for ChatTokenizer {
    fn from(inner: Tokenizer) -> Self {
        Self { inner, bos_token: String::new(), eos_token: String::new(), chat_template: None }
    }
}

impl ChatTokenizer {
    /// Reads a `tokenizer.json`.
    pub fn from_json(text: &str) -> Result<Self, DataError> {
        let inner: Tokenizer = text.parse().map_err(|e| DataError::Tokenizer(format!("tokenizer.json: {e}")))?;
        Ok(Self::from(inner))
    }

    /// Reads what a chat template needs from `tokenizer_config.json`: `bos_token`, `eos_token`
    /// and `chat_template` (a string, or a list of `{name, template}` of which "default" is
    /// taken). A config with no `chat_template` keeps the one set before, if any (newer models
    /// ship it as `chat_template.jinja`: see [`Self::with_chat_template`]).
    pub fn with_config_json(mut self, text: &str) -> Result<Self, DataError> {
        let bad = |field: &str, why: String| DataError::ChatTemplate(format!("tokenizer_config.json: {field}: {why}"));
        let config: serde_json::Value =
            serde_json::from_str(text).map_err(|e| DataError::ChatTemplate(format!("tokenizer_config.json: {e}")))?;
        let token = |field: &str| -> Result<String, DataError> {
            match config.get(field) {
                None | Some(serde_json::Value::Null) => Ok(String::new()),
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                Some(serde_json::Value::Object(o)) => o
                    .get("content")
                    .and_then(|c| c.as_str())
                    .map(String::from)
                    .ok_or_else(|| bad(field, "an object without a \"content\" string".into())),
                Some(other) => {
                    Err(bad(field, format!("expected a string or an object with \"content\", found {other}")))
                }
            }
        };
        self.bos_token = token("bos_token")?;
        self.eos_token = token("eos_token")?;
        let source = match config.get("chat_template") {
            None | Some(serde_json::Value::Null) => self.chat_template.as_ref().map(|t| t.source().to_string()),
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Array(list)) => {
                let named = |name: &str| {
                    list.iter()
                        .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(name))
                        .map(|t| t.get("template"))
                };
                match named("default") {
                    Some(Some(serde_json::Value::String(s))) => Some(s.clone()),
                    Some(_) => {
                        return Err(bad("chat_template", "the \"default\" entry has no \"template\" string".into()));
                    }
                    None => {
                        let names: Vec<&str> = list.iter().filter_map(|t| t.get("name")?.as_str()).collect();
                        let names = if names.is_empty() { "none".to_string() } else { names.join(", ") };
                        return Err(bad(
                            "chat_template",
                            format!("the list has no template named \"default\" (it has: {names})"),
                        ));
                    }
                }
            }
            Some(other) => {
                return Err(bad(
                    "chat_template",
                    format!("expected a string or a list of {{name, template}}, found {other}"),
                ));
            }
        };
        match source {
            Some(source) => self.with_chat_template(&source),
            None => Ok(self),
        }
    }

    /// Sets the model's chat template from its Jinja source (`chat_template.jinja`, or a
    /// config's `chat_template`), with the `bos_token` / `eos_token` read before.
    pub fn with_chat_template(mut self, source: &str) -> Result<Self, DataError> {
        let specials: Vec<String> =
            self.inner.get_added_tokens_decoder().into_values().filter(|t| t.special).map(|t| t.content).collect();
        let template = JinjaTemplate::new(source, &self.bos_token, &self.eos_token)?.with_special_tokens(specials);
        self.chat_template = Some(template);
        Ok(self)
    }

    /// Sets a variable the model's chat template sees on every render, as an extra keyword
    /// argument of transformers' `apply_chat_template` (Qwen3's `enable_thinking`).
    pub fn with_template_variable(mut self, name: &str, value: serde_json::Value) -> Result<Self, DataError> {
        let template = self.chat_template.take().ok_or_else(|| {
            DataError::ChatTemplate(format!(
                "this model has no chat_template in tokenizer_config.json to set `{name}` for"
            ))
        })?;
        self.chat_template = Some(template.with_variable(name, value)?);
        Ok(self)
    }

    /// Sets `enable_thinking` for the model's chat template (Qwen3 reads it: false renders an
    /// empty think block before the answer).
    pub fn with_enable_thinking(self, enable: bool) -> Result<Self, DataError> {
        self.with_template_variable(ENABLE_THINKING, serde_json::Value::Bool(enable))
    }

    /// `enable_thinking` as a run sets it (`None`: left undefined, as transformers does): it
    /// reaches the model's own template only; the other templates have no such variable.
    pub fn with_thinking(self, template: Template, enable: Option<bool>) -> Result<Self, DataError> {
        match (template, enable) {
            (Template::Model, Some(on)) => self.with_enable_thinking(on),
            _ => Ok(self),
        }
    }

    /// Whether the model's chat template reads `enable_thinking` (others ignore it).
    pub fn reads_enable_thinking(&self) -> bool {
        self.chat_template.as_ref().is_some_and(|t| t.reads_variable(ENABLE_THINKING))
    }

    /// The model's own chat template, if its `tokenizer_config.json` has one.
    pub fn chat_template(&self) -> Option<&JinjaTemplate> {
        self.chat_template.as_ref()
    }

    /// `tokenizer_config.json`'s `bos_token` (empty when it has none).
    pub fn bos_token(&self) -> &str {
        &self.bos_token
    }

    /// `tokenizer_config.json`'s `eos_token` (empty when it has none).
    pub fn eos_token(&self) -> &str {
        &self.eos_token
    }

    pub fn to_json(&self) -> String {
        self.inner.to_string(true).expect("a tokenizer serialises to JSON")
    }

    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, DataError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io { path: path.into(), source })?;
        Self::from_json(&text)
    }

    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), DataError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_json()).map_err(|source| DataError::Io { path: path.into(), source })
    }

    /// Token ids of `text`, with no special tokens added around it; special-token strings
    /// inside the text (`<|eot|>`) map to their single ids.
    pub fn try_encode(&self, text: &str) -> Result<Vec<u32>, DataError> {
        let encoding =
            self.inner.encode(text, false).map_err(|e| DataError::Tokenizer(format!("encoding failed: {e}")))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// As [`Self::try_encode`], for tokenizers that cannot fail (ours map unknown characters to
    /// `<|unk|>`); a failure gives no ids.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        self.try_encode(text).unwrap_or_default()
    }

    /// Text of `ids`, special tokens included (the token view shows them).
    pub fn decode(&self, ids: &[u32]) -> String {
        self.inner.decode(ids, false).unwrap_or_default()
    }

    /// Vocabulary size, added tokens included: the model's embedding must have this many rows.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    /// The distinct characters of `text` that this tokenizer maps to `<|unk|>`, in order of
    /// first appearance (none for tokenizers without an unknown token).
    pub fn unknown_chars(&self, text: &str) -> Vec<char> {
        let Some(unk) = self.token_id(UNK) else { return vec![] };
        let mut seen = std::collections::HashSet::new();
        text.chars()
            .filter(|c| seen.insert(*c))
            .filter(|c| self.encode(c.encode_utf8(&mut [0; 4])).contains(&unk))
            .collect()
    }

    /// The padding id (`<|pad|>`, else 0).
    pub fn pad_id(&self) -> u32 {
        self.token_id(PAD).unwrap_or(0)
    }
}

/// A character-level tokenizer: the specials at ids 0..6, then every distinct character of
/// `texts` and of the templates' role tags, sorted so the same texts always give the same ids.
/// Unknown characters map to `<|unk|>`.
///
/// It is an ordinary tokenizer.json (WordLevel model, one pre-token per character, a `Fuse`
/// decoder that joins tokens with nothing between them), so Python's `tokenizers` loads it too.
pub fn build_char_tokenizer(texts: &[&str]) -> ChatTokenizer {
    let vocab =
        SPECIAL_TOKENS.iter().map(|s| s.to_string()).chain(alphabet(texts).into_iter().map(String::from)).zip(0u32..);
    let model = WordLevel::builder()
        .vocab(vocab.collect())
        .unk_token(UNK.into())
        .build()
        .expect("the vocabulary contains the unknown token");
    // `[\s\S]` is "any character, newline included" in both fancy-regex and Python's Oniguruma.
    let every_char = Split::new(SplitPattern::Regex(r"[\s\S]".into()), SplitDelimiterBehavior::Isolated, false)
        .expect("a valid regex");
    let mut tokenizer = Tokenizer::new(model);
    tokenizer.with_pre_tokenizer(Some(every_char)).with_decoder(Some(Fuse::new()));
    let specials: Vec<AddedToken> = SPECIAL_TOKENS.iter().map(|t| AddedToken::from(*t, true)).collect();
    tokenizer.add_special_tokens(&specials);
    ChatTokenizer::from(tokenizer)
}

/// Every distinct character of `texts` and of the templates' role tags, in order: the base
/// vocabulary of the tokenizers we build, so a model can always read its own chat template.
pub(crate) fn alphabet(texts: &[&str]) -> BTreeSet<char> {
    let scaffolding = Template::scaffolding();
    texts.iter().copied().chain([scaffolding.as_str()]).flat_map(str::chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &str = "臺灣最高的山是哪座?\n玉山 is Taiwan's highest peak.  \n\n  3952 公尺。";

    #[test]
    fn round_trips_chinese_english_spaces_and_newlines() {
        let tok = build_char_tokenizer(&[MIXED]);
        let ids = tok.encode(MIXED);
        assert_eq!(ids.len(), MIXED.chars().count(), "one token per character");
        assert!(!ids.contains(&1), "no character is unknown");
        assert_eq!(tok.decode(&ids), MIXED);
    }

    #[test]
    fn json_round_trip_keeps_the_ids() {
        let tok = build_char_tokenizer(&[MIXED]);
        let json = tok.to_json();
        let reloaded = ChatTokenizer::from_json(&json).unwrap();
        let text = format!("{MIXED}<|eot|>?");
        assert_eq!(reloaded.encode(&text), tok.encode(&text));
        assert_eq!(reloaded.vocab_size(), tok.vocab_size());
        assert_eq!(reloaded.to_json(), json);
        assert!(ChatTokenizer::from_json("{not json").is_err());
    }

    #[test]
    fn special_tokens_sit_at_fixed_ids_and_encode_as_one_token() {
        let tok = build_char_tokenizer(&["ab"]);
        for (id, t) in SPECIAL_TOKENS.iter().enumerate() {
            assert_eq!(tok.token_id(t), Some(id as u32));
            assert_eq!(tok.id_to_token(id as u32).as_deref(), Some(*t));
        }
        let (a, b) = (tok.token_id("a").unwrap(), tok.token_id("b").unwrap());
        assert_eq!(tok.encode("a<|eot|>b"), vec![a, 3, b]);
        assert_eq!(tok.encode("<|im_start|>a<|im_end|>"), vec![4, a, 5]);
        assert_eq!(tok.decode(&[a, 3, b]), "a<|eot|>b");
    }

    #[test]
    fn characters_are_sorted_after_the_specials_and_unknowns_map_to_unk() {
        let tok = build_char_tokenizer(&["ba", "b"]);
        assert!(tok.token_id("a").unwrap() >= 6);
        assert_eq!(tok.token_id("b"), Some(tok.token_id("a").unwrap() + 1));
        assert_eq!(tok.encode("a狗"), vec![tok.token_id("a").unwrap(), 1]);
        assert_eq!(tok.unknown_chars("狗a貓b狗"), vec!['狗', '貓']);
        assert!(tok.unknown_chars("abba").is_empty());
        // The templates' tags are covered even when the data lacks them.
        assert!(!tok.encode("使用者: AI: 系統: assistant\n").contains(&1));
        assert_eq!(build_char_tokenizer(&["ba"]).to_json(), build_char_tokenizer(&["ab"]).to_json());
    }
}
