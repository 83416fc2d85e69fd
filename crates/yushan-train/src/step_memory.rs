//! What one training step holds besides the weights, known from the shapes before anything is
//! allocated, so a front end can refuse a batch that cannot fit with the figure and the limit
//! instead of aborting on a failed allocation.

use yushan_model::{ModelConfig, megabytes};

use crate::LossPlan;

/// A rough upper estimate: it is for refusing runs that cannot fit, not for planning ones that can.
#[derive(Clone, Debug, PartialEq)]
pub struct StepMemory {
    /// Bytes of activations kept for the backward pass, and the logits of the loss.
    pub bytes: u64,
    /// The largest single activation (one device buffer on a GPU): what it is and its bytes.
    pub largest: &'static str,
    pub largest_bytes: u64,
}

impl StepMemory {
    /// A step over `batch` rows of `seq` tokens of a model shaped as `config`.
    pub fn estimate(config: &ModelConfig, batch: usize, seq: usize) -> Self {
        let f32s = |n: u64| n.saturating_mul(4);
        let mul = |a: usize, b: usize| (a as u64).saturating_mul(b as u64);
        let positions = mul(batch, seq);
        let (d, ff, heads) = (config.hidden_size, config.intermediate_size, config.num_heads);
        // Per layer and position, what the backward pass keeps: the residual stream and its
        // norms, q/k/v and the attention output, the MLP's inputs and activations, and a row of
        // attention scores and probabilities per head.
        let per_position = (6 * d as u64)
            .saturating_add(2 * config.q_dim() as u64)
            .saturating_add(2 * config.kv_dim() as u64)
            .saturating_add(4 * ff as u64)
            .saturating_add(mul(2 * heads, seq));
        let layers = f32s(positions.saturating_mul(per_position).saturating_mul(config.num_layers as u64));
        // Logits, their log-softmax and gradient, for the positions the loss plan holds at once.
        let logits_rows = match LossPlan::new(positions.min(usize::MAX as u64) as usize, config.vocab_size) {
            LossPlan::OnePass => positions,
            LossPlan::Chunks(rows) => (rows as u64).min(positions),
        };
        let logits = f32s(logits_rows.saturating_mul(config.vocab_size as u64));
        let buffers = [
            ("the attention scores", f32s(mul(batch, heads).saturating_mul(mul(seq, seq)))),
            ("the MLP activations", f32s(positions.saturating_mul(ff as u64))),
            ("the logits", logits),
        ];
        let (largest, largest_bytes) = buffers.into_iter().max_by_key(|(_, b)| *b).expect("three buffers");
        Self { bytes: layers.saturating_add(logits.saturating_mul(3)), largest, largest_bytes }
    }

    /// Refuses a step whose largest activation does not fit in one device buffer.
    pub fn check_buffer_limit(&self, max_buffer_bytes: u64) -> Result<(), String> {
        if self.largest_bytes > max_buffer_bytes {
            return Err(format!(
                "one training step needs {} for {} alone, more than this device allows in one buffer ({}): \
                 lower the batch size or the sequence length",
                megabytes(self.largest_bytes),
                self.largest,
                megabytes(max_buffer_bytes)
            ));
        }
        Ok(())
    }

    /// Refuses a step that needs more than `available_bytes` of memory in all.
    pub fn check_memory(&self, available_bytes: u64) -> Result<(), String> {
        if self.bytes > available_bytes {
            return Err(format!(
                "one training step needs about {} of memory, more than the {} available: \
                 lower the batch size or the sequence length",
                megabytes(self.bytes),
                megabytes(available_bytes)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> ModelConfig {
        ModelConfig::llama(122, 64, 2, 4, 2, 128, 128)
    }

    #[test]
    fn grows_with_the_batch_and_the_square_of_the_sequence_in_attention() {
        let (one, two) = (StepMemory::estimate(&small(), 8, 64), StepMemory::estimate(&small(), 16, 64));
        assert!(two.bytes > one.bytes && two.bytes <= 2 * one.bytes, "{one:?} {two:?}");
        let long = StepMemory::estimate(&small(), 1, 4096);
        assert_eq!((long.largest, long.largest_bytes), ("the attention scores", 4 * 4 * 4096 * 4096));
    }

    #[test]
    fn a_small_step_fits_and_an_absurd_batch_is_refused_with_its_figure() {
        let step = StepMemory::estimate(&small(), 8, 64);
        // 8 × 64 positions, two layers: well under a few megabytes.
        assert!(step.bytes < 8_000_000, "{step:?}");
        assert!(step.check_memory(1 << 30).is_ok() && step.check_buffer_limit(1 << 27).is_ok());
        let absurd = StepMemory::estimate(&small(), 1_000_000, 64);
        let err = absurd.check_memory(16 << 30).unwrap_err();
        assert!(err.starts_with("one training step needs about ") && err.contains("more than the 17179.9 MB"), "{err}");
        let err = absurd.check_buffer_limit(1 << 28).unwrap_err();
        assert!(err.contains("the attention scores") && err.contains("(268.4 MB)"), "{err}");
    }

    #[test]
    fn sizes_that_overflow_saturate_instead_of_wrapping() {
        let huge = ModelConfig { hidden_size: 1 << 40, ..small() };
        let step = StepMemory::estimate(&huge, usize::MAX / 2, 1 << 20);
        assert!(step.check_memory(u64::MAX - 1).is_err());
    }
}
