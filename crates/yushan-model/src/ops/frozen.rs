//! `x · W` for a frozen weight W kept in half precision while x and the result stay f32.
//!
//! Under LoRA the base weights never change, so they can sit on the GPU as f16: half the memory
//! of the model. Casting W to f32 before burn's matmul would undo that twice over: the cast is a
//! full f32 copy of W, and autodiff keeps it alive until the backward pass, because the gradient
//! of x needs W. This op instead
//! - on the GPU, launches cubecl's matmul with an f32 lhs and an f16 rhs (accumulating in f32),
//!   so no f32 copy of W is made at all;
//! - under autodiff, keeps the f16 W itself (a reference, not a copy) for the backward pass,
//!   `dx = dy · Wᵀ`, which is the same mixed matmul. W gets no gradient: it must not need one.
//!
//! On the CPU backend (and on a GPU whose matmul refuses the mixed types) W is cast per call.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Cube, Dispatch, Flex, backend_extension};
use burn::tensor::{DType, Device, FloatDType, Tensor};
use burn_cubecl::kernel::matmul::init_matmul_output;
use burn_cubecl::tensor::CubeTensor;
use cubek::matmul::definition::{MatmulElems, MatmulGlobalElems};
use cubek::matmul::strategy::Strategy;
use cubek::std::InputBinding;

use crate::ModelError;

/// How a model's frozen base matrices (projections, embeddings, output head) are stored on the
/// device. Norms and biases are tiny and stay f32; so does every weight that trains.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FrozenPrecision {
    /// f16 on a GPU that computes with it (`shader-f16`), f32 elsewhere (the CPU backend too:
    /// it has the memory, and casting per call would only slow it down).
    #[default]
    Auto,
    F16,
    F32,
}

impl FrozenPrecision {
    /// The dtype the frozen matrices take on `device`; asking for f16 where the device cannot
    /// compute with it is an error that says so.
    pub fn dtype_on(self, device: &Device) -> Result<FloatDType, ModelError> {
        let gpu_f16 = device.clone().without_autodiff() != Device::flex() && device.supports_dtype(DType::F16);
        match self {
            Self::F32 => Ok(FloatDType::F32),
            Self::Auto => Ok(if gpu_f16 { FloatDType::F16 } else { FloatDType::F32 }),
            Self::F16 if device.supports_dtype(DType::F16) => Ok(FloatDType::F16),
            Self::F16 => Err(ModelError::Config(
                "frozen weights in f16 need a device that computes in f16 (WebGPU's shader-f16); this one does not"
                    .into(),
            )),
        }
    }

    pub const ALL: [Self; 3] = [Self::Auto, Self::F16, Self::F32];

    /// The name users write (`--frozen-weights auto|f16|f32`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::F16 => "f16",
            Self::F32 => "f32",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(text))
    }
}

#[backend_extension(Cube, Flex, Autodiff)]
pub trait FrozenMatmul: Backend {
    /// `x` [m, k] (f32) · `w` [k, n] (f32, f16 or bf16, no gradient) → [m, n] in x's dtype.
    fn frozen_matmul(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// `x · w` over x's last dimension, for a weight `w` [in, out] that takes no gradient and may be
/// stored in half precision. With an f32 `w` it is burn's own matmul.
pub fn frozen_matmul<const D: usize>(x: Tensor<D>, w: Tensor<2>) -> Tensor<D> {
    if w.dtype() == x.dtype() {
        return x.matmul(w.unsqueeze::<D>());
    }
    let dims = x.dims();
    let [d_in, d_out] = w.dims();
    let rows = dims[..D - 1].iter().product::<usize>();
    let x = x.reshape([rows, d_in]);
    let y = Tensor::<2>::from_dispatch(<Dispatch as FrozenMatmul>::frozen_matmul(x.into_dispatch(), w.into_dispatch()));
    let mut out = dims;
    out[D - 1] = d_out;
    y.reshape(out)
}

/// The fallback: a transient copy of `w` in x's dtype, gone after the call.
fn cast_then_matmul<B: Backend>(x: FloatTensor<B>, w: FloatTensor<B>) -> FloatTensor<B> {
    use burn::backend::TensorMetadata;
    let w = if w.dtype() == x.dtype() { w } else { B::float_cast(w, x.dtype().into()) };
    B::float_matmul(x, w)
}

impl FrozenMatmul for Flex {
    fn frozen_matmul(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self> {
        cast_then_matmul::<Self>(x, w)
    }
}

impl FrozenMatmul for Cube {
    fn frozen_matmul(x: CubeTensor, w: CubeTensor) -> CubeTensor {
        if x.dtype == w.dtype {
            return Self::float_matmul(x, w);
        }
        let storage = burn::backend::cubecl::dtype_to_storage_type;
        let out = init_matmul_output(&x, &w, x.dtype);
        let mut dtypes = MatmulElems::from_globals(&MatmulGlobalElems {
            lhs: storage(x.dtype),
            rhs: storage(w.dtype),
            out: storage(x.dtype),
        });
        let launched = cubek::matmul::launch::launch_ref(
            &Strategy::default(),
            &x.client,
            InputBinding::new(x.clone().binding(), storage(x.dtype)),
            InputBinding::new(w.clone().binding(), storage(w.dtype)),
            out.clone().binding(),
            &mut dtypes,
        );
        match launched {
            Ok(()) => out,
            Err(_) => cast_then_matmul::<Self>(x, w),
        }
    }
}

impl<B: Backend + FrozenMatmul, C: CheckpointStrategy> FrozenMatmul for Autodiff<B, C> {
    fn frozen_matmul(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self> {
        assert!(!w.is_tracked(), "frozen_matmul: the weight takes no gradient, so it must not require one");
        let w = w.into_primitive();
        match FrozenMatmulBackward.prepare::<C>([x.node()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(w.clone(), B::frozen_matmul(x.into_primitive(), w)),
            OpsKind::UnTracked(prep) => prep.finish(B::frozen_matmul(x.into_primitive(), w)),
        }
    }
}

/// Keeps the frozen weight as stored (f16: no f32 copy) for `dx = dy · Wᵀ`.
#[derive(Debug)]
struct FrozenMatmulBackward;

impl<B: Backend + FrozenMatmul> Backward<B, 1> for FrozenMatmulBackward {
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let w = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| B::frozen_matmul(grad, B::float_transpose(w)));
    }
}
