//! Fixed-shape batches. Every batch of a run is [batch_size, seq_len]: GPU kernels are compiled
//! per shape, so a shape that changed from step to step would recompile them (slowly, in the
//! page). Short rows are padded with mask 0 instead.

use serde::{Deserialize, Serialize};
use yushan_rng::SplitMix64;

use crate::encode::EncodedConversation;

/// Row-major [batch_size, seq_len] inputs, next-token targets and the targets' loss mask.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub batch_size: usize,
    pub seq_len: usize,
    pub inputs: Vec<u32>,
    pub targets: Vec<u32>,
    /// 1.0 where `targets` is a token the model is trained to produce.
    pub loss_mask: Vec<f32>,
}

impl Batch {
    /// One row per example: inputs = ids[..n-1], targets = ids[1..], the mask of each target.
    /// Rows are padded to `seq_len` with `pad` and mask 0 (an example longer than `seq_len + 1`
    /// tokens is cut; `encode_conversation` refuses those first). Rows beyond the examples
    /// are all padding.
    pub fn from_examples(examples: &[&EncodedConversation], batch_size: usize, seq_len: usize, pad: u32) -> Self {
        let n = batch_size * seq_len;
        let mut batch =
            Self { batch_size, seq_len, inputs: vec![pad; n], targets: vec![pad; n], loss_mask: vec![0.0; n] };
        for (row, example) in examples.iter().take(batch_size).enumerate() {
            let len = example.ids.len().saturating_sub(1).min(seq_len);
            let at = row * seq_len;
            batch.inputs[at..at + len].copy_from_slice(&example.ids[..len]);
            batch.targets[at..at + len].copy_from_slice(&example.ids[1..=len]);
            for (mask, &trained) in batch.loss_mask[at..at + len].iter_mut().zip(&example.loss_mask[1..=len]) {
                *mask = if trained { 1.0 } else { 0.0 };
            }
        }
        batch
    }

    /// How many targets carry loss.
    pub fn loss_tokens(&self) -> f32 {
        self.loss_mask.iter().sum()
    }
}

/// Shuffled epochs of full batches, reproducible from a seed.
///
/// When an epoch runs out mid-batch, the batch is completed from the next epoch (reshuffled),
/// so every row of every step is a real example and no step trains on padding rows; an epoch
/// boundary can therefore fall inside a batch.
#[derive(Clone, Debug)]
pub struct Batcher {
    examples: Vec<EncodedConversation>,
    batch_size: usize,
    seq_len: usize,
    pad: u32,
    rng: SplitMix64,
    order: Vec<usize>,
    cursor: usize,
    epoch: usize,
}

impl Batcher {
    /// Panics on no examples or a zero batch size (there would be nothing to yield).
    pub fn new(examples: Vec<EncodedConversation>, batch_size: usize, seq_len: usize, pad: u32, seed: u64) -> Self {
        assert!(!examples.is_empty(), "a batcher needs at least one example");
        assert!(batch_size > 0, "a batcher needs a positive batch size");
        let mut batcher = Self {
            order: Vec::new(),
            examples,
            batch_size,
            seq_len,
            pad,
            rng: SplitMix64::new(seed),
            cursor: 0,
            epoch: 0,
        };
        batcher.reshuffle();
        batcher
    }

    fn reshuffle(&mut self) {
        self.order = (0..self.examples.len()).collect();
        self.rng.shuffle(&mut self.order);
        self.cursor = 0;
    }

    /// Completed passes over the examples.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Steps that see every example once (the last one borrowing from the next epoch).
    pub fn steps_per_epoch(&self) -> usize {
        self.examples.len().div_ceil(self.batch_size)
    }

    pub fn next_batch(&mut self) -> Batch {
        let mut picked = Vec::with_capacity(self.batch_size);
        while picked.len() < self.batch_size {
            if self.cursor == self.order.len() {
                self.epoch += 1;
                self.reshuffle();
            }
            picked.push(self.order[self.cursor]);
            self.cursor += 1;
        }
        let rows: Vec<&EncodedConversation> = picked.iter().map(|&i| &self.examples[i]).collect();
        Batch::from_examples(&rows, self.batch_size, self.seq_len, self.pad)
    }
}

