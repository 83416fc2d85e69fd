//! Property tests for the text a user feeds the data crate: JSONL files and chat templates.
//! Whatever the input, the parser answers (rows or errors naming a line) and never panics or
//! hangs; good rows around bad ones are kept.

use proptest::prelude::*;
use yushan_data::{JinjaTemplate, Message, Role, parse_jsonl_lenient};

const GOOD: &str =
    r#"{"messages":[{"role":"user","content":"臺灣最高的山是哪座?"},{"role":"assistant","content":"玉山"}]}"#;

/// Pieces JSONL lines are made of, so random lines come near the grammar and reach deep paths.
fn jsonl_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"messages\"".to_string()),
        Just("\"role\"".to_string()),
        Just("\"content\"".to_string()),
        Just("\"prompt\"".to_string()),
        Just("\"completion\"".to_string()),
        Just("\"user\"".to_string()),
        Just("\"assistant\"".to_string()),
        Just("\"system\"".to_string()),
        Just("null".to_string()),
        Just("1e999".to_string()),
        Just("\"\\ud800\"".to_string()),
        "\"[^\"\\\\]{0,8}\"",
        any::<char>().prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_text_gives_rows_or_errors_that_name_a_line(text in any::<String>()) {
        let import = parse_jsonl_lenient(&text);
        let lines = text.lines().count().max(1);
        for error in &import.errors {
            prop_assert!(error.line >= 1 && error.line <= lines, "{error:?} in {lines} lines");
        }
        for (line, _) in &import.conversations {
            prop_assert!(*line >= 1 && *line <= lines);
        }
    }

    #[test]
    fn near_jsonl_lines_never_panic(pieces in prop::collection::vec(jsonl_piece(), 0..40)) {
        let line = pieces.concat().replace(['\n', '\r'], " ");
        // A bad line between two good ones: the good ones stay, the bad one is named.
        let text = format!("{GOOD}\n{line}\n{GOOD}\n");
        let import = parse_jsonl_lenient(&text);
        prop_assert!(import.conversations.iter().any(|(l, _)| *l == 1));
        prop_assert!(import.conversations.iter().any(|(l, _)| *l == 3));
        prop_assert!(import.errors.iter().all(|e| e.line == 2), "{:?}", import.errors);
    }

    #[test]
    fn a_good_line_cut_anywhere_is_refused_with_its_line(cut in 0usize..GOOD.len()) {
        let Some(head) = GOOD.get(..cut) else { return Ok(()) };
        if head.trim().is_empty() {
            return Ok(()); // a blank line is skipped, not an error
        }
        let import = parse_jsonl_lenient(&format!("{GOOD}\n{head}\n"));
        prop_assert_eq!(import.conversations.len(), 1);
        prop_assert_eq!(import.errors.len(), 1);
        prop_assert_eq!(import.errors[0].line, 2);
    }
}

/// Pieces of Jinja, including loops and recursion that could run for ever.
fn jinja_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{% for m in messages %}".to_string()),
        Just("{% endfor %}".to_string()),
        Just("{{ m.content }}".to_string()),
        Just("{{ m['role'] }}".to_string()),
        Just("{% if add_generation_prompt %}".to_string()),
        Just("{% endif %}".to_string()),
        Just("{% for i in range(100000) %}".to_string()),
        Just("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}".to_string()),
        Just("{{ bos_token }}".to_string()),
        Just("{{ raise_exception('no') }}".to_string()),
        Just("{{ messages[99].content }}".to_string()),
        Just("{{ (messages | length) / 0 }}".to_string()),
        Just("{%".to_string()),
        Just("}}".to_string()),
        "[a-z<>|: \n]{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_chat_template_loads_and_renders_or_is_refused(pieces in prop::collection::vec(jinja_piece(), 0..8)) {
        let source = pieces.concat();
        let messages = [Message::new(Role::User, "臺灣最高的山是哪座?"), Message::new(Role::Assistant, "玉山")];
        // Refused at load (syntax, or a probe render out of fuel), or renders to an answer:
        // either is fine, a panic or a hang is not.
        if let Ok(template) = JinjaTemplate::new(&source, "<s>", "</s>") {
            let _ = template.render(&messages, true);
        }
    }
}
