//! Facts as prose: each fact in several sentence forms per language, shuffled from a seed into
//! short documents, the way facts appear in encyclopedias and textbooks.

use yushan_rng::SplitMix64;

use crate::document::Document;
use crate::facts::{FACTS, Fact};
use crate::forms;
use crate::glossary::{glossed_en, glossed_zh};

/// Every sentence form of one fact: Chinese ones first, then English ones. Each kind's forms
/// (`forms`), the first of them once more with the name glossed in the other language, as
/// encyclopedias write it, and a superlative's figure where the table gives one.
pub fn sentences(fact: &Fact) -> (Vec<String>, Vec<String>) {
    let forms = forms::forms(fact.kind);
    let mut zh = forms::statements_zh(fact);
    let mut en = forms::statements_en(fact);
    zh.push(forms::fill_zh(forms.statements_zh[0], fact, &glossed_zh(fact)));
    en.push(forms::fill_en(forms.statements_en[0], fact, &glossed_en(fact)));
    if let (Some((f_zh, f_en)), Some((p_zh, p_en))) = (fact.figure, fact.kind.phrase()) {
        let (a_zh, a_en) = (fact.answer_zh, fact.answer_en);
        zh.push(format!("{a_zh}{f_zh}，是{}{p_zh}。", fact.scope.zh));
        en.push(forms::fill_en(&format!("{a_en}, {f_en}, is the {p_en} {{in}}."), fact, a_en));
    }
    (zh, en)
}

/// The corpus: every sentence form of every fact, `repeats` times over, shuffled into
/// documents of 2-5 sentences of one language. The same seed gives the same corpus.
pub fn generate_corpus(seed: u64, repeats: usize) -> Vec<Document> {
    let mut rng = SplitMix64::new(seed);
    let mut zh: Vec<(usize, String)> = Vec::new();
    let mut en: Vec<(usize, String)> = Vec::new();
    for _ in 0..repeats {
        for (i, fact) in FACTS.iter().enumerate() {
            let (z, e) = sentences(fact);
            zh.extend(z.into_iter().map(|s| (i, s)));
            en.extend(e.into_iter().map(|s| (i, s)));
        }
    }
    let mut documents = Vec::new();
    for (pool, joiner) in [(zh, ""), (en, " ")] {
        let mut pool = pool;
        rng.shuffle(&mut pool);
        let mut rest = pool.as_slice();
        while !rest.is_empty() {
            let n = (2 + (rng.next_u64() % 4) as usize).min(rest.len());
            let (doc, tail) = rest.split_at(n);
            documents.push(Document {
                text: doc.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>().join(joiner),
                facts: doc.iter().map(|(i, _)| *i).collect(),
            });
            rest = tail;
        }
    }
    rng.shuffle(&mut documents);
    documents
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glossary::bare_name;
    use crate::truth::{assert_no_chat_tags, assert_states_only_its_own_answer};

    #[test]
    fn every_sentence_states_its_own_fact_and_no_rival_answer() {
        for (i, fact) in FACTS.iter().enumerate() {
            let (zh, en) = sentences(fact);
            assert!(zh.len() >= 5 && en.len() >= 4, "fact {i}: too few sentence forms");
            for s in &zh {
                assert!(s.contains(fact.scope.zh), "fact {i}: {s}");
                assert_states_only_its_own_answer(i, s, true);
                if let Some((p, _)) = fact.kind.phrase() {
                    assert!(s.contains(p), "fact {i}: {s} lacks {p}");
                }
                assert_no_chat_tags(s);
            }
            for s in &en {
                assert!(s.to_lowercase().contains(&bare_name(fact.scope.en).to_lowercase()), "fact {i}: {s}");
                assert!(s.ends_with('.') && !s.ends_with("..") && s.starts_with(|c: char| !c.is_lowercase()), "{s}");
                assert_states_only_its_own_answer(i, s, false);
                assert_no_chat_tags(s);
            }
            for (j, other) in FACTS.iter().enumerate() {
                if j != i && other.kind == fact.kind && other.scope == fact.scope {
                    panic!("facts {i} and {j} answer the same question");
                }
            }
        }
    }

    #[test]
    fn the_table_is_wide() {
        assert!(FACTS.len() >= 400, "only {} facts", FACTS.len());
        for (i, fact) in FACTS.iter().enumerate() {
            for s in [fact.scope.zh, fact.scope.en, fact.answer_zh, fact.answer_en] {
                assert!(!s.is_empty() && s.trim() == s, "fact {i}: {s:?}");
            }
            let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            assert!(!cjk(fact.answer_en) && !cjk(fact.scope.en) && cjk(fact.answer_zh), "fact {i}");
        }
    }

    #[test]
    fn the_corpus_is_seeded_and_covers_every_fact_in_both_languages() {
        let a = generate_corpus(0, 2);
        assert_eq!(a, generate_corpus(0, 2));
        assert_ne!(a, generate_corpus(1, 2));
        let mut zh = vec![false; FACTS.len()];
        let mut en = vec![false; FACTS.len()];
        for d in &a {
            for &i in &d.facts {
                if d.text.contains('。') { zh[i] = true } else { en[i] = true }
            }
        }
        for i in 0..FACTS.len() {
            assert!(zh[i], "fact {i} never stated in Chinese");
            assert!(en[i], "fact {i} never stated in English");
        }
        // Prose, not question-answer pairs: a question in the text is answered in the text.
        for d in &a {
            for part in d.text.split_inclusive('。').filter(|p| p.contains('？')) {
                let fact = FACTS.iter().find(|f| part.contains(f.scope.zh) && part.contains(f.answer_zh));
                assert!(fact.is_some(), "a question left unanswered: {part}");
            }
        }
    }
}