/// Every example once, in order, in fixed-shape batches, the last one completed with padding
/// rows (mask 0, so they add nothing to a masked mean): for held-out evaluation.
pub fn fixed_batches(examples: &[EncodedConversation], batch_size: usize, seq_len: usize, pad: u32) -> Vec<Batch> {
    examples
        .chunks(batch_size)
        .map(|chunk| {
            let rows: Vec<&EncodedConversation> = chunk.iter().collect();
            Batch::from_examples(&rows, batch_size, seq_len, pad)
        })
        .collect()
}

/// A window of `seq_len + 1` tokens of a stream; its first `trained_from` targets were already
/// trained on by the window before it.
#[derive(Clone, Copy, Debug)]
struct Window {
    start: usize,
    trained_from: usize,
}

/// Cuts a stream of `len` tokens into windows of `seq_len + 1` tokens at a stride of `seq_len`,
/// so each next-token pair falls in exactly one window. A short tail becomes a last window
/// ending at the end of the stream, trained only on the targets not seen before.
fn text_windows(len: usize, seq_len: usize) -> Vec<Window> {
    if seq_len == 0 || len <= seq_len {
        return Vec::new();
    }
    let mut windows: Vec<Window> = (0..)
        .map(|k| k * seq_len)
        .take_while(|start| start + seq_len < len)
        .map(|start| Window { start, trained_from: 0 })
        .collect();
    let last_target = windows.last().map_or(0, |w| w.start + seq_len);
    if last_target < len - 1 {
        let start = len - 1 - seq_len;
        windows.push(Window { start, trained_from: last_target - start });
    }
    windows
}

