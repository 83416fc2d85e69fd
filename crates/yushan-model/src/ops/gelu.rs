//! GPT-2's GELU ("gelu_new", the tanh approximation) as one op with its own backward.
//!
//! burn's `gelu_approximate` builds it from eight tensor ops: on the CPU backend `x³` goes
//! through `powf`, and `tanh` runs twice (autodiff recomputes it for the backward pass), each a
//! scalar libm call per element. That was a quarter of a GPT-2 training step on the CPU.
//! Here the forward and the backward are one pass each over the elements, with one `exp` per
//! element, using 0.5·(1 + tanh u) = σ(2u):
//!
//!   gelu(x)  = x·σ(2u),  u = √(2/π)·(x + 0.044715·x³)
//!   gelu'(x) = σ(2u) + x·2σ(2u)(1 − σ(2u))·√(2/π)·(1 + 3·0.044715·x²)
//!
//! On the GPU the same formulas run as one WGSL kernel each way (`shaders/gelu_forward.wgsl`)
//! under `Kernels::Wgsl`, and are composed from burn's element-wise kernels otherwise.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::ops::{ActivationOps, FloatTensorOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Cube, Dispatch, Flex, backend_extension};
use burn::tensor::Tensor;
use burn_cubecl::tensor::CubeTensor;
use burn_flex::FlexTensor;
use burn_flex::ops::binary::binary_op;
use burn_flex::ops::unary::unary_op;

use crate::ops::kernels::Kernels;
use crate::ops::wgsl::{self, Params, WgslKernel};

const KERNEL: WgslKernel = WgslKernel {
    name: "gelu_forward",
    source: include_str!("../../../../shaders/gelu_forward.wgsl"),
    workgroup: [256, 1, 1],
};

const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
const CUBIC: f64 = 0.044_715;

/// σ(2u) for u = √(2/π)·(x + 0.044715·x³): the factor gelu puts on x.
fn gate(x: f64) -> f64 {
    let u = SQRT_2_OVER_PI * (x + CUBIC * x * x * x);
    1.0 / (1.0 + (-2.0 * u).exp())
}

fn gelu(x: f64) -> f64 {
    x * gate(x)
}

fn gelu_grad(x: f64) -> f64 {
    let s = gate(x);
    s + x * 2.0 * s * (1.0 - s) * SQRT_2_OVER_PI * (1.0 + 3.0 * CUBIC * x * x)
}

// f32 versions of the same formulas (constants rounded once).
fn gate_f32(x: f32) -> f32 {
    let u = SQRT_2_OVER_PI as f32 * (x + CUBIC as f32 * x * x * x);
    1.0 / (1.0 + (-2.0 * u).exp())
}

fn gelu_f32(x: f32) -> f32 {
    x * gate_f32(x)
}

fn gelu_grad_f32(x: f32) -> f32 {
    let s = gate_f32(x);
    s + x * 2.0 * s * (1.0 - s) * SQRT_2_OVER_PI as f32 * (1.0 + 3.0 * CUBIC as f32 * x * x)
}

#[backend_extension(Cube, Flex, Autodiff)]
pub trait GeluTanh: Backend {
    /// `wgsl`: the fused kernel where the backend has it.
    fn gelu_tanh(x: FloatTensor<Self>, wgsl: bool) -> FloatTensor<Self>;
}

/// The backward pass, on the backends autodiff wraps.
pub trait GeluTanhGrad: Backend {
    /// `grad · gelu'(x)`.
    fn gelu_tanh_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>, wgsl: bool) -> FloatTensor<Self>;
}

/// GPT-2's GELU, `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, element-wise.
pub fn gelu_tanh<const D: usize>(x: Tensor<D>, kernels: Kernels) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as GeluTanh>::gelu_tanh(x.into_dispatch(), kernels == Kernels::Wgsl))
}

impl GeluTanh for Flex {
    fn gelu_tanh(x: FlexTensor, _wgsl: bool) -> FlexTensor {
        unary_op(x, gelu_f32, gelu)
    }
}

