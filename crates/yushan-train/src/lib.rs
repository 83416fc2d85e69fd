//! Fine-tuning, evaluation, generation and benchmarks for yushan models. Every front end (the
//! CLI, the page's worker) drives the same `Trainer` and consumes the same `StepEvent`s.

pub mod bench;
pub mod choices;
pub mod chunked;
pub mod events;
pub mod finetune;
pub mod generate;
pub mod loss;
pub mod optim;
pub mod schedule;
pub mod step_memory;
pub mod trainer;

pub use choices::{Choice, Position, next_token_choices};
pub use chunked::{LOGITS_BUDGET, LossPlan};
pub use events::StepEvent;
pub use finetune::{DataSummary, FineTuneSpec, answer, fitting_seq_len, prepare, question_prompt, stop_tokens};
pub use generate::{Generation, SamplingConfig, StopReason, generate};
pub use step_memory::StepMemory;
pub use trainer::{BatchSource, TrainConfig, Trainer, evaluate_loss};

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("invalid training settings: {0}")]
    Config(String),
    #[error("training diverged at step {step}: loss is {loss}")]
    Diverged { step: usize, loss: f32 },
    #[error("device error: {0}")]
    Device(String),
    #[error(transparent)]
    Model(#[from] yushan_model::ModelError),
    #[error(transparent)]
    Data(#[from] yushan_data::DataError),
}
