//! The page's data tools, which need no GPU: JSONL import checked by the same rules as
//! training (`set_data`), conversation checks for the editor, and the token view (how a
//! template renders a conversation, token by token, and which tokens carry the loss).
//!
//! The token view keeps its own copy of the tokenizer (`set_view_tokenizer`), so it works
//! before the model is on the GPU, and without a GPU at all.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use yushan_data::{
    ChatTokenizer, Conversation, Role, Template, TokenKind, encode_conversation, parse_jsonl_lenient, render_segments,
    validate,
};

use yushan_data::tokenizer::UNK;

use crate::to_js;

thread_local! {
    static VIEW_TOKENIZER: RefCell<Option<ChatTokenizer>> = const { RefCell::new(None) };
}

/// One bad line of an imported file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportError {
    /// 1-based.
    pub line: usize,
    pub field: Option<String>,
    pub message: String,
    /// `line 3: messages[1].role: unknown role "bot" …`, as `set_data` says it.
    pub text: String,
}

/// A conversation read from a file, with its line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportedConversation {
    pub line: usize,
    #[serde(flatten)]
    pub conversation: Conversation,
}

/// What `validate_jsonl` found: the good rows and every bad line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportReport {
    pub conversations: Vec<ImportedConversation>,
    pub errors: Vec<ImportError>,
}

/// Reads JSONL text with the training rules (`yushan_data::parse_jsonl_lenient`).
pub fn read_jsonl(text: &str) -> ImportReport {
    let import = parse_jsonl_lenient(text);
    ImportReport {
        conversations: import
            .conversations
            .into_iter()
            .map(|(line, conversation)| ImportedConversation { line, conversation })
            .collect(),
        errors: import
            .errors
            .into_iter()
            .map(|e| ImportError {
                line: e.line,
                field: e.field.clone(),
                message: e.message.clone(),
                text: e.to_string(),
            })
            .collect(),
    }
}

/// A conversation that cannot be trained on, as training would refuse it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 0-based.
    pub index: usize,
    pub message: String,
}

/// Every conversation that training would refuse (no turns, no assistant turn, an empty answer).
pub fn problems(conversations: &[Conversation]) -> Vec<Problem> {
    conversations
        .iter()
        .enumerate()
        .filter_map(|(index, c)| validate(c, index).err().map(|e| Problem { index, message: e.to_string() }))
        .collect()
}

/// One token of the token view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ViewToken {
    pub id: u32,
    /// The text this token adds (empty for a token that holds only part of a character).
    pub text: String,
    pub kind: TokenKind,
    pub role: Role,
    /// The model is trained to produce this token.
    pub loss: bool,
    /// The tokenizer does not know this text (`<|unk|>`).
    pub unknown: bool,
}

/// A conversation as the model sees it in training.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenView {
    pub template: String,
    pub tokens: Vec<ViewToken>,
    pub loss_tokens: usize,
    pub unknown_tokens: usize,
    /// Why training would refuse this conversation, if it would.
    pub problem: Option<String>,
}

/// Renders conversation number `index` (0-based) with `template` and tokenizes it exactly as
/// training does (`encode_conversation`); a conversation training would refuse is still shown,
/// segment by segment, with the reason in `problem`.
pub fn token_view(
    conversation: &Conversation,
    index: usize,
    template: Template,
    tokenizer: &ChatTokenizer,
) -> Result<TokenView, String> {
    let (ids, loss_mask, roles, kinds, problem) =
        match encode_conversation(conversation, index, template, tokenizer, usize::MAX) {
            Ok(e) => (e.ids, e.loss_mask, e.roles, e.kinds, None),
            Err(problem) => {
                let (mut ids, mut mask, mut roles, mut kinds) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                // A conversation the model's own template refuses has no text to show: the
                // problem says why.
                for segment in render_segments(&conversation.messages, template, tokenizer).unwrap_or_default() {
                    let seg_ids = tokenizer.try_encode(&segment.text).map_err(|e| e.to_string())?;
                    mask.extend(std::iter::repeat_n(segment.carries_loss, seg_ids.len()));
                    roles.extend(std::iter::repeat_n(segment.role, seg_ids.len()));
                    kinds.extend(std::iter::repeat_n(segment.kind, seg_ids.len()));
                    ids.extend(seg_ids);
                }
                (ids, mask, roles, kinds, Some(problem.to_string()))
            }
        };
    let texts = token_texts(&ids, tokenizer);
    let unk = tokenizer.token_id(UNK);
    let tokens: Vec<ViewToken> = ids
        .iter()
        .zip(texts)
        .zip(loss_mask.iter().zip(roles.iter().zip(&kinds)))
        .map(|((&id, text), (&loss, (&role, &kind)))| ViewToken {
            id,
            text,
            kind,
            role,
            loss,
            unknown: Some(id) == unk,
        })
        .collect();
    Ok(TokenView {
        template: template.name().into(),
        loss_tokens: tokens.iter().filter(|t| t.loss).count(),
        unknown_tokens: tokens.iter().filter(|t| t.unknown).count(),
        tokens,
        problem,
    })
}

