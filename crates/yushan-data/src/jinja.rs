//! A model's own chat template: the Jinja source from its `tokenizer_config.json`, rendered as
//! Hugging Face `transformers` renders it, and split into [`Segment`]s so that the
//! assistant-only loss mask is exact without `{% generation %}` markers.
//!
//! # How the segments are found
//!
//! A Jinja template only gives text, so the pieces come from rendering prefixes of the
//! conversation and comparing them with the whole. `R(k)` is the render of the first `k`
//! messages, `G(k)` the same with `add_generation_prompt`, `F` the whole conversation:
//!
//! * turn `i` starts where turn `i - 1` ended and ends at `len(R(i + 1))`, provided `R(i + 1)`
//!   is a prefix of `F` (the usual case: later turns only append);
//! * its content is found by rendering `R(i + 1)` once more with a marker in place of the
//!   content: what precedes the marker is the role tag, what follows it is the turn's tail;
//! * an assistant's answer starts at `len(G(i))`, where generation would start: everything the
//!   model writes from there (a `<think>` block a template adds, the content) up to and including
//!   the end-of-turn marker carries loss;
//! * the tail splits after its first special token (`<|im_end|>`, `<|eot_id|>`, `</s>`, …): up to
//!   there it is the end of turn, the rest (a newline) is a separator that carries no loss.
//!
//! Some templates render a turn differently once later turns exist: Qwen3 adds an empty
//! `<think>` block to the last answer only, and Phi-3 ends a conversation with an extra eos.
//! Then `R(i + 1)` is not a prefix of `F`, and the rule is: the turn ends at the first
//! occurrence, after its content starts, of the end-of-turn marker its own tail showed (followed
//! by the tail's separator when `F` has it there). Likewise an answer whose `G(i)` is not a
//! prefix of `F` (Qwen3 with `enable_thinking=false` prompts with an empty `<think>` block that
//! earlier answers lose) starts where `F`, rendered with a marker in place of its content, puts
//! the marker. A template where that cannot be found either is refused with an error naming the
//! turn, rather than guessed at.
//!
//! Variables a caller sets ([`JinjaTemplate::with_variable`]) are in every render, so the
//! segments follow them as the text does.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind};

use crate::DataError;
use crate::chat::{Message, Role};
use crate::template::{Segment, TokenKind, content_kind};

const NAME: &str = "chat_template";
/// Put where a content goes, to find where the template puts it. Private-use characters: no
/// real conversation or template contains them.
const MARKER: &str = "\u{F8F0}yushan\u{F8F1}";
/// Marks the errors `raise_exception` raises, to tell them from the engine's own.
const RAISED: &str = "\u{F8F2}";
/// What `render` itself puts in the context; a caller's variable may not replace it.
const RENDER_CONTEXT: [&str; 5] = ["messages", "add_generation_prompt", "bos_token", "eos_token", "tools"];

/// A compiled chat template with the special tokens it renders with.
#[derive(Clone)]
pub struct JinjaTemplate {
    env: Arc<Environment<'static>>,
    source: Arc<str>,
    bos_token: String,
    eos_token: String,
    /// Texts that end a turn's tail (the tokenizer's special tokens, eos and bos), longest first.
    special_tokens: Vec<String>,
    /// Extra variables every render sees (Qwen3's `enable_thinking`).
    variables: BTreeMap<String, Value>,
}

impl std::fmt::Debug for JinjaTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JinjaTemplate({} bytes, eos {:?})", self.source.len(), self.eos_token)
    }
}

