//! Facts as short question-and-answer exchanges: quiz transcripts, classroom exchanges and FAQ
//! pages, the kind of text a web-scale corpus holds plenty of.
//!
//! Why the corpus needs them (measured on the 0.84 M-parameter models/knowledge, 29 held-out
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

use crate::facts::{FACTS, Fact};
use crate::prose::{Document, capitalise};
use crate::questions::{answer_sentence, question_en, question_for};

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

fn answers_en(fact: &Fact) -> [String; 2] {
    let a = fact.answer_en;
    let cap = capitalise(a);
    [format!("{cap}."), format!("It is {a}.")].map(|s| s.replace("..", "."))
}

/// One exchange about `fact`: the question line and the answer line.
fn exchange(fact: &Fact, chinese: bool, speakers: (&str, &str), answer_form: usize) -> String {
    let (asker, answerer) = speakers;
    if chinese {
        let answers = answers_zh(fact);
        format!("{asker}{}\n{answerer}{}", question_for(fact), answers[answer_form % answers.len()])
    } else {
        let answers = answers_en(fact);
        format!("{asker}{}\n{answerer}{}", question_en(fact), answers[answer_form % answers.len()])
    }
}

/// Every fact asked `repeats` times in each language, in transcripts of 2-3 exchanges with
/// one pair of speakers each. The same seed gives the same transcripts.
pub fn generate_dialogues(seed: u64, repeats: usize) -> Vec<Document> {
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
            let speakers =
                if chinese { SPEAKERS_ZH[pick % SPEAKERS_ZH.len()] } else { SPEAKERS_EN[pick % SPEAKERS_EN.len()] };
            let text = group
                .iter()
                .map(|&i| exchange(&FACTS[i], chinese, speakers, rng.next_u64() as usize))
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

    #[test]
    fn every_exchange_answers_its_own_question() {
        let documents = generate_dialogues(0, 2);
        assert_eq!(documents, generate_dialogues(0, 2));
        for d in &documents {
            let lines: Vec<&str> = d.text.lines().collect();
            assert_eq!(lines.len(), 2 * d.facts.len(), "{}", d.text);
            for (pair, &i) in lines.chunks(2).zip(&d.facts) {
                let fact = &FACTS[i];
                let chinese = pair[0].contains('？');
                let answer = if chinese { fact.answer_zh } else { fact.answer_en };
                assert!(pair[0].ends_with(['？', '?']), "not a question: {}", pair[0]);
                assert!(pair[1].to_lowercase().contains(&answer.to_lowercase()), "{} ↛ {}", pair[0], pair[1]);
            }
        }
        for i in 0..FACTS.len() {
            let asked = documents.iter().filter(|d| d.facts.contains(&i)).count();
            assert_eq!(asked, 4, "fact {i} asked {asked} times, not twice in each language");
        }
    }

    #[test]
    fn transcripts_never_use_the_chat_templates_tags() {
        for d in generate_dialogues(0, 1) {
            for tag in ["使用者", "AI:", "<|im_start|>", "系統"] {
                assert!(!d.text.contains(tag), "{tag} in {}", d.text);
            }
        }
    }
}
