//! How each kind of fact is stated and asked, in one place: a set of templates per relation
//! (and one for every superlative). In a template `{s}` is the fact's subject (its scope: a
//! place, a book, an invention), `{a}` its answer, `{p}` a superlative's phrase (最高的山 /
//! highest mountain), `{m}` its measure word (座), `{in}` "in Taiwan" / "in the world" and
//! `{s's}` the subject's possessive ("Japan's", "The world's"). English sentences are
//! capitalised where they start.
//!
//! The question forms are many on purpose: a model pretrained on them answers a fact however it
//! is asked. The lessons' paraphrase check (`PARAPHRASES_ZH`) asks in forms none of these is.

use crate::document::capitalise;
use crate::facts::{Fact, Kind, WORLD};

/// Statements and questions of one kind of fact; the first of each is the canonical one (the
/// lessons' question, the answer sentence of a transcript).
#[derive(Debug)]
pub struct Forms {
    pub statements_zh: &'static [&'static str],
    pub statements_en: &'static [&'static str],
    pub questions_zh: &'static [&'static str],
    pub questions_en: &'static [&'static str],
}

const SUPERLATIVE: Forms = Forms {
    statements_zh: &[
        "{s}{p}是{a}。",
        "{a}是{s}{p}。",
        "說到{s}{p}，就是{a}。",
        "很多人都知道，{s}{p}是{a}。",
        "{s}{p}叫做{a}。",
        // A question the text answers at once, as textbooks and travel guides write; the
        // second form restates the subject, as an answer in a conversation does.
        "{s}{p}是哪一{m}呢？答案是{a}。",
        "{s}{p}是哪一{m}呢？{s}{p}是{a}。",
        "你知道{s}{p}是哪一{m}嗎？是{a}。",
    ],
    statements_en: &[
        "The {p} {in} is {a}.",
        "{a} is the {p} {in}.",
        "{s's} {p} is {a}.",
        "Did you know? The {p} {in} is {a}.",
    ],
    questions_zh: &[
        "{s}{p}是哪一{m}？",
        "{s}{p}是哪{m}？",
        "{s}{p}叫什麼？",
        "{s}{p}是？",
        "請問{s}{p}是哪一{m}？",
        "你知道{s}{p}是哪一{m}嗎？",
        "{s}{p}是什麼？",
        "哪一{m}是{s}{p}？",
        "{s}{p}的名字是什麼？",
        "誰知道{s}{p}是哪一{m}？",
    ],
    questions_en: &[
        "What is the {p} {in}?",
        "Which is the {p} {in}?",
        "What's the {p} {in}?",
        "Do you know the {p} {in}?",
        "Can you name the {p} {in}?",
        "Tell me, what is the {p} {in}?",
    ],
};

/// The held-out superlatives asked once more in forms the corpus never uses, to check that a
/// model answers from what it knows rather than from a form it has seen.
pub const PARAPHRASES_ZH: [&str; 3] = ["請問{s}{p}是哪{m}？", "{s}{p}叫什麼名字？", "你知道{s}{p}是什麼嗎？"];

const CAPITAL: Forms = Forms {
    statements_zh: &[
        "{s}的首都是{a}。",
        "{a}是{s}的首都。",
        "{s}的首都叫做{a}。",
        "{a}，{s}的首都，也是{s}重要的城市。",
        "{s}的首都在哪裡呢？在{a}。",
        "{s}的首都是哪裡呢？{s}的首都是{a}。",
    ],
    statements_en: &["The capital of {s} is {a}.", "{a} is the capital of {s}.", "{s's} capital city is {a}."],
    questions_zh: &[
        "{s}的首都是哪裡？",
        "{s}的首都是哪座城市？",
        "{s}的首都叫什麼？",
        "{s}的首都是？",
        "請問{s}的首都是哪裡？",
        "你知道{s}的首都是哪裡嗎？",
        "{s}的首都在哪裡？",
        "哪座城市是{s}的首都？",
    ],
    questions_en: &[
        "What is the capital of {s}?",
        "Which city is the capital of {s}?",
        "What's the capital of {s}?",
        "Do you know the capital of {s}?",
        "Can you name the capital of {s}?",
    ],
};

