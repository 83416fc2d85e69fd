//! What a training run reports, step by step; the CLI and the page consume the same events.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepEvent {
    /// 1-based step number.
    pub step: usize,
    pub total_steps: usize,
    /// Mean masked cross-entropy of this step's batch.
    pub loss: f32,
    /// Mean loss over the held-out set, on the steps where it was evaluated.
    pub heldout_loss: Option<f32>,
    pub lr: f64,
    /// Wall time of this step (forward, backward, update and loss readback).
    pub step_ms: f64,
    /// Positions processed per second in this step (batch × seq / step time).
    pub tokens_per_s: f64,
    /// Since the trainer was created.
    pub elapsed_ms: f64,
}
