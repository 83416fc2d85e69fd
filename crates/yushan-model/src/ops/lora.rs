//! A LoRA update added onto its frozen projection's output, `y + scale · (x·A)·B`, as one op
//! with its own backward: on wgpu one dispatch forward and two backward
//! (`shaders/lora_*.wgsl`), where burn's composed ops take about four forward and ten backward
//! per adapted projection. Elsewhere the same products from burn's matmuls.
//!
//! The rank is small (4 to 64), so each row's `x·A` is a few dot products: the kernels keep it
//! per row and never form a [d_in, d_out] matrix.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Cube, Dispatch, Flex, TensorMetadata, backend_extension};
use burn::tensor::Tensor;
use burn_cubecl::tensor::CubeTensor;

use crate::ops::wgsl::{self, Params, WgslKernel};

const FORWARD: WgslKernel = WgslKernel {
    name: "lora_forward",
    source: include_str!("../../../../shaders/lora_forward.wgsl"),
    workgroup: [64, 1, 1],
};
const BACKWARD_ROWS: WgslKernel = WgslKernel {
    name: "lora_backward_rows",
    source: include_str!("../../../../shaders/lora_backward_rows.wgsl"),
    workgroup: [64, 1, 1],
};
const BACKWARD_WEIGHTS: WgslKernel = WgslKernel {
    name: "lora_backward_weights",
    source: include_str!("../../../../shaders/lora_backward_weights.wgsl"),
    workgroup: [64, 1, 1],
};

#[backend_extension(Cube, Flex, Autodiff)]
pub trait FusedLora: Backend {
    /// `y + scale · (x·a)·b` for `y` [rows, d_out], `x` [rows, d_in], `a` [d_in, r], `b` [r, d_out].
    fn fused_lora(
        y: FloatTensor<Self>,
        x: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        scale: f64,
    ) -> FloatTensor<Self>;
}

/// The passes, on the backends autodiff wraps.
pub trait FusedLoraPasses: Backend {
    /// The output and `x·a` [rows, r], which the backward pass reuses.
    fn lora_forward(
        y: FloatTensor<Self>,
        x: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        scale: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);

    /// `(dx, da, db)` for the upstream gradient `dy` (y's own gradient is `dy` itself).
    fn lora_backward(saved: LoraSaved<Self>, dy: FloatTensor<Self>) -> [FloatTensor<Self>; 3];
}

/// What the backward pass keeps from the forward pass.
#[derive(Clone, Debug)]
pub struct LoraSaved<B: Backend> {
    x: FloatTensor<B>,
    a: FloatTensor<B>,
    b: FloatTensor<B>,
    low: FloatTensor<B>,
    scale: f64,
}

/// `y + scale · (x·a)·b` over the last dimension of `x` and `y`.
pub fn lora_add<const D: usize>(y: Tensor<D>, x: Tensor<D>, a: Tensor<2>, b: Tensor<2>, scale: f64) -> Tensor<D> {
    let dims = y.dims();
    let rows = dims[..D - 1].iter().product::<usize>();
    let d_in = x.dims()[D - 1];
    let out = <Dispatch as FusedLora>::fused_lora(
        y.reshape([rows, dims[D - 1]]).into_dispatch(),
        x.reshape([rows, d_in]).into_dispatch(),
        a.into_dispatch(),
        b.into_dispatch(),
        scale,
    );
    Tensor::<2>::from_dispatch(out).reshape(dims)
}

fn composed_forward<B: Backend>(
    y: FloatTensor<B>,
    x: FloatTensor<B>,
    a: FloatTensor<B>,
    b: FloatTensor<B>,
    scale: f64,
) -> (FloatTensor<B>, FloatTensor<B>) {
    let low = B::float_matmul(x, a);
    let update = B::float_mul_scalar(B::float_matmul(low.clone(), b), scale.into());
    (B::float_add(y, update), low)
}

