//! Rotary position embedding as one op with its own backward: on wgpu one dispatch each way
//! (`shaders/rope_forward.wgsl`, which also runs the transpose for the backward pass), where
//! burn's composed ops take about five forward and six backward per query or key tensor.
//! It works on the projection's own layout, [batch, positions, heads, head_dim], before the
//! heads are moved in front, so no copy is needed to make it contiguous.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Cube, Dispatch, Flex, TensorMetadata, backend_extension};
use burn::tensor::{Shape, Slice, Tensor};
use burn_cubecl::tensor::CubeTensor;

use crate::ops::wgsl::{self, Params, WgslKernel};

const KERNEL: WgslKernel = WgslKernel {
    name: "rope_forward",
    source: include_str!("../../../../shaders/rope_forward.wgsl"),
    workgroup: [256, 1, 1],
};

#[backend_extension(Cube, Flex, Autodiff)]
pub trait FusedRope: Backend {
    /// `x` [batch, positions, heads, head_dim] rotated by the tables `cos`, `sin`
    /// [positions, head_dim], which take no gradient.
    fn fused_rope(x: FloatTensor<Self>, cos: FloatTensor<Self>, sin: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// The backward pass, on the backends autodiff wraps.
pub trait FusedRopeGrad: Backend {
    /// The transposed rotation of the upstream gradient `dy`.
    fn rope_backward(dy: FloatTensor<Self>, cos: FloatTensor<Self>, sin: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// `x·cos + rotate_half(x)·sin` for `x` [batch, positions, heads, head_dim].
pub fn rope(x: Tensor<4>, cos: Tensor<2>, sin: Tensor<2>) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as FusedRope>::fused_rope(
        x.into_dispatch(),
        cos.into_dispatch(),
        sin.into_dispatch(),
    ))
}

/// The halves of the last dimension of a [batch, positions, heads, head_dim] tensor.
fn halves<B: Backend>(x: FloatTensor<B>) -> (FloatTensor<B>, FloatTensor<B>) {
    let shape = x.shape();
    let half = shape[3] / 2;
    let part = |range: std::ops::Range<usize>| {
        let mut slices: Vec<Slice> = (0..3).map(|dim| Slice::from(0..shape[dim])).collect();
        slices.push(Slice::from(range));
        B::float_slice(x.clone(), &slices)
    };
    (part(0..half), part(half..shape[3]))
}

/// The tables as [1, positions, 1, head_dim], to broadcast over batch and heads.
fn table<B: Backend>(t: FloatTensor<B>) -> FloatTensor<B> {
    let shape = t.shape();
    B::float_reshape(t, Shape::new([1, shape[0], 1, shape[1]]))
}

fn composed_forward<B: Backend>(x: FloatTensor<B>, cos: FloatTensor<B>, sin: FloatTensor<B>) -> FloatTensor<B> {
    let (x1, x2) = halves::<B>(x.clone());
    let rotated = B::float_cat(vec![B::float_neg(x2), x1], 3);
    B::float_add(B::float_mul(x, table::<B>(cos)), B::float_mul(rotated, table::<B>(sin)))
}

fn composed_backward<B: Backend>(dy: FloatTensor<B>, cos: FloatTensor<B>, sin: FloatTensor<B>) -> FloatTensor<B> {
    let (a1, a2) = halves::<B>(B::float_mul(dy.clone(), table::<B>(sin)));
    let moved_back = B::float_cat(vec![a2, B::float_neg(a1)], 3);
    B::float_add(B::float_mul(dy, table::<B>(cos)), moved_back)
}

impl FusedRope for Flex {
    fn fused_rope(x: FloatTensor<Self>, cos: FloatTensor<Self>, sin: FloatTensor<Self>) -> FloatTensor<Self> {
        composed_forward::<Self>(x, cos, sin)
    }
}

impl FusedRopeGrad for Flex {
    fn rope_backward(dy: FloatTensor<Self>, cos: FloatTensor<Self>, sin: FloatTensor<Self>) -> FloatTensor<Self> {
        composed_backward::<Self>(dy, cos, sin)
    }
}

/// One launch of the kernel, forward or transposed.
fn launch(x: CubeTensor, cos: CubeTensor, sin: CubeTensor, transposed: bool) -> CubeTensor {
    let shape = x.shape().to_vec();
    let [_, positions, heads, head_dim] = [shape[0], shape[1], shape[2], shape[3]];
    let len = shape.iter().product();
    let (x, cos, sin) = (wgsl::contiguous(x), wgsl::contiguous(cos), wgsl::contiguous(sin));
    let y = wgsl::empty_f32(&x, &shape);
    let params = Params::default().u32(len).u32(positions).u32(heads * head_dim).u32(head_dim).u32(transposed as usize);
    wgsl::launch_elementwise(KERNEL, &x, len, &[&x.handle, &cos.handle, &sin.handle, &y.handle], params);
    y
}

fn takes(tensors: [&CubeTensor; 3]) -> bool {
    tensors.iter().all(|t| wgsl::applies(t)) && tensors[0].shape()[3].is_multiple_of(2)
}

impl FusedRope for Cube {
    fn fused_rope(x: CubeTensor, cos: CubeTensor, sin: CubeTensor) -> CubeTensor {
        if !takes([&x, &cos, &sin]) {
            return composed_forward::<Self>(x, cos, sin);
        }
        launch(x, cos, sin, false)
    }
}

impl FusedRopeGrad for Cube {
    fn rope_backward(dy: CubeTensor, cos: CubeTensor, sin: CubeTensor) -> CubeTensor {
        if !takes([&dy, &cos, &sin]) {
            return composed_backward::<Self>(dy, cos, sin);
        }
        launch(dy, cos, sin, true)
    }
}

impl<B: Backend + FusedRope + FusedRopeGrad, C: CheckpointStrategy> FusedRope for Autodiff<B, C> {
    fn fused_rope(x: FloatTensor<Self>, cos: FloatTensor<Self>, sin: FloatTensor<Self>) -> FloatTensor<Self> {
        assert!(!cos.is_tracked() && !sin.is_tracked(), "rope: the tables take no gradient");
        let (cos, sin) = (cos.into_primitive(), sin.into_primitive());
        match RopeBackward.prepare::<C>([x.node()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                prep.finish((cos.clone(), sin.clone()), B::fused_rope(x.into_primitive(), cos, sin))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::fused_rope(x.into_primitive(), cos, sin)),
        }
    }
}

/// Keeps the tables: the backward pass is the transposed rotation.
#[derive(Debug)]
struct RopeBackward;

impl<B: Backend + FusedRopeGrad> Backward<B, 1> for RopeBackward {
    type State = (FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let (cos, sin) = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |dy| B::rope_backward(dy, cos, sin));
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor};

    use crate::ops::testing::{gpu, host, random, relative_error, tensor};

    /// `x·cos + rotate_half(x)·sin` from burn's tensor ops, on [batch, heads, positions, head_dim]
    /// as the attention layer's composed path computes it.
    fn composed(x: Tensor<4>, cos: Tensor<2>, sin: Tensor<2>) -> Tensor<4> {
        let x = x.swap_dims(1, 2);
        let half = x.dims()[3] / 2;
        let rotated = Tensor::cat(vec![x.clone().narrow(3, half, half).neg(), x.clone().narrow(3, 0, half)], 3);
        (x * cos.unsqueeze::<4>() + rotated * sin.unsqueeze::<4>()).swap_dims(1, 2)
    }

    /// The WGSL kernel, forward and transposed, against an f64 rotation and burn's autodiff of
    /// the composed rotation on the CPU. The tables are random, not sines: any table is a
    /// linear map the kernel must apply exactly, and unequal halves catch a swapped index.
    #[test]
    fn rope_kernel_matches_the_reference_forward_and_backward() {
        let (batch, positions, heads, head_dim) = (2, 7, 3, 10);
        let shape = [batch, positions, heads, head_dim];
        let len = batch * positions * heads * head_dim;
        let (x, r) = (random(len, 2.0, 1), random(len, 1.0, 2));
        let (cos, sin) = (random(positions * head_dim, 1.0, 3), random(positions * head_dim, 1.0, 4));

        let run = |device: &Device, fused: bool| {
            let device = device.clone().autodiff();
            let xt: Tensor<4> = tensor(&x, shape, &device).require_grad();
            let (c, s) = (tensor(&cos, [positions, head_dim], &device), tensor(&sin, [positions, head_dim], &device));
            let y = if fused { super::rope(xt.clone(), c, s) } else { composed(xt.clone(), c, s) };
            let grads = (y.clone() * tensor(&r, shape, &device)).sum().backward();
            [host(y), host(xt.grad(&grads).unwrap())]
        };
        let fused = run(&gpu(), true);
        let reference = run(&Device::flex(), false);

        let half = head_dim / 2;
        let want: Vec<f64> = (0..len)
            .map(|idx| {
                let (i, t) = (idx % head_dim, (idx / (heads * head_dim)) % positions);
                let rotated = if i < half { -x[idx + half] } else { x[idx - half] };
                x[idx] * cos[t * head_dim + i] + rotated * sin[t * head_dim + i]
            })
            .collect();
        assert!(relative_error(&fused[0], &want) < 1e-6, "forward {}", relative_error(&fused[0], &want));
        let err = relative_error(&fused[1], &reference[1]);
        assert!(err < 1e-6, "dx off by {err}");
    }
}
