//! Decoder-only transformers (GPT-2 and Llama/Qwen style) with LoRA adapters, in burn.
//! Model code has no backend parameter: burn's `Device` picks wgpu, the CPU or autodiff.

pub mod attention;
pub mod checkpoint;
pub mod config;
pub mod dense;
pub mod frozen;
pub mod gelu;
pub mod hf;
pub mod lora;
pub mod memory;
pub mod mlp;
pub mod model;
pub mod norm;
pub mod peft;
mod peft_targets;
pub mod positions;
pub use yushan_rng as rng;
pub mod weights;

pub use checkpoint::{INDEX_FILE, Layout, ShardIndex, WEIGHTS_FILE};
pub use config::{Architecture, ModelConfig, RopeScaling};
pub use lora::{LoraConfig, LoraTarget};
pub use memory::WeightEstimate;
pub use model::{KvCache, Model};

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("invalid model config: {0}")]
    Config(String),
    #[error("{0}")]
    Weights(String),
}