fn composed_backward<B: Backend>(saved: LoraSaved<B>, dy: FloatTensor<B>) -> [FloatTensor<B>; 3] {
    let LoraSaved { x, a, b, low, scale } = saved;
    let g = B::float_mul_scalar(B::float_matmul(dy.clone(), B::float_transpose(b)), scale.into());
    let dx = B::float_matmul(g.clone(), B::float_transpose(a));
    let da = B::float_matmul(B::float_transpose(x), g);
    let db = B::float_mul_scalar(B::float_matmul(B::float_transpose(low), dy), scale.into());
    [dx, da, db]
}

impl FusedLora for Flex {
    fn fused_lora(
        y: FloatTensor<Self>,
        x: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        scale: f64,
    ) -> FloatTensor<Self> {
        composed_forward::<Self>(y, x, a, b, scale).0
    }
}

impl FusedLoraPasses for Flex {
    fn lora_forward(
        y: FloatTensor<Self>,
        x: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        scale: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        composed_forward::<Self>(y, x, a, b, scale)
    }

    fn lora_backward(saved: LoraSaved<Self>, dy: FloatTensor<Self>) -> [FloatTensor<Self>; 3] {
        composed_backward::<Self>(saved, dy)
    }
}

/// [rows, d_in, rank, d_out] of a call, and the kernels' shared parameters.
fn sizes(x: &CubeTensor, a: &CubeTensor, b: &CubeTensor, scale: f64) -> ([usize; 4], Params) {
    let (xs, bs) = (x.shape(), b.shape());
    let dims = [xs[0], xs[1], a.shape()[1], bs[1]];
    let params = Params::default().u32(dims[0]).u32(dims[1]).u32(dims[2]).u32(dims[3]).f32(scale);
    (dims, params)
}

impl FusedLora for Cube {
    fn fused_lora(y: CubeTensor, x: CubeTensor, a: CubeTensor, b: CubeTensor, scale: f64) -> CubeTensor {
        Self::lora_forward(y, x, a, b, scale).0
    }
}

impl FusedLoraPasses for Cube {
    fn lora_forward(
        y: CubeTensor,
        x: CubeTensor,
        a: CubeTensor,
        b: CubeTensor,
        scale: f64,
    ) -> (CubeTensor, CubeTensor) {
        if ![&y, &x, &a, &b].iter().all(|t| wgsl::applies(t)) {
            return composed_forward::<Self>(y, x, a, b, scale);
        }
        let [y, x, a, b] = [y, x, a, b].map(wgsl::contiguous);
        let ([rows, _, rank, d_out], params) = sizes(&x, &a, &b, scale);
        let low = wgsl::empty_f32(&x, &[rows, rank]);
        let out = wgsl::empty_f32(&x, &[rows, d_out]);
        let buffers = [&x.handle, &a.handle, &b.handle, &y.handle, &low.handle, &out.handle];
        wgsl::launch(FORWARD, &x, rows, &buffers, params);
        (out, low)
    }

    fn lora_backward(saved: LoraSaved<Self>, dy: CubeTensor) -> [CubeTensor; 3] {
        if !wgsl::applies(&dy) {
            return composed_backward::<Self>(saved, dy);
        }
        let LoraSaved { x, a, b, low, scale } = saved;
        let dy = wgsl::contiguous(dy);
        let ([rows, d_in, rank, d_out], params) = sizes(&x, &a, &b, scale);
        let g = wgsl::empty_f32(&x, &[rows, rank]);
        let dx = wgsl::empty_f32(&x, &[rows, d_in]);
        let rows_buffers = [&dy.handle, &a.handle, &b.handle, &g.handle, &dx.handle];
        wgsl::launch(BACKWARD_ROWS, &x, rows, &rows_buffers, params.clone());
        let (da, db) = (wgsl::empty_f32(&x, &[d_in, rank]), wgsl::empty_f32(&x, &[rank, d_out]));
        let weight_buffers = [&x.handle, &dy.handle, &low.handle, &g.handle, &da.handle, &db.handle];
        wgsl::launch(BACKWARD_WEIGHTS, &x, (d_in * rank + rank * d_out).div_ceil(64), &weight_buffers, params);
        [dx, da, db]
    }
}

