//! JSONL import and export. Each line is `{"messages":[{"role":..,"content":..}, ..]}` or
//! `{"prompt":..,"completion":..}`; errors name the line and the field, and the lenient
//! reader keeps every good row when some are bad (the page must not lose a file's good rows
//! to one typo).

use std::path::Path;

use serde_json::Value;

use crate::DataError;
use crate::chat::{Conversation, Message, Role};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonlError {
    /// 1-based line number.
    pub line: usize,
    /// The JSON path at fault (`messages[2].role`), when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for JsonlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: {field}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

impl std::error::Error for JsonlError {}

/// The good rows of a file (with their line numbers) and an error for each bad one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonlImport {
    pub conversations: Vec<(usize, Conversation)>,
    pub errors: Vec<JsonlError>,
}

/// Every bad line of a file, for the strict reader.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", summary(.0))]
pub struct JsonlErrors(pub Vec<JsonlError>);

fn summary(errors: &[JsonlError]) -> String {
    const SHOWN: usize = 5;
    let mut text: Vec<String> = errors.iter().take(SHOWN).map(|e| e.to_string()).collect();
    if errors.len() > SHOWN {
        text.push(format!("… and {} more bad lines", errors.len() - SHOWN));
    }
    text.join("\n")
}

/// All rows, or every error if any line is bad.
pub fn parse_jsonl(text: &str) -> Result<Vec<Conversation>, JsonlErrors> {
    let import = parse_jsonl_lenient(text);
    if import.errors.is_empty() {
        Ok(import.conversations.into_iter().map(|(_, c)| c).collect())
    } else {
        Err(JsonlErrors(import.errors))
    }
}

/// The good rows and an error for each bad line. Blank lines are skipped.
pub fn parse_jsonl_lenient(text: &str) -> JsonlImport {
    let mut import = JsonlImport::default();
    // Editors on Windows may start the file with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        match parse_line(raw) {
            Ok(conversation) => import.conversations.push((line, conversation)),
            Err((field, message)) => import.errors.push(JsonlError { line, field, message }),
        }
    }
    import
}

type LineError = (Option<String>, String);

fn parse_line(raw: &str) -> Result<Conversation, LineError> {
    let value: Value = serde_json::from_str(raw).map_err(|e| (None, invalid_json(&e)))?;
    let Value::Object(object) = &value else {
        return Err((None, "expected a JSON object".into()));
    };
    if let Some(messages) = object.get("messages") {
        return parse_messages(messages);
    }
    if object.contains_key("prompt") || object.contains_key("completion") {
        let prompt = string_field(object.get("prompt"), "prompt")?;
        let completion = string_field(object.get("completion"), "completion")?;
        if completion.trim().is_empty() {
            return Err((Some("completion".into()), "is empty: there is no answer to learn".into()));
        }
        return Ok(Conversation::pair(prompt, completion));
    }
    Err((None, "expected a `messages` list or `prompt` and `completion` fields".into()))
}

/// serde_json's message, with its position given as the column only (the line is ours).
fn invalid_json(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let what = text.strip_suffix(&position).unwrap_or(&text);
    format!("invalid JSON at column {}: {what}", error.column())
}

fn string_field(value: Option<&Value>, field: &str) -> Result<String, LineError> {
    match value {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err((Some(field.into()), format!("must be a string, found {}", kind(other)))),
        None => Err((Some(field.into()), "is missing".into())),
    }
}

