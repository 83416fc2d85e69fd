//! LayerNorm (GPT-2) and RMSNorm (Llama/Qwen) as one module: they share the learned scale.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use crate::ops::kernels::Kernels;
use crate::ops::norm::{layer_norm, rms_norm};

#[derive(Module, Debug)]
pub struct Norm {
    pub weight: Param<Tensor<1>>,
    /// Present for LayerNorm only.
    pub bias: Option<Param<Tensor<1>>>,
    pub eps: f64,
    #[module(skip)]
    pub kernels: Kernels,
}

impl Norm {
    pub fn layer_norm(dim: usize, eps: f64, device: &Device) -> Self {
        Self {
            weight: Param::from_tensor(Tensor::ones([dim], device)),
            bias: Some(Param::from_tensor(Tensor::zeros([dim], device))),
            eps,
            kernels: Kernels::default(),
        }
    }

    pub fn rms_norm(dim: usize, eps: f64, device: &Device) -> Self {
        Self { weight: Param::from_tensor(Tensor::ones([dim], device)), bias: None, eps, kernels: Kernels::default() }
    }

    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        if self.kernels == Kernels::Wgsl {
            return match &self.bias {
                Some(bias) => layer_norm(x, self.weight.val(), bias.val(), self.eps),
                None => rms_norm(x, self.weight.val(), self.eps),
            };
        }
        let normed = match &self.bias {
            Some(_) => {
                let centred = x.clone() - x.mean_dim(2);
                let var = centred.clone().powi_scalar(2).mean_dim(2);
                centred / (var + self.eps).sqrt()
            }
            None => {
                let ms = x.clone().powi_scalar(2).mean_dim(2);
                x / (ms + self.eps).sqrt()
            }
        };
        let y = normed * self.weight.val().unsqueeze::<3>();
        match &self.bias {
            Some(bias) => y + bias.val().unsqueeze::<3>(),
            None => y,
        }
    }
}
