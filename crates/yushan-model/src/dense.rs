//! A linear projection whose frozen base may carry a LoRA adapter.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};

use crate::lora::{LoraAdapter, LoraConfig, unsqueeze_as};
use crate::rng::SplitMix64;

/// `y = x · W + b (+ LoRA)`, with W stored as [in, out] (transposed from Hugging Face's [out, in]).
#[derive(Module, Debug)]
pub struct Dense {
    pub weight: Param<Tensor<2>>,
    pub bias: Option<Param<Tensor<1>>>,
    pub lora: Option<LoraAdapter>,
}

impl Dense {
    pub fn init(d_in: usize, d_out: usize, bias: bool, std: f64, rng: &mut SplitMix64, device: &Device) -> Self {
        let weight = rng.normal_vec(d_in * d_out, std);
        Self {
            weight: Param::from_tensor(Tensor::from_data(TensorData::new(weight, [d_in, d_out]), device)),
            bias: bias.then(|| Param::from_tensor(Tensor::zeros([d_out], device))),
            lora: None,
        }
    }

    pub fn d_in(&self) -> usize {
        self.weight.dims()[0]
    }

    pub fn d_out(&self) -> usize {
        self.weight.dims()[1]
    }

    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let mut y = x.clone().matmul(unsqueeze_as::<D>(self.weight.val()));
        if let Some(bias) = &self.bias {
            y = y + bias.val().unsqueeze::<D>();
        }
        if let Some(lora) = &self.lora {
            y = y + lora.forward(x);
        }
        y
    }

    pub fn attach_lora(&mut self, config: &LoraConfig, rng: &mut SplitMix64) {
        let device = self.weight.device();
        self.lora = Some(LoraAdapter::new(self.d_in(), self.d_out(), config, rng, &device));
    }

    /// Folds the adapter into the base weight (W + scale·A·B) and drops it.
    pub fn merge_lora(&mut self) {
        if let Some(lora) = self.lora.take() {
            let merged = self.weight.val() + lora.delta();
            self.weight = Param::from_tensor(merged.detach()).set_require_grad(false);
        }
    }
}
