//! The feed-forward half of a block: GELU (GPT-2) or SwiGLU (Llama/Qwen).

use burn::module::Module;
use burn::tensor::activation::silu;
use burn::tensor::{Device, Tensor};

use crate::config::{Architecture, ModelConfig};
use crate::layers::dense::Dense;
use crate::ops::gelu::gelu_tanh;
use crate::ops::kernels::Kernels;
use crate::ops::swiglu::swiglu;
use yushan_rng::SplitMix64;

#[derive(Module, Debug)]
pub struct Mlp {
    /// SwiGLU's gate; absent for GPT-2.
    pub gate_proj: Option<Dense>,
    pub up_proj: Dense,
    pub down_proj: Dense,
    #[module(skip)]
    pub kernels: Kernels,
}

impl Mlp {
    pub fn init(config: &ModelConfig, rng: &mut SplitMix64, out_std: f64, device: &Device) -> Self {
        let (d, ff) = (config.hidden_size, config.intermediate_size);
        let gpt2 = config.architecture == Architecture::Gpt2;
        Self {
            gate_proj: (!gpt2).then(|| Dense::init(d, ff, false, 0.02, rng.fork(), device)),
            up_proj: Dense::init(d, ff, gpt2, 0.02, rng.fork(), device),
            down_proj: Dense::init(ff, d, gpt2, out_std, rng.fork(), device),
            kernels: Kernels::default(),
        }
    }

    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let hidden = match &self.gate_proj {
            Some(gate) if self.kernels == Kernels::Wgsl => swiglu(gate.forward(x.clone()), self.up_proj.forward(x)),
            Some(gate) => silu(gate.forward(x.clone())) * self.up_proj.forward(x),
            // GPT-2's "gelu_new" is the tanh approximation.
            None => gelu_tanh(self.up_proj.forward(x), self.kernels),
        };
        self.down_proj.forward(hidden)
    }
}
