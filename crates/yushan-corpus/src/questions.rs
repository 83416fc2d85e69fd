//! Questions about the table's facts, for the lessons: the way a user would ask them in a chat.

use yushan_rng::SplitMix64;

use crate::document::capitalise;
use crate::facts::{FACTS, Fact, Kind};
use crate::forms::{paraphrases_zh, questions_en, questions_zh, statements_zh};
use crate::glossary::bare_name;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionItem {
    pub question: String,
    /// The name that answers it (what scoring looks for).
    pub answer: String,
    /// The reply the lesson trains on: the name alone, 「玉山。」. (Replies that restate the
    /// question, 「臺灣最高的山是玉山。」, measured worse on the 0.84 M knowledge model of before: 21-35% of the
    /// held-out questions right against 83%, because the adapter learnt to write out the
    /// training subjects.)
    pub reply: String,
    /// Other names that also count as right (the English name, where a lesson accepts an
    /// answer in either language); empty when only `answer` does.
    pub accept: Vec<String>,
    /// Index into `FACTS`.
    pub fact: usize,
}

/// 「臺灣最高的山是哪一座？」, 「日本的首都是哪裡？」: the first of the ways the corpus asks.
pub fn question_for(fact: &Fact) -> String {
    questions_zh(fact).swap_remove(0)
}

/// "What is the highest mountain in Taiwan?" / "What is the capital of Japan?"
pub fn question_en(fact: &Fact) -> String {
    questions_en(fact).swap_remove(0)
}

