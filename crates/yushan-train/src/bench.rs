//! The fixed benchmark shapes (shared/BENCH.md): a random frozen base, one random batch reused
//! every step, loss on every position, LoRA r=8 alpha=16 on q and v, AdamW lr 1e-3 wd 0.01.

use burn::tensor::{Device, FloatDType};
use serde::Serialize;
use web_time::Instant;
use yushan_data::Batch;
use yushan_model::{Kernels, LoraConfig, LoraTarget, Model, ModelConfig};
use yushan_rng::SplitMix64;

use crate::{TrainConfig, TrainError, Trainer};

#[derive(Clone, Debug, Serialize)]
pub struct BenchShape {
    pub name: &'static str,
    pub model: ModelConfig,
    pub batch: usize,
    pub seq: usize,
}

impl BenchShape {
    pub fn by_name(name: &str) -> Option<Self> {
        let (vocab, d, layers, heads, ff) = match name.to_ascii_uppercase().as_str() {
            "S" => (1024, 128, 4, 4, 512),
            "M" => (8192, 256, 6, 8, 1024),
            _ => return None,
        };
        let name = if name.eq_ignore_ascii_case("S") { "S" } else { "M" };
        let (batch, seq) = if name == "S" { (8, 64) } else { (8, 128) };
        Some(Self { name, model: ModelConfig::gpt2(vocab, d, layers, heads, ff, seq), batch, seq })
    }

    /// One batch of random tokens from a fixed seed, every position carrying loss.
    pub fn batch(&self, seed: u64) -> Batch {
        let mut rng = SplitMix64::new(seed);
        let n = self.batch * self.seq;
        let stream: Vec<u32> =
            (0..n + self.batch).map(|_| (rng.next_u64() % self.model.vocab_size as u64) as u32).collect();
        let mut inputs = Vec::with_capacity(n);
        let mut targets = Vec::with_capacity(n);
        for row in 0..self.batch {
            let start = row * (self.seq + 1);
            inputs.extend_from_slice(&stream[start..start + self.seq]);
            targets.extend_from_slice(&stream[start + 1..start + self.seq + 1]);
        }
        Batch { batch_size: self.batch, seq_len: self.seq, inputs, targets, loss_mask: vec![1.0; n] }
    }

    pub fn train_config(&self, steps: usize) -> TrainConfig {
        TrainConfig {
            lora: Some(LoraConfig::new(8, 16.0, &[LoraTarget::Q, LoraTarget::V])),
            learning_rate: 1e-3,
            warmup_steps: 0,
            min_lr_ratio: 1.0,
            steps,
            weight_decay: 0.01,
            grad_clip: None,
            seed: 0,
            eval_every: 0,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub shape: String,
    pub params: usize,
    pub trainable: usize,
    pub steps: usize,
    /// From `started` (process or page start) to the first step's loss on the host.
    pub first_step_s: f64,
    /// The first step alone (kernel compilation dominates it on a GPU).
    pub first_step_only_s: f64,
    pub median_step_ms: f64,
    pub tokens_per_s: f64,
    pub first_loss: f32,
    pub last_loss: f32,
    /// The dtype of the frozen base matrices.
    pub matrix_dtype: String,
    /// The GPU kernels the layers ran (`burn` on the CPU, whatever was asked).
    pub kernels: String,
    /// Device memory the model holds before the first step (GPU memory pools; None on the CPU).
    pub model_bytes: Option<u64>,
    /// Device memory the pools have reserved after the last step: at least the peak of a step.
    pub reserved_bytes: Option<u64>,
}

/// Runs `steps` training steps (the first one timed apart) with the frozen matrices stored in
/// `matrix_dtype`, and reports.
pub async fn run(
    shape: &BenchShape,
    device: &Device,
    matrix_dtype: FloatDType,
    kernels: Kernels,
    steps: usize,
    started: Instant,
    mut on_step: impl FnMut(&crate::StepEvent),
) -> Result<BenchReport, TrainError> {
    let steps = steps.max(2);
    let model = Model::init(&shape.model, 1, device).with_matrix_dtype(matrix_dtype).with_kernels(kernels);
    let params = burn::module::Module::num_params(&model);
    let batch = shape.batch(2);
    let mut trainer = Trainer::new(model, shape.train_config(steps), Box::new(move || batch.clone()), vec![], device)?;
    let trainable = trainer.model().trainable_params();
    let kernels_ran = trainer.model().kernels();
    // Pool figures only: no device sync (it would block, which wasm forbids).
    let in_use = || device.memory_pool_usage();
    let model_bytes = in_use().map(|u| u.bytes_in_use);
    let mut times = Vec::with_capacity(steps);
    let mut losses = Vec::with_capacity(steps);
    let mut first_step_s = 0.0;
    while !trainer.is_done() {
        let event = trainer.step().await?;
        if event.step == 1 {
            first_step_s = started.elapsed().as_secs_f64();
        }
        times.push(event.step_ms);
        losses.push(event.loss);
        on_step(&event);
    }
    let mut steady = times[1..].to_vec();
    steady.sort_by(f64::total_cmp);
    let median_step_ms = steady[steady.len() / 2];
    Ok(BenchReport {
        shape: shape.name.to_string(),
        params,
        trainable,
        steps,
        first_step_s,
        first_step_only_s: times[0] / 1e3,
        median_step_ms,
        tokens_per_s: (shape.batch * shape.seq) as f64 / (median_step_ms / 1e3),
        first_loss: losses[0],
        last_loss: *losses.last().expect("at least two steps"),
        matrix_dtype: yushan_model::dtype_name(matrix_dtype).to_string(),
        kernels: kernels_ran.name().to_string(),
        model_bytes,
        reserved_bytes: in_use().map(|u| u.bytes_reserved),
    })
}