impl GeluTanhGrad for Flex {
    fn gelu_tanh_backward(x: FlexTensor, grad: FlexTensor, _wgsl: bool) -> FlexTensor {
        binary_op(x, grad, |x, g| g * gelu_grad_f32(x), |x, g| g * gelu_grad(x), None)
    }
}

/// σ(2u) from burn's element-wise ops.
fn cube_gate(x: CubeTensor) -> CubeTensor {
    type B = Cube;
    let x3 = B::float_mul(B::float_mul(x.clone(), x.clone()), x.clone());
    let inner = B::float_add(x, B::float_mul_scalar(x3, CUBIC.into()));
    B::sigmoid(B::float_mul_scalar(inner, (2.0 * SQRT_2_OVER_PI).into()))
}

/// One launch of the WGSL kernel: gelu(x), or dy · gelu'(x) when `dy` is given.
fn launch(x: CubeTensor, dy: Option<CubeTensor>) -> CubeTensor {
    use burn::backend::TensorMetadata;
    let shape = x.shape().to_vec();
    let len = shape.iter().product();
    let x = wgsl::contiguous(x);
    let backward = dy.is_some();
    // The shader reads dy only backward, but the binding must exist.
    let dy = dy.map(wgsl::contiguous).unwrap_or_else(|| wgsl::placeholder(&x));
    let y = wgsl::empty_f32(&x, &shape);
    let params = Params::default().u32(len).u32(backward as usize);
    wgsl::launch_elementwise(KERNEL, &x, len, &[&x.handle, &dy.handle, &y.handle], params);
    y
}

impl GeluTanh for Cube {
    fn gelu_tanh(x: CubeTensor, wgsl: bool) -> CubeTensor {
        if wgsl && wgsl::applies(&x) {
            return launch(x, None);
        }
        Self::float_mul(x.clone(), cube_gate(x))
    }
}

impl GeluTanhGrad for Cube {
    fn gelu_tanh_backward(x: CubeTensor, grad: CubeTensor, wgsl: bool) -> CubeTensor {
        if wgsl && wgsl::applies(&x) && wgsl::applies(&grad) {
            return launch(x, Some(grad));
        }
        type B = Cube;
        let s = cube_gate(x.clone());
        // 2σ(1 − σ)·√(2/π)·(1 + 3·0.044715·x²), then x times it, plus σ.
        let slope = B::float_add_scalar(
            B::float_mul_scalar(B::float_mul(x.clone(), x.clone()), (2.0 * SQRT_2_OVER_PI * 3.0 * CUBIC).into()),
            (2.0 * SQRT_2_OVER_PI).into(),
        );
        let one_minus_s = B::float_add_scalar(B::float_neg(s.clone()), 1.0.into());
        let inner = B::float_mul(B::float_mul(B::float_mul(s.clone(), one_minus_s), slope), x);
        B::float_mul(grad, B::float_add(s, inner))
    }
}

impl<B: Backend + GeluTanh + GeluTanhGrad, C: CheckpointStrategy> GeluTanh for Autodiff<B, C> {
    fn gelu_tanh(x: FloatTensor<Self>, wgsl: bool) -> FloatTensor<Self> {
        // Kept as state rather than recomputed under checkpointing: x is what the backward needs.
        match (GeluTanhBackward { wgsl }).prepare::<C>([x.node()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let input = x.into_primitive();
                prep.finish(input.clone(), B::gelu_tanh(input, wgsl))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::gelu_tanh(x.into_primitive(), wgsl)),
        }
    }
}

/// Keeps the input for `dx = dy · gelu'(x)`.
#[derive(Debug)]
struct GeluTanhBackward {
    wgsl: bool,
}

impl<B: Backend + GeluTanhGrad> Backward<B, 1> for GeluTanhBackward {
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let x = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| B::gelu_tanh_backward(x, grad, self.wgsl));
    }
}
