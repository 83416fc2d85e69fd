//! What a model expected at each position of an answer: the probability of the token that is
//! there and its k most likely tokens. Asked of the base and the fine-tuned model on the same
//! answer, it shows what fine-tuning moved (玉山 gaining probability after every 最-question).

use burn::tensor::{Int, Tensor, TensorData};
use serde::Serialize;
use yushan_data::ChatTokenizer;
use yushan_model::Model;

use crate::TrainError;

/// One token and the probability the model gave it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Choice {
    pub id: u32,
    pub text: String,
    pub p: f32,
}

/// One position of the answer: the token there, and the model's `k` most likely tokens in
/// order (the token there among them when it was likely enough).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Position {
    pub token: Choice,
    pub top: Vec<Choice>,
}

/// Reads `answer` after `prompt` (teacher forcing) and gives, for each answer token, the
/// distribution the model predicted it from. Steps through the tokens as generation does (one
/// token at a time with a KV cache), so on a GPU it runs the kernels generation has compiled;
/// the rows are read back once. Prompts longer than the context keep their most recent tokens;
/// an answer longer than what remains is cut.
pub async fn next_token_choices(
    model: &Model,
    tokenizer: &ChatTokenizer,
    prompt: &[u32],
    answer: &[u32],
    k: usize,
) -> Result<Vec<Position>, TrainError> {
    if prompt.is_empty() {
        return Err(TrainError::Config("the prompt is empty".into()));
    }
    let context = model.config.max_seq_len;
    let prompt = &prompt[prompt.len() - prompt.len().min(context.saturating_sub(1).max(1))..];
    let answer = &answer[..answer.len().min(context - prompt.len())];
    if answer.is_empty() {
        return Ok(Vec::new());
    }
    let device = model.device();
    let tokens: Vec<u32> = prompt.iter().chain(answer).copied().collect();
    let mut cache = model.new_cache(1, tokens.len());
    let mut rows = Vec::with_capacity(answer.len());
    // The logits after token i predict token i + 1: keep those that predict an answer token.
    for (pos, &id) in tokens[..tokens.len() - 1].iter().enumerate() {
        let token = Tensor::<2, Int>::from_data(TensorData::new(vec![id as i32], [1, 1]), &device);
        let logits = model.decode_step(token, pos, &mut cache);
        if pos + 1 >= prompt.len() {
            rows.push(logits);
        }
    }
    let vocab = model.config.vocab_size;
    let data = Tensor::cat(rows, 0).into_data_async().await.map_err(|e| TrainError::Device(format!("{e:?}")))?;
    let logits = data.convert::<f32>().try_into_vec::<f32>().map_err(|e| TrainError::Device(format!("{e:?}")))?;
    let choice = |id: u32, p: f64| Choice { id, text: tokenizer.decode(&[id]), p: p as f32 };
    Ok(logits
        .chunks(vocab)
        .zip(answer)
        .map(|(row, &id)| {
            let probs = softmax(row);
            Position {
                token: choice(id, probs[id as usize]),
                top: top_k(&probs, k).map(|i| choice(i, probs[i as usize])).collect(),
            }
        })
        .collect())
}

/// Probabilities from one row of logits, in f64 (the small ones of a large vocabulary stay exact).
fn softmax(row: &[f32]) -> Vec<f64> {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exp: Vec<f64> = row.iter().map(|&x| (x as f64 - max).exp()).collect();
    let sum: f64 = exp.iter().sum();
    exp.into_iter().map(|e| e / sum).collect()
}

/// The ids of the `k` largest probabilities, largest first (lower id first among equals).
fn top_k(probs: &[f64], k: usize) -> impl Iterator<Item = u32> {
    let mut ids: Vec<u32> = (0..probs.len() as u32).collect();
    let by_p = |a: &u32, b: &u32| probs[*b as usize].total_cmp(&probs[*a as usize]).then(a.cmp(b));
    let k = k.min(ids.len());
    if k > 0 && k < ids.len() {
        ids.select_nth_unstable_by(k - 1, by_p);
    }
    ids.truncate(k);
    ids.sort_by(by_p);
    ids.into_iter()
}

#[cfg(test)]
mod tests {
    use burn::tensor::Device;
    use yushan_data::build_char_tokenizer;
    use yushan_model::ModelConfig;

    use super::*;

    #[test]
    fn each_position_matches_a_full_forward_pass_and_the_top_k_are_the_largest_in_order() {
        let tokenizer = build_char_tokenizer(&["臺灣最高的山是哪座?玉山"]);
        let model = Model::init(&ModelConfig::llama(tokenizer.vocab_size(), 32, 2, 4, 2, 64, 64), 5, &Device::flex());
        let (prompt, answer) = (tokenizer.encode("臺灣最高的山是哪座?"), tokenizer.encode("玉山"));
        let positions = pollster::block_on(next_token_choices(&model, &tokenizer, &prompt, &answer, 5)).unwrap();
        assert_eq!(positions.len(), 2);

        // The reference: one forward pass over the whole sequence, softmax of each row by hand.
        let all: Vec<i32> = prompt.iter().chain(&answer).map(|&id| id as i32).collect();
        let n = all.len();
        let logits = model.forward(Tensor::from_data(TensorData::new(all, [1, n]), &Device::flex()));
        let logits: Vec<f32> = logits.into_data().try_into_vec().unwrap();
        let vocab = tokenizer.vocab_size();
        for (i, position) in positions.iter().enumerate() {
            let row = &logits[(prompt.len() - 1 + i) * vocab..][..vocab];
            let z: f64 = row.iter().map(|&x| (x as f64).exp()).sum();
            let p = |id: u32| (row[id as usize] as f64).exp() / z;
            assert_eq!(position.token.id, answer[i]);
            assert!((position.token.p as f64 - p(answer[i])).abs() < 1e-5, "{position:?}");
            assert_eq!(position.token.text, tokenizer.decode(&[answer[i]]));
            assert_eq!(position.top.len(), 5);
            let total: f32 = position.top.iter().map(|c| c.p).sum();
            assert!(total <= 1.0 + 1e-6, "{total}");
            for pair in position.top.windows(2) {
                assert!(pair[0].p >= pair[1].p, "{position:?}");
            }
            // Nothing outside the top 5 is more likely than the fifth.
            let fifth = position.top[4].p as f64;
            let outside = (0..vocab as u32).filter(|id| position.top.iter().all(|c| c.id != *id));
            assert!(outside.map(p).all(|q| q <= fifth + 1e-6));
            for c in &position.top {
                assert!((c.p as f64 - p(c.id)).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn an_answer_longer_than_the_context_is_cut_and_an_empty_one_has_no_positions() {
        let tokenizer = build_char_tokenizer(&["abc"]);
        let model = Model::init(&ModelConfig::llama(tokenizer.vocab_size(), 16, 1, 2, 1, 32, 8), 1, &Device::flex());
        let (prompt, answer) = (tokenizer.encode("abc"), tokenizer.encode("abcabcabc"));
        let positions = pollster::block_on(next_token_choices(&model, &tokenizer, &prompt, &answer, 3)).unwrap();
        assert_eq!(positions.len(), 8 - prompt.len());
        assert!(pollster::block_on(next_token_choices(&model, &tokenizer, &prompt, &[], 3)).unwrap().is_empty());
    }
}
