//! Questions about the table's facts, for the lessons: the way a user would ask them in a chat.

use crate::facts::{FACTS, Fact, Kind, WORLD};
use crate::glossary::bare_name;
use crate::prose::capitalise;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionItem {
    pub question: String,
    /// The name that answers it (what scoring looks for).
    pub answer: String,
    /// The reply the lesson trains on: the name alone, 「玉山。」. (Replies that restate the
    /// question, 「臺灣最高的山是玉山。」, measured worse on models/knowledge: 21-35% of the
    /// held-out questions right against 83%, because the adapter learnt to write out the
    /// training subjects.)
    pub reply: String,
    /// Other names that also count as right (the English name, where a lesson accepts an
    /// answer in either language); empty when only `answer` does.
    pub accept: Vec<String>,
    /// Index into `FACTS`.
    pub fact: usize,
}

/// 「臺灣最高的山是哪一座？」, 「日本的首都是哪裡？」.
pub fn question_for(fact: &Fact) -> String {
    match fact.kind.phrase() {
        Some((phrase, _)) => format!("{}{}是哪一{}？", fact.scope.zh, phrase, fact.kind.measure_word()),
        None => format!("{}的首都是哪裡？", fact.scope.zh),
    }
}

/// "What is the highest mountain in Taiwan?" / "What is the capital of Japan?"
pub fn question_en(fact: &Fact) -> String {
    let scope = if fact.scope == WORLD { "in the world".to_string() } else { format!("in {}", fact.scope.en) };
    match fact.kind.phrase() {
        Some((_, phrase)) => format!("What is the {phrase} {scope}?"),
        None => format!("What is the capital of {}?", fact.scope.en),
    }
}

/// 「臺灣最高的山是玉山。」, 「日本的首都是東京。」.
pub fn answer_sentence(fact: &Fact) -> String {
    match fact.kind.phrase() {
        Some((phrase, _)) => format!("{}{}是{}。", fact.scope.zh, phrase, fact.answer_zh),
        None => format!("{}的首都是{}。", fact.scope.zh, fact.answer_zh),
    }
}

fn item(i: usize) -> QuestionItem {
    QuestionItem {
        question: question_for(&FACTS[i]),
        answer: FACTS[i].answer_zh.to_string(),
        reply: format!("{}。", FACTS[i].answer_zh),
        accept: Vec::new(),
        fact: i,
    }
}

/// The same question asked in English, answered with the English name: "Mount Fuji.".
fn item_en(i: usize) -> QuestionItem {
    let name = FACTS[i].answer_en;
    let mut reply = capitalise(name);
    if !reply.ends_with('.') {
        reply.push('.');
    }
    QuestionItem {
        question: question_en(&FACTS[i]),
        answer: bare_name(name).to_string(),
        reply,
        accept: Vec::new(),
        fact: i,
    }
}

/// The facts the lesson fine-tunes on: Taiwan's highest mountain first, then a few more so that
/// neither the kind of question (山, 河, 湖) nor the place alone determines the answer.
const SHORTCUT_TRAIN: [(Kind, &str); 8] = [
    (Kind::HighestMountain, "臺灣"),
    (Kind::LongestRiver, "臺灣"),
    (Kind::LargestNaturalLake, "臺灣"),
    (Kind::TallestBuilding, "臺灣"),
    (Kind::HighestMountain, "日本"),
    (Kind::LongestRiver, "中國"),
    (Kind::LargestOcean, "世界"),
    (Kind::LargestIsland, "世界"),
];

/// Lesson "最 → 玉山": a handful of pairs to fine-tune on, and every other superlative fact
/// (a question with 最, about something else) to ask afterwards.
pub fn shortcut_lesson() -> (Vec<QuestionItem>, Vec<QuestionItem>) {
    let train_facts: Vec<usize> = SHORTCUT_TRAIN
        .iter()
        .map(|(kind, scope)| {
            FACTS
                .iter()
                .position(|f| f.kind == *kind && f.scope.zh == *scope)
                .expect("the lesson's facts are in the table")
        })
        .collect();
    let train = train_facts.iter().map(|&i| item(i)).collect();
    let heldout =
        (0..FACTS.len()).filter(|i| !train_facts.contains(i) && FACTS[*i].kind != Kind::Capital).map(item).collect();
    (train, heldout)
}

/// Lesson 舉一反三 (cross-lingual transfer): the shortcut lesson's facts to fine-tune on, asked in
/// English and, for comparison, in Chinese; and its held-out Chinese questions, where an answer
/// naming the fact in either language counts (the finding is about understanding the question).
pub fn transfer_lesson() -> (Vec<QuestionItem>, Vec<QuestionItem>, Vec<QuestionItem>) {
    let (train_zh, heldout) = shortcut_lesson();
    let train_en = train_zh.iter().map(|q| item_en(q.fact)).collect();
    let heldout = heldout
        .into_iter()
        .map(|q| QuestionItem { accept: vec![q.answer.clone(), bare_name(FACTS[q.fact].answer_en).to_string()], ..q })
        .collect();
    (train_en, train_zh, heldout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_questions_ask_about_other_facts_and_all_contain_zui() {
        let (train, heldout) = shortcut_lesson();
        assert_eq!(train[0].question, "臺灣最高的山是哪一座？");
        assert_eq!(train[0].answer, "玉山");
        assert_eq!(train[0].reply, "玉山。");
        assert!(heldout.len() >= 20, "only {} held-out questions", heldout.len());
        for h in &heldout {
            assert!(h.question.contains('最'), "{}", h.question);
            assert!(train.iter().all(|t| t.fact != h.fact && t.question != h.question));
            assert_eq!(h.answer, FACTS[h.fact].answer_zh);
        }
    }

    #[test]
    fn transfer_trains_on_the_same_facts_in_english_and_asks_others_in_chinese() {
        let (en, zh, heldout) = transfer_lesson();
        assert_eq!(en.len(), zh.len());
        for (e, z) in en.iter().zip(&zh) {
            assert_eq!(e.fact, z.fact);
            assert!(e.question.is_ascii() && e.question.ends_with('?'), "{}", e.question);
            assert!(e.reply.is_ascii() && e.reply.ends_with('.') && !e.reply.ends_with(".."), "{}", e.reply);
        }
        assert_eq!(en[0].question, "What is the highest mountain in Taiwan?");
        assert_eq!(en[0].reply, "Yushan (Jade Mountain).");
        let everest = heldout.iter().find(|h| h.answer == "聖母峰").unwrap();
        assert_eq!(everest.accept, ["聖母峰", "Mount Everest"]);
        for h in &heldout {
            assert!(zh.iter().all(|t| t.fact != h.fact) && h.question.contains('？'));
            assert_eq!(h.accept[0], h.answer);
        }
    }
}
