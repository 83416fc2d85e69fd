//! Autoregressive generation with a KV cache: greedy, temperature, top-k and top-p sampling,
//! stopping at an end-of-turn token. Logits come back to the host each step (async).

use burn::tensor::{Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use yushan_model::Model;
use yushan_rng::SplitMix64;

use crate::TrainError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplingConfig {
    pub max_new_tokens: usize,
    /// 0 means greedy decoding.
    pub temperature: f64,
    /// Keep only the k most likely tokens; 0 disables.
    pub top_k: usize,
    /// Keep the smallest set of tokens whose probability reaches p; 1 disables.
    pub top_p: f64,
    pub seed: u64,
}

impl SamplingConfig {
    pub fn greedy(max_new_tokens: usize) -> Self {
        Self { max_new_tokens, temperature: 0.0, top_k: 0, top_p: 1.0, seed: 0 }
    }

    /// Why these settings cannot sample, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.max_new_tokens == 0 {
            return Err("the answer must be allowed at least 1 token".into());
        }
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return Err(format!("temperature must be 0 (greedy) or more, not {}", self.temperature));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(format!("top-p must be above 0 and at most 1, not {}", self.top_p));
        }
        Ok(())
    }
}

/// Why generation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum StopReason {
    /// The model produced one of the stop tokens (not included in the output).
    EndOfTurn,
    MaxTokens,
    /// The model's context is full.
    ContextFull,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Generation {
    pub tokens: Vec<u32>,
    pub stop: StopReason,
    /// The stop token that ended the answer (with `StopReason::EndOfTurn`).
    pub stop_token: Option<u32>,
}

/// Continues `prompt`; `on_token` sees each new token as it is produced (for streaming).
/// Prompts longer than the context keep their most recent tokens.
pub async fn generate(
    model: &Model,
    prompt: &[u32],
    stop_tokens: &[u32],
    config: &SamplingConfig,
    mut on_token: impl FnMut(u32),
) -> Result<Generation, TrainError> {
    if prompt.is_empty() {
        return Err(TrainError::Config("the prompt is empty".into()));
    }
    config.check().map_err(TrainError::Config)?;
    let context = model.config.max_seq_len;
    let keep = prompt.len().min(context.saturating_sub(1).max(1));
    let prompt = &prompt[prompt.len() - keep..];
    let capacity = (prompt.len() + config.max_new_tokens).min(context);
    let mut cache = model.new_cache(1, capacity);
    let device = model.device();
    let token_tensor =
        |id: u32| -> Tensor<2, Int> { Tensor::from_data(TensorData::new(vec![id as i32], [1, 1]), &device) };

    // Prefill one token at a time: every step then has the same shapes as decoding, so the
    // GPU compiles one set of kernels whatever the prompt length.
    let mut logits = None;
    for (pos, &id) in prompt.iter().enumerate() {
        logits = Some(model.decode_step(token_tensor(id), pos, &mut cache));
    }
    let mut rng = SplitMix64::new(config.seed);
    let mut out = Vec::new();
    let mut pos = prompt.len();
    loop {
        let data = logits
            .take()
            .expect("logits of the last position")
            .into_data_async()
            .await
            .map_err(|e| TrainError::Device(format!("{e:?}")))?;
        let row = data.convert::<f32>().try_into_vec::<f32>().map_err(|e| TrainError::Device(format!("{e:?}")))?;
        let next = sample(&row, config, &mut rng);
        if stop_tokens.contains(&next) {
            return Ok(Generation { tokens: out, stop: StopReason::EndOfTurn, stop_token: Some(next) });
        }
        out.push(next);
        on_token(next);
        if out.len() >= config.max_new_tokens {
            return Ok(Generation { tokens: out, stop: StopReason::MaxTokens, stop_token: None });
        }
        if pos >= capacity {
            return Ok(Generation { tokens: out, stop: StopReason::ContextFull, stop_token: None });
        }
        logits = Some(model.decode_step(token_tensor(next), pos, &mut cache));
        pos += 1;
    }
}