/// The text each token adds to the decoded whole, decoded as a stream (as Hugging Face's
/// `TextStreamer` does): each token is decoded with the one before it, so decoders that place
/// spaces between tokens keep them, and a character split over several byte-level tokens goes
/// to the token that completes it (the others add "").
fn token_texts(ids: &[u32], tokenizer: &ChatTokenizer) -> Vec<String> {
    let mut out = Vec::with_capacity(ids.len());
    let (mut prefix, mut read) = (0, 0);
    for i in 0..ids.len() {
        let before = tokenizer.decode(&ids[prefix..read]);
        let now = tokenizer.decode(&ids[prefix..=i]);
        let complete = !now.ends_with('\u{fffd}') || i + 1 == ids.len();
        match now.strip_prefix(before.as_str()) {
            Some(added) if complete && !added.is_empty() => {
                out.push(added.to_owned());
                (prefix, read) = (read, i + 1);
            }
            // The decoder rewrote the earlier text (rare): show this token on its own.
            None if complete => {
                out.push(tokenizer.decode(&ids[i..=i]));
                (prefix, read) = (i, i + 1);
            }
            _ => out.push(String::new()),
        }
    }
    out
}

// --- wasm bindings ----------------------------------------------------------------------------

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Check JSONL text with the rules `set_data` uses. Returns
/// `{conversations: [{line, messages}], errors: [{line, field, message, text}]}`; the page
/// replaces its data only when `errors` is empty.
#[wasm_bindgen]
pub fn validate_jsonl(text: &str) -> Result<JsValue, JsError> {
    to_js(&read_jsonl(text))
}

#[derive(Deserialize)]
struct ConversationsIn(Vec<Conversation>);

/// For a list of `{messages: [{role, content}]}`: `[{index, message}]` for each conversation
/// that training would refuse.
#[wasm_bindgen]
pub fn check_conversations(conversations: JsValue) -> Result<JsValue, JsError> {
    let ConversationsIn(list) =
        serde_wasm_bindgen::from_value(conversations).map_err(|e| js_err(format!("conversations: {e}")))?;
    to_js(&problems(&list))
}

/// The model's tokenizer: `tokenizer.json`, with `tokenizer_config.json` when the model has one
/// (its chat template, bos and eos) and `chat_template.jinja` when the template is kept there
/// (newer Hugging Face repositories).
pub fn read_tokenizer(
    tokenizer_json: &str,
    tokenizer_config_json: Option<&str>,
    chat_template_jinja: Option<&str>,
) -> Result<ChatTokenizer, String> {
    let mut tokenizer = ChatTokenizer::from_json(tokenizer_json).map_err(|e| e.to_string())?;
    if let Some(config) = tokenizer_config_json {
        tokenizer = tokenizer.with_config_json(config).map_err(|e| e.to_string())?;
    }
    if let Some(source) = chat_template_jinja {
        tokenizer = tokenizer.with_chat_template(source).map_err(|e| format!("chat_template.jinja: {e}"))?;
    }
    Ok(tokenizer)
}

/// The tokenizer the token view uses (the model's `tokenizer.json`, and its
/// `tokenizer_config.json` and `chat_template.jinja` if it has them). Returns
/// `{vocab_size, chat_template, thinking_switch}`: `chat_template` when the model has its own
/// chat template (the page then offers "model"), `thinking_switch` when that template reads
/// `enable_thinking`.
#[wasm_bindgen]
pub fn set_view_tokenizer(
    tokenizer_json: &str,
    tokenizer_config_json: Option<String>,
    chat_template_jinja: Option<String>,
) -> Result<JsValue, JsError> {
    let tokenizer = read_tokenizer(tokenizer_json, tokenizer_config_json.as_deref(), chat_template_jinja.as_deref())
        .map_err(js_err)?;
    #[derive(Serialize)]
    struct Loaded {
        vocab_size: usize,
        chat_template: bool,
        thinking_switch: bool,
    }
    let loaded = Loaded {
        vocab_size: tokenizer.vocab_size(),
        chat_template: tokenizer.chat_template().is_some(),
        thinking_switch: tokenizer.reads_enable_thinking(),
    };
    VIEW_TOKENIZER.with(|t| *t.borrow_mut() = Some(tokenizer));
    to_js(&loaded)
}

