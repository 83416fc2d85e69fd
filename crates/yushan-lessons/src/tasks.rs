//! Lessons over several tasks (translation, editing, …): a model is asked every task's held-out
//! items and scored per task. An answer is right only when it is exactly the expected text (an
//! edit that fixes the measure word but drops a character is not an edit); the share of
//! characters it gets right gives partial credit, so that "close" and "another task's kind of
//! answer" read apart even where few answers are exact.

use serde::Serialize;
use yushan_data::{ChatTokenizer, Template};
use yushan_model::Model;
use yushan_train::TrainError;

use crate::qa::{QaItem, parse_pairs, parse_questions};
use crate::run::greedy_answers;

/// Where the tasks' files live in the repository (written by `yushan corpus --lessons`).
pub const DATA_DIR: &str = "lessons/tasks";
pub const TRANSLATE_TRAIN: &str = "translate-train.jsonl";
pub const EDIT_TRAIN: &str = "edit-train.jsonl";
pub const TRANSLATE_HELDOUT: &str = "translate-heldout.jsonl";
pub const EDIT_HELDOUT: &str = "edit-heldout.jsonl";
pub const COMPOSITE_HELDOUT: &str = "composite-heldout.jsonl";
/// The files in the order [`TaskData::read`] reads them.
pub const FILES: [&str; 5] = [TRANSLATE_TRAIN, EDIT_TRAIN, TRANSLATE_HELDOUT, EDIT_HELDOUT, COMPOSITE_HELDOUT];

/// The tasks, by the key their scores carry.
pub const TRANSLATE: &str = "translate";
pub const EDIT: &str = "edit";
pub const COMPOSITE: &str = "composite";

/// The translation and editing tasks: pairs to train on (chat JSONL) and held-out items
/// (`{"question","answer"}`), and the composite instruction no adapter is trained on.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskData {
    pub translate_train: Vec<QaItem>,
    pub edit_train: Vec<QaItem>,
    pub translate_heldout: Vec<QaItem>,
    pub edit_heldout: Vec<QaItem>,
    pub composite_heldout: Vec<QaItem>,
}

impl TaskData {
    /// `read(name)` gives the text of the file `name` (one of [`FILES`]). Errors name the file
    /// and the line.
    pub fn read(mut read: impl FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        let data = Self {
            translate_train: parse_pairs(TRANSLATE_TRAIN, &read(TRANSLATE_TRAIN)?)?,
            edit_train: parse_pairs(EDIT_TRAIN, &read(EDIT_TRAIN)?)?,
            translate_heldout: parse_questions(TRANSLATE_HELDOUT, &read(TRANSLATE_HELDOUT)?)?,
            edit_heldout: parse_questions(EDIT_HELDOUT, &read(EDIT_HELDOUT)?)?,
            composite_heldout: parse_questions(COMPOSITE_HELDOUT, &read(COMPOSITE_HELDOUT)?)?,
        };
        let sets = [
            &data.translate_train,
            &data.edit_train,
            &data.translate_heldout,
            &data.edit_heldout,
            &data.composite_heldout,
        ];
        if let Some((name, _)) = FILES.iter().zip(sets).find(|(_, items)| items.is_empty()) {
            return Err(format!("{name} is empty"));
        }
        Ok(data)
    }

    /// Every held-out task: translation, editing, the composite.
    pub fn heldout(&self) -> [TaskSet<'_>; 3] {
        [
            TaskSet { key: TRANSLATE, items: &self.translate_heldout },
            TaskSet { key: EDIT, items: &self.edit_heldout },
            TaskSet { key: COMPOSITE, items: &self.composite_heldout },
        ]
    }
}

/// A task's held-out items, under the key the report gives its scores.
#[derive(Clone, Copy, Debug)]
pub struct TaskSet<'a> {
    pub key: &'static str,
    pub items: &'a [QaItem],
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskAnswer {
    pub question: String,
    pub expected: String,
    pub answer: String,
    pub exact: bool,
    pub similarity: f64,
}

