//! Question-answer items and how answers are scored: an answer is right when its first sentence
//! names one of the expected answers (the toy models answer with a name, maybe with a figure
//! after it). Only the first sentence counts, so a model that writes on and lists many facts is
//! not credited with a name it happened to list.

use serde::{Deserialize, Serialize};
use yushan_data::Conversation;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QaItem {
    pub question: String,
    /// The reference answer, used as the assistant turn when the item is trained on.
    pub answer: String,
    /// Other names that also count as correct (the English name, another usual name): added to
    /// `answer`, never instead of it.
    #[serde(default)]
    pub accept: Vec<String>,
}

impl QaItem {
    pub fn new(question: impl Into<String>, answer: impl Into<String>) -> Self {
        Self { question: question.into(), answer: answer.into(), accept: Vec::new() }
    }

    /// A training pair, recognised by the name it answers with: 「玉山。」 → 玉山, "Mount Fuji." →
    /// Mount Fuji, 「臺灣最高的山是玉山。」 (an answer that restates the question) → 玉山; so that a
    /// model writing that name in another sentence (「世界最高的山是玉山。」) is seen to repeat a
    /// training answer.
    pub fn from_pair(question: impl Into<String>, answer: impl Into<String>) -> Self {
        let mut item = Self::new(question, answer);
        let prefix = item.statement_prefix();
        let rest = if prefix.len() < item.question.len() { item.answer.strip_prefix(prefix) } else { None };
        let name = rest.unwrap_or(&item.answer).trim_end_matches(['。', '.']);
        if !name.is_empty() && name != item.answer {
            item.accept = vec![name.to_string()];
        }
        item
    }

    /// The statement the question asks to complete: 「世界最深的海溝是哪一條？」 → 「世界最深的海溝是」.
    pub fn statement_prefix(&self) -> &str {
        self.question.find('哪').map_or(self.question.as_str(), |i| &self.question[..i])
    }

    pub fn conversation(&self) -> Conversation {
        Conversation::pair(&self.question, &self.answer)
    }

    /// Every name that counts as right: the answer, then the accepted ones.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.answer.as_str()).chain(self.accept.iter().map(String::as_str)).filter(|n| !n.is_empty())
    }

    /// The first sentence of `generated` names the answer or an accepted name.
    pub fn is_correct(&self, generated: &str) -> bool {
        self.is_named_in(first_sentence(generated))
    }

    /// `text` names the answer or an accepted name, anywhere.
    pub fn is_named_in(&self, text: &str) -> bool {
        self.names().any(|name| text.contains(name))
    }
}

/// Up to the end of the first sentence: 。？！ or a line break, or a full stop, question or
/// exclamation mark followed by a space or the end ("Washington, D.C." stays whole).
pub fn first_sentence(text: &str) -> &str {
    let text = text.trim_start();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = match c {
            '。' | '？' | '！' | '\n' => true,
            '.' | '?' | '!' => chars.peek().is_none_or(|(_, next)| next.is_whitespace()),
            _ => false,
        };
        if ends {
            return &text[..i + c.len_utf8()];
        }
    }
    text
}

/// One generated answer, scored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnswerCheck {
    pub question: String,
    pub expected: String,
    pub answer: String,
    pub correct: bool,
    /// The answer is wrong and names an answer of the training pairs instead (the shortcut).
    pub copies_training_answer: bool,
    /// The model ended its turn (the end-of-turn token) within the answer limit.
    pub stopped: bool,
}

/// Scores `answers[i]` (the text, and whether the model ended its turn) against `items[i]`;
/// `training` are the answers the model was taught.
pub fn score_answers(items: &[QaItem], answers: &[(String, bool)], training: &[QaItem]) -> Vec<AnswerCheck> {
    items
        .iter()
        .zip(answers)
        .map(|(item, (answer, stopped))| {
            let correct = item.is_correct(answer);
            AnswerCheck {
                question: item.question.clone(),
                expected: item.answer.clone(),
                answer: answer.clone(),
                correct,
                copies_training_answer: !correct && training.iter().any(|t| t.is_correct(answer)),
                stopped: *stopped,
            }
        })
        .collect()
}

/// A lesson's data as its files hold it: `train` is chat JSONL of single question-answer pairs
/// (the format the page's editor opens), `heldout` one `{"question","answer","accept"}` a line.
/// Errors name the file and the line.
pub fn parse_lesson(train: &str, heldout: &str) -> Result<(Vec<QaItem>, Vec<QaItem>), String> {
    Ok((parse_pairs("train.jsonl", train)?, parse_questions("heldout.jsonl", heldout)?))
}

/// Chat JSONL of single question-answer pairs, as training items; `file` names it in errors.
pub fn parse_pairs(file: &str, text: &str) -> Result<Vec<QaItem>, String> {
    let import = yushan_data::parse_jsonl_lenient(text);
    if !import.errors.is_empty() {
        return Err(format!("{file}: {}", yushan_data::JsonlErrors(import.errors)));
    }
    import
        .conversations
        .into_iter()
        .map(|(line, c)| match c.messages.as_slice() {
            [user, assistant] => Ok(QaItem::from_pair(&user.content, &assistant.content)),
            _ => Err(format!("{file} line {line}: must be one question and one answer")),
        })
        .collect()
}

