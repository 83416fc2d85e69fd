//! Conversations to token ids with the assistant-only loss mask, and prompts for generation.

use serde::Serialize;

use crate::DataError;
use crate::chat::{Conversation, Message, Role};
use crate::jinja::JinjaTemplate;
use crate::template::{Segment, Template, TokenKind};
use crate::tokenizer::ChatTokenizer;

/// A tokenized conversation; all four vectors have one entry per token.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EncodedConversation {
    pub ids: Vec<u32>,
    /// True where the token is a training target (assistant content and its end of turn).
    pub loss_mask: Vec<bool>,
    /// Whose turn each token belongs to, and what it is: for the page's token view.
    pub roles: Vec<Role>,
    pub kinds: Vec<TokenKind>,
}

impl EncodedConversation {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// How many tokens the model is trained to produce.
    pub fn loss_tokens(&self) -> usize {
        self.loss_mask.iter().filter(|m| **m).count()
    }
}

/// The tokenizer's own chat template, for [`Template::Model`].
pub fn model_template(tokenizer: &ChatTokenizer) -> Result<&JinjaTemplate, DataError> {
    tokenizer.chat_template().ok_or_else(|| {
        DataError::ChatTemplate("this model has no chat_template in tokenizer_config.json; use plain or chatml".into())
    })
}

/// `messages` rendered with `template` as segments (the model's own template comes from
/// `tokenizer`).
pub fn render_segments(
    messages: &[Message],
    template: Template,
    tokenizer: &ChatTokenizer,
) -> Result<Vec<Segment>, DataError> {
    match template {
        Template::Model => model_template(tokenizer)?.segments(messages),
        builtin => Ok(builtin.render(messages)),
    }
}

/// `history` and then what asks the model to answer, as segments split exactly as a training
/// example that goes on with an answer is split.
pub fn prompt_segments(
    history: &[Message],
    template: Template,
    tokenizer: &ChatTokenizer,
) -> Result<Vec<Segment>, DataError> {
    match template {
        Template::Model => model_template(tokenizer)?.prompt_segments(history),
        builtin => Ok(builtin.render(history).into_iter().chain(builtin.generation_prompt()).collect()),
    }
}

/// The text that ends an assistant turn, where generation stops (`None` for `none`, and for
/// `model` when the tokenizer has no chat template).
pub fn end_of_turn(template: Template, tokenizer: &ChatTokenizer) -> Option<String> {
    match template {
        Template::Model => tokenizer.chat_template()?.end_of_turn(),
        builtin => builtin.end_of_turn().map(String::from),
    }
}

/// The id of [`end_of_turn`]'s token, if the tokenizer has it as one token.
pub fn end_of_turn_id(template: Template, tokenizer: &ChatTokenizer) -> Option<u32> {
    tokenizer.token_id(&end_of_turn(template, tokenizer)?)
}

/// Tokenizes segment by segment, so every token inherits its segment's mask, role and kind.
///
/// A BPE tokenizer can split text across a segment boundary differently than it would split the
/// whole text (a role tag's trailing space merged into the answer's first word, say). We accept
/// that: the boundaries are where the mask changes, so segment-wise ids are what make the mask
/// exact, and generation prompts are encoded the same way (`encode_prompt`), so the model sees
/// at inference exactly the ids it was trained on. Special tokens are whole segments' edges in
/// every template we know, so they are unaffected.
pub fn encode_segments(segments: &[Segment], tokenizer: &ChatTokenizer) -> Result<EncodedConversation, DataError> {
    let mut out = EncodedConversation { ids: Vec::new(), loss_mask: Vec::new(), roles: Vec::new(), kinds: Vec::new() };
    for segment in segments {
        let ids = tokenizer.try_encode(&segment.text)?;
        out.loss_mask.extend(std::iter::repeat_n(segment.carries_loss, ids.len()));
        out.roles.extend(std::iter::repeat_n(segment.role, ids.len()));
        out.kinds.extend(std::iter::repeat_n(segment.kind, ids.len()));
        out.ids.extend(ids);
    }
    Ok(out)
}

/// Checks that a conversation has something to learn; `index` (0-based) names it in the error.
pub fn validate(conversation: &Conversation, index: usize) -> Result<(), DataError> {
    let messages = &conversation.messages;
    if messages.is_empty() {
        return Err(DataError::conversation(index, "the conversation has no turns"));
    }
    if !messages.iter().any(|m| m.role == Role::Assistant) {
        return Err(DataError::conversation(
            index,
            "the conversation has no assistant turn, so there is nothing to learn",
        ));
    }
    if let Some(turn) = messages.iter().position(|m| m.role == Role::Assistant && m.content.trim().is_empty()) {
        return Err(DataError::conversation(index, format!("turn {} (assistant) is empty", turn + 1)));
    }
    Ok(())
}

