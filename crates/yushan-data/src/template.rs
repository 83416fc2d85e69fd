//! How a conversation becomes text: role tags, separators and the end-of-turn marker.
//!
//! A template renders each turn as segments that say whose text they are, what they are and
//! whether the model is trained to produce them. Encoding tokenizes segment by segment, so the
//! assistant-only loss mask is exact by construction rather than recovered from character
//! offsets afterwards. The built-in templates are written here; a model's own Jinja chat
//! template ([`Template::Model`]) lives on its tokenizer and is split into segments in `jinja`;
//! `encode::render_segments` renders either.

use serde::{Deserialize, Serialize};

use crate::chat::{Message, Role};
use crate::specials::{END_OF_TEXT, IM_END, IM_START};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Template {
    /// `系統: …` / `使用者: …` / `AI: …<|endoftext|>`, one turn a line: the project's seed format.
    /// The assistant's turn ends with the token that ends every pretraining document: a base
    /// model already knows how to produce it, so a LoRA adapter learns to stop in a few steps.
    /// (A token the base never saw, like a fresh `<|eot|>`, has an output row that pretraining
    /// pushed down; adapters alone lift it only by moving the weights far.)
    #[default]
    Plain,
    /// `<|im_start|>user\n…<|im_end|>\n`, as Qwen and many others are trained.
    ChatMl,
    /// Contents only, one a line: the model cannot tell whose turn it is, nor where an answer
    /// ends (the "why role tags" ablation).
    #[serde(rename = "none")]
    NoTags,
    /// The model's own chat template: `chat_template` in its `tokenizer_config.json`. The Jinja
    /// source lives on the [`ChatTokenizer`](crate::ChatTokenizer) (so `Template` stays `Copy`):
    /// render it with `encode::render_segments`.
    Model,
}

/// What a token is, for the page's token view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    RoleTag,
    System,
    User,
    Assistant,
    EndOfTurn,
    Separator,
}

/// A piece of rendered text, all of one kind and from one turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    /// Whose turn the text belongs to (tags and separators included).
    pub role: Role,
    pub kind: TokenKind,
    /// The model is trained to produce this text: the assistant's content and its end of turn.
    pub carries_loss: bool,
}

impl Segment {
    pub(crate) fn new(text: impl Into<String>, role: Role, kind: TokenKind) -> Self {
        let carries_loss = role == Role::Assistant && matches!(kind, TokenKind::Assistant | TokenKind::EndOfTurn);
        Self { text: text.into(), role, kind, carries_loss }
    }
}

impl Template {
    pub const ALL: [Template; 4] = [Template::Plain, Template::ChatMl, Template::NoTags, Template::Model];
    /// The templates written here, which render without a tokenizer.
    pub const BUILT_IN: [Template; 3] = [Template::Plain, Template::ChatMl, Template::NoTags];

