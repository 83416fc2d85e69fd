//! The truth checks the modules' tests share: a text about a fact names that fact's answer and
//! no rival answer, i.e. no other answer to a question of the same kind (unless the rival is part
//! of the fact's own answer or subject: 貝爾 in 諾貝爾, 巴西 in 巴西利亞).

use crate::facts::{FACTS, Fact};
use crate::glossary::bare_name;

fn rivals(i: usize, chinese: bool) -> Vec<String> {
    let fact = &FACTS[i];
    let name = |f: &Fact| if chinese { f.answer_zh.to_string() } else { bare_name(f.answer_en).to_lowercase() };
    let own = [name(fact), if chinese { fact.scope.zh.to_string() } else { fact.scope.en.to_lowercase() }];
    let mut out: Vec<String> = FACTS
        .iter()
        .filter(|f| f.kind == fact.kind)
        .map(name)
        .filter(|r| !own.iter().any(|o| o.contains(r.as_str())))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Panics unless `text` (about `FACTS[i]`, in one language) names its answer and no rival.
pub fn assert_states_only_its_own_answer(i: usize, text: &str, chinese: bool) {
    let fact = &FACTS[i];
    if chinese {
        assert!(text.contains(fact.answer_zh), "fact {i}: {text} lacks {}", fact.answer_zh);
        for r in rivals(i, true) {
            assert!(!text.contains(&r), "fact {i}: {text} names the rival {r}");
        }
    } else {
        let lower = text.to_lowercase();
        let answer = bare_name(fact.answer_en).to_lowercase();
        assert!(lower.contains(&answer), "fact {i}: {text} lacks {answer}");
        for r in rivals(i, false) {
            assert!(!lower.contains(&r), "fact {i}: {text} names the rival {r}");
        }
    }
}

/// Panics where a text holds a chat template's tag.
pub fn assert_no_chat_tags(text: &str) {
    for tag in ["使用者", "AI:", "AI：", "<|im_start|>", "<|im_end|>", "系統"] {
        assert!(!text.contains(tag), "{tag} in {text}");
    }
}
