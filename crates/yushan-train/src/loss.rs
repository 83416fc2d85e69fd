//! Next-token cross-entropy over the positions the loss mask selects.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use yushan_data::Batch;
use yushan_model::Model;

/// A batch uploaded to the device.
pub struct DeviceBatch {
    pub inputs: Tensor<2, Int>,
    pub targets: Tensor<2, Int>,
    pub mask: Tensor<2>,
    /// Number of positions that carry loss (known on the host, so no readback is needed).
    pub loss_tokens: f32,
    /// The positions that carry loss, kept on the host: the chunked loss computes logits for
    /// these only.
    pub loss_positions: LossPositions,
}

/// Positions with a non-zero mask, flattened (row · seq_len + column), with their targets and
/// mask weights.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LossPositions {
    pub flat: Vec<i32>,
    pub targets: Vec<i32>,
    pub weights: Vec<f32>,
}

impl LossPositions {
    pub fn of(batch: &Batch) -> Self {
        let mut out = Self::default();
        for (i, (&weight, &target)) in batch.loss_mask.iter().zip(&batch.targets).enumerate() {
            if weight != 0.0 {
                out.flat.push(i as i32);
                out.targets.push(target as i32);
                out.weights.push(weight);
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.flat.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flat.is_empty()
    }
}

impl DeviceBatch {
    pub fn upload(batch: &Batch, device: &Device) -> Self {
        let shape = [batch.batch_size, batch.seq_len];
        let ints = |ids: &[u32]| -> Tensor<2, Int> {
            let ids: Vec<i32> = ids.iter().map(|&i| i as i32).collect();
            Tensor::from_data(TensorData::new(ids, shape), device)
        };
        Self {
            inputs: ints(&batch.inputs),
            targets: ints(&batch.targets),
            mask: Tensor::from_data(TensorData::new(batch.loss_mask.clone(), shape), device),
            loss_tokens: batch.loss_mask.iter().sum(),
            loss_positions: LossPositions::of(batch),
        }
    }
}

/// Sum over masked positions of −log p(target), shape [1], with the logits of every position in
/// one tensor. Divide by `loss_tokens` for the mean.
pub fn masked_nll_sum(model: &Model, batch: &DeviceBatch) -> Tensor<1> {
    let logits = model.forward(batch.inputs.clone());
    let [b, t, _] = logits.dims();
    let log_probs = log_softmax(logits, 2);
    let picked = log_probs.gather(2, batch.targets.clone().reshape([b, t, 1])).reshape([b, t]);
    (picked * batch.mask.clone()).sum().neg()
}

/// Mean masked cross-entropy, shape [1].
pub fn masked_cross_entropy(model: &Model, batch: &DeviceBatch) -> Tensor<1> {
    masked_nll_sum(model, batch).div_scalar(batch.loss_tokens.max(1.0))
}
