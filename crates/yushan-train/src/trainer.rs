//! The fine-tuning loop: LoRA (or full) fine-tuning with AdamW, warm-up + cosine, global-norm
//! clipping and periodic held-out loss. `step` is async because reading the loss back must
//! not block in a browser.

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Device, FloatDType, Tensor};
use serde::{Deserialize, Serialize};
use web_time::Instant;
use yushan_data::Batch;
use yushan_model::{LoraConfig, Model};

use crate::TrainError;
use crate::chunked::{LossPlan, loss_and_grads, nll_sum};
use crate::events::StepEvent;
use crate::loss::DeviceBatch;
use crate::optim::FlatAdamW;
use crate::schedule::Schedule;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// `None` trains every weight (full fine-tuning, for comparison).
    pub lora: Option<LoraConfig>,
    pub learning_rate: f64,
    pub warmup_steps: usize,
    pub min_lr_ratio: f64,
    pub steps: usize,
    pub weight_decay: f64,
    /// Global gradient-norm limit; `None` disables clipping.
    pub grad_clip: Option<f64>,
    pub seed: u64,
    /// Evaluate held-out loss every this many steps (and at the last step); 0 = never.
    pub eval_every: usize,
}

impl TrainConfig {
    /// Why these settings cannot train, if they cannot: every number in its range, so a typo
    /// is refused by name instead of diverging or panicking steps later.
    pub fn check(&self) -> Result<(), String> {
        let positive = |name: &str, value: f64| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be a positive number, not {value}"))
            }
        };
        if self.steps == 0 {
            return Err("steps must be at least 1".into());
        }
        positive("the learning rate", self.learning_rate)?;
        if self.warmup_steps > self.steps {
            return Err(format!(
                "the warm-up ({} steps) is longer than the run ({} steps): the learning rate would never reach its peak",
                self.warmup_steps, self.steps
            ));
        }
        if !(0.0..=1.0).contains(&self.min_lr_ratio) {
            return Err(format!("the final learning-rate ratio must be between 0 and 1, not {}", self.min_lr_ratio));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(format!("weight decay must be 0 or more, not {}", self.weight_decay));
        }
        if let Some(clip) = self.grad_clip {
            positive("the gradient clip", clip)?;
        }
        self.lora.as_ref().map_or(Ok(()), LoraConfig::check)
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            lora: Some(LoraConfig::new(8, 16.0, &[yushan_model::LoraTarget::Q, yushan_model::LoraTarget::V])),
            learning_rate: 1e-3,
            warmup_steps: 5,
            min_lr_ratio: 0.1,
            steps: 100,
            weight_decay: 0.01,
            grad_clip: Some(1.0),
            seed: 0,
            eval_every: 10,
        }
    }
}

/// Where training batches come from (shuffled epochs, a fixed benchmark batch, …).
pub trait BatchSource {
    fn next_batch(&mut self) -> Batch;
}

impl<F: FnMut() -> Batch> BatchSource for F {
    fn next_batch(&mut self) -> Batch {
        self()
    }
}

pub struct Trainer {
    model: Model,
    optimizer: FlatAdamW,
    schedule: Schedule,
    config: TrainConfig,
    train: Box<dyn BatchSource>,
    heldout: Vec<Batch>,
    step: usize,
    started: Instant,
}

