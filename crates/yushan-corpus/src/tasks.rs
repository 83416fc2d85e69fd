//! Two small tasks in the toy's terms, for the lessons on specialists, generalists and
//! forgetting, both over the phrases the facts are stated in ("the longest river in Japan",
//! 「日本最長的河」):
//! - translation (English → Chinese): "Translate into Chinese: the longest river in Japan" →
//!   「日本最長的河」;
//! - editing (a measure-word error, the grammar slip learners of Chinese make most):
//!   "Fix the measure word: 日本最長的河是哪一座？" → 「日本最長的河是哪一條？」 (the instruction is in
//!   English like the translation's: the model's vocabulary, built from its corpus, has no 改, 正
//!   or 詞 for 「改正量詞」);
//! - and a composite no adapter is trained on, a translation whose answer needs the editor's
//!   skill: "Translate into Chinese: Which is the longest river in Japan?" →
//!   「日本最長的河是哪一條？」.
//!
//! Every kind of superlative is paired with every place the facts mention at a level where the
//! table has a fact of that kind (the longest river of any country, the largest country of any
//! continent: not 「韓國最大的洲」), so most phrases are new combinations of words the corpus
//! used. A seeded shuffle deals 184 of them into three disjoint sets: one to train translation on, one to train
//! editing on, one held out, so every task is measured on phrases no adapter was trained on.
//!
//! Measured on the 0.84 M knowledge model of before (`yushan lesson specialists`: LoRA r8 on every projection, 200
//! steps at 1e-3, 70 pairs per task, 44 held-out phrases, exact match): a translation adapter
//! 4.5%, an editing adapter 50.0%, one adapter on both 9.1% and 43.2%, the composite 0%.
//! Forms tried before these did worse on that model: names alone ("Translate into Chinese:
//! Mount Fuji" → 富士山) 10%, typos in names ("Fix the spelling: Mount Fjui") 0-3%, a wrong
//! character in a whole fact sentence 20%; the 0.84 M-parameter model does not hold a word list.

use yushan_rng::SplitMix64;

use crate::facts::{CONTINENTS, FACTS, HUMAN_BODY, Kind, MEDITERRANEAN, SOLAR_SYSTEM, Scope, WORLD};
use crate::forms::scope_in_en;

/// One instruction and the answer it expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskItem {
    pub prompt: String,
    pub answer: String,
}

/// The measure words the questions use (座 for mountains, 條 for rivers, …).
const MEASURE_WORDS: [&str; 7] = ["座", "條", "個", "片", "顆", "種", "塊"];

/// "the longest river in Japan", "the largest ocean in the world".
pub fn phrase_en(kind: Kind, scope: Scope) -> String {
    let fact = crate::facts::Fact { kind, scope, answer_zh: "", answer_en: "", figure: None };
    format!("the {} {}", kind.phrase().map_or("", |p| p.1), scope_in_en(&fact))
}

/// 「日本最長的河」.
pub fn phrase_zh(kind: Kind, scope: Scope) -> String {
    format!("{}{}", scope.zh, kind.phrase().map_or("", |p| p.0))
}

/// 「日本最長的河是哪一條？」 with the given measure word.
fn question_zh(kind: Kind, scope: Scope, measure_word: &str) -> String {
    format!("{}是哪一{measure_word}？", phrase_zh(kind, scope))
}

pub fn translate(kind: Kind, scope: Scope) -> TaskItem {
    TaskItem { prompt: format!("Translate into Chinese: {}", phrase_en(kind, scope)), answer: phrase_zh(kind, scope) }
}

/// The question with `wrong` for its measure word, to be put right.
pub fn fix_measure_word(kind: Kind, scope: Scope, wrong: &str) -> TaskItem {
    TaskItem {
        prompt: format!("Fix the measure word: {}", question_zh(kind, scope, wrong)),
        answer: question_zh(kind, scope, kind.measure_word()),
    }
}

pub fn translate_question(kind: Kind, scope: Scope) -> TaskItem {
    TaskItem {
        prompt: format!("Translate into Chinese: Which is {}?", phrase_en(kind, scope)),
        answer: question_zh(kind, scope, kind.measure_word()),
    }
}

/// The tasks' training and held-out items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskLesson {
    pub translate_train: Vec<TaskItem>,
    pub edit_train: Vec<TaskItem>,
    pub translate_heldout: Vec<TaskItem>,
    pub edit_heldout: Vec<TaskItem>,
    /// The held-out phrases asked as questions to translate: the instruction no adapter saw.
    pub composite_heldout: Vec<TaskItem>,
}

/// Phrases trained on per task.
pub const TRAIN_PER_TASK: usize = 70;
/// Phrases held out.
pub const HELDOUT_PHRASES: usize = 44;

/// The world, a continent or a country; `None` for the scopes that are none of these (the
/// Solar System, the human body, the Mediterranean).
fn level(scope: Scope) -> Option<u8> {
    match scope {
        WORLD => Some(0),
        s if CONTINENTS.contains(&s) => Some(1),
        s if [SOLAR_SYSTEM, HUMAN_BODY, MEDITERRANEAN].contains(&s) => None,
        _ => Some(2),
    }
}

