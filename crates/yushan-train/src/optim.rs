//! AdamW over every trainable parameter at once, with global-norm clipping folded in.
//!
//! burn's AdamW runs ~14 element-wise kernels per parameter tensor and per-tensor clipping
//! would change the update's direction; with LoRA on all 7 projections of a 2-layer model
//! that was ~530 of ~1,110 GPU dispatches a step, and on a software GPU each dispatch costs
//! milliseconds. Here the gradients are concatenated into one vector, so the update is ~15
//! kernels plus one concatenation and one slice per parameter. The arithmetic is burn's
//! AdamW's (decoupled weight decay, bias-corrected moments, ε outside the square root) and
//! PyTorch's `clip_grad_norm_` (‖g‖ over all parameters, scale min(1, max/(‖g‖+1e-6))).
//! With the WGSL kernels the clipping and the update are one dispatch (`shaders/adamw.wgsl`).

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use yushan_model::{AdamWStep, Kernels, adamw_step};

#[derive(Clone, Debug)]
pub struct FlatAdamW {
    pub beta_1: f64,
    pub beta_2: f64,
    pub epsilon: f64,
    pub weight_decay: f64,
    /// Global gradient-norm limit; `None` disables clipping.
    pub max_grad_norm: Option<f64>,
    /// `Kernels::Wgsl`: the update as one GPU kernel, its moments in `joined`.
    pub kernels: Kernels,
    state: Option<Moments>,
    /// The WGSL kernel's moments, [first; second], and the step count.
    joined: Option<(Tensor<1>, i32)>,
}

#[derive(Clone, Debug)]
struct Moments {
    first: Tensor<1>,
    second: Tensor<1>,
    time: i32,
}

/// Where each trainable parameter lives in the flat vector.
#[derive(Clone, Copy)]
struct Slot {
    offset: usize,
    len: usize,
}

impl FlatAdamW {
    pub fn new(weight_decay: f64, max_grad_norm: Option<f64>) -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-8,
            weight_decay,
            max_grad_norm,
            kernels: Kernels::Burn,
            state: None,
            joined: None,
        }
    }

    pub fn with_kernels(mut self, kernels: Kernels) -> Self {
        self.kernels = kernels;
        self
    }

    /// One update of every parameter of `module` that requires a gradient. A trainable
    /// parameter without a gradient this step counts as a zero gradient (it still decays).
    pub fn step<M: Module>(&mut self, lr: f64, module: M, mut grads: GradientsParams) -> M {
        let mut gather = Gather::default();
        module.visit(&mut gather);
        if gather.params.is_empty() {
            return module;
        }
        let device = gather.params[0].device();
        let flat_grads: Vec<Tensor<1>> = gather
            .order
            .iter()
            .map(|(id, rank, len)| {
                take_flat_grad(&mut grads, *id, *rank).unwrap_or_else(|| Tensor::zeros([*len], &device))
            })
            .collect();
        let mut grad = Tensor::cat(flat_grads, 0);
        let params = Tensor::cat(gather.params, 0);

        if self.kernels == Kernels::Wgsl {
            let (moments, time) = self.joined.take().unwrap_or_else(|| (Tensor::zeros([2 * gather.len], &device), 0));
            let step = AdamWStep {
                lr,
                beta_1: self.beta_1,
                beta_2: self.beta_2,
                epsilon: self.epsilon,
                weight_decay: self.weight_decay,
                max_grad_norm: self.max_grad_norm,
                time: time + 1,
            };
            let (updated, moments) = adamw_step(params, grad, moments, &step);
            self.joined = Some((moments, time + 1));
            return module.map(&mut Scatter { updated, slots: gather.slots });
        }

        if let Some(max_norm) = self.max_grad_norm {
            let norm = grad.clone().square().sum().sqrt();
            let scale = (norm.add_scalar(1e-6).recip() * max_norm).clamp_max(1.0);
            grad = grad * scale;
        }

        let (b1, b2) = (self.beta_1, self.beta_2);
        let moments = match self.state.take() {
            Some(m) => Moments {
                first: m.first.mul_scalar(b1) + grad.clone().mul_scalar(1.0 - b1),
                second: m.second.mul_scalar(b2) + grad.square().mul_scalar(1.0 - b2),
                time: m.time + 1,
            },
            None => Moments {
                first: grad.clone().mul_scalar(1.0 - b1),
                second: grad.square().mul_scalar(1.0 - b2),
                time: 1,
            },
        };
        let first_hat = moments.first.clone().div_scalar(1.0 - b1.powi(moments.time));
        let second_hat = moments.second.clone().div_scalar(1.0 - b2.powi(moments.time));
        let delta = first_hat / second_hat.sqrt().add_scalar(self.epsilon);
        let updated = params.mul_scalar(1.0 - lr * self.weight_decay) - delta.mul_scalar(lr);
        self.state = Some(moments);

        module.map(&mut Scatter { updated, slots: gather.slots })
    }
}

fn take_flat_grad(grads: &mut GradientsParams, id: ParamId, rank: usize) -> Option<Tensor<1>> {
    match rank {
        1 => grads.remove::<1>(id),
        2 => grads.remove::<2>(id).map(|g| g.flatten(0, 1)),
        3 => grads.remove::<3>(id).map(|g| g.flatten(0, 2)),
        4 => grads.remove::<4>(id).map(|g| g.flatten(0, 3)),
        _ => None,
    }
}

/// Collects the trainable parameters' values (flattened, off the autodiff graph) in visit order.
#[derive(Default)]
struct Gather {
    params: Vec<Tensor<1>>,
    order: Vec<(ParamId, usize, usize)>,
    slots: HashMap<ParamId, Slot>,
    len: usize,
}

