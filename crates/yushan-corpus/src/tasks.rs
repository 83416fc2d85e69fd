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
//! Every kind of superlative is paired with every place the facts mention, so most phrases are
//! new combinations of words the corpus used. The phrases are dealt into three disjoint sets (by
//! a seeded shuffle): one to train translation on, one to train editing on, one held out, so
//! every task is measured on phrases no adapter was trained on.
//!
//! Measured on models/knowledge (`yushan lesson specialists`: LoRA r8 on every projection, 200
//! steps at 1e-3, 70 pairs per task, 44 held-out phrases, exact match): a translation adapter
//! 4.5%, an editing adapter 50.0%, one adapter on both 9.1% and 43.2%, the composite 0%.
//! Forms tried before these did worse on that model: names alone ("Translate into Chinese:
//! Mount Fuji" → 富士山) 10%, typos in names ("Fix the spelling: Mount Fjui") 0-3%, a wrong
//! character in a whole fact sentence 20%; the 0.84 M-parameter model does not hold a word list.

use yushan_rng::SplitMix64;

use crate::facts::{FACTS, Kind, Scope, WORLD};

/// One instruction and the answer it expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskItem {
    pub prompt: String,
    pub answer: String,
}

/// The measure words the questions use (座 for mountains, 條 for rivers, …).
const MEASURE_WORDS: [&str; 4] = ["座", "條", "個", "片"];

/// "the longest river in Japan", "the largest ocean in the world".
pub fn phrase_en(kind: Kind, scope: Scope) -> String {
    let place = if scope == WORLD { "in the world".to_string() } else { format!("in {}", scope.en) };
    format!("the {} {place}", kind.phrase().map_or("", |p| p.1))
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

/// Phrases trained on per task; the rest (44 of 184) are held out.
pub const TRAIN_PER_TASK: usize = 70;

/// Every (kind, place) pair of the superlative facts' kinds and places, in table order.
fn phrases() -> Vec<(Kind, Scope)> {
    let (mut kinds, mut scopes): (Vec<Kind>, Vec<Scope>) = (Vec::new(), Vec::new());
    for fact in FACTS.iter().filter(|f| f.kind != Kind::Capital) {
        if !kinds.contains(&fact.kind) {
            kinds.push(fact.kind);
        }
        if !scopes.contains(&fact.scope) {
            scopes.push(fact.scope);
        }
    }
    kinds.iter().flat_map(|&k| scopes.iter().map(move |&s| (k, s))).collect()
}

/// Deals the phrases into the three sets by a seeded shuffle, and draws each editing item's
/// wrong measure word from the same seed.
pub fn task_lesson(seed: u64) -> TaskLesson {
    let mut phrases = phrases();
    let mut rng = SplitMix64::new(seed ^ 0x7A5C_0001);
    rng.shuffle(&mut phrases);
    let (translate_set, rest) = phrases.split_at(TRAIN_PER_TASK);
    let (edit_set, heldout_set) = rest.split_at(TRAIN_PER_TASK);
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
        let n = phrases().len();
        assert_eq!(n, 184, "23 kinds × 8 places");
        assert_eq!((lesson.translate_train.len(), lesson.edit_train.len()), (TRAIN_PER_TASK, TRAIN_PER_TASK));
        assert_eq!(lesson.translate_heldout.len(), n - 2 * TRAIN_PER_TASK);
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
}