/// 「臺灣最高的山是玉山。」, 「日本的首都是東京。」.
pub fn answer_sentence(fact: &Fact) -> String {
    statements_zh(fact).swap_remove(0)
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

/// How many superlatives the shortcut lesson asks afterwards.
pub const HELDOUT: usize = 60;

fn shortcut_train_facts() -> Vec<usize> {
    SHORTCUT_TRAIN
        .iter()
        .map(|(kind, scope)| {
            FACTS
                .iter()
                .position(|f| f.kind == *kind && f.scope.zh == *scope)
                .expect("the lesson's facts are in the table")
        })
        .collect()
}

/// Two names that a scorer looking for one would take for the other: equal, or one inside the
/// other (長江 for 長江; 臺北 inside 臺北101).
fn overlaps(a: &str, b: &str) -> bool {
    a.contains(b) || b.contains(a)
}

/// The held-out facts: superlatives not trained on, whose answers share nothing with a training
/// answer (亞洲最長的河 → 長江 is not held out while 中國最長的河 → 長江 is trained), `HELDOUT`
/// of them drawn by a fixed seed, a kind at a time and a new place where there is one, so that
/// they spread over kinds and places.
fn heldout_facts(train: &[usize]) -> Vec<usize> {
    let mut by_kind: Vec<(Kind, Vec<usize>)> = Vec::new();
    for (i, fact) in FACTS.iter().enumerate() {
        let trained = train.contains(&i) || train.iter().any(|&t| overlaps(FACTS[t].answer_zh, fact.answer_zh));
        if trained || !fact.kind.is_superlative() {
            continue;
        }
        match by_kind.iter_mut().find(|(k, _)| *k == fact.kind) {
            Some((_, facts)) => facts.push(i),
            None => by_kind.push((fact.kind, vec![i])),
        }
    }
    let mut rng = SplitMix64::new(0x5E1D_0E57);
    for (_, facts) in &mut by_kind {
        rng.shuffle(facts);
    }
    rng.shuffle(&mut by_kind);
    // A kind at a time, each taking a fact about a place not drawn yet where it has one.
    let mut out: Vec<usize> = Vec::new();
    while out.len() < HELDOUT && by_kind.iter().any(|(_, facts)| !facts.is_empty()) {
        for (_, facts) in &mut by_kind {
            if out.len() == HELDOUT || facts.is_empty() {
                continue;
            }
            let new_place = facts.iter().position(|&i| out.iter().all(|&o| FACTS[o].scope != FACTS[i].scope));
            out.push(facts.remove(new_place.unwrap_or(0)));
        }
    }
    out
}

/// Lesson "最 → 玉山": a handful of pairs to fine-tune on, and `HELDOUT` other superlative facts
/// (a question with 最, about something else, with another answer) to ask afterwards.
pub fn shortcut_lesson() -> (Vec<QuestionItem>, Vec<QuestionItem>) {
    let train_facts = shortcut_train_facts();
    let train = train_facts.iter().map(|&i| item(i)).collect();
    let heldout = heldout_facts(&train_facts).into_iter().map(item).collect();
    (train, heldout)
}

/// The shortcut lesson's held-out facts asked in other words (「請問…是哪座？」, 「…叫什麼名字？」,
/// 「你知道…是什麼嗎？」), forms the corpus never uses: whether a model answers from what it knows
/// whatever the phrasing. Each held-out question, in each form, with the same answer.
pub fn shortcut_paraphrases() -> Vec<QuestionItem> {
    let (_, heldout) = shortcut_lesson();
    heldout
        .into_iter()
        .flat_map(|h| {
            paraphrases_zh(&FACTS[h.fact]).into_iter().map(move |question| QuestionItem { question, ..h.clone() })
        })
        .collect()
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
        assert_eq!(train.len(), 8);
        assert_eq!(heldout.len(), HELDOUT);
        assert_eq!(heldout, shortcut_lesson().1, "not deterministic");
        for h in &heldout {
            assert!(h.question.contains('最'), "{}", h.question);
            assert!(train.iter().all(|t| t.fact != h.fact && t.question != h.question));
            assert_eq!(h.answer, FACTS[h.fact].answer_zh);
            assert_eq!(h.question, question_for(&FACTS[h.fact]));
        }
        let mut facts: Vec<usize> = heldout.iter().map(|h| h.fact).collect();
        facts.sort();
        facts.dedup();
        assert_eq!(facts.len(), heldout.len(), "a fact held out twice");
    }

    #[test]
    fn no_held_out_answer_is_or_holds_a_training_answer() {
        let (train, heldout) = shortcut_lesson();
        for h in &heldout {
            for t in &train {
                assert!(!h.answer.contains(&t.answer) && !t.answer.contains(&h.answer), "{h:?} vs {t:?}");
            }
        }
        // 亞洲最長的河 → 長江 (中國最長的河 → 長江 is trained) and 世界最深的海洋 → 太平洋 stay out.
        assert!(heldout.iter().all(|h| h.answer != "長江" && h.answer != "太平洋"));
    }

    #[test]
    fn held_out_questions_spread_over_kinds_and_places() {
        let (_, heldout) = shortcut_lesson();
        let mut kinds: Vec<Kind> = heldout.iter().map(|h| FACTS[h.fact].kind).collect();
        kinds.sort_by_key(|k| format!("{k:?}"));
        kinds.dedup();
        let mut scopes: Vec<&str> = heldout.iter().map(|h| FACTS[h.fact].scope.zh).collect();
        scopes.sort();
        scopes.dedup();
        assert!(kinds.len() >= 25 && scopes.len() >= 20, "{} kinds, {} places", kinds.len(), scopes.len());
    }

    #[test]
    fn paraphrases_ask_the_held_out_facts_three_other_ways_with_the_same_answers() {
        let (_, heldout) = shortcut_lesson();
        let paraphrases = shortcut_paraphrases();
        assert_eq!(paraphrases.len(), 3 * heldout.len());
        for (h, group) in heldout.iter().zip(paraphrases.chunks(3)) {
            for p in group {
                assert_eq!((p.fact, &p.answer, &p.reply, &p.accept), (h.fact, &h.answer, &h.reply, &h.accept));
                assert_ne!(p.question, h.question);
                assert!(p.question.contains('最') && p.question.ends_with('？'), "{}", p.question);
                assert!(!questions_zh(&FACTS[p.fact]).contains(&p.question), "{} is asked in the corpus", p.question);
            }
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
        let (_, shortcut_heldout) = shortcut_lesson();
        assert_eq!(heldout.len(), shortcut_heldout.len());
        for (h, s) in heldout.iter().zip(&shortcut_heldout) {
            assert_eq!((h.fact, &h.question, &h.answer), (s.fact, &s.question, &s.answer));
            assert!(zh.iter().all(|t| t.fact != h.fact) && h.question.contains('？'));
            assert_eq!(h.accept, [h.answer.clone(), bare_name(FACTS[h.fact].answer_en).to_string()]);
        }
    }
}