impl Trainer {
    /// Prepares `model` for training on `device` (which gets autodiff): attaches fresh adapters
    /// (freezing the base) when `config.lora` is set, or unfreezes everything otherwise.
    pub fn new(
        model: Model,
        config: TrainConfig,
        train: Box<dyn BatchSource>,
        heldout: Vec<Batch>,
        device: &Device,
    ) -> Result<Self, TrainError> {
        config.check().map_err(TrainError::Config)?;
        if let Some(lora) = &config.lora {
            lora.check_for(&model.config).map_err(TrainError::Config)?;
        }
        let device = device.clone().autodiff();
        device.seed(config.seed);
        let model = onto_autodiff(model.fork(&device));
        let model = match &config.lora {
            Some(lora) => model.without_lora().with_lora(lora, config.seed),
            // Every weight trains: in f32, whatever the model was stored in.
            None => model.without_lora().with_matrix_dtype(FloatDType::F32).unfreeze(),
        };
        let optimizer = FlatAdamW::new(config.weight_decay, config.grad_clip).with_kernels(model.kernels());
        let schedule = Schedule {
            peak_lr: config.learning_rate,
            warmup_steps: config.warmup_steps,
            total_steps: config.steps,
            min_lr_ratio: config.min_lr_ratio,
        };
        Ok(Self { model, optimizer, schedule, config, train, heldout, step: 0, started: Instant::now() })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    pub fn steps_done(&self) -> usize {
        self.step
    }

    pub fn is_done(&self) -> bool {
        self.step >= self.config.steps
    }

    /// The model as trained so far, off autodiff, for asking it questions mid-run; training
    /// goes on from where it was.
    pub fn current_model(&self) -> Model {
        self.model.clone().valid()
    }

    /// The trained model, off autodiff, ready for generation or export.
    pub fn into_model(self) -> Model {
        self.model.valid()
    }

    /// One optimisation step; evaluates held-out loss when it is due.
    pub async fn step(&mut self) -> Result<StepEvent, TrainError> {
        let started = Instant::now();
        let device = self.model.device();
        let batch = self.train.next_batch();
        let positions = batch.batch_size * batch.seq_len;
        let tokens = positions as f64;
        let batch = DeviceBatch::upload(&batch, &device);

        let plan = LossPlan::new(positions, self.model.config.vocab_size);
        let (loss, grads) = loss_and_grads(&self.model, &batch, plan);
        let lr = self.schedule.lr(self.step);
        self.model = self.optimizer.step(lr, self.model.clone(), grads);
        let loss = read_scalar(loss).await?;
        if !loss.is_finite() {
            return Err(TrainError::Diverged { step: self.step + 1, loss });
        }
        self.step += 1;
        let step_ms = started.elapsed().as_secs_f64() * 1e3;

        let due = self.config.eval_every > 0 && (self.step.is_multiple_of(self.config.eval_every) || self.is_done());
        let heldout_loss = if due && !self.heldout.is_empty() { Some(self.heldout_loss().await?) } else { None };

        Ok(StepEvent {
            step: self.step,
            total_steps: self.config.steps,
            loss,
            heldout_loss,
            lr,
            step_ms,
            tokens_per_s: tokens / (step_ms / 1e3),
            elapsed_ms: self.started.elapsed().as_secs_f64() * 1e3,
        })
    }

    /// Mean masked loss over every held-out batch.
    pub async fn heldout_loss(&self) -> Result<f32, TrainError> {
        evaluate_loss(&self.model.valid(), &self.heldout).await
    }
}

/// Puts every parameter on the autodiff graph, trainable. `fork` alone does not: a model
/// built on the plain device of the same backend stays untracked.
fn onto_autodiff(model: Model) -> Model {
    struct Track;
    impl ModuleMapper for Track {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            param.map(|t| t.autodiff()).set_require_grad(true)
        }
    }
    model.map(&mut Track)
}

/// Mean masked cross-entropy of `model` over `batches` (token-weighted).
pub async fn evaluate_loss(model: &Model, batches: &[Batch]) -> Result<f32, TrainError> {
    let device = model.device();
    let mut total = 0.0f64;
    let mut count = 0.0f64;
    for batch in batches {
        let plan = LossPlan::new(batch.batch_size * batch.seq_len, model.config.vocab_size);
        let batch = DeviceBatch::upload(batch, &device);
        total += read_scalar(nll_sum(model, &batch, plan)).await? as f64;
        count += batch.loss_tokens as f64;
    }
    Ok((total / count.max(1.0)) as f32)
}

pub(crate) async fn read_scalar(t: Tensor<1>) -> Result<f32, TrainError> {
    let data = t.into_data_async().await.map_err(|e| TrainError::Device(format!("{e:?}")))?;
    let values = data.convert::<f32>().try_into_vec::<f32>().map_err(|e| TrainError::Device(format!("{e:?}")))?;
    values.first().copied().ok_or_else(|| TrainError::Device("empty readback".into()))
}
