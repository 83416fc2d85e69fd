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
    /// The answer repeats an answer from the training pairs instead (the shortcut).
    pub copies_training_answer: bool,
}

/// Scores `answers[i]` against `items[i]`; `training` are the answers the model was taught.
pub fn score_answers(items: &[QaItem], answers: &[String], training: &[QaItem]) -> Vec<AnswerCheck> {
    items
        .iter()
        .zip(answers)
        .map(|(item, answer)| AnswerCheck {
            question: item.question.clone(),
            expected: item.answer.clone(),
            answer: answer.clone(),
            correct: item.is_correct(answer),
            copies_training_answer: training.iter().any(|t| t.answer != item.answer && t.is_correct(answer)),
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
        let training = [QaItem::new("臺灣最高的山是哪座?", "玉山")];
        let checks = score_answers(&[item], &["玉山".to_string()], &training);
        assert!(!checks[0].correct && checks[0].copies_training_answer);
        assert_eq!(share(&checks, |c| c.copies_training_answer), 1.0);
    }
}