/// Picks the next token from one row of logits.
pub fn sample(logits: &[f32], config: &SamplingConfig, rng: &mut SplitMix64) -> u32 {
    if config.temperature <= 0.0 {
        return argmax(logits) as u32;
    }
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
    if config.top_k > 0 {
        order.truncate(config.top_k);
    }
    let max = logits[order[0]] as f64;
    let weights: Vec<f64> = order.iter().map(|&i| ((logits[i] as f64 - max) / config.temperature).exp()).collect();
    let total: f64 = weights.iter().sum();
    // Nucleus: the shortest prefix (most likely first) whose mass reaches top_p.
    let mut kept = weights.len();
    if config.top_p < 1.0 {
        let mut mass = 0.0;
        for (n, w) in weights.iter().enumerate() {
            mass += w / total;
            if mass >= config.top_p {
                kept = n + 1;
                break;
            }
        }
    }
    let kept_total: f64 = weights[..kept].iter().sum();
    let mut r = rng.next_f64() * kept_total;
    for (n, w) in weights[..kept].iter().enumerate() {
        r -= w;
        if r <= 0.0 {
            return order[n] as u32;
        }
    }
    order[kept - 1] as u32
}

fn argmax(values: &[f32]) -> usize {
    values.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0))).map(|(i, _)| i).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_settings_out_of_range_are_refused_by_name() {
        let with = |edit: fn(&mut SamplingConfig)| {
            let mut config = SamplingConfig::greedy(8);
            edit(&mut config);
            config.check()
        };
        assert_eq!(with(|_| {}), Ok(()));
        assert_eq!(with(|c| c.temperature = 0.7), Ok(()));
        assert_eq!(with(|c| c.max_new_tokens = 0), Err("the answer must be allowed at least 1 token".into()));
        assert_eq!(with(|c| c.temperature = -1.0), Err("temperature must be 0 (greedy) or more, not -1".into()));
        assert_eq!(with(|c| c.temperature = f64::NAN), Err("temperature must be 0 (greedy) or more, not NaN".into()));
        assert_eq!(with(|c| c.top_p = f64::NAN), Err("top-p must be above 0 and at most 1, not NaN".into()));
        assert_eq!(with(|c| c.top_p = 0.0), Err("top-p must be above 0 and at most 1, not 0".into()));
    }

    #[test]
    fn greedy_takes_the_first_maximum() {
        let cfg = SamplingConfig::greedy(1);
        assert_eq!(sample(&[0.1, 3.0, 3.0, -1.0], &cfg, &mut SplitMix64::new(1)), 1);
    }

    #[test]
    fn top_k_one_is_greedy_and_top_p_keeps_the_nucleus() {
        let mut rng = SplitMix64::new(7);
        let logits = [2.0, 0.0, 5.0, 1.0];
        let k1 = SamplingConfig { max_new_tokens: 1, temperature: 1.0, top_k: 1, top_p: 1.0, seed: 0 };
        assert!((0..50).all(|_| sample(&logits, &k1, &mut rng) == 2));
        // p(2) ≈ 0.94 under softmax: a nucleus of 0.9 holds token 2 alone.
        let p = SamplingConfig { max_new_tokens: 1, temperature: 1.0, top_k: 0, top_p: 0.9, seed: 0 };
        assert!((0..50).all(|_| sample(&logits, &p, &mut rng) == 2));
        // Without the filters every token shows up at a high temperature.
        let hot = SamplingConfig { max_new_tokens: 1, temperature: 100.0, top_k: 0, top_p: 1.0, seed: 0 };
        let mut seen = [false; 4];
        for _ in 0..400 {
            seen[sample(&logits, &hot, &mut rng) as usize] = true;
        }
        assert_eq!(seen, [true; 4]);
    }
}
