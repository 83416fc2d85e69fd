//! Facts as short question-and-answer exchanges: quiz transcripts, classroom exchanges and FAQ
//! pages, the kind of text a web-scale corpus holds plenty of.
//!
//! Why the corpus needs them (measured on the 0.84 M-parameter knowledge model of before, 29 held-out
//! questions of the 最 → 玉山 lesson, LoRA on 8 pairs):
//! - pretrained on statements alone ("臺灣最高的山是玉山。"), the model retrieves a fact only
//!   when its subject comes right before "是"; the adapter then memorised the training answers
//!   and got 14% of the held-out questions right;
//! - with transcripts under four pairs of Chinese speaker tags, the adapter got up to 35%;
//!   an unseen pair of Chinese tags (小明：/小華：) already made the base model answer 20 of 29,
//!   but `AI:` is written in Latin letters, and the model answered in English after it;
//! - with many speaker pairs, Latin ones over Chinese text among them (FAQ pages write
//!   `Q：`/`A：`), the adapter gets 83%: the answer's language follows the question's. (That
//!   was the 64-token model; the 128-token model with the glossary gets 59%, see glossary.rs.)
//!
//! Real pretrained models have read question-answer text of many shapes; instruction tuning
//! only has to map the chat's role tags onto that skill. None of these exchanges uses the chat
//! templates' tags (`使用者:`/`AI:`, ChatML): that mapping is what fine-tuning teaches.

use yushan_rng::SplitMix64;

use crate::document::{Document, capitalise};
use crate::facts::{FACTS, Fact};
use crate::forms::{questions_en, questions_zh, statements_en};
use crate::questions::answer_sentence;

/// Who speaks in a transcript: (the asker's tag, the answerer's tag). Many different pairs, so
/// that the model learns "a line that answers the line above", not one pair of names.
/// Chinese text under Latin tags too (FAQ pages write `Q：`/`A：`): the language of an answer
/// follows the question, not the speaker's name.
const SPEAKERS_ZH: [(&str, &str); 17] = [
    ("問：", "答："),
    ("老師：", "學生："),
    ("學生：", "老師："),
    ("甲：", "乙："),
    ("主持人：", "參賽者："),
    ("記者：", "專家："),
    ("遊客：", "導遊："),
    ("讀者：", "編輯："),
    ("孩子：", "媽媽："),
    ("觀眾：", "解說員："),
    ("阿美：", "阿傑："),
    ("客人：", "店員："),
    ("Ｑ：", "Ａ："),
    ("提問：", "回答："),
    ("Q：", "A："),
    ("Q: ", "A: "),
    ("Ken: ", "Mei: "),
];
const SPEAKERS_EN: [(&str, &str); 6] = [
    ("Q: ", "A: "),
    ("Teacher: ", "Student: "),
    ("Host: ", "Player: "),
    ("Tom: ", "Anna: "),
    ("Reader: ", "Editor: "),
    ("Guest: ", "Guide: "),
];

/// The ways an answerer replies in Chinese: the bare name, the name as a sentence, or the
/// question restated with its answer.
fn answers_zh(fact: &Fact) -> [String; 3] {
    let a = fact.answer_zh;
    [format!("{a}。"), format!("是{a}。"), answer_sentence(fact)]
}

/// The bare name, or the fact's first English statement.
fn answers_en(fact: &Fact) -> [String; 2] {
    let name = format!("{}.", capitalise(fact.answer_en)).replace("..", ".");
    [name, statements_en(fact).swap_remove(0)]
}

/// One exchange about `fact`: the question line (in one of the many ways the fact is asked)
/// and the answer line.
fn exchange(fact: &Fact, chinese: bool, speakers: (&str, &str), pick: usize) -> String {
    let (asker, answerer) = speakers;
    let (questions, answers) = if chinese {
        (questions_zh(fact), answers_zh(fact).to_vec())
    } else {
        (questions_en(fact), answers_en(fact).to_vec())
    };
    let question = &questions[pick % questions.len()];
    let answer = &answers[(pick / questions.len()) % answers.len()];
    format!("{asker}{question}\n{answerer}{answer}")
}

