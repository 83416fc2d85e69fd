//! A linear projection whose frozen base may carry a LoRA adapter.

use burn::module::{Module, Param, ParamId};
use burn::tensor::{Device, FloatDType, Shape, Tensor, TensorData};

use crate::layers::lora::{LoraAdapter, LoraConfig};
use crate::ops::frozen::frozen_matmul;
use crate::ops::kernels::Kernels;
use crate::ops::lora::lora_add;
use yushan_rng::SplitMix64;

/// `y = x · W + b (+ LoRA)`, with W stored as [in, out] (transposed from Hugging Face's [out, in]);
/// a frozen W may be stored in f16 (see [`crate::ops::frozen`]).
#[derive(Module, Debug)]
pub struct Dense {
    pub weight: Param<Tensor<2>>,
    pub bias: Option<Param<Tensor<1>>>,
    pub lora: Option<LoraAdapter>,
    #[module(skip)]
    pub kernels: Kernels,
}

impl Dense {
    /// Weight ~ N(0, std²) drawn from its own stream `rng`, bias zero.
    pub fn init(d_in: usize, d_out: usize, bias: bool, std: f64, rng: SplitMix64, device: &Device) -> Self {
        Self {
            weight: random_param(rng, [d_in, d_out], std, device),
            bias: bias.then(|| Param::from_tensor(Tensor::zeros([d_out], device))),
            lora: None,
            kernels: Kernels::default(),
        }
    }

    pub fn d_in(&self) -> usize {
        self.weight.lazy_shape()[0]
    }

    pub fn d_out(&self) -> usize {
        self.weight.lazy_shape()[1]
    }

    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let mut y = frozen_matmul(x.clone(), self.weight.val());
        if let Some(bias) = &self.bias {
            y = y + bias.val().unsqueeze::<D>();
        }
        match &self.lora {
            Some(lora) if self.kernels == Kernels::Wgsl => {
                lora_add(y, lora.dropout.forward(x), lora.a.val(), lora.b.val(), lora.scale)
            }
            Some(lora) => y + lora.forward(x),
            None => y,
        }
    }

    pub fn attach_lora(&mut self, config: &LoraConfig, rng: &mut SplitMix64) {
        let device = self.weight.device();
        self.lora = Some(LoraAdapter::new(self.d_in(), self.d_out(), config, rng, &device));
    }

    /// Folds the adapter into the base weight (W + scale·A·B, summed in f32) and drops it; the
    /// weight keeps the dtype it was stored in.
    pub fn merge_lora(&mut self) {
        if let Some(lora) = self.lora.take() {
            let weight = self.weight.val();
            let dtype = FloatDType::from(weight.dtype());
            let merged = (weight.cast(FloatDType::F32) + lora.delta()).cast(dtype);
            self.weight = Param::from_tensor(merged.detach()).set_require_grad(false);
        }
    }

    /// Stores the (frozen) base weight in `dtype`; biases and adapters stay as they are.
    pub fn cast_weight(&mut self, dtype: FloatDType) {
        self.weight = cast_frozen(self.weight.clone(), dtype);
    }
}

/// `param` stored in `dtype` and frozen (no gradient); unchanged when it already is.
pub(crate) fn cast_frozen<const D: usize>(param: Param<Tensor<D>>, dtype: FloatDType) -> Param<Tensor<D>> {
    // Random params are drawn in f32 on first use: asking for f32 must not draw them now.
    if dtype == FloatDType::F32 && !param.is_initialized() {
        return param;
    }
    let tensor = param.val();
    if tensor.dtype() == dtype.into() {
        return param;
    }
    Param::from_tensor(tensor.cast(dtype).detach()).set_require_grad(false)
}

/// A parameter ~ N(0, std²) drawn from `rng` when first used. Lazy so that loading a checkpoint
/// (which replaces every weight) never draws or uploads the random values: for a 0.5B-parameter
/// model that would be seconds of work and gigabytes of traffic.
pub(crate) fn random_param<const D: usize>(
    mut rng: SplitMix64,
    shape: [usize; D],
    std: f64,
    device: &Device,
) -> Param<Tensor<D>> {
    let init = move |device: &Device, require_grad: bool| {
        let values = rng.normal_vec(shape.iter().product(), std);
        let tensor = Tensor::from_data(TensorData::new(values, shape), device);
        if require_grad { tensor.require_grad() } else { tensor }
    };
    Param::uninitialized(ParamId::new(), init, device.clone(), true, Shape::new(shape))
}