/// One `{"question","answer","accept"}` a line (blank lines skipped); `file` names it in errors.
pub fn parse_questions(file: &str, text: &str) -> Result<Vec<QaItem>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str::<QaItem>(l)
                .map_err(|e| format!("{file} line {}: expected {{\"question\", \"answer\", \"accept\"}}: {e}", i + 1))
        })
        .collect()
}

pub fn share(checks: &[AnswerCheck], f: impl Fn(&AnswerCheck) -> bool) -> f64 {
    if checks.is_empty() {
        return 0.0;
    }
    checks.iter().filter(|c| f(c)).count() as f64 / checks.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_right_when_they_name_an_accepted_answer() {
        let mut item = QaItem::new("世界最深的海溝在哪裡?", "馬里亞納海溝");
        assert!(item.is_correct("馬里亞納海溝，深 10,994 公尺。"));
        assert!(!item.is_correct("玉山"));
        item.accept = vec!["Mariana".into(), "馬里亞納".into()];
        assert!(item.is_correct("the Mariana Trench"));
        let training = [QaItem::from_pair("臺灣最高的山是哪一座？", "臺灣最高的山是玉山。")];
        assert_eq!(training[0].accept, ["玉山"]);
        let answers = [("世界最深的海溝是玉山。".to_string(), true), ("馬里亞納海溝".to_string(), false)];
        let checks = score_answers(&[item.clone(), item], &answers, &training);
        assert!(!checks[0].correct && checks[0].copies_training_answer && checks[0].stopped);
        assert!(checks[1].correct && !checks[1].copies_training_answer && !checks[1].stopped);
        assert_eq!(share(&checks, |c| c.copies_training_answer), 0.5);
    }

    #[test]
    fn accepted_names_add_to_the_answer_and_only_the_first_sentence_counts() {
        let item: QaItem =
            serde_json::from_str(r#"{"question":"世界最高的山是哪一座？","answer":"聖母峰","accept":["珠穆朗瑪峰"]}"#)
                .unwrap();
        assert!(item.is_correct("聖母峰。") && item.is_correct("珠穆朗瑪峰。"));
        // A model that writes on and lists other facts is not credited with a name it listed later.
        assert!(!item.is_correct("玉山。世界最高的山是聖母峰。"));
        assert!(!item.is_correct("富士山\n聖母峰"));
        let dc = QaItem {
            accept: vec!["Washington, D.C.".into()], ..QaItem::new("美國的首都是哪裡？", "華盛頓特區")
        };
        assert!(dc.is_correct("Washington, D.C. is the capital."));
        assert_eq!(first_sentence("  Mount Fuji. It is high."), "Mount Fuji.");
        assert_eq!(first_sentence("Is it? Yes"), "Is it?");
        assert_eq!(first_sentence("玉山"), "玉山");
    }

    #[test]
    fn a_training_pair_is_known_by_the_name_it_answers_with() {
        assert_eq!(QaItem::from_pair("臺灣最高的山是哪一座？", "玉山。").accept, ["玉山"]);
        assert_eq!(QaItem::from_pair("What is the highest mountain in Japan?", "Mount Fuji.").accept, ["Mount Fuji"]);
        assert!(QaItem::from_pair("誰？", "我").accept.is_empty());
        assert!(QaItem::from_pair("日本最高的山是哪一座？", "富士山。").is_correct("富士山，高 3,776 公尺"));
    }

    #[test]
    fn bad_lines_are_named_by_file_and_line() {
        let pair = r#"{"messages":[{"role":"user","content":"a？"},{"role":"assistant","content":"b。"}]}"#;
        let three = r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}"#;
        assert_eq!(parse_pairs("train-en.jsonl", &format!("{pair}\n\n{pair}\n")).unwrap().len(), 2);
        let e = parse_pairs("train-en.jsonl", &format!("{pair}\n\n{three}\n")).unwrap_err();
        assert!(e.starts_with("train-en.jsonl line 3:"), "{e}");
        let e = parse_pairs("train-zh.jsonl", &format!("{pair}\nnot json\n")).unwrap_err();
        assert!(e.starts_with("train-zh.jsonl: line 2"), "{e}");
        let ok = r#"{"question":"日本最高的山是哪一座？","answer":"富士山","accept":["富士山","Mount Fuji"]}"#;
        assert_eq!(parse_questions("heldout.jsonl", ok).unwrap()[0].accept.len(), 2);
        let e = parse_questions("heldout.jsonl", &format!("{ok}\n{}", ok.replace("accept", "acept"))).unwrap_err();
        assert!(e.starts_with("heldout.jsonl line 2:") && e.contains("acept"), "{e}");
    }
}
