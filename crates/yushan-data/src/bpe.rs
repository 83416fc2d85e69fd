//! A byte-pair-encoding tokenizer trained on our own corpus, for models pretrained from scratch
//! that should see English words as a few tokens rather than one token per letter.
//!
//! It keeps the character tokenizer's guarantees: the special tokens at ids 0..6, every
//! character of the training texts and of the templates in the vocabulary (so Chinese characters
//! are single tokens and nothing maps to `<|unk|>`), and `decode(encode(text)) == text`.
//! Merges are learnt only inside runs of ASCII letters: the model reads digits one at a time and
//! Chinese one character at a time, so a figure such as 3952 or a name such as 玉山 is never
//! glued to its neighbours by a merge that happened to be frequent in the corpus.

use tokenizers::decoders::fuse::Fuse;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainer};
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{AddedToken, SplitDelimiterBehavior, Tokenizer};

use crate::tokenizer::{ChatTokenizer, SPECIAL_TOKENS, UNK, alphabet};

/// A BPE tokenizer learnt from `texts`, with at most `vocab_size` entries, or exactly the
/// specials and the alphabet when `vocab_size` is smaller than that (every character stays).
/// Without merges it gives the same ids as [`crate::build_char_tokenizer`].
///
/// Training runs natively (the trainer may use threads); the result is an ordinary
/// tokenizer.json that loads anywhere, the page included.
pub fn train_bpe_tokenizer(texts: &[&str], vocab_size: usize) -> ChatTokenizer {
    let model = BPE::builder().unk_token(UNK.into()).build().expect("an empty BPE model builds");
    // ASCII letter runs are the only pre-tokens longer than one character, so the only place a
    // merge can happen; `[\s\S]` is any single character, newline included (fancy-regex and
    // Python's Oniguruma agree on it, so Python's `tokenizers` reads the file the same way).
    let pieces = Split::new(SplitPattern::Regex(r"[A-Za-z]+|[\s\S]".into()), SplitDelimiterBehavior::Isolated, false)
        .expect("a valid regex");
    let mut tokenizer = Tokenizer::new(model);
    tokenizer.with_pre_tokenizer(Some(pieces)).with_decoder(Some(Fuse::new()));
    let specials: Vec<AddedToken> = SPECIAL_TOKENS.iter().map(|t| AddedToken::from(*t, true)).collect();
    let mut trainer: TrainerWrapper = BpeTrainer::builder()
        .vocab_size(vocab_size)
        .min_frequency(2)
        .show_progress(false)
        .special_tokens(specials)
        .initial_alphabet(alphabet(texts).into_iter().collect())
        .build()
        .into();
    // The trainer puts the specials first (ids 0..6) and the alphabet after them in character
    // order, as the character tokenizer does; the tokenizer then registers the specials.
    let pieces = texts.iter().flat_map(|t| between_specials(t));
    tokenizer.train(&mut trainer, pieces).expect("BPE training on in-memory text cannot fail");
    ChatTokenizer::from(tokenizer)
}

/// The text around special-token strings (the corpus separates its documents with
/// <|endoftext|>): the trainer would otherwise learn merges such as `<|` from them.
fn between_specials(text: &str) -> Vec<&str> {
    SPECIAL_TOKENS
        .iter()
        .fold(vec![text], |pieces, special| pieces.into_iter().flat_map(|p| p.split(special)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_char_tokenizer;

    const MIXED: &str = "臺灣最高的山是玉山，海拔 3952 公尺。\nYushan is the highest mountain in Taiwan.  \n\n\
                         The highest mountain in Japan is Mount Fuji.<|endoftext|>玉山 is Taiwan's highest peak.\t";

    fn trained() -> ChatTokenizer {
        train_bpe_tokenizer(&[&MIXED.repeat(3)], 200)
    }

    #[test]
    fn round_trips_mixed_chinese_and_english_exactly() {
        let tok = trained();
        let text = format!("{MIXED}\n  mountain highest 最高 3952 \n");
        let ids = tok.encode(&text);
        assert!(!ids.contains(&1), "no character is unknown");
        assert_eq!(tok.decode(&ids), text);
    }

    #[test]
    fn english_words_merge_chinese_characters_and_digits_do_not() {
        let tok = trained();
        let words = "the highest mountain";
        assert!(tok.encode(words).len() < words.chars().count(), "{:?}", tok.encode(words));
        assert_eq!(tok.encode("highest").len(), 1, "a frequent word is one token");
        for s in ["玉", "山", "3", "9", "5", "2"] {
            assert!(tok.token_id(s).is_some(), "{s} is in the alphabet");
        }
        assert_eq!(tok.encode("玉山").len(), 2);
        assert_eq!(tok.encode("3952").len(), 4);
        // No learnt token mixes a letter run with anything else.
        for id in SPECIAL_TOKENS.len() as u32..tok.vocab_size() as u32 {
            let token = tok.id_to_token(id).unwrap();
            assert!(token.chars().count() == 1 || token.chars().all(|c| c.is_ascii_alphabetic()), "{token:?}");
        }
    }

    #[test]
    fn specials_are_single_tokens_at_the_character_tokenizers_ids() {
        let tok = trained();
        for (id, t) in SPECIAL_TOKENS.iter().enumerate() {
            assert_eq!(tok.token_id(t), Some(id as u32));
            assert_eq!(tok.id_to_token(id as u32).as_deref(), Some(*t));
        }
        let ids = tok.encode("山<|eot|>山");
        assert_eq!(ids.len(), 3);
        assert_eq!(ids[1], 3);
        // The <|endoftext|> in the training text was not learnt from as letters.
        assert!(tok.token_id("endoftext").is_none());
        // The templates' tags are covered even though the texts lack them.
        assert!(!tok.encode("使用者: AI: 系統: assistant\n").contains(&1));
    }

    #[test]
    fn without_merges_it_is_the_character_tokenizer() {
        let (bpe, chars) = (train_bpe_tokenizer(&[MIXED], 0), build_char_tokenizer(&[MIXED]));
        assert_eq!(bpe.vocab_size(), chars.vocab_size());
        assert_eq!(bpe.encode(MIXED), chars.encode(MIXED));
    }

    #[test]
    fn json_round_trip_keeps_the_ids_and_training_is_deterministic() {
        let tok = trained();
        let json = tok.to_json();
        let reloaded = ChatTokenizer::from_json(&json).unwrap();
        assert_eq!(reloaded.encode(MIXED), tok.encode(MIXED));
        assert_eq!(reloaded.vocab_size(), tok.vocab_size());
        assert_eq!(reloaded.to_json(), json);
        assert_eq!(trained().to_json(), json);
        assert!(tok.vocab_size() <= 200);
    }
}