    /// The name used in files, on the command line and in the page.
    pub fn name(self) -> &'static str {
        match self {
            Template::Plain => "plain",
            Template::ChatMl => "chatml",
            Template::NoTags => "none",
            Template::Model => "model",
        }
    }

    /// The template called `name` ("plain", "chatml", "none" or "model"; case and spaces ignored).
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The token that ends an assistant turn (generation stops there), if the template has one.
    /// `None` for [`Template::Model`]: its end of turn comes from the tokenizer's template
    /// (`encode::end_of_turn`).
    pub(crate) fn end_of_turn(self) -> Option<&'static str> {
        match self {
            Template::Plain => Some(END_OF_TEXT),
            Template::ChatMl => Some(IM_END),
            Template::NoTags | Template::Model => None,
        }
    }

    /// One turn as segments (nothing for [`Template::Model`], which needs the tokenizer).
    pub(crate) fn turn(self, message: &Message) -> Vec<Segment> {
        let role = message.role;
        let segment = |text: &str, kind| Segment::new(text, role, kind);
        let content = segment(&message.content, content_kind(role));
        let separator = segment("\n", TokenKind::Separator);
        match self {
            Template::Plain => {
                let tag = match role {
                    Role::System => "系統: ",
                    Role::User => "使用者: ",
                    Role::Assistant => "AI: ",
                };
                let mut out = vec![segment(tag, TokenKind::RoleTag), content];
                if role == Role::Assistant {
                    out.push(segment(END_OF_TEXT, TokenKind::EndOfTurn));
                }
                out.push(separator);
                out
            }
            Template::ChatMl => vec![
                segment(&format!("{IM_START}{}\n", role.as_str()), TokenKind::RoleTag),
                content,
                segment(IM_END, TokenKind::EndOfTurn),
                separator,
            ],
            Template::NoTags => vec![content, separator],
            Template::Model => vec![],
        }
    }

    /// A whole history as segments, for the built-in templates.
    pub(crate) fn render(self, messages: &[Message]) -> Vec<Segment> {
        messages.iter().flat_map(|m| self.turn(m)).collect()
    }

    /// What follows the history when the model is asked to answer, for the built-in templates.
    pub(crate) fn generation_prompt(self) -> Vec<Segment> {
        let tag = |text: &str| vec![Segment::new(text, Role::Assistant, TokenKind::RoleTag)];
        match self {
            Template::Plain => tag("AI: "),
            Template::ChatMl => tag(&format!("{IM_START}assistant\n")),
            Template::NoTags | Template::Model => vec![],
        }
    }

    /// Every piece of text the templates add around contents (tags, role names, separators), so
    /// a vocabulary built from data can cover them too.
    pub fn scaffolding() -> String {
        let sample: Vec<Message> = [Role::System, Role::User, Role::Assistant].map(|r| Message::new(r, "")).into();
        Self::BUILT_IN
            .into_iter()
            .flat_map(|t| t.render(&sample).into_iter().chain(t.generation_prompt()))
            .map(|s| s.text)
            .collect()
    }
}

pub(crate) fn content_kind(role: Role) -> TokenKind {
    match role {
        Role::System => TokenKind::System,
        Role::User => TokenKind::User,
        Role::Assistant => TokenKind::Assistant,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(segments: &[Segment]) -> String {
        segments.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn templates_render_the_documented_formats() {
        let history =
            [Message::new(Role::System, "簡答"), Message::new(Role::User, "Hi"), Message::new(Role::Assistant, "Yo")];
        assert_eq!(text(&Template::Plain.render(&history)), "系統: 簡答\n使用者: Hi\nAI: Yo<|endoftext|>\n");
        assert_eq!(
            text(&Template::ChatMl.render(&history)),
            "<|im_start|>system\n簡答<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n"
        );
        assert_eq!(text(&Template::NoTags.render(&history)), "簡答\nHi\nYo\n");
        assert_eq!(text(&Template::Plain.generation_prompt()), "AI: ");
        assert_eq!(text(&Template::ChatMl.generation_prompt()), "<|im_start|>assistant\n");
        assert!(Template::NoTags.generation_prompt().is_empty());
    }

    #[test]
    fn only_the_assistant_content_and_its_end_of_turn_carry_loss() {
        let history = [Message::new(Role::User, "Hi"), Message::new(Role::Assistant, "Yo")];
        for template in Template::BUILT_IN {
            let trained: String =
                template.render(&history).iter().filter(|s| s.carries_loss).map(|s| s.text.as_str()).collect();
            let expected = format!("Yo{}", template.end_of_turn().unwrap_or(""));
            assert_eq!(trained, expected, "{}", template.name());
        }
    }

    #[test]
    fn names_parse_back() {
        for template in Template::ALL {
            assert_eq!(Template::parse(template.name()), Some(template));
            assert_eq!(serde_json::to_string(&template).unwrap(), format!("\"{}\"", template.name()));
        }
        assert_eq!(Template::parse(" ChatML "), Some(Template::ChatMl));
        assert_eq!(Template::parse("model"), Some(Template::Model));
        assert_eq!(Template::parse("jinja"), None);
        assert_eq!(Template::default(), Template::Plain);
    }
}