/// Every fact asked `repeats` times in each language, in transcripts of 2-3 exchanges with
/// one pair of speakers each. The same seed gives the same transcripts.
/// With `half_width_tags`, every other Chinese transcript (by a draw of its own) writes its
/// tags as `老師: ` instead of `老師：`.
pub fn generate_dialogues(seed: u64, repeats: usize, half_width_tags: bool) -> Vec<Document> {
    let mut rng = SplitMix64::new(seed ^ 0x0D1A_1061);
    let mut documents = Vec::new();
    for chinese in [true, false] {
        let mut asked: Vec<usize> = (0..repeats).flat_map(|_| 0..FACTS.len()).collect();
        rng.shuffle(&mut asked);
        let mut rest = asked.as_slice();
        while !rest.is_empty() {
            let n = (2 + (rng.next_u64() % 2) as usize).min(rest.len());
            let (group, tail) = rest.split_at(n);
            let pick = rng.next_u64() as usize;
            let (asker, answerer) =
                if chinese { SPEAKERS_ZH[pick % SPEAKERS_ZH.len()] } else { SPEAKERS_EN[pick % SPEAKERS_EN.len()] };
            let half_width = chinese && half_width_tags && (pick >> 32) % 2 == 1;
            let tag = |t: &str| if half_width { t.replace('：', ": ") } else { t.to_string() };
            let speakers = (tag(asker), tag(answerer));
            let text = group
                .iter()
                .map(|&i| exchange(&FACTS[i], chinese, (&speakers.0, &speakers.1), rng.next_u64() as usize))
                .collect::<Vec<_>>()
                .join("\n");
            documents.push(Document { text, facts: group.to_vec() });
            rest = tail;
        }
    }
    documents
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::truth::{assert_no_chat_tags, assert_states_only_its_own_answer};

    #[test]
    fn every_exchange_answers_its_own_question_and_names_no_rival() {
        let documents = generate_dialogues(0, 2, true);
        assert_eq!(documents, generate_dialogues(0, 2, true));
        for d in &documents {
            let lines: Vec<&str> = d.text.lines().collect();
            assert_eq!(lines.len(), 2 * d.facts.len(), "{}", d.text);
            for (pair, &i) in lines.chunks(2).zip(&d.facts) {
                let chinese = pair[0].contains('？');
                assert!(pair[0].ends_with(['？', '?']), "not a question: {}", pair[0]);
                assert_states_only_its_own_answer(i, pair[1], chinese);
                let asked = if chinese { questions_zh(&FACTS[i]) } else { questions_en(&FACTS[i]) };
                assert!(asked.iter().any(|q| pair[0].ends_with(q.as_str())), "{}", pair[0]);
            }
        }
        for i in 0..FACTS.len() {
            let asked = documents.iter().map(|d| d.facts.iter().filter(|&&f| f == i).count()).sum::<usize>();
            assert_eq!(asked, 4, "fact {i} asked {asked} times, not twice in each language");
        }
    }

    #[test]
    fn facts_are_asked_in_many_phrasings() {
        let documents = generate_dialogues(0, 6, false);
        let mut forms_zh = std::collections::HashSet::new();
        for d in &documents {
            for (pair, &i) in d.text.lines().collect::<Vec<_>>().chunks(2).zip(&d.facts) {
                if let Some(k) = questions_zh(&FACTS[i]).iter().position(|q| pair[0].ends_with(q.as_str())) {
                    forms_zh.insert((FACTS[i].kind.is_superlative(), k));
                }
            }
        }
        let superlative_forms = forms_zh.iter().filter(|(s, _)| *s).count();
        assert!(superlative_forms >= 8, "only {superlative_forms} Chinese phrasings of superlatives asked");
    }

    #[test]
    fn transcripts_never_use_the_chat_templates_tags() {
        for d in generate_dialogues(0, 1, true) {
            assert_no_chat_tags(&d.text);
        }
    }
}