const CURRENCY: Forms = Forms {
    statements_zh: &[
        "{s}的貨幣是{a}。",
        "{s}使用的貨幣是{a}。",
        "{a}是{s}的貨幣。",
        "在{s}買東西要用{a}。",
        "{s}的法定貨幣叫做{a}。",
        "{s}用什麼錢呢？{s}用{a}。",
    ],
    statements_en: &[
        "The currency of {s} is {a}.",
        "{a} is the currency of {s}.",
        "The money used in {s} is {a}.",
        "{s's} currency is {a}.",
    ],
    questions_zh: &[
        "{s}的貨幣是什麼？",
        "{s}使用什麼貨幣？",
        "{s}用什麼錢？",
        "{s}的貨幣叫什麼？",
        "{s}的貨幣是？",
        "請問{s}使用哪一種貨幣？",
        "你知道{s}的貨幣是什麼嗎？",
        "在{s}要用什麼貨幣？",
    ],
    questions_en: &[
        "What is the currency of {s}?",
        "What currency does {s} use?",
        "Which currency is used in {s}?",
        "What money do people use in {s}?",
        "Do you know the currency of {s}?",
    ],
};

const LANGUAGE: Forms = Forms {
    statements_zh: &[
        "{s}的主要語言是{a}。",
        "{s}人主要說{a}。",
        "在{s}，大多數人說{a}。",
        "{a}是{s}的主要語言。",
        "{s}人說什麼語言呢？{s}人主要說{a}。",
    ],
    statements_en: &[
        "The main language of {s} is {a}.",
        "Most people in {s} speak {a}.",
        "{a} is the main language of {s}.",
        "In {s}, people mainly speak {a}.",
    ],
    questions_zh: &[
        "{s}的主要語言是什麼？",
        "{s}人說什麼語言？",
        "{s}主要說哪一種語言？",
        "{s}的主要語言是？",
        "請問{s}人主要說什麼語言？",
        "你知道{s}的主要語言是什麼嗎？",
        "在{s}，大多數人說什麼語言？",
    ],
    questions_en: &[
        "What is the main language of {s}?",
        "What language do people in {s} speak?",
        "Which language is mainly spoken in {s}?",
        "What do most people in {s} speak?",
    ],
};

const CONTINENT: Forms = Forms {
    statements_zh: &[
        "{s}位於{a}。",
        "{s}是{a}的國家。",
        "{s}在{a}。",
        "{s}是位於{a}的國家。",
        "{s}在哪一洲呢？{s}在{a}。",
    ],
    statements_en: &["{s} is in {a}.", "{s} is a country in {a}.", "{s} lies in {a}."],
    questions_zh: &[
        "{s}位於哪一洲？",
        "{s}在哪一洲？",
        "{s}是哪一洲的國家？",
        "{s}在哪個洲？",
        "{s}位於哪個大洲？",
        "請問{s}在哪一洲？",
        "你知道{s}位於哪一洲嗎？",
    ],
    questions_en: &[
        "Which continent is {s} in?",
        "On which continent is {s}?",
        "What continent is {s} on?",
        "Do you know which continent {s} is in?",
    ],
};

const INVENTOR: Forms = Forms {
    statements_zh: &[
        "{s}是{a}發明的。",
        "{a}發明了{s}。",
        "發明{s}的人是{a}。",
        "{s}的發明者是{a}。",
        "{s}是誰發明的呢？是{a}。",
    ],
    statements_en: &["{s} was invented by {a}.", "{a} invented {s}.", "The inventor of {s} was {a}."],
    questions_zh: &[
        "{s}是誰發明的？",
        "誰發明了{s}？",
        "發明{s}的人是誰？",
        "{s}的發明者是誰？",
        "請問{s}是誰發明的？",
        "你知道{s}是誰發明的嗎？",
    ],
    questions_en: &[
        "Who invented {s}?",
        "Who was the inventor of {s}?",
        "{s} was invented by whom?",
        "Do you know who invented {s}?",
    ],
};