/// Plain text for pretraining: the token stream in [batch_size, seq_len] windows, shuffled by
/// `seed`, every target carrying loss once. The last batch is completed with repeats of other
/// windows at mask 0, so shapes stay fixed without a padding token. A stream of `seq_len`
/// tokens or fewer gives no batches.
pub fn pack_text_batches(ids: &[u32], batch_size: usize, seq_len: usize, seed: u64) -> Vec<Batch> {
    let mut windows = text_windows(ids.len(), seq_len);
    if batch_size == 0 {
        return Vec::new();
    }
    SplitMix64::new(seed).shuffle(&mut windows);
    let repeats: Vec<Window> = windows.iter().map(|w| Window { trained_from: seq_len, ..*w }).collect();
    windows
        .chunks(batch_size)
        .map(|chunk| {
            let n = batch_size * seq_len;
            let mut batch = Batch {
                batch_size,
                seq_len,
                inputs: Vec::with_capacity(n),
                targets: Vec::with_capacity(n),
                loss_mask: Vec::with_capacity(n),
            };
            for w in chunk.iter().chain(repeats.iter().cycle()).take(batch_size) {
                batch.inputs.extend_from_slice(&ids[w.start..w.start + seq_len]);
                batch.targets.extend_from_slice(&ids[w.start + 1..=w.start + seq_len]);
                batch.loss_mask.extend((0..seq_len).map(|i| if i >= w.trained_from { 1.0 } else { 0.0 }));
            }
            batch
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Conversation;
    use crate::encode::encode_conversation;
    use crate::template::Template;
    use crate::tokenizer::build_char_tokenizer;

    fn encoded(pairs: &[(&str, &str)]) -> Vec<EncodedConversation> {
        let texts: Vec<&str> = pairs.iter().flat_map(|(q, a)| [*q, *a]).collect();
        let tok = build_char_tokenizer(&texts);
        let convs = pairs.iter().map(|(q, a)| Conversation::pair(*q, *a));
        convs.enumerate().map(|(i, c)| encode_conversation(&c, i, Template::Plain, &tok, 64).unwrap()).collect()
    }

    /// Checks each row of `batch` against the example it came from, position by position.
    fn check_rows(batch: &Batch, examples: &[EncodedConversation], pad: u32) {
        let seq = batch.seq_len;
        for row in 0..batch.batch_size {
            let r = row * seq..(row + 1) * seq;
            let (inputs, targets, mask) = (&batch.inputs[r.clone()], &batch.targets[r.clone()], &batch.loss_mask[r]);
            let Some(ex) = examples.iter().find(|e| e.ids.len() > 1 && inputs.starts_with(&e.ids[..e.ids.len() - 1]))
            else {
                assert!(
                    inputs.iter().chain(targets).all(|&t| t == pad) && mask.iter().all(|&m| m == 0.0),
                    "padding row"
                );
                continue;
            };
            for pos in 0..seq {
                if pos + 1 < ex.ids.len() {
                    assert_eq!(targets[pos], ex.ids[pos + 1], "the target is the next token");
                    assert_eq!(mask[pos] == 1.0, ex.loss_mask[pos + 1], "the mask is the target's");
                } else {
                    assert_eq!((inputs[pos], targets[pos], mask[pos]), (pad, pad, 0.0), "padding past the end");
                }
            }
        }
    }

    #[test]
    fn targets_are_the_next_tokens_and_the_mask_follows_the_targets() {
        let examples = encoded(&[("最高的山?", "玉山"), ("Longest river?", "The Nile"), ("1+1?", "2")]);
        let mut batcher = Batcher::new(examples.clone(), 2, 40, 0, 5);
        for _ in 0..6 {
            let batch = batcher.next_batch();
            assert_eq!((batch.inputs.len(), batch.targets.len(), batch.loss_mask.len()), (80, 80, 80));
            check_rows(&batch, &examples, 0);
            assert!(batch.loss_tokens() > 0.0);
        }
        let eval = fixed_batches(&examples, 2, 40, 0);
        assert_eq!(eval.len(), 2);
        eval.iter().for_each(|b| check_rows(b, &examples, 0));
        let trained: f32 = eval.iter().map(Batch::loss_tokens).sum();
        assert_eq!(trained as usize, examples.iter().map(EncodedConversation::loss_tokens).sum::<usize>());
        assert!(eval[1].loss_mask[40..].iter().all(|&m| m == 0.0), "the padding row carries no loss");
    }

    #[test]
    fn batch_order_follows_the_seed_and_each_epoch_is_a_permutation() {
        let examples = encoded(&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")]);
        let run = |seed| {
            let mut b = Batcher::new(examples.clone(), 2, 16, 0, seed);
            (0..10).map(|_| b.next_batch()).collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
        // 10 batches of 2 rows are 4 epochs of 5 examples; each epoch holds every example once.
        let batches = run(3);
        let rows: Vec<&[u32]> = batches.iter().flat_map(|b| b.inputs.chunks(16)).collect();
        for epoch in rows.chunks(5) {
            for ex in &examples {
                assert_eq!(epoch.iter().filter(|r| r.starts_with(&ex.ids[..ex.len() - 1])).count(), 1);
            }
        }
        let mut b = Batcher::new(examples.clone(), 2, 16, 0, 3);
        assert_eq!(b.steps_per_epoch(), 3);
        (0..3).for_each(|_| _ = b.next_batch());
        assert_eq!(b.epoch(), 1);
    }

    #[test]
    fn packed_text_trains_on_every_next_token_once() {
        let ids: Vec<u32> = (100..143).collect(); // 43 tokens: 42 next-token pairs
        let batches = pack_text_batches(&ids, 2, 8, 7);
        // Windows start at 0, 8, 16, 24, and a tail window at 34; 5 windows make 3 batches of 2.
        assert_eq!(batches.len(), 3);
        let mut trained = Vec::new();
        for b in &batches {
            assert_eq!((b.inputs.len(), b.targets.len(), b.loss_mask.len()), (16, 16, 16));
            for i in 0..16 {
                assert_eq!(b.targets[i], b.inputs[i] + 1, "targets are the inputs shifted by one");
                if b.loss_mask[i] == 1.0 {
                    trained.push(b.targets[i]);
                }
            }
        }
        trained.sort();
        assert_eq!(trained, (101..143).collect::<Vec<_>>());
        assert_eq!(pack_text_batches(&ids, 2, 8, 7), batches);
        assert_ne!(pack_text_batches(&ids, 2, 8, 8), batches);
        assert!(pack_text_batches(&ids[..8], 2, 8, 7).is_empty());
    }
}