impl ModuleVisitor for Gather {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if !param.is_require_grad() {
            return;
        }
        let value = param.val().inner();
        let len = value.shape().num_elements();
        self.params.push(value.reshape([len]));
        self.order.push((param.id, D, len));
        self.slots.insert(param.id, Slot { offset: self.len, len });
        self.len += len;
    }
}

/// Replaces each trainable parameter with its slice of the updated vector.
struct Scatter {
    updated: Tensor<1>,
    slots: HashMap<ParamId, Slot>,
}

impl ModuleMapper for Scatter {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(slot) = self.slots.get(&param.id).copied() else { return param };
        let (id, tensor, mapper) = param.consume();
        let shape = tensor.shape();
        let value = self.updated.clone().slice(slot.offset..slot.offset + slot.len).reshape(shape);
        Param::from_mapped_value(id, Tensor::from_inner(value).require_grad(), mapper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Module;
    use burn::optim::AdamWConfig;
    use burn::tensor::{Device, Distribution, TensorData, Tolerance};

    #[derive(Module, Debug)]
    struct Pair {
        a: Param<Tensor<2>>,
        b: Param<Tensor<1>>,
        frozen: Param<Tensor<2>>,
    }

    fn pair(device: &Device) -> Pair {
        let rnd2 = |s: [usize; 2]| Tensor::<2>::random(s, Distribution::Normal(0.0, 1.0), device);
        Pair {
            a: Param::from_tensor(rnd2([3, 5])),
            b: Param::from_tensor(Tensor::<1>::random([4], Distribution::Normal(0.0, 1.0), device)),
            frozen: Param::from_tensor(rnd2([2, 2])).set_require_grad(false),
        }
    }

    /// Random gradients (scaled so that clipping matters) for the two trainable parameters, off
    /// the autodiff graph as a backward pass hands them over.
    fn grads(model: &Pair, scale: f32, device: &Device) -> GradientsParams {
        let mut g = GradientsParams::new();
        g.register(model.a.id, (Tensor::<2>::random([3, 5], Distribution::Normal(0.0, 1.0), device) * scale).inner());
        g.register(model.b.id, (Tensor::<1>::random([4], Distribution::Normal(0.0, 1.0), device) * scale).inner());
        g
    }

    fn values(model: &Pair) -> Vec<f32> {
        let mut v = model.a.val().into_data().try_into_vec::<f32>().unwrap();
        v.extend(model.b.val().into_data().try_into_vec::<f32>().unwrap());
        v
    }

    /// Global-norm clipping on the host, as PyTorch's clip_grad_norm_ does it.
    fn clip_on_host(g: GradientsParams, model: &Pair, max_norm: f32) -> GradientsParams {
        let ga = g.get::<2>(model.a.id).unwrap().into_data().try_into_vec::<f32>().unwrap();
        let gb = g.get::<1>(model.b.id).unwrap().into_data().try_into_vec::<f32>().unwrap();
        let norm = ga.iter().chain(&gb).map(|x| x * x).sum::<f32>().sqrt();
        let s = (max_norm / (norm + 1e-6)).min(1.0);
        let device = model.a.device();
        let mut out = GradientsParams::new();
        out.register(
            model.a.id,
            Tensor::<2>::from_data(TensorData::new(ga.iter().map(|x| x * s).collect(), [3, 5]), &device),
        );
        out.register(
            model.b.id,
            Tensor::<1>::from_data(TensorData::new(gb.iter().map(|x| x * s).collect(), [4]), &device),
        );
        out
    }

    /// Both paths: burn's ops, and the fused step's (on the CPU its composed fallback, which
    /// keeps the moments joined; the GPU kernel is checked against it in yushan-model).
    #[test]
    fn matches_burns_adamw_with_global_clipping_over_several_steps() {
        for kernels in Kernels::ALL {
            matches_burns_adamw(kernels);
        }
    }

    fn matches_burns_adamw(kernels: Kernels) {
        // Parameters live on an autodiff device while training.
        let device = Device::flex().autodiff();
        device.seed(7);
        let start = pair(&device);
        let frozen_before = start.frozen.val().into_data();
        let mut ours = start.clone();
        let mut reference = start;
        let mut flat = FlatAdamW::new(0.01, Some(1.0)).with_kernels(kernels);
        let mut burn_adamw = AdamWConfig::new().with_weight_decay(0.01).with_epsilon(1e-8).init();
        for (step, lr) in [3e-2, 1e-2, 5e-3, 2e-2].into_iter().enumerate() {
            // Large gradients on even steps (clipped), small ones on odd steps (left alone).
            let scale = if step % 2 == 0 { 10.0 } else { 0.05 };
            let g = grads(&ours, scale, &device);
            let mut g_ref = GradientsParams::new();
            g_ref.register(reference.a.id, g.get::<2>(ours.a.id).unwrap());
            g_ref.register(reference.b.id, g.get::<1>(ours.b.id).unwrap());
            ours = flat.step(lr, ours, g);
            reference = burn_adamw.step(lr, reference, clip_on_host(g_ref, &ours, 1.0));
        }
        let (a, b) = (values(&ours), values(&reference));
        TensorData::from(a.as_slice())
            .assert_approx_eq::<f32>(&TensorData::from(b.as_slice()), Tolerance::absolute(1e-5));
        assert_eq!(ours.frozen.val().into_data(), frozen_before, "a frozen parameter moved");
        assert!(ours.a.is_require_grad() && ours.b.is_require_grad() && !ours.frozen.is_require_grad());
    }
}
