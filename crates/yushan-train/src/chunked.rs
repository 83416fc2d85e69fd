//! The loss and its gradients a chunk of positions at a time, so that a large vocabulary never
//! needs the logits of every position at once.
//!
//! With Qwen's 151,936 tokens, batch 4 × 256 has 155.6 M logits (622 MB as f32), and autodiff
//! keeps them and their log-softmax (as large again) until the backward pass. Instead the trunk
//! runs once and its final hidden states are cut off the graph into a leaf. For each chunk of
//! the positions that carry loss (prompts and padding need no logits at all), the head computes
//! logits, the chunk's share of the mean loss and its backward pass: the gradient with respect
//! to the hidden leaf, and to the head's weights when they train (full fine-tuning, tied
//! embeddings included). One chunk's logits are gone before the next chunk's are made. A last
//! backward pass through the trunk from `sum(hidden · g)`, with g the summed hidden gradient,
//! gives the trunk's gradients; the head's are added in. The optimizer gets what the one-pass
//! loss gives it, up to the order of float additions.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use yushan_model::Model;

use crate::loss::{DeviceBatch, LossPositions, masked_cross_entropy, masked_nll_sum};

/// Logits elements one chunk may hold: 2^24 floats, 64 MiB, half of WebGPU's default
/// `maxStorageBufferBindingSize`. A batch whose logits fit (every small model) keeps the
/// one-pass loss, which is faster.
pub const LOGITS_BUDGET: usize = 1 << 24;

/// How the loss meets the output head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossPlan {
    /// Logits for every position in one tensor.
    OnePass,
    /// Logits for at most this many loss-carrying positions at a time.
    Chunks(usize),
}

impl LossPlan {
    /// The plan for `positions` (batch × sequence) over a vocabulary of `vocab` tokens.
    pub fn new(positions: usize, vocab: usize) -> Self {
        Self::with_budget(positions, vocab, LOGITS_BUDGET)
    }

    pub fn with_budget(positions: usize, vocab: usize, budget: usize) -> Self {
        if positions.saturating_mul(vocab) <= budget {
            Self::OnePass
        } else {
            Self::Chunks((budget / vocab.max(1)).max(1))
        }
    }

    /// The most logits elements the plan holds at once for `positions` positions.
    pub fn peak_logits(self, positions: usize, vocab: usize) -> usize {
        match self {
            Self::OnePass => positions * vocab,
            Self::Chunks(rows) => rows.min(positions) * vocab,
        }
    }
}

/// Mean masked cross-entropy, shape [1], and the gradient of every trainable parameter of
/// `model` (which lives on an autodiff device).
pub fn loss_and_grads(model: &Model, batch: &DeviceBatch, plan: LossPlan) -> (Tensor<1>, GradientsParams) {
    let LossPlan::Chunks(rows) = plan else {
        let loss = masked_cross_entropy(model, batch);
        let grads = GradientsParams::from_grads(loss.backward(), model);
        return (loss, grads);
    };
    let hidden = model.forward_hidden(batch.inputs.clone());
    let [b, t, d] = hidden.dims();
    // Every chunk's graph starts at this leaf: a node between them would be consumed by the
    // first chunk's backward pass.
    let leaf = hidden.clone().reshape([b * t, d]).detach().require_grad();
    let per_token = 1.0 / batch.loss_tokens.max(1.0);
    let mut total: Option<Tensor<1>> = None;
    let mut hidden_grad: Option<Tensor<2>> = None;
    let mut head_grads = GradientsParams::new();
    for chunk in chunks(&batch.loss_positions, rows) {
        let nll = chunk_nll(model, leaf.clone(), &chunk, &leaf.device());
        total = Some(add(total, nll.clone().inner()));
        let mut grads = nll.mul_scalar(per_token).backward();
        if let Some(g) = leaf.grad_remove(&mut grads) {
            hidden_grad = Some(add(hidden_grad, g));
        }
        add_grads(model, &mut head_grads, GradientsParams::from_module(&mut grads, model));
    }
    // The trunk's backward pass: d/dθ sum(hidden · g) = gᵀ · ∂hidden/∂θ, g held constant.
    let surrogate = match hidden_grad {
        Some(g) => (hidden * g.reshape([b, t, d])).sum(),
        None => hidden.sum().mul_scalar(0.0), // nothing carries loss: zero gradients
    };
    let mut grads = GradientsParams::from_grads(surrogate.backward(), model);
    add_grads(model, &mut grads, head_grads);
    let loss =
        total.unwrap_or_else(|| Tensor::zeros([1], &leaf.device().inner())).div_scalar(batch.loss_tokens.max(1.0));
    (loss, grads)
}

/// Sum over masked positions of −log p(target), shape [1], following `plan`; for evaluation
/// (no backward pass).
pub fn nll_sum(model: &Model, batch: &DeviceBatch, plan: LossPlan) -> Tensor<1> {
    let LossPlan::Chunks(rows) = plan else { return masked_nll_sum(model, batch) };
    let hidden = model.forward_hidden(batch.inputs.clone());
    let device = hidden.device();
    let [b, t, d] = hidden.dims();
    let flat = hidden.reshape([b * t, d]);
    chunks(&batch.loss_positions, rows)
        .map(|chunk| chunk_nll(model, flat.clone(), &chunk, &device))
        .reduce(|a, b| a + b)
        .unwrap_or_else(|| Tensor::zeros([1], &device))
}

/// `positions` in runs of at most `rows`.
fn chunks(positions: &LossPositions, rows: usize) -> impl Iterator<Item = LossPositions> + '_ {
    (0..positions.len()).step_by(rows.max(1)).map(move |start| {
        let range = start..(start + rows).min(positions.len());
        LossPositions {
            flat: positions.flat[range.clone()].to_vec(),
            targets: positions.targets[range.clone()].to_vec(),
            weights: positions.weights[range].to_vec(),
        }
    })
}

/// −Σ weight · log p(target) over `chunk`, from the flattened hidden states [positions, hidden].
fn chunk_nll(model: &Model, hidden: Tensor<2>, chunk: &LossPositions, device: &Device) -> Tensor<1> {
    let n = chunk.len();
    let positions: Tensor<1, Int> = Tensor::from_data(TensorData::new(chunk.flat.clone(), [n]), device);
    let targets: Tensor<3, Int> = Tensor::from_data(TensorData::new(chunk.targets.clone(), [1, n, 1]), device);
    let weights: Tensor<1> = Tensor::from_data(TensorData::new(chunk.weights.clone(), [n]), device);
    let rows = hidden.select(0, positions).unsqueeze::<3>();
    let log_probs = log_softmax(model.logits(rows), 2);
    let picked = log_probs.gather(2, targets).reshape([n]);
    (picked * weights).sum().neg()
}

fn add<const D: usize>(sum: Option<Tensor<D>>, term: Tensor<D>) -> Tensor<D> {
    match sum {
        Some(sum) => sum + term,
        None => term,
    }
}

/// Adds each of `more`'s gradients of `module`'s parameters into `into`.
fn add_grads<M: Module>(module: &M, into: &mut GradientsParams, mut more: GradientsParams) {
    struct Add<'a> {
        into: &'a mut GradientsParams,
        more: &'a mut GradientsParams,
    }
    impl ModuleVisitor for Add<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(grad) = self.more.remove::<D>(param.id) {
                let sum = add(self.into.remove::<D>(param.id), grad);
                self.into.register(param.id, sum);
            }
        }
    }
    if !more.is_empty() {
        module.visit(&mut Add { into, more: &mut more });
    }
}
