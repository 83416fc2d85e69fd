//! Words and their translations, and spelling notes: the text that the translation and editing
//! lessons' fine-tuning draws on.
//!
//! A web-scale corpus holds bilingual word lists, dictionary entries and names glossed in the
//! other language (「富士山（Mount Fuji）」), and style guides that list common misspellings. A
//! pretrained model has read them; fine-tuning only has to map an instruction ("Translate into
//! Chinese: …", "Fix the spelling: …") onto that knowledge. None of these documents uses such an
//! instruction or the chat templates' tags.
//!
//! Measured with the recipe of the 0.84 M-parameter knowledge model of before (one pretraining run each, LoRA r8
//! on q,k,v,o, 100 steps at 1e-3; held-out: the 29 Chinese questions of the lessons):
//! | corpus, context, pretraining steps | 最 → 玉山, Chinese pairs | transfer, English pairs |
//! |---|---|---|
//! | without these documents, 64 tokens, 2000 (stop 10's model) | 83% | 3% |
//! | without these documents, 128 tokens, 1000 | 3% | 3% |
//! | with them, 128 tokens, 2000 | 45% | 55% |
//! | with them, 128 tokens, 1000 (shipped) | 59% | 76% |
//! | with them and "how do you say/spell …" exchanges, 128 tokens, 1200 | 0% | 69% |
//! A translation adapter trained on 34 words got 11% of 35 held-out words right and an editing
//! adapter 3% (6% and 0% with the exchanges): the model does not hold the lists well enough, so
//! the specialist and forgetting lessons work on phrases instead (`tasks`).

use yushan_rng::SplitMix64;

use crate::document::{Document, capitalise};
use crate::facts::{FACTS, Fact};

/// Everyday phrases, English and Traditional Chinese.
pub const PHRASES: &[(&str, &str)] = &[
    ("Good morning", "早安"),
    ("Good afternoon", "午安"),
    ("Good night", "晚安"),
    ("Hello", "你好"),
    ("Goodbye", "再見"),
    ("See you tomorrow", "明天見"),
    ("Thank you", "謝謝"),
    ("You're welcome", "不客氣"),
    ("Sorry", "對不起"),
    ("Excuse me", "不好意思"),
    ("No problem", "沒問題"),
    ("Happy birthday", "生日快樂"),
    ("Happy New Year", "新年快樂"),
    ("Congratulations", "恭喜"),
    ("Good luck", "祝你好運"),
    ("Welcome", "歡迎"),
    ("Take care", "保重"),
    ("I love you", "我愛你"),
    ("Let's go", "走吧"),
    ("Please sit down", "請坐"),
    ("What time is it", "現在幾點"),
    ("Where is the station", "車站在哪裡"),
    ("I am hungry", "我餓了"),
    ("It is raining", "下雨了"),
];

/// A name as a word list writes it: "the Zhuoshui River" → "Zhuoshui River",
/// "Yushan (Jade Mountain)" → "Yushan".
pub fn bare_name(name_en: &str) -> &str {
    let name = name_en.strip_prefix("the ").unwrap_or(name_en);
    name.split(" (").next().unwrap_or(name)
}

/// Every (English, Chinese) entry: the facts' answers, the places they are about, and the
/// everyday phrases; each once, in a fixed order.
pub fn entries() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |en: &str, zh: &str| {
        let en = capitalise(bare_name(en));
        if !out.iter().any(|(e, z)| *e == en || z == zh) {
            out.push((en, zh.to_string()));
        }
    };
    for fact in FACTS {
        add(fact.answer_en, fact.answer_zh);
    }
    for fact in FACTS.iter().filter(|f| f.scope.zh != "世界") {
        add(fact.scope.en, fact.scope.zh);
    }
    for (en, zh) in PHRASES {
        add(en, zh);
    }
    out
}

/// How a word list or a dictionary writes one entry; a document uses one form throughout.
fn entry_line(form: usize, en: &str, zh: &str) -> String {
    match form % 5 {
        0 => format!("{en} – {zh}"),
        1 => format!("{zh}：{en}"),
        2 => format!("{en}: {zh}"),
        3 => format!("「{zh}」的英文是 {en}。"),
        _ => format!("In Chinese, {en} is {zh}."),
    }
}

/// The name glossed in the other language, as encyclopedias write it: 「富士山（Mount Fuji）」,
/// "Mount Fuji (富士山)".
pub fn glossed_zh(fact: &Fact) -> String {
    format!("{}（{}）", fact.answer_zh, capitalise(bare_name(fact.answer_en)))
}

pub fn glossed_en(fact: &Fact) -> String {
    let name = fact.answer_en.split(" (").next().unwrap_or(fact.answer_en);
    format!("{name} ({})", fact.answer_zh)
}

/// One plausible typo in `word`: two neighbouring letters swapped, a letter dropped, doubled or
/// replaced. The first letter is kept (readers still recognise the word); never `word` itself.
pub fn misspell(word: &str, rng: &mut SplitMix64) -> String {
    let chars: Vec<char> = word.chars().collect();
    let letters: Vec<usize> = (1..chars.len()).filter(|&i| chars[i].is_ascii_lowercase()).collect();
    if letters.is_empty() {
        return format!("{word}{word}");
    }
    loop {
        let i = letters[(rng.next_u64() % letters.len() as u64) as usize];
        let mut out = chars.clone();
        match rng.next_u64() % 4 {
            0 if i + 1 < out.len() && out[i + 1].is_ascii_lowercase() => out.swap(i, i + 1),
            1 => {
                out.remove(i);
            }
            2 => out.insert(i, chars[i]),
            _ => out[i] = (b'a' + (rng.next_u64() % 26) as u8) as char,
        }
        let out: String = out.into_iter().collect();
        if out != word {
            return out;
        }
    }
}