impl<B: Backend + FusedLora + FusedLoraPasses, C: CheckpointStrategy> FusedLora for Autodiff<B, C> {
    fn fused_lora(
        y: FloatTensor<Self>,
        x: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        scale: f64,
    ) -> FloatTensor<Self> {
        match LoraBackward.prepare::<C>([y.node(), x.node(), a.node(), b.node()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (x, a, b) = (x.into_primitive(), a.into_primitive(), b.into_primitive());
                let (out, low) = B::lora_forward(y.into_primitive(), x.clone(), a.clone(), b.clone(), scale);
                prep.finish(LoraSaved { x, a, b, low, scale }, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::fused_lora(
                y.into_primitive(),
                x.into_primitive(),
                a.into_primitive(),
                b.into_primitive(),
                scale,
            )),
        }
    }
}

/// Parents: y (gradient dy, unchanged), x, A, B.
#[derive(Debug)]
struct LoraBackward;

impl<B: Backend + FusedLoraPasses> Backward<B, 4> for LoraBackward {
    type State = LoraSaved<B>;

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let dy = grads.consume::<B>(&ops.node);
        let [y_node, x_node, a_node, b_node] = ops.parents;
        let [dx, da, db] = B::lora_backward(ops.state, dy.clone());
        for (node, grad) in [(x_node, dx), (a_node, da), (b_node, db), (y_node, dy)] {
            if let Some(node) = node {
                grads.register::<B>(node.id, grad);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor};

    use crate::ops::testing::{gpu, host, random, relative_error, tensor};

    /// The WGSL kernels against an f64 forward pass and burn's autodiff of the same products on
    /// the CPU, for sizes that are not multiples of the workgroup and a rank above it.
    #[test]
    fn lora_kernels_match_the_reference_forward_and_backward() {
        for (rows, d_in, rank, d_out) in [(37, 70, 5, 91), (3, 20, 70, 130), (1, 1, 1, 1)] {
            let scale = 1.7;
            let y = random(rows * d_out, 1.0, 1);
            let x = random(rows * d_in, 1.0, 2);
            let a = random(d_in * rank, 0.5, 3);
            let b = random(rank * d_out, 0.5, 4);
            let r = random(rows * d_out, 1.0, 5);

            let run = |device: &Device, fused: bool| {
                let device = device.clone().autodiff();
                let yt: Tensor<2> = tensor(&y, [rows, d_out], &device).require_grad();
                let xt: Tensor<2> = tensor(&x, [rows, d_in], &device).require_grad();
                let at: Tensor<2> = tensor(&a, [d_in, rank], &device).require_grad();
                let bt: Tensor<2> = tensor(&b, [rank, d_out], &device).require_grad();
                let out = if fused {
                    super::lora_add(yt.clone(), xt.clone(), at.clone(), bt.clone(), scale)
                } else {
                    yt.clone() + xt.clone().matmul(at.clone()).matmul(bt.clone()).mul_scalar(scale)
                };
                let grads = (out.clone() * tensor(&r, [rows, d_out], &device)).sum().backward();
                let grad = |t: &Tensor<2>| host(t.grad(&grads).unwrap());
                [host(out), grad(&yt), grad(&xt), grad(&at), grad(&bt)]
            };
            let fused = run(&gpu(), true);
            let composed = run(&Device::flex(), false);

            let want: Vec<f64> = (0..rows * d_out)
                .map(|e| {
                    let (n, j) = (e / d_out, e % d_out);
                    let low = |k: usize| (0..d_in).map(|i| x[n * d_in + i] * a[i * rank + k]).sum::<f64>();
                    y[e] + scale * (0..rank).map(|k| low(k) * b[k * d_out + j]).sum::<f64>()
                })
                .collect();
            let case = format!("rows {rows}, d_in {d_in}, rank {rank}, d_out {d_out}");
            assert!(relative_error(&fused[0], &want) < 1e-5, "{case}: forward {}", relative_error(&fused[0], &want));
            for (i, name) in [(1, "dy"), (2, "dx"), (3, "dA"), (4, "dB")] {
                let err = relative_error(&fused[i], &composed[i]);
                assert!(err < 1e-5, "{case}: {name} off by {err}");
            }
        }
    }
}