impl JinjaTemplate {
    /// Compiles `source`; `bos_token` and `eos_token` are what the template sees under those names.
    pub fn new(source: &str, bos_token: &str, eos_token: &str) -> Result<Self, DataError> {
        let mut env = Environment::new();
        // transformers compiles with trim_blocks and lstrip_blocks and leaves Jinja2's default
        // keep_trailing_newline=False (one newline at the very end of the source is dropped),
        // which is minijinja's default too.
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(false)
            .build()
            .map_err(|e| template_error(format!("chat_template: {e}")))?;
        env.set_syntax(syntax);
        // A render is bounded: a template whose loops never end (or run for hours) stops with
        // an error instead of hanging training and the page.
        env.set_fuel(Some(RENDER_FUEL));
        // `.strip()`, `.startswith()`, `.split()`, `.items()`: the Python methods templates call.
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", |message: String| -> Result<Value, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, format!("{RAISED}{message}")))
        });
        env.add_function("strftime_now", strftime_fixed);
        env.add_template_owned(NAME, source.to_owned())
            .map_err(|e| template_error(format!("tokenizer_config.json: chat_template does not parse: {e}")))?;
        let mut template = Self {
            env: Arc::new(env),
            source: source.into(),
            bos_token: bos_token.into(),
            eos_token: eos_token.into(),
            special_tokens: Vec::new(),
            variables: BTreeMap::new(),
        };
        template.set_special_tokens(std::iter::empty::<String>());
        // One short conversation at load time: a template that runs out of fuel on it would
        // on every conversation, so it is refused now rather than at training.
        let probe = [Message::new(Role::User, "hi"), Message::new(Role::Assistant, "hello")];
        if let Err(e) = template.render_raw(&probe, false)
            && e.kind() == ErrorKind::OutOfFuel
        {
            return Err(render_error(e));
        }
        Ok(template)
    }

    /// The tokenizer's special tokens: a turn's end-of-turn marker ends with the first of them.
    pub fn with_special_tokens(mut self, tokens: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.set_special_tokens(tokens);
        self
    }

    fn set_special_tokens(&mut self, tokens: impl IntoIterator<Item = impl Into<String>>) {
        let mut all: Vec<String> = tokens.into_iter().map(Into::into).collect();
        all.extend([self.eos_token.clone(), self.bos_token.clone()]);
        all.retain(|t| !t.is_empty());
        all.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        all.dedup();
        self.special_tokens = all;
    }

    /// Sets a variable for every render, as transformers passes the extra keyword arguments
    /// of `apply_chat_template` (`enable_thinking=False`) into the template. Training's loss
    /// mask and generation prompts both render with it.
    pub fn with_variable(mut self, name: &str, value: serde_json::Value) -> Result<Self, DataError> {
        if RENDER_CONTEXT.contains(&name) {
            return Err(template_error(format!(
                "`{name}` is set by the renderer itself and cannot be a template variable"
            )));
        }
        self.variables.insert(name.to_string(), from_json(value));
        Ok(self)
    }

    /// Whether the template reads `name` without setting it (Qwen3's reads `enable_thinking`).
    pub fn reads_variable(&self, name: &str) -> bool {
        self.env.get_template(NAME).is_ok_and(|t| t.undeclared_variables(false).contains(name))
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn bos_token(&self) -> &str {
        &self.bos_token
    }

    pub fn eos_token(&self) -> &str {
        &self.eos_token
    }

    /// The text `transformers`' `apply_chat_template(messages, tokenize=False,
    /// add_generation_prompt=…, **variables)` gives, with no tools.
    pub fn render(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String, DataError> {
        self.render_raw(messages, add_generation_prompt).map_err(render_error)
    }

    /// [`Self::render`] with minijinja's own error, whose kind tells why it failed.
    fn render_raw(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String, Error> {
        let messages: Value = messages
            .iter()
            .map(|m| Value::from_pairs([("role", m.role.as_str()), ("content", m.content.as_str())]))
            .collect();
        let mut context = self.variables.clone();
        context.extend([
            ("messages".to_string(), messages),
            ("add_generation_prompt".to_string(), Value::from(add_generation_prompt)),
            ("bos_token".to_string(), Value::from(self.bos_token.as_str())),
            ("eos_token".to_string(), Value::from(self.eos_token.as_str())),
            ("tools".to_string(), Value::from(())),
        ]);
        let context = Value::from(context);
        // `new` added the template under NAME, so it is there.
        self.env.get_template(NAME)?.render(context)
    }

    /// A whole conversation as segments: their texts join to exactly [`Self::render`]'s text.
    pub fn segments(&self, messages: &[Message]) -> Result<Vec<Segment>, DataError> {
        let Some(last) = messages.last() else { return Ok(Vec::new()) };
        let full = self.render(messages, false)?;
        let mut out = Vec::new();
        let end = self.split_turns(messages, &full, &mut out)?;
        // Whatever the template adds after the last turn (Phi-3's final eos, say).
        push(&mut out, &full[end..], last.role, TokenKind::Separator);
        Ok(out)
    }

    /// `history` and then the generation prompt, as segments split exactly as training splits
    /// a conversation that goes on with an answer, so the prompt tokenizes to the same ids.
    pub fn prompt_segments(&self, history: &[Message]) -> Result<Vec<Segment>, DataError> {
        let full = self.render(history, true)?;
        let mut out = Vec::new();
        let end = self.split_turns(history, &full, &mut out)?;
        push(&mut out, &full[end..], Role::Assistant, TokenKind::RoleTag);
        Ok(out)
    }

    /// The generation prompt alone (what follows `history` when the model is asked to answer).
    pub fn generation_prompt(&self, history: &[Message]) -> Result<String, DataError> {
        let with = self.render(history, true)?;
        let without = if history.is_empty() { String::new() } else { self.render(history, false)? };
        Ok(with.strip_prefix(without.as_str()).unwrap_or(&with).to_string())
    }

    /// The special token that ends an assistant's turn, where generation stops: the first
    /// special token after the answer in a one-question conversation, else eos.
    pub fn end_of_turn(&self) -> Option<String> {
        let probe = [Message::new(Role::User, "?"), Message::new(Role::Assistant, MARKER)];
        let from_tail = self.render(&probe, false).ok().and_then(|text| {
            let tail = &text[text.rfind(MARKER)? + MARKER.len()..];
            self.first_special(tail).map(|(_, token)| token.to_string())
        });
        from_tail.or_else(|| (!self.eos_token.is_empty()).then(|| self.eos_token.clone()))
    }

    /// Pushes every turn's segments; returns where the last turn ends in `full`.
    fn split_turns(&self, messages: &[Message], full: &str, out: &mut Vec<Segment>) -> Result<usize, DataError> {
        let mut pos = 0;
        for i in 0..messages.len() {
            pos = self.split_turn(messages, i, full, pos, out)?;
        }
        Ok(pos)
    }

    /// Pushes turn `i`'s segments, from `pos` in `full` (where turn `i - 1` ended); returns
    /// where it ends.
    fn split_turn(
        &self,
        messages: &[Message],
        i: usize,
        full: &str,
        pos: usize,
        out: &mut Vec<Segment>,
    ) -> Result<usize, DataError> {
        let message = &messages[i];
        let role = message.role;
        let unsplittable = |why: &str| {
            template_error(format!(
                "the model's chat template cannot be split into turns at turn {} ({}): {why}",
                i + 1,
                role.as_str()
            ))
        };
        let upto = self.render(&messages[..=i], false)?;
        let (before, tail) = self.around_content(&messages[..=i], i)?.unzip();
        let aligned = full.starts_with(&upto) && upto.len() >= pos;

        // Where the content starts; for an answer, where generation starts.
        let starts_before = |text: &str| full.starts_with(text) && text.len() >= pos;
        let content_start = if role == Role::Assistant {
            let prompt = self.render(&messages[..i], true).ok().filter(|p| starts_before(p));
            match (prompt, &before) {
                (Some(prompt), _) => prompt.len(),
                (None, Some(before)) if starts_before(before) => before.len(),
                // The prompt, and this answer as the last one, differ from how it renders among
                // later turns (Qwen3 with enable_thinking=false adds an empty <think> block to
                // both but not to earlier answers): where its content stands in the whole text.
                _ => match self.around_content(messages, i)? {
                    Some((before, _)) if starts_before(&before) => before.len(),
                    _ => return Err(unsplittable("the generation prompt is not where the answer starts")),
                },
            }
        } else {
            match &before {
                Some(before) if starts_before(before) => before.len(),
                // The template put this turn's text somewhere else (Llama 2 folds the system
                // message into the first user turn): all of it is this turn's, none trained.
                _ if aligned => {
                    push(out, &full[pos..upto.len()], role, content_kind(role));
                    return Ok(upto.len());
                }
                _ => return Err(unsplittable("its content is not where the template renders it alone")),
            }
        };

        let tail = tail.unwrap_or_default();
        let (end_of_turn, separator) = self.split_tail(&tail);
        let (content_end, turn_end) = if aligned && upto.ends_with(&tail) && upto.len() >= content_start + tail.len() {
            (upto.len() - tail.len(), upto.len())
        } else {
            // Later turns changed how this one renders: find its end by its marker.
            if end_of_turn.is_empty() {
                return Err(unsplittable("later turns change how it renders and it has no end-of-turn marker"));
            }
            let found = full[content_start..]
                .find(end_of_turn)
                .ok_or_else(|| unsplittable("its end-of-turn marker is missing from the whole conversation"))?;
            let content_end = content_start + found;
            let mut turn_end = content_end + end_of_turn.len();
            if !separator.is_empty() && full[turn_end..].starts_with(separator) {
                turn_end += separator.len();
            }
            (content_end, turn_end)
        };
        if content_start < pos || content_end < content_start {
            return Err(unsplittable("its pieces overlap"));
        }
        push(out, &full[pos..content_start], role, TokenKind::RoleTag);
        push(out, &full[content_start..content_end], role, content_kind(role));
        let (end_of_turn, separator) = self.split_tail(&full[content_end..turn_end]);
        push(out, end_of_turn, role, TokenKind::EndOfTurn);
        push(out, separator, role, TokenKind::Separator);
        Ok(turn_end)
    }

    /// Renders `messages` with a marker for message `i`'s content: the text before it
    /// (everything up to where the content starts) and after it (the rest). `None` when the
    /// template does not show the content where it stands.
    fn around_content(&self, messages: &[Message], i: usize) -> Result<Option<(String, String)>, DataError> {
        let mut probe = messages.to_vec();
        probe[i].content = MARKER.into();
        let text = self.render(&probe, false)?;
        Ok(match (text.find(MARKER), text.rfind(MARKER)) {
            (Some(first), Some(last)) if first == last => {
                Some((text[..first].to_string(), text[first + MARKER.len()..].to_string()))
            }
            _ => None,
        })
    }

    /// A turn's tail split after its first special token: (end of turn, separator).
    fn split_tail<'a>(&self, tail: &'a str) -> (&'a str, &'a str) {
        match self.first_special(tail) {
            Some((at, token)) => tail.split_at(at + token.len()),
            None => ("", tail),
        }
    }

    /// The earliest special token in `text` (the longest one where two start together).
    fn first_special(&self, text: &str) -> Option<(usize, &str)> {
        self.special_tokens
            .iter()
            .filter_map(|t| text.find(t.as_str()).map(|at| (at, t.as_str())))
            .min_by_key(|(at, token)| (*at, usize::MAX - token.len()))
    }
}

/// A JSON value as the template sees it (Python's bool, int, float, str, list, dict, None).
fn from_json(value: serde_json::Value) -> Value {
    use serde_json::Value as Json;
    match value {
        Json::Null => Value::from(()),
        Json::Bool(b) => Value::from(b),
        Json::Number(n) => n.as_i64().map(Value::from).unwrap_or_else(|| Value::from(n.as_f64().unwrap_or(f64::NAN))),
        Json::String(s) => Value::from(s),
        Json::Array(items) => items.into_iter().map(from_json).collect(),
        Json::Object(map) => Value::from(map.into_iter().map(|(k, v)| (k, from_json(v))).collect::<BTreeMap<_, _>>()),
    }
}

/// Adds a piece unless empty; whether it carries loss follows from role and kind as for the
/// built-in templates (an assistant's content and end of turn).
fn push(out: &mut Vec<Segment>, text: &str, role: Role, kind: TokenKind) {
    if !text.is_empty() {
        out.push(Segment::new(text, role, kind));
    }
}

fn template_error(message: String) -> DataError {
    DataError::ChatTemplate(message)
}

/// `raise_exception` becomes the template's own message; anything else names the template line.
/// Template instructions one render may run: rendering Qwen3's template on a conversation of
/// a hundred turns takes a few tens of thousands.
const RENDER_FUEL: u64 = 20_000_000;

fn render_error(error: Error) -> DataError {
    if error.kind() == ErrorKind::OutOfFuel {
        return template_error(format!(
            "the model's chat template ran more than {} million steps on one conversation and was stopped (a \
             loop that does not end?)",
            RENDER_FUEL / 1_000_000
        ));
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(e) = cause {
        if let Some(message) = e.downcast_ref::<Error>().and_then(|e| e.detail()).and_then(|d| d.strip_prefix(RAISED)) {
            return template_error(format!("the model's chat template refused the conversation: {message}"));
        }
        cause = e.source();
    }
    template_error(format!("the model's chat template failed: {error}"))
}

/// `strftime_now(format)` at a fixed moment, 26 Jul 2024 (the date Llama 3.1's own template
/// falls back to when it has no clock). A real clock would make the same data render
/// differently from one day to the next (training, the token view and generation would
/// disagree), and the page's wasm has no clock without JavaScript glue.
fn strftime_fixed(format: String) -> String {
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(directive) = chars.next() else {
            out.push('%');
            break;
        };
        out.push_str(match directive {
            'd' | 'e' => "26",
            'm' => "07",
            'Y' => "2024",
            'y' => "24",
            'b' | 'h' => "Jul",
            'B' => "July",
            'a' => "Fri",
            'A' => "Friday",
            'j' => "208",
            'H' | 'M' | 'S' => "00",
            'I' => "12",
            'p' => "AM",
            'F' => "2024-07-26",
            '%' => "%",
            other => {
                out.push('%');
                out.push(other);
                continue;
            }
        });
    }
    out
}