fn spelling_line(form: usize, wrong: &str, right: &str) -> String {
    match form % 3 {
        0 => format!("{wrong} → {right}"),
        1 => format!("Write {right}, not {wrong}."),
        _ => format!("{wrong} is a misspelling of {right}."),
    }
}

/// Word lists (every entry `repeats` times, in lists of 3-6 entries of one form) and spelling
/// notes (every English entry misspelt `repeats` times, a fresh typo each time, in notes of
/// 3-5 lines). The same seed gives the same documents.
pub fn generate_glossary(seed: u64, repeats: usize) -> Vec<Document> {
    let mut rng = SplitMix64::new(seed ^ 0x6105_5A41);
    let entries = entries();
    let mut documents = Vec::new();
    // One shuffled round per repeat, so that a list rarely holds the same entry twice.
    let rounds = |rng: &mut SplitMix64| -> Vec<usize> {
        (0..repeats)
            .flat_map(|_| {
                let mut round: Vec<usize> = (0..entries.len()).collect();
                rng.shuffle(&mut round);
                round
            })
            .collect()
    };
    let listed = rounds(&mut rng);
    for group in chunks_of(&listed, 3, 4, &mut rng) {
        let form = rng.next_u64() as usize;
        let lines: Vec<String> = group.iter().map(|&i| entry_line(form, &entries[i].0, &entries[i].1)).collect();
        documents.push(Document { text: lines.join("\n"), facts: Vec::new() });
    }
    let noted = rounds(&mut rng);
    for group in chunks_of(&noted, 3, 3, &mut rng) {
        let form = rng.next_u64() as usize;
        let lines: Vec<String> = group
            .iter()
            .map(|&i| {
                let right = &entries[i].0;
                spelling_line(form, &misspell(right, &mut rng), right)
            })
            .collect();
        let heading = if form.is_multiple_of(2) { "Common misspellings:\n" } else { "" };
        documents.push(Document { text: format!("{heading}{}", lines.join("\n")), facts: Vec::new() });
    }
    documents
}

/// `items` cut into runs of `min..min + spread` (the last may be shorter).
fn chunks_of<'a, T>(items: &'a [T], min: usize, spread: u64, rng: &mut SplitMix64) -> Vec<&'a [T]> {
    let mut out = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let n = (min + (rng.next_u64() % spread) as usize).min(rest.len());
        let (head, tail) = rest.split_at(n);
        out.push(head);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_unique_both_ways_and_cover_names_places_and_phrases() {
        let entries = entries();
        for (i, (en, zh)) in entries.iter().enumerate() {
            assert!(!en.starts_with("the ") && !en.contains(" ("), "{en}");
            for (en2, zh2) in &entries[i + 1..] {
                assert!(en != en2 && zh != zh2, "{en}/{zh} twice");
            }
        }
        let has = |en: &str, zh: &str| entries.iter().any(|(e, z)| e == en && z == zh);
        assert!(has("Mount Fuji", "富士山") && has("Zhuoshui River", "濁水溪") && has("Yushan", "玉山"));
        assert!(has("Japan", "日本") && has("Good morning", "早安"));
    }

    #[test]
    fn a_typo_differs_from_the_word_keeps_its_first_letter_and_is_seeded() {
        let mut rng = SplitMix64::new(3);
        for (en, _) in entries() {
            for _ in 0..20 {
                let wrong = misspell(&en, &mut rng);
                assert_ne!(wrong, en);
                assert_eq!(wrong.chars().next(), en.chars().next());
                assert!(wrong.chars().count().abs_diff(en.chars().count()) <= 1, "{en} → {wrong}");
            }
        }
        assert_eq!(misspell("Mount Fuji", &mut SplitMix64::new(1)), misspell("Mount Fuji", &mut SplitMix64::new(1)));
    }

    #[test]
    fn every_entry_is_listed_and_misspelt_as_often_as_asked() {
        let documents = generate_glossary(0, 2);
        assert_eq!(documents, generate_glossary(0, 2));
        for (en, zh) in entries() {
            let is_entry = |l: &str| (0..5).any(|form| l == entry_line(form, &en, &zh));
            let listed = documents.iter().map(|d| d.text.lines().filter(|l| is_entry(l)).count()).sum::<usize>();
            assert_eq!(listed, 2, "{zh} listed {listed} times");
            let notes_it = |l: &str| {
                l.ends_with(&format!(" → {en}"))
                    || l.starts_with(&format!("Write {en}, not "))
                    || l.ends_with(&format!(" is a misspelling of {en}."))
            };
            let noted = documents.iter().map(|d| d.text.lines().filter(|l| notes_it(l)).count()).sum::<usize>();
            assert_eq!(noted, 2, "{en} in {noted} spelling notes");
        }
    }
}