/// Every (kind, place) pair of the superlative facts' kinds and places where the table states
/// that kind for a place of that level, in table order.
fn phrases() -> Vec<(Kind, Scope)> {
    let mut kinds: Vec<(Kind, Vec<u8>)> = Vec::new();
    let mut scopes: Vec<Scope> = Vec::new();
    for fact in FACTS.iter().filter(|f| f.kind.is_superlative()) {
        let Some(level) = level(fact.scope) else { continue };
        match kinds.iter_mut().find(|(k, _)| *k == fact.kind) {
            Some((_, levels)) => levels.push(level),
            None => kinds.push((fact.kind, vec![level])),
        }
        if !scopes.contains(&fact.scope) {
            scopes.push(fact.scope);
        }
    }
    kinds
        .iter()
        .flat_map(|(k, levels)| {
            scopes.iter().filter(|s| level(**s).is_some_and(|l| levels.contains(&l))).map(move |&s| (*k, s))
        })
        .collect()
}

/// Deals the phrases into the three sets by a seeded shuffle, and draws each editing item's
/// wrong measure word from the same seed.
pub fn task_lesson(seed: u64) -> TaskLesson {
    let mut phrases = phrases();
    let mut rng = SplitMix64::new(seed ^ 0x7A5C_0001);
    rng.shuffle(&mut phrases);
    let (translate_set, rest) = phrases.split_at(TRAIN_PER_TASK);
    let (edit_set, rest) = rest.split_at(TRAIN_PER_TASK);
    let heldout_set = &rest[..HELDOUT_PHRASES];
    let mut edit = |&(kind, scope): &(Kind, Scope)| {
        let wrong: Vec<&str> = MEASURE_WORDS.into_iter().filter(|&m| m != kind.measure_word()).collect();
        fix_measure_word(kind, scope, wrong[(rng.next_u64() % wrong.len() as u64) as usize])
    };
    let edit_train = edit_set.iter().map(&mut edit).collect();
    let edit_heldout = heldout_set.iter().map(&mut edit).collect();
    TaskLesson {
        translate_train: translate_set.iter().map(|&(k, s)| translate(k, s)).collect(),
        edit_train,
        translate_heldout: heldout_set.iter().map(|&(k, s)| translate(k, s)).collect(),
        edit_heldout,
        composite_heldout: heldout_set.iter().map(|&(k, s)| translate_question(k, s)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_items_read_as_the_lesson_says() {
        let japan = FACTS.iter().find(|f| f.scope.en == "Japan").unwrap().scope;
        let t = translate(Kind::LongestRiver, japan);
        assert_eq!(
            (t.prompt.as_str(), t.answer.as_str()),
            ("Translate into Chinese: the longest river in Japan", "日本最長的河")
        );
        let e = fix_measure_word(Kind::LongestRiver, japan, "座");
        assert_eq!(
            (e.prompt.as_str(), e.answer.as_str()),
            ("Fix the measure word: 日本最長的河是哪一座？", "日本最長的河是哪一條？")
        );
        let c = translate_question(Kind::LargestOcean, WORLD);
        assert_eq!(c.prompt, "Translate into Chinese: Which is the largest ocean in the world?");
        assert_eq!(c.answer, "世界最大的海洋是哪一個？");
    }

    #[test]
    fn the_sets_are_disjoint_seeded_and_every_edit_has_a_wrong_measure_word() {
        let lesson = task_lesson(0);
        assert_eq!(lesson, task_lesson(0));
        assert_ne!(lesson, task_lesson(1));
        assert!(phrases().len() > 500, "{} phrases", phrases().len());
        let korea = FACTS.iter().find(|f| f.scope.en == "South Korea").unwrap().scope;
        assert!(
            !phrases().contains(&(Kind::LargestContinent, korea)) && phrases().contains(&(Kind::LongestRiver, korea))
        );
        assert_eq!((lesson.translate_train.len(), lesson.edit_train.len()), (TRAIN_PER_TASK, TRAIN_PER_TASK));
        assert_eq!(lesson.translate_heldout.len(), HELDOUT_PHRASES);
        assert_eq!(lesson.edit_heldout.len(), HELDOUT_PHRASES);
        assert_eq!(lesson.composite_heldout.len(), HELDOUT_PHRASES);
        let translated: Vec<&str> = lesson.translate_train.iter().map(|t| t.answer.as_str()).collect();
        let edited: Vec<&str> = lesson.edit_train.iter().map(|e| e.answer.split('是').next().unwrap()).collect();
        for ((t, e), c) in lesson.translate_heldout.iter().zip(&lesson.edit_heldout).zip(&lesson.composite_heldout) {
            let phrase = t.answer.as_str();
            assert!(!translated.contains(&phrase) && !edited.contains(&phrase), "{phrase} was trained on");
            assert!(e.answer.starts_with(phrase) && c.answer == e.answer, "{t:?} {e:?} {c:?}");
            assert_ne!(e.prompt.trim_start_matches("Fix the measure word: "), e.answer, "nothing to fix in {e:?}");
        }
        for e in lesson.edit_train.iter().chain(&lesson.edit_heldout) {
            let wrong = e.prompt.chars().rev().nth(1).unwrap().to_string();
            assert!(MEASURE_WORDS.contains(&wrong.as_str()), "{e:?}");
        }
    }

    #[test]
    fn every_superlative_kind_has_a_measure_word_of_the_tasks() {
        for fact in FACTS.iter().filter(|f| f.kind.is_superlative()) {
            assert!(MEASURE_WORDS.contains(&fact.kind.measure_word()), "{:?}", fact.kind);
        }
    }
}
