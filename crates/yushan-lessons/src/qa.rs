//! Question-answer items and how answers are scored: an answer is right when it names one of
//! the expected answers (the toy models answer with a name, maybe with a figure after it).

use serde::{Deserialize, Serialize};
use yushan_data::Conversation;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QaItem {
    pub question: String,
    /// The reference answer, used as the assistant turn when the item is trained on.
    pub answer: String,
    /// Any of these in the generated answer counts as correct (the answer itself when empty).
    #[serde(default)]
    pub accept: Vec<String>,
}

impl QaItem {
    pub fn new(question: impl Into<String>, answer: impl Into<String>) -> Self {
        Self { question: question.into(), answer: answer.into(), accept: Vec::new() }
    }

    /// A training pair. An answer that restates the question (「臺灣最高的山是哪一座？」 →
    /// 「臺灣最高的山是玉山。」) is recognised by its name (玉山), so that a model repeating it in
    /// another sentence (「世界最高的山是玉山。」) is seen to repeat a training answer.
    pub fn from_pair(question: impl Into<String>, answer: impl Into<String>) -> Self {
        let mut item = Self::new(question, answer);
        let prefix = item.statement_prefix();
        if prefix.len() < item.question.len()
            && let Some(name) = item.answer.strip_prefix(prefix).map(|rest| rest.trim_end_matches(['。', '.']))
            && !name.is_empty()
        {
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

    pub fn is_correct(&self, generated: &str) -> bool {
        if self.accept.is_empty() {
            generated.contains(self.answer.as_str())
        } else {
            self.accept.iter().any(|a| generated.contains(a.as_str()))
        }
    }
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
}

/// Scores `answers[i]` against `items[i]`; `training` are the answers the model was taught.
pub fn score_answers(items: &[QaItem], answers: &[String], training: &[QaItem]) -> Vec<AnswerCheck> {
    items
        .iter()
        .zip(answers)
        .map(|(item, answer)| {
            let correct = item.is_correct(answer);
            AnswerCheck {
                question: item.question.clone(),
                expected: item.answer.clone(),
                answer: answer.clone(),
                correct,
                copies_training_answer: !correct && training.iter().any(|t| t.is_correct(answer)),
            }
        })
        .collect()
}

/// A lesson's data as its files hold it: `train` is chat JSONL of single question-answer pairs
/// (the format the page's editor opens), `heldout` one `{"question","answer","accept"}` a line.
/// Errors name the file and the line.
pub fn parse_lesson(train: &str, heldout: &str) -> Result<(Vec<QaItem>, Vec<QaItem>), String> {
    let conversations = yushan_data::parse_jsonl(train).map_err(|e| format!("train.jsonl: {e}"))?;
    let train = conversations
        .into_iter()
        .enumerate()
        .map(|(i, c)| match c.messages.as_slice() {
            [user, assistant] => Ok(QaItem::from_pair(&user.content, &assistant.content)),
            _ => Err(format!("train.jsonl: conversation {} must be one question and one answer", i + 1)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let heldout = heldout
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str::<QaItem>(l)
                .map_err(|e| format!("heldout.jsonl line {}: expected {{\"question\", \"answer\", \"accept\"}}: {e}", i + 1))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((train, heldout))
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
        let answers = ["世界最深的海溝是玉山。".to_string(), "馬里亞納海溝".to_string()];
        let checks = score_answers(&[item.clone(), item], &answers, &training);
        assert!(!checks[0].correct && checks[0].copies_training_answer);
        assert!(checks[1].correct && !checks[1].copies_training_answer);
        assert_eq!(share(&checks, |c| c.copies_training_answer), 0.5);
    }
}