/// Conversation `{messages: [{role, content}]}` number `index` (0-based) as training sees it
/// with `template` ("plain", "chatml", "none" or "model") and `enable_thinking` (for the model's
/// own template; undefined when not given): `{template, tokens: [{id, text, kind, role, loss,
/// unknown}], loss_tokens, unknown_tokens, problem}`.
#[wasm_bindgen]
pub fn render_tokens(
    conversation: JsValue,
    index: usize,
    template: &str,
    enable_thinking: Option<bool>,
) -> Result<JsValue, JsError> {
    let conversation: Conversation =
        serde_wasm_bindgen::from_value(conversation).map_err(|e| js_err(format!("conversation: {e}")))?;
    let template = Template::parse(template)
        .ok_or_else(|| js_err(format!("unknown template {template:?} (use plain, chatml, none or model)")))?;
    let view = VIEW_TOKENIZER.with(|t| {
        let t = t.borrow();
        let tokenizer = t.as_ref().ok_or_else(|| js_err("no tokenizer: call set_view_tokenizer first"))?;
        match enable_thinking {
            None => token_view(&conversation, index, template, tokenizer),
            Some(_) => {
                let tokenizer = tokenizer.clone().with_thinking(template, enable_thinking).map_err(js_err)?;
                token_view(&conversation, index, template, &tokenizer)
            }
        }
        .map_err(js_err)
    })?;
    to_js(&view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use yushan_data::{Message, build_char_tokenizer};

    fn tokenizer() -> ChatTokenizer {
        build_char_tokenizer(&["你好玉山 Hi!"])
    }

    fn conversation() -> Conversation {
        Conversation {
            messages: vec![
                Message::new(Role::System, "Hi"),
                Message::new(Role::User, "你好"),
                Message::new(Role::Assistant, "玉山!"),
            ],
        }
    }

    #[test]
    fn enable_thinking_reaches_the_models_own_template_only_when_set() {
        // Qwen3's generation prompt, cut down: an empty think block when thinking is off.
        let config = r#"{"eos_token": "<|im_end|>", "chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n{% endif %}{% endif %}"}"#;
        let tok = build_char_tokenizer(&["你好玉山 Hi!<think>/"]).with_config_json(config).unwrap();
        assert!(tok.reads_enable_thinking() && !tokenizer().reads_enable_thinking());
        let history = [Message::new(Role::User, "你好")];
        let prompt =
            |tok: &ChatTokenizer, template| tok.decode(&yushan_data::encode_prompt(&history, template, tok).unwrap());
        let off = tok.clone().with_thinking(Template::Model, Some(false)).unwrap();
        assert!(
            prompt(&off, Template::Model).ends_with("assistant\n<think>\n\n</think>\n\n"),
            "{}",
            prompt(&off, Template::Model)
        );
        for (template, setting) in
            [(Template::Model, None), (Template::Model, Some(true)), (Template::ChatMl, Some(false))]
        {
            let same = tok.clone().with_thinking(template, setting).unwrap();
            assert!(!prompt(&same, template).contains("<think>"), "{template:?} {setting:?}");
        }
        // A model without a template of its own cannot take the setting for it.
        assert!(tokenizer().with_thinking(Template::Model, Some(false)).is_err());
        assert!(tokenizer().with_thinking(Template::Plain, Some(false)).is_ok());
    }

    #[test]
    fn the_view_matches_training_and_marks_what_carries_loss() {
        // The model's own template, here ChatML as Jinja with its eos.
        let config = r#"{"eos_token": "<|im_end|>", "chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"}"#;
        let tok = tokenizer().with_config_json(config).unwrap();
        for template in Template::ALL {
            let view = token_view(&conversation(), 0, template, &tok).unwrap();
            let encoded = encode_conversation(&conversation(), 0, template, &tok, usize::MAX).unwrap();
            assert_eq!(view.tokens.iter().map(|t| t.id).collect::<Vec<_>>(), encoded.ids);
            assert_eq!(view.tokens.iter().map(|t| t.loss).collect::<Vec<_>>(), encoded.loss_mask);
            let whole: String = view.tokens.iter().map(|t| t.text.as_str()).collect();
            assert_eq!(whole, tok.decode(&encoded.ids), "{}", template.name());
            let trained: String = view.tokens.iter().filter(|t| t.loss).map(|t| t.text.as_str()).collect();
            assert_eq!(trained, format!("玉山!{}", yushan_data::end_of_turn(template, &tok).unwrap_or_default()));
            assert!(view.tokens.iter().filter(|t| t.kind == TokenKind::RoleTag).all(|t| !t.loss));
            assert_eq!(view.loss_tokens, encoded.loss_tokens());
            assert_eq!((view.problem.as_deref(), view.unknown_tokens), (None, 0));
        }
    }

    #[test]
    fn a_conversation_training_would_refuse_is_shown_with_the_reason() {
        let tok = tokenizer();
        let unanswered = Conversation { messages: vec![Message::new(Role::User, "你好狗")] };
        let view = token_view(&unanswered, 2, Template::Plain, &tok).unwrap();
        assert_eq!(
            view.problem.as_deref(),
            Some("conversation 3: the conversation has no assistant turn, so there is nothing to learn")
        );
        let whole: String = view.tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(whole, "使用者: 你好<|unk|>\n");
        assert_eq!((view.loss_tokens, view.unknown_tokens), (0, 1));
        assert!(view.tokens.iter().find(|t| t.unknown).is_some_and(|t| t.kind == TokenKind::User));
        let empty = token_view(&Conversation::default(), 0, Template::ChatMl, &tok).unwrap();
        assert!(empty.tokens.is_empty() && empty.problem.is_some());
        // A model with no template of its own: the problem says so.
        let view = token_view(&conversation(), 0, Template::Model, &tok).unwrap();
        assert_eq!(
            view.problem.as_deref(),
            Some("this model has no chat_template in tokenizer_config.json; use plain or chatml")
        );
        assert!(view.tokens.is_empty());
    }

    #[test]
    fn every_token_of_a_long_conversation_adds_its_text() {
        let tok = tokenizer();
        let long = Conversation::pair("你好 ".repeat(40), "玉山 Hi!".repeat(30));
        let view = token_view(&long, 0, Template::ChatMl, &tok).unwrap();
        let whole: String = view.tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(whole, tok.decode(&view.tokens.iter().map(|t| t.id).collect::<Vec<_>>()));
        assert!(view.tokens.iter().all(|t| !t.text.is_empty()));
    }

    /// A byte-level BPE with no merges: `é` (UTF-8 C3 A9) is two tokens, `Ã` and `©`.
    #[test]
    fn a_character_split_over_byte_tokens_goes_to_the_token_that_completes_it() {
        let json = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],"normalizer":null,
            "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},
            "post_processor":null,"decoder":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},
            "model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,"end_of_word_suffix":null,
            "fuse_unk":false,"byte_fallback":false,"vocab":{"Ã":0,"©":1,"h":2,"i":3,"Ġ":4},"merges":[]}}"#;
        let tok = ChatTokenizer::from_json(json).unwrap();
        let ids = tok.encode("hé i");
        assert_eq!(ids, vec![2, 0, 1, 4, 3]);
        assert_eq!(token_texts(&ids, &tok), vec!["h", "", "é", " ", "i"]);
    }

    #[test]
    fn imports_name_each_bad_line_and_keep_the_good_rows() {
        let text = "{\"prompt\":\"Hi\",\"completion\":\"Yo\"}\n\n{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}\nnot json\n";
        let report = read_jsonl(text);
        assert_eq!(report.conversations.len(), 1);
        assert_eq!(report.conversations[0].line, 1);
        assert_eq!(report.conversations[0].conversation, Conversation::pair("Hi", "Yo"));
        let lines: Vec<usize> = report.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4]);
        assert_eq!(report.errors[0].field.as_deref(), Some("messages[0].role"));
        assert!(report.errors[0].text.starts_with("line 3: messages[0].role: unknown role \"robot\""));
        assert!(report.errors[1].text.starts_with("line 4: invalid JSON"));
    }

    #[test]
    fn problems_name_the_conversations_training_would_refuse() {
        let list = [
            Conversation::pair("a", "b"),
            Conversation { messages: vec![Message::new(Role::User, "a")] },
            Conversation::pair("a", "  "),
        ];
        let found = problems(&list);
        assert_eq!(found.iter().map(|p| p.index).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(found[1].message, "conversation 3: turn 2 (assistant) is empty");
    }
}
