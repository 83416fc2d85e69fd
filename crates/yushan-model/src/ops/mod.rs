//! Operations added to burn as backend extensions, with their own backward passes: the home of
//! the project's GPU kernels (the f16 frozen matmul, tanh-GELU).

pub mod frozen;
pub mod gelu;
