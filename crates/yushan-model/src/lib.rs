//! Decoder-only transformers (GPT-2 and Llama/Qwen style) with LoRA adapters, in burn.
//! Model code has no backend parameter: burn's `Device` picks wgpu, the CPU or autodiff.

pub mod config;
mod io;
mod layers;
pub mod memory;
pub mod model;
mod ops;

pub use config::{Architecture, ModelConfig, RopeScaling};
pub use io::checkpoint::{INDEX_FILE, Layout, ShardIndex, WEIGHTS_FILE};
pub use io::peft::parse_peft_config;
pub use io::weights::describe;
pub use layers::lora::{LoraConfig, LoraTarget};
pub use memory::{WeightEstimate, dtype_name, megabytes};
pub use model::{KvCache, Model};
pub use ops::adamw::{AdamWStep, adamw_step};
pub use ops::frozen::{FrozenPrecision, frozen_matmul};
pub use ops::gelu::gelu_tanh;
pub use ops::kernels::Kernels;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("invalid model config: {0}")]
    Config(String),
    #[error("{0}")]
    Weights(String),
}
