//! Facts as prose: each fact in several sentence forms per language, shuffled from a seed into
//! short documents, the way facts appear in encyclopedias and textbooks.

use yushan_rng::SplitMix64;

use crate::facts::{FACTS, Fact, Kind, WORLD};
use crate::glossary::{glossed_en, glossed_zh};

/// A short text of a few sentences, all in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub text: String,
    /// Indexes into `FACTS` of the facts it states, in order.
    pub facts: Vec<usize>,
}

/// "in Taiwan" / "in the world".
fn scope_en(fact: &Fact) -> String {
    if fact.scope == WORLD { "in the world".to_string() } else { format!("in {}", fact.scope.en) }
}

fn possessive_en(fact: &Fact) -> String {
    let name = if fact.scope == WORLD { "The world" } else { fact.scope.en };
    let name = capitalise(name);
    if name.ends_with('s') { format!("{name}'") } else { format!("{name}'s") }
}

/// "the Pacific Ocean" → "The Pacific Ocean".
pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Every sentence form of one fact: Chinese ones first, then English ones.
pub fn sentences(fact: &Fact) -> (Vec<String>, Vec<String>) {
    let (s_zh, a_zh, a_en) = (fact.scope.zh, fact.answer_zh, fact.answer_en);
    let Some((p_zh, p_en)) = fact.kind.phrase() else {
        debug_assert_eq!(fact.kind, Kind::Capital);
        let zh = vec![
            format!("{s_zh}的首都是{a_zh}。"),
            format!("{a_zh}是{s_zh}的首都。"),
            format!("{s_zh}的首都叫做{a_zh}。"),
            format!("{a_zh}，{s_zh}的首都，也是{s_zh}重要的城市。"),
            format!("{s_zh}的首都在哪裡呢？在{a_zh}。"),
            format!("{s_zh}的首都是哪裡呢？{s_zh}的首都是{a_zh}。"),
            format!("{s_zh}的首都是{}。", glossed_zh(fact)),
        ];
        let en = vec![
            format!("The capital of {} is {a_en}.", fact.scope.en),
            format!("{a_en} is the capital of {}.", fact.scope.en),
            format!("{} capital city is {a_en}.", possessive_en(fact)),
            format!("The capital of {} is {}.", fact.scope.en, glossed_en(fact)),
        ];
        return (zh, en.into_iter().map(one_full_stop).collect());
    };
    let mut zh = vec![
        format!("{a_zh}是{s_zh}{p_zh}。"),
        format!("{s_zh}{p_zh}是{a_zh}。"),
        format!("說到{s_zh}{p_zh}，就是{a_zh}。"),
        format!("很多人都知道，{s_zh}{p_zh}是{a_zh}。"),
        format!("{s_zh}{p_zh}叫做{a_zh}。"),
        // A question the text answers at once, as textbooks and travel guides write; the
        // second form restates the subject, as an answer in a conversation does.
        format!("{s_zh}{p_zh}是哪一{}呢？答案是{a_zh}。", fact.kind.measure_word()),
        format!("{s_zh}{p_zh}是哪一{}呢？{s_zh}{p_zh}是{a_zh}。", fact.kind.measure_word()),
        // The name glossed in the other language, as encyclopedias write it.
        format!("{}是{s_zh}{p_zh}。", glossed_zh(fact)),
    ];
    let mut en = vec![
        format!("{} is the {p_en} {}.", capitalise(a_en), scope_en(fact)),
        format!("The {p_en} {} is {a_en}.", scope_en(fact)),
        format!("{} {p_en} is {a_en}.", possessive_en(fact)),
        format!("{} is the {p_en} {}.", capitalise(&glossed_en(fact)), scope_en(fact)),
    ];
    if let Some((f_zh, f_en)) = fact.figure {
        zh.push(format!("{a_zh}{f_zh}，是{s_zh}{p_zh}。"));
        en.push(format!("{}, {f_en}, is the {p_en} {}.", capitalise(a_en), scope_en(fact)));
    }
    (zh, en.into_iter().map(one_full_stop).collect())
}

/// "Washington, D.C.." → "Washington, D.C.": an answer may end with its own full stop.
fn one_full_stop(s: String) -> String {
    s.replace("..", ".")
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

    /// Which facts' answers a sentence names, by (kind, scope) groups: a sentence about a fact
    /// must contain that fact's answer and no other answer for the same question.
    #[test]
    fn every_sentence_states_its_own_fact_and_no_rival_answer() {
        for (i, fact) in FACTS.iter().enumerate() {
            let (zh, en) = sentences(fact);
            assert!(zh.len() >= 4 && en.len() >= 3, "fact {i}: too few sentence forms");
            for s in &zh {
                assert!(s.contains(fact.answer_zh) && s.contains(fact.scope.zh), "fact {i}: {s}");
                if let Some((p, _)) = fact.kind.phrase() {
                    assert!(s.contains(p), "fact {i}: {s} lacks {p}");
                }
            }
            for s in &en {
                assert!(s.to_lowercase().contains(&bare_name(fact.answer_en).to_lowercase()), "fact {i}: {s}");
            }
            for (j, other) in FACTS.iter().enumerate() {
                if j != i && other.kind == fact.kind && other.scope == fact.scope {
                    panic!("facts {i} and {j} answer the same question differently");
                }
            }
        }
    }

    #[test]
    fn the_corpus_is_seeded_and_covers_every_fact_in_both_languages() {
        let a = generate_corpus(0, 2);
        assert_eq!(a, generate_corpus(0, 2));
        assert_ne!(a, generate_corpus(1, 2));
        let has_cjk = |d: &Document| d.text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for i in 0..FACTS.len() {
            assert!(a.iter().any(|d| d.facts.contains(&i) && has_cjk(d)), "fact {i} never stated in Chinese");
            assert!(a.iter().any(|d| d.facts.contains(&i) && !has_cjk(d)), "fact {i} never stated in English");
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