const DISCOVERER: Forms = Forms {
    statements_zh: &[
        "{s}是{a}發現的。",
        "{a}發現了{s}。",
        "發現{s}的人是{a}。",
        "{s}的發現者是{a}。",
        "{s}是誰發現的呢？是{a}。",
    ],
    statements_en: &["{s} was discovered by {a}.", "{a} discovered {s}.", "The discoverer of {s} was {a}."],
    questions_zh: &[
        "{s}是誰發現的？",
        "誰發現了{s}？",
        "發現{s}的人是誰？",
        "{s}的發現者是誰？",
        "請問{s}是誰發現的？",
        "你知道{s}是誰發現的嗎？",
    ],
    questions_en: &[
        "Who discovered {s}?",
        "Who was the discoverer of {s}?",
        "{s} was discovered by whom?",
        "Do you know who discovered {s}?",
    ],
};

const THEORIST: Forms = Forms {
    statements_zh: &["{s}是{a}提出的。", "{a}提出了{s}。", "提出{s}的人是{a}。", "{s}是誰提出的呢？是{a}。"],
    statements_en: &["{s} was formulated by {a}.", "{a} formulated {s}.", "{s} is the work of {a}."],
    questions_zh: &[
        "{s}是誰提出的？",
        "誰提出了{s}？",
        "提出{s}的人是誰？",
        "請問{s}是誰提出的？",
        "你知道{s}是誰提出的嗎？",
    ],
    questions_en: &[
        "Who formulated {s}?",
        "Who came up with {s}?",
        "{s} was formulated by whom?",
        "Do you know who formulated {s}?",
    ],
};

const AUTHOR: Forms = Forms {
    statements_zh: &[
        "{s}的作者是{a}。",
        "{s}是{a}寫的。",
        "{a}寫了{s}。",
        "{a}是{s}的作者。",
        "{s}是誰寫的呢？是{a}。",
    ],
    statements_en: &["{s} was written by {a}.", "{a} wrote {s}.", "The author of {s} is {a}."],
    questions_zh: &[
        "{s}的作者是誰？",
        "{s}是誰寫的？",
        "誰寫了{s}？",
        "{s}的作者是？",
        "請問{s}是誰寫的？",
        "你知道{s}的作者是誰嗎？",
        "哪一位作家寫了{s}？",
    ],
    questions_en: &[
        "Who wrote {s}?",
        "Who is the author of {s}?",
        "{s} was written by whom?",
        "Do you know who wrote {s}?",
    ],
};

const LANDMARK: Forms = Forms {
    statements_zh: &[
        "{s}位於{a}。",
        "{s}在{a}。",
        "{a}的{s}很有名。",
        "{s}是{a}有名的地標。",
        "到{a}可以看到{s}。",
        "{s}在哪裡呢？在{a}。",
    ],
    statements_en: &[
        "{s} is in {a}.",
        "{s} stands in {a}.",
        "You can visit {s} in {a}.",
        "{s} is a famous sight of {a}.",
    ],
    questions_zh: &[
        "{s}在哪裡？",
        "{s}位於哪座城市？",
        "{s}在哪一座城市？",
        "{s}位於哪裡？",
        "請問{s}在哪裡？",
        "你知道{s}在哪座城市嗎？",
        "要去哪座城市才能看到{s}？",
    ],
    questions_en: &["Where is {s}?", "In which city is {s}?", "Which city is {s} in?", "Where can you visit {s}?"],
};

/// The templates of `kind`.
pub fn forms(kind: Kind) -> &'static Forms {
    match kind {
        Kind::Capital => &CAPITAL,
        Kind::Currency => &CURRENCY,
        Kind::Language => &LANGUAGE,
        Kind::Continent => &CONTINENT,
        Kind::Inventor => &INVENTOR,
        Kind::Discoverer => &DISCOVERER,
        Kind::Theorist => &THEORIST,
        Kind::Author => &AUTHOR,
        Kind::Landmark => &LANDMARK,
        _ => {
            debug_assert!(kind.is_superlative());
            &SUPERLATIVE
        }
    }
}

/// "in Taiwan" / "in the world".
pub fn scope_in_en(fact: &Fact) -> String {
    if fact.scope == WORLD { "in the world".to_string() } else { format!("in {}", fact.scope.en) }
}