fn parse_messages(messages: &Value) -> Result<Conversation, LineError> {
    let Value::Array(items) = messages else {
        return Err((Some("messages".into()), format!("must be a list, found {}", kind(messages))));
    };
    if items.is_empty() {
        return Err((Some("messages".into()), "is empty".into()));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |field: &str| format!("messages[{i}].{field}");
        let Value::Object(message) = item else {
            return Err((Some(format!("messages[{i}]")), format!("must be an object, found {}", kind(item))));
        };
        let role_name = string_field(message.get("role"), &at("role"))?;
        let role = Role::parse(&role_name).ok_or_else(|| {
            (Some(at("role")), format!("unknown role \"{role_name}\" (expected system, user or assistant)"))
        })?;
        let content = string_field(message.get("content"), &at("content"))?;
        if role == Role::Assistant && content.trim().is_empty() {
            return Err((Some(at("content")), "the assistant's answer is empty".into()));
        }
        out.push(Message { role, content });
    }
    if !out.iter().any(|m| m.role == Role::Assistant) {
        return Err((Some("messages".into()), "has no assistant turn, so there is nothing to learn".into()));
    }
    Ok(Conversation { messages: out })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// One `{"messages":[..]}` line per conversation.
pub fn to_jsonl(conversations: &[Conversation]) -> String {
    conversations.iter().map(|c| serde_json::to_string(c).expect("a conversation serialises") + "\n").collect()
}

/// Reads a JSONL file strictly: every conversation, or every bad line.
pub fn read_jsonl_file(path: impl AsRef<Path>) -> Result<Vec<Conversation>, DataError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Io { path: path.into(), source })?;
    Ok(parse_jsonl(&text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_formats_and_round_trips() {
        let text = "\u{feff}{\"messages\":[{\"role\":\"system\",\"content\":\"簡答\"},{\"role\":\"user\",\"content\":\"臺灣最高的山?\"},{\"role\":\"assistant\",\"content\":\"玉山\"}]}\r\n\r\n  \n{\"prompt\":\"Hi\",\"completion\":\"Hello\"}\n";
        let convs = parse_jsonl(text).unwrap();
        let first = Conversation {
            messages: vec![
                Message::new(Role::System, "簡答"),
                Message::new(Role::User, "臺灣最高的山?"),
                Message::new(Role::Assistant, "玉山"),
            ],
        };
        assert_eq!(convs, vec![first, Conversation::pair("Hi", "Hello")]);
        assert_eq!(
            parse_jsonl_lenient(text).conversations.iter().map(|(line, _)| *line).collect::<Vec<_>>(),
            vec![1, 4]
        );
        let exported = to_jsonl(&convs);
        assert_eq!(exported.lines().count(), 2);
        assert_eq!(parse_jsonl(&exported).unwrap(), convs);
    }

    #[test]
    fn each_bad_line_names_its_line_and_field() {
        let good = r#"{"prompt":"a","completion":"b"}"#;
        let cases = [
            (
                r#"{"messages":[{"role":"user","content":"x"},{"role":"bot","content":"y"}]}"#,
                r#"line 3: messages[1].role: unknown role "bot" (expected system, user or assistant)"#,
            ),
            (
                r#"{"messages":[{"role":"user","content":"x"},"#,
                "line 3: invalid JSON at column 43: EOF while parsing a value",
            ),
            (
                r#"{"messages":[{"role":"user","content":3},{"role":"assistant","content":"y"}]}"#,
                "line 3: messages[0].content: must be a string, found a number",
            ),
            (
                r#"{"messages":[{"role":"user","content":"x"},{"role":"assistant"}]}"#,
                "line 3: messages[1].content: is missing",
            ),
            (
                r#"{"messages":[{"content":"x"},{"role":"assistant","content":"y"}]}"#,
                "line 3: messages[0].role: is missing",
            ),
            (
                r#"{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":" "}]}"#,
                "line 3: messages[1].content: the assistant's answer is empty",
            ),
            (
                r#"{"messages":[{"role":"user","content":"x"}]}"#,
                "line 3: messages: has no assistant turn, so there is nothing to learn",
            ),
            (r#"{"messages":[]}"#, "line 3: messages: is empty"),
            (r#"{"messages":"hi"}"#, "line 3: messages: must be a list, found a string"),
            (r#"{"messages":["hi"]}"#, "line 3: messages[0]: must be an object, found a string"),
            (r#"{"text":"x"}"#, "line 3: expected a `messages` list or `prompt` and `completion` fields"),
            (r#"["x"]"#, "line 3: expected a JSON object"),
            (r#"{"prompt":"x","completion":""}"#, "line 3: completion: is empty: there is no answer to learn"),
            (r#"{"prompt":"x"}"#, "line 3: completion: is missing"),
            (r#"{"prompt":null,"completion":"y"}"#, "line 3: prompt: must be a string, found null"),
        ];
        for (bad, expected) in cases {
            let text = format!("{good}\n\n{bad}\n{good}\n");
            let import = parse_jsonl_lenient(&text);
            let lines: Vec<usize> = import.conversations.iter().map(|(line, _)| *line).collect();
            assert_eq!(lines, vec![1, 4], "the good rows around {bad} are kept");
            assert_eq!(import.errors.len(), 1, "{bad}");
            let message = import.errors[0].to_string();
            assert!(message.starts_with(expected), "{message:?} should start with {expected:?}");
            assert_eq!(import.errors[0].line, 3);
            assert_eq!(parse_jsonl(&text).unwrap_err().to_string(), message, "the strict reader refuses the file");
        }
    }

    #[test]
    fn strict_errors_list_every_bad_line() {
        let text = "{}\n".repeat(7);
        let err = parse_jsonl(&text).unwrap_err();
        assert_eq!(err.0.len(), 7);
        let shown = err.to_string();
        assert!(shown.starts_with("line 1: expected") && shown.ends_with("… and 2 more bad lines"), "{shown}");
    }

    #[test]
    fn reads_a_file() {
        let path = std::env::temp_dir().join(format!("yushan-data-test-{}.jsonl", std::process::id()));
        std::fs::write(&path, to_jsonl(&[Conversation::pair("Hi", "Hello")])).unwrap();
        let read = read_jsonl_file(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read.unwrap(), vec![Conversation::pair("Hi", "Hello")]);
        let missing = read_jsonl_file(&path).unwrap_err().to_string();
        assert!(missing.starts_with(&path.display().to_string()), "{missing}");
    }
}