/// One model's figures on one task.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskScore {
    pub task: &'static str,
    /// Share of answers that are exactly the expected text.
    pub exact: f64,
    /// Mean [`similarity`] of the answers to the expected texts.
    pub similarity: f64,
    pub answers: Vec<TaskAnswer>,
}

/// 1 − (character edit distance) / (the longer one's length): 1 for the same text, 0 for texts
/// with nothing in place in common.
pub fn similarity(answer: &str, expected: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (answer.chars().collect(), expected.chars().collect());
    let longer = a.len().max(b.len());
    if longer == 0 {
        return 1.0;
    }
    // Levenshtein distance, one row at a time.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    1.0 - row[b.len()] as f64 / longer as f64
}

/// Scores `answers[i]` (trimmed) against `items[i].answer`.
pub fn score_task(task: &'static str, items: &[QaItem], answers: &[String]) -> TaskScore {
    let answers: Vec<TaskAnswer> = items
        .iter()
        .zip(answers)
        .map(|(item, answer)| {
            let answer = answer.trim();
            TaskAnswer {
                question: item.question.clone(),
                expected: item.answer.clone(),
                answer: answer.to_string(),
                exact: answer == item.answer,
                similarity: similarity(answer, &item.answer),
            }
        })
        .collect();
    let n = answers.len().max(1) as f64;
    TaskScore {
        task,
        exact: answers.iter().filter(|a| a.exact).count() as f64 / n,
        similarity: answers.iter().map(|a| a.similarity).sum::<f64>() / n,
        answers,
    }
}

/// `model`'s greedy answers to every task, scored; in the order of `tasks`.
pub async fn ask_tasks(
    model: &Model,
    tokenizer: &ChatTokenizer,
    template: Template,
    tasks: &[TaskSet<'_>],
    max_answer_tokens: usize,
) -> Result<Vec<TaskScore>, TrainError> {
    let mut scores = Vec::with_capacity(tasks.len());
    for task in tasks {
        let generated = greedy_answers(model, tokenizer, template, task.items, max_answer_tokens).await?;
        let answers: Vec<String> = generated.into_iter().map(|(text, _)| text).collect();
        scores.push(score_task(task.key, task.items, &answers));
    }
    Ok(scores)
}

/// The score of `task` among `scores`.
pub fn find_task<'a>(scores: &'a [TaskScore], task: &str) -> Option<&'a TaskScore> {
    scores.iter().find(|s| s.task == task)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_is_one_minus_the_edit_distance_over_the_longer_length() {
        assert_eq!(similarity("日本最長的河", "日本最長的河"), 1.0);
        assert_eq!(similarity("", ""), 1.0);
        assert_eq!(similarity("abc", ""), 0.0);
        // One substitution in six characters.
        assert!((similarity("日本最高的河", "日本最長的河") - 5.0 / 6.0).abs() < 1e-12);
        // kitten → sitting: 3 edits over 7.
        assert!((similarity("kitten", "sitting") - 4.0 / 7.0).abs() < 1e-12);
        // A deletion and an insertion, not six substitutions.
        assert!((similarity("xabcde", "abcdey") - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(similarity("Mount Fuji", "富士山"), 0.0);
    }

    #[test]
    fn an_answer_is_right_only_when_it_is_the_expected_text() {
        let items = [
            QaItem::new("Fix the measure word: 日本最長的河是哪一座？", "日本最長的河是哪一條？"),
            QaItem::new("q", "日本"),
        ];
        let answers = [" 日本最長的河是哪一條？\n".to_string(), "日本。".to_string()];
        let score = score_task("edit", &items, &answers);
        assert_eq!(score.exact, 0.5);
        assert!(score.answers[0].exact && !score.answers[1].exact);
        assert!((score.similarity - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert_eq!(score.answers[0].answer, "日本最長的河是哪一條？");
    }
}