/// "Japan's", "The world's", "The United States'".
fn possessive_en(fact: &Fact) -> String {
    let name = if fact.scope == WORLD { "The world" } else { fact.scope.en };
    if name.ends_with('s') { format!("{name}'") } else { format!("{name}'s") }
}

/// One Chinese template filled in for `fact`, naming the answer as `answer`.
pub fn fill_zh(template: &str, fact: &Fact, answer: &str) -> String {
    let phrase = fact.kind.phrase().map_or("", |p| p.0);
    template
        .replace("{s}", fact.scope.zh)
        .replace("{p}", phrase)
        .replace("{m}", fact.kind.measure_word())
        .replace("{a}", answer)
}

/// One English template filled in for `fact`, capitalised, with one full stop at the end
/// ("Washington, D.C.." → "Washington, D.C.").
pub fn fill_en(template: &str, fact: &Fact, answer: &str) -> String {
    let phrase = fact.kind.phrase().map_or("", |p| p.1);
    let text = template
        .replace("{s's}", &possessive_en(fact))
        .replace("{in}", &scope_in_en(fact))
        .replace("{s}", fact.scope.en)
        .replace("{p}", phrase)
        .replace("{a}", answer);
    capitalise(&text).replace("..", ".")
}

pub fn statements_zh(fact: &Fact) -> Vec<String> {
    forms(fact.kind).statements_zh.iter().map(|t| fill_zh(t, fact, fact.answer_zh)).collect()
}

pub fn statements_en(fact: &Fact) -> Vec<String> {
    forms(fact.kind).statements_en.iter().map(|t| fill_en(t, fact, fact.answer_en)).collect()
}

/// Every way the corpus asks `fact` in Chinese; the first is the lessons' question.
pub fn questions_zh(fact: &Fact) -> Vec<String> {
    forms(fact.kind).questions_zh.iter().map(|t| fill_zh(t, fact, "")).collect()
}

pub fn questions_en(fact: &Fact) -> Vec<String> {
    forms(fact.kind).questions_en.iter().map(|t| fill_en(t, fact, "")).collect()
}

/// A superlative asked in the paraphrase check's forms (none for a relation).
pub fn paraphrases_zh(fact: &Fact) -> Vec<String> {
    if !fact.kind.is_superlative() {
        return Vec::new();
    }
    PARAPHRASES_ZH.iter().map(|t| fill_zh(t, fact, "")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::FACTS;

    #[test]
    fn every_template_names_the_subject_and_statements_the_answer() {
        for fact in FACTS {
            let f = forms(fact.kind);
            assert!(f.statements_zh.len() >= 4 && f.statements_en.len() >= 3, "{:?}", fact.kind);
            assert!(f.questions_zh.len() >= 5 && f.questions_en.len() >= 4, "{:?}", fact.kind);
            for t in f.statements_zh.iter().chain(f.statements_en) {
                assert!(t.contains("{a}"), "{t}");
            }
            for t in f.statements_zh.iter().chain(f.statements_en).chain(f.questions_zh).chain(f.questions_en) {
                assert!(t.contains("{s}") || t.contains("{s's}") || t.contains("{in}"), "{t}");
            }
            for t in f.questions_zh {
                assert!(!t.contains("{a}") && t.ends_with('？'), "{t}");
            }
            for t in f.questions_en {
                assert!(!t.contains("{a}") && t.ends_with('?'), "{t}");
            }
        }
    }

    #[test]
    fn paraphrases_are_forms_the_corpus_never_uses() {
        for fact in FACTS.iter().filter(|f| f.kind.is_superlative()) {
            let asked = questions_zh(fact);
            let stated = statements_zh(fact);
            let paraphrases = paraphrases_zh(fact);
            assert_eq!(paraphrases.len(), 3);
            for p in &paraphrases {
                assert!(!asked.contains(p), "{p} is a corpus question");
                assert!(stated.iter().all(|s| !s.contains(p.as_str())), "{p} is in a statement");
                assert!(p.contains('最') && p.contains(fact.scope.zh), "{p}");
            }
        }
    }
}
