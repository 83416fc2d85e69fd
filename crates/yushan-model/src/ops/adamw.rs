//! One AdamW step over a flat vector of every trainable weight, with global-norm clipping, as
//! one op: on wgpu one dispatch (`shaders/adamw.wgsl`) after the sum of squared gradients,
//! where burn's element-wise ops take about twenty. Elsewhere the same formulas from burn's ops.
//! The moments travel as one tensor, [first; second], so the kernel needs seven bindings: the
//! most WebGPU promises a shader is eight storage buffers.

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Cube, Dispatch, Flex, TensorMetadata, backend_extension};
use burn::tensor::{Shape, Slice, Tensor};
use burn_cubecl::tensor::CubeTensor;

use crate::ops::wgsl::{self, Params, WgslKernel};

const KERNEL: WgslKernel =
    WgslKernel { name: "adamw", source: include_str!("../../../../shaders/adamw.wgsl"), workgroup: [256, 1, 1] };

/// The step's scalars.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWStep {
    pub lr: f64,
    pub beta_1: f64,
    pub beta_2: f64,
    pub epsilon: f64,
    pub weight_decay: f64,
    /// Global gradient-norm limit; `None` disables clipping.
    pub max_grad_norm: Option<f64>,
    /// The step number, from 1 (for the bias corrections).
    pub time: i32,
}

impl AdamWStep {
    /// The scalars in the order the shader's `Params` lists them after `len`.
    fn values(&self) -> [f64; 8] {
        [
            self.lr,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            self.weight_decay,
            self.max_grad_norm.unwrap_or(0.0),
            1.0 - self.beta_1.powi(self.time),
            1.0 - self.beta_2.powi(self.time),
        ]
    }
}