/// Renders and tokenizes conversation number `index` (0-based, for error messages), refusing
/// one longer than `max_len` tokens rather than silently cutting its answer off.
pub fn encode_conversation(
    conversation: &Conversation,
    index: usize,
    template: Template,
    tokenizer: &ChatTokenizer,
    max_len: usize,
) -> Result<EncodedConversation, DataError> {
    validate(conversation, index)?;
    if template == Template::Model {
        model_template(tokenizer)?; // the model's fault, not the conversation's
    }
    let segments = render_segments(&conversation.messages, template, tokenizer).map_err(|e| match e {
        // Name the conversation the model's template refused.
        DataError::ChatTemplate(message) => DataError::conversation(index, message),
        other => other,
    })?;
    let encoded = encode_segments(&segments, tokenizer)?;
    if encoded.len() > max_len {
        return Err(DataError::conversation(
            index,
            format!(
                "the conversation is {} tokens long; the limit is {max_len} (shorten it or raise the sequence length)",
                encoded.len()
            ),
        ));
    }
    Ok(encoded)
}

/// Token ids that ask the model to answer after `history`: segment by segment, as training
/// encodes the same text.
pub fn encode_prompt(
    history: &[Message],
    template: Template,
    tokenizer: &ChatTokenizer,
) -> Result<Vec<u32>, DataError> {
    Ok(encode_segments(&prompt_segments(history, template, tokenizer)?, tokenizer)?.ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::build_char_tokenizer;

    fn conversation() -> Conversation {
        Conversation {
            messages: vec![
                Message::new(Role::System, "簡答"),
                Message::new(Role::User, "最高的山?"),
                Message::new(Role::Assistant, "玉山"),
                Message::new(Role::User, "Longest river?"),
                Message::new(Role::Assistant, "Nile"),
            ],
        }
    }

    fn tokenizer() -> ChatTokenizer {
        build_char_tokenizer(&["簡答最高的山?玉山Longest river?Nile"])
    }

    /// The mask written out by hand: each piece of text, encoded on its own, and whether its
    /// tokens are trained on. The pieces deliberately do not follow the template's segments.
    fn expected_mask(tok: &ChatTokenizer, pieces: &[(&str, bool)]) -> (String, Vec<bool>) {
        let text = pieces.iter().map(|(t, _)| *t).collect();
        let mask = pieces.iter().flat_map(|(t, m)| vec![*m; tok.encode(t).len()]).collect();
        (text, mask)
    }

    fn check(template: Template, pieces: &[(&str, bool)]) -> EncodedConversation {
        let tok = tokenizer();
        let e = encode_conversation(&conversation(), 0, template, &tok, 500).unwrap();
        let (text, mask) = expected_mask(&tok, pieces);
        assert_eq!(tok.decode(&e.ids), text);
        for (i, (&id, (&got, &want))) in e.ids.iter().zip(e.loss_mask.iter().zip(&mask)).enumerate() {
            assert_eq!(got, want, "{}: token {i} {:?}", template.name(), tok.decode(&[id]));
        }
        assert_eq!(e.loss_mask.len(), mask.len());
        assert_eq!((e.roles.len(), e.kinds.len()), (e.len(), e.len()));
        e
    }

    #[test]
    fn plain_template_trains_only_on_assistant_content_and_end_of_turn() {
        let e = check(
            Template::Plain,
            &[
                ("系統: 簡答\n使用者: 最高的山?\nAI: ", false),
                ("玉", true),
                ("山<|endoftext|>", true),
                ("\n使用者: Longest river?\nAI: ", false),
                ("Nile<|endoftext|>", true),
                ("\n", false),
            ],
        );
        let tok = tokenizer();
        let of_kind = |kind| -> String {
            e.ids.iter().zip(&e.kinds).filter(|(_, k)| **k == kind).map(|(i, _)| tok.decode(&[*i])).collect()
        };
        assert_eq!(of_kind(TokenKind::RoleTag), "系統: 使用者: AI: 使用者: AI: ");
        assert_eq!(of_kind(TokenKind::EndOfTurn), "<|endoftext|><|endoftext|>");
        assert_eq!(of_kind(TokenKind::User), "最高的山?Longest river?");
        // `<|endoftext|>` is one token; the first one belongs to the assistant's first turn.
        let eot = e.ids.iter().position(|&i| i == 2).unwrap();
        assert_eq!((e.roles[eot], e.kinds[eot], e.loss_mask[eot]), (Role::Assistant, TokenKind::EndOfTurn, true));
        assert_eq!(e.loss_tokens(), "玉山".chars().count() + "Nile".len() + 2);
    }

    #[test]
    fn chatml_trains_on_assistant_content_and_im_end_only() {
        let e = check(
            Template::ChatMl,
            &[
                (
                    "<|im_start|>system\n簡答<|im_end|>\n<|im_start|>user\n最高的山?<|im_end|>\n<|im_start|>assistant\n",
                    false,
                ),
                ("玉山<|im_end|>", true),
                ("\n<|im_start|>user\nLongest river?<|im_end|>\n<|im_start|>assistant\n", false),
                ("Nile<|im_end|>", true),
                ("\n", false),
            ],
        );
        // The system's `<|im_end|>` ends a turn too, but the model is not trained to write it.
        let first_end = e.ids.iter().position(|&i| i == 5).unwrap();
        assert_eq!(
            (e.roles[first_end], e.kinds[first_end], e.loss_mask[first_end]),
            (Role::System, TokenKind::EndOfTurn, false)
        );
    }

    #[test]
    fn no_tags_trains_on_assistant_content_with_no_end_of_turn() {
        let e = check(
            Template::NoTags,
            &[
                ("簡答\n最高的山?\n", false),
                ("玉山", true),
                ("\nLongest river?\n", false),
                ("Nile", true),
                ("\n", false),
            ],
        );
        assert!(!e.kinds.contains(&TokenKind::EndOfTurn) && !e.kinds.contains(&TokenKind::RoleTag));
    }

    #[test]
    fn prompts_end_where_the_answer_begins() {
        let tok = tokenizer();
        let history = [Message::new(Role::System, "簡答"), Message::new(Role::User, "最高的山?")];
        let prompt = |t| tok.decode(&encode_prompt(&history, t, &tok).unwrap());
        assert_eq!(prompt(Template::Plain), "系統: 簡答\n使用者: 最高的山?\nAI: ");
        assert_eq!(
            prompt(Template::ChatMl),
            "<|im_start|>system\n簡答<|im_end|>\n<|im_start|>user\n最高的山?<|im_end|>\n<|im_start|>assistant\n"
        );
        assert_eq!(prompt(Template::NoTags), "簡答\n最高的山?\n");
        // The prompt is exactly the start of a training example: the model continues from there.
        let mut answered = history.to_vec();
        answered.push(Message::new(Role::Assistant, "玉山"));
        let example = encode_conversation(&Conversation { messages: answered }, 0, Template::Plain, &tok, 100).unwrap();
        let prompt_ids = encode_prompt(&history, Template::Plain, &tok).unwrap();
        assert_eq!(example.ids[..prompt_ids.len()], prompt_ids[..]);
        assert!(example.loss_mask[prompt_ids.len()] && !example.loss_mask[prompt_ids.len() - 1]);
    }

    #[test]
    fn bad_conversations_are_refused_with_reasons() {
        let tok = tokenizer();
        let refuse = |c: &Conversation, index, max_len| {
            encode_conversation(c, index, Template::Plain, &tok, max_len).unwrap_err().to_string()
        };
        let no_answer = Conversation { messages: vec![Message::new(Role::User, "最高的山?")] };
        assert_eq!(
            refuse(&no_answer, 4, 100),
            "conversation 5: the conversation has no assistant turn, so there is nothing to learn"
        );
        assert_eq!(
            refuse(&Conversation::pair("最高的山?", " \n "), 0, 100),
            "conversation 1: turn 2 (assistant) is empty"
        );
        assert_eq!(refuse(&Conversation::default(), 1, 100), "conversation 2: the conversation has no turns");
        let length = encode_conversation(&conversation(), 0, Template::Plain, &tok, 1000).unwrap().len();
        assert_eq!(
            refuse(&conversation(), 2, length - 1),
            format!(
                "conversation 3: the conversation is {length} tokens long; the limit is {} (shorten it or raise the sequence length)",
                length - 1
            )
        );
        assert!(encode_conversation(&conversation(), 2, Template::Plain, &tok, length).is_ok(), "exactly max_len fits");
        let err = encode_conversation(&no_answer, 6, Template::Plain, &tok, 100).unwrap_err().at_line(9);
        assert!(err.to_string().starts_with("conversation 7 (line 9): "), "{err}");
    }
}
