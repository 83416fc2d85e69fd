//! The layers a decoder is built of: attention, MLP, norms, positions, and the dense and LoRA
//! projections they share.

pub mod attention;
pub mod dense;
pub mod lora;
pub mod mlp;
pub mod norm;
pub mod positions;