#[backend_extension(Cube, Flex)]
pub trait FusedAdamW: Backend {
    /// New `(params, moments)` from `params` [n], `grad` [n], `moments` [2n] and `sum_squares`
    /// [1] (Σ grad², read only when clipping); `step` is [`AdamWStep::values`].
    fn fused_adamw(
        params: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        sum_squares: FloatTensor<Self>,
        step: [f64; 8],
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

/// One AdamW step: the new parameters and moments ([first; second], zeros before the first step).
/// Tensors off the autodiff graph.
pub fn adamw_step(params: Tensor<1>, grad: Tensor<1>, moments: Tensor<1>, step: &AdamWStep) -> (Tensor<1>, Tensor<1>) {
    let sum_squares = grad.clone().square().sum();
    let (params, moments) = <Dispatch as FusedAdamW>::fused_adamw(
        params.into_dispatch(),
        grad.into_dispatch(),
        moments.into_dispatch(),
        sum_squares.into_dispatch(),
        step.values(),
    );
    (Tensor::from_dispatch(params), Tensor::from_dispatch(moments))
}

fn composed<B: Backend>(
    params: FloatTensor<B>,
    grad: FloatTensor<B>,
    moments: FloatTensor<B>,
    sum_squares: FloatTensor<B>,
    [lr, beta_1, beta_2, epsilon, weight_decay, max_norm, correction_1, correction_2]: [f64; 8],
) -> (FloatTensor<B>, FloatTensor<B>) {
    let n = params.shape()[0];
    let mut grad = grad;
    if max_norm > 0.0 {
        let norm = B::float_add_scalar(B::float_sqrt(sum_squares), 1e-6.into());
        let scale = B::float_clamp_max(B::float_mul_scalar(B::float_recip(norm), max_norm.into()), 1.0.into());
        grad = B::float_mul(grad, scale);
    }
    let half = |range: std::ops::Range<usize>| B::float_slice(moments.clone(), &[Slice::from(range)]);
    let first = B::float_add(
        B::float_mul_scalar(half(0..n), beta_1.into()),
        B::float_mul_scalar(grad.clone(), (1.0 - beta_1).into()),
    );
    let squared = B::float_mul(grad.clone(), grad);
    let second = B::float_add(
        B::float_mul_scalar(half(n..2 * n), beta_2.into()),
        B::float_mul_scalar(squared, (1.0 - beta_2).into()),
    );
    let first_hat = B::float_div_scalar(first.clone(), correction_1.into());
    let second_hat = B::float_div_scalar(second.clone(), correction_2.into());
    let delta = B::float_div(first_hat, B::float_add_scalar(B::float_sqrt(second_hat), epsilon.into()));
    let decayed = B::float_mul_scalar(params, (1.0 - lr * weight_decay).into());
    let updated = B::float_sub(decayed, B::float_mul_scalar(delta, lr.into()));
    (updated, B::float_reshape(B::float_cat(vec![first, second], 0), Shape::new([2 * n])))
}

impl FusedAdamW for Flex {
    fn fused_adamw(
        params: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moments: FloatTensor<Self>,
        sum_squares: FloatTensor<Self>,
        step: [f64; 8],
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        composed::<Self>(params, grad, moments, sum_squares, step)
    }
}

impl FusedAdamW for Cube {
    fn fused_adamw(
        params: CubeTensor,
        grad: CubeTensor,
        moments: CubeTensor,
        sum_squares: CubeTensor,
        step: [f64; 8],
    ) -> (CubeTensor, CubeTensor) {
        if ![&params, &grad, &moments, &sum_squares].iter().all(|t| wgsl::applies(t)) {
            return composed::<Self>(params, grad, moments, sum_squares, step);
        }
        let [params, grad, moments, sum_squares] = [params, grad, moments, sum_squares].map(wgsl::contiguous);
        let n = params.shape()[0];
        let (params_out, moments_out) = (wgsl::empty_f32(&params, &[n]), wgsl::empty_f32(&params, &[2 * n]));
        let scalars = step.iter().fold(Params::default().u32(n), |p, &v| p.f32(v));
        let buffers = [
            &params.handle,
            &grad.handle,
            &moments.handle,
            &sum_squares.handle,
            &params_out.handle,
            &moments_out.handle,
        ];
        wgsl::launch_elementwise(KERNEL, &params, n, &buffers, scalars);
        (params_out, moments_out)
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::Device;

    use super::{AdamWStep, adamw_step};
    use crate::ops::testing::{gpu, host, random, relative_error, tensor};

    /// Four steps on the GPU kernel against the same steps from burn's ops on the CPU, with
    /// clipping that bites (large gradients), clipping that does not, and none; a length that is
    /// not a multiple of the workgroup.
    #[test]
    fn adamw_kernel_matches_the_composed_step() {
        let n = 1_000;
        for max_grad_norm in [Some(1.0), Some(1e6), None] {
            let run = |device: &Device| {
                let mut params = tensor(&random(n, 1.0, 1), [n], device);
                let mut moments = tensor(&vec![0.0; 2 * n], [2 * n], device);
                for time in 1..=4 {
                    let grad = tensor(&random(n, 3.0, 10 + time as u64), [n], device);
                    let step = AdamWStep {
                        lr: 1e-2 * time as f64,
                        beta_1: 0.9,
                        beta_2: 0.999,
                        epsilon: 1e-8,
                        weight_decay: 0.01,
                        max_grad_norm,
                        time,
                    };
                    (params, moments) = adamw_step(params, grad, moments, &step);
                }
                (host(params), host(moments))
            };
            let (gpu_params, gpu_moments) = run(&gpu());
            let (cpu_params, cpu_moments) = run(&Device::flex());
            let err = relative_error(&gpu_params, &cpu_params).max(relative_error(&gpu_moments, &cpu_moments));
            assert!(err < 1e-5, "clipping {max_grad_norm:?}: off by {err}");
            assert!(relative_error(&gpu_params, &host(tensor(&random(n, 1.0, 1), [n], &Device::flex()))) > 1e-3);
        }
    }
}
