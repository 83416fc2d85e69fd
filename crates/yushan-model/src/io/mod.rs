//! Reading and writing weights: our safetensors layout, Hugging Face checkpoints (names, shards,
//! dtypes) and PEFT adapters.

pub mod checkpoint;
pub mod hf;
pub mod peft;
mod peft_targets;
pub mod weights;
