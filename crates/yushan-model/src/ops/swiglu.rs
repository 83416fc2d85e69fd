//! SwiGLU's product `silu(gate) · up` as one op with its own backward: on wgpu one dispatch each
//! way (`shaders/swiglu_*.wgsl`) where burn's composed ops take three forward and about eight
//! backward; elsewhere the same formulas from burn's element-wise ops.

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
    name: "swiglu_forward",
    source: include_str!("../../../../shaders/swiglu_forward.wgsl"),
    workgroup: [256, 1, 1],
};
const BACKWARD: WgslKernel = WgslKernel {
    name: "swiglu_backward",
    source: include_str!("../../../../shaders/swiglu_backward.wgsl"),
    workgroup: [256, 1, 1],
};

#[backend_extension(Cube, Flex, Autodiff)]
pub trait FusedSwiglu: Backend {
    /// `silu(gate) · up`, element-wise, for tensors of one shape.
    fn fused_swiglu(gate: FloatTensor<Self>, up: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// The backward pass, on the backends autodiff wraps.
pub trait FusedSwigluGrad: Backend {
    /// `(dgate, dup)` for the upstream gradient `dh`.
    fn swiglu_backward(
        gate: FloatTensor<Self>,
        up: FloatTensor<Self>,
        dh: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

/// `silu(gate) · up`, element-wise.
pub fn swiglu<const D: usize>(gate: Tensor<D>, up: Tensor<D>) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as FusedSwiglu>::fused_swiglu(gate.into_dispatch(), up.into_dispatch()))
}

fn sigmoid<B: Backend>(x: FloatTensor<B>) -> FloatTensor<B> {
    B::float_recip(B::float_add_scalar(B::float_exp(B::float_neg(x)), 1.0.into()))
}

fn composed_forward<B: Backend>(gate: FloatTensor<B>, up: FloatTensor<B>) -> FloatTensor<B> {
    B::float_mul(B::float_mul(gate.clone(), sigmoid::<B>(gate)), up)
}

fn composed_backward<B: Backend>(
    gate: FloatTensor<B>,
    up: FloatTensor<B>,
    dh: FloatTensor<B>,
) -> (FloatTensor<B>, FloatTensor<B>) {
    let s = sigmoid::<B>(gate.clone());
    let one_minus_s = B::float_add_scalar(B::float_neg(s.clone()), 1.0.into());
    let slope = B::float_mul(s.clone(), B::float_add_scalar(B::float_mul(gate.clone(), one_minus_s), 1.0.into()));
    let dgate = B::float_mul(B::float_mul(dh.clone(), up), slope);
    let dup = B::float_mul(dh, B::float_mul(gate, s));
    (dgate, dup)
}

impl FusedSwiglu for Flex {
    fn fused_swiglu(gate: FloatTensor<Self>, up: FloatTensor<Self>) -> FloatTensor<Self> {
        composed_forward::<Self>(gate, up)
    }
}

impl FusedSwigluGrad for Flex {
    fn swiglu_backward(
        gate: FloatTensor<Self>,
        up: FloatTensor<Self>,
        dh: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        composed_backward::<Self>(gate, up, dh)
    }
}

impl FusedSwiglu for Cube {
    fn fused_swiglu(gate: CubeTensor, up: CubeTensor) -> CubeTensor {
        if !wgsl::applies(&gate) || !wgsl::applies(&up) {
            return composed_forward::<Self>(gate, up);
        }
        let shape = gate.shape().to_vec();
        let len = shape.iter().product();
        let (gate, up) = (wgsl::contiguous(gate), wgsl::contiguous(up));
        let h = wgsl::empty_f32(&gate, &shape);
        wgsl::launch_elementwise(
            FORWARD,
            &gate,
            len,
            &[&gate.handle, &up.handle, &h.handle],
            Params::default().u32(len),
        );
        h
    }
}

impl FusedSwigluGrad for Cube {
    fn swiglu_backward(gate: CubeTensor, up: CubeTensor, dh: CubeTensor) -> (CubeTensor, CubeTensor) {
        if !wgsl::applies(&gate) || !wgsl::applies(&dh) {
            return composed_backward::<Self>(gate, up, dh);
        }
        let shape = gate.shape().to_vec();
        let len = shape.iter().product();
        let (gate, up, dh) = (wgsl::contiguous(gate), wgsl::contiguous(up), wgsl::contiguous(dh));
        let (dgate, dup) = (wgsl::empty_f32(&gate, &shape), wgsl::empty_f32(&gate, &shape));
        let buffers = [&gate.handle, &up.handle, &dh.handle, &dgate.handle, &dup.handle];
        wgsl::launch_elementwise(BACKWARD, &gate, len, &buffers, Params::default().u32(len));
        (dgate, dup)
    }
}

impl<B: Backend + FusedSwiglu + FusedSwigluGrad, C: CheckpointStrategy> FusedSwiglu for Autodiff<B, C> {
    fn fused_swiglu(gate: FloatTensor<Self>, up: FloatTensor<Self>) -> FloatTensor<Self> {
        match SwigluBackward.prepare::<C>([gate.node(), up.node()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (gate, up) = (gate.into_primitive(), up.into_primitive());
                prep.finish((gate.clone(), up.clone()), B::fused_swiglu(gate, up))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::fused_swiglu(gate.into_primitive(), up.into_primitive())),
        }
    }
}

/// Keeps both inputs: each gradient needs the other input.
#[derive(Debug)]
struct SwigluBackward;

impl<B: Backend + FusedSwigluGrad> Backward<B, 2> for SwigluBackward {
    type State = (FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let (gate, up) = ops.state;
        let [gate_node, up_node] = ops.parents;
        // Both gradients come from one kernel.
        let (dgate, dup) = B::swiglu_backward(gate, up, grads.consume::<B>(&ops.node));
        if let Some(node) = gate_node {
            grads.register::<B>(node.id, dgate);
        }
        if let Some(node) = up_node {
            grads.register::<B>(node.id, dup);
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::activation::silu;
    use burn::tensor::{Device, Tensor};

    use crate::ops::testing::{gpu, host, random, relative_error, tensor};

    /// The WGSL kernels against an f64 forward pass and burn's autodiff of `silu(g) · u` on the
    /// CPU, over a length that is not a multiple of the workgroup and gates deep in both tails.
    #[test]
    fn swiglu_kernels_match_the_reference_forward_and_backward() {
        let shape = [3, 5, 77];
        let len: usize = shape.iter().product();
        let (gate, up, r) = (random(len, 12.0, 1), random(len, 2.0, 2), random(len, 1.0, 3));

        let grads_on = |device: &Device, fused: bool| {
            let device = device.clone().autodiff();
            let g: Tensor<3> = tensor(&gate, shape, &device).require_grad();
            let u: Tensor<3> = tensor(&up, shape, &device).require_grad();
            let h = if fused { super::swiglu(g.clone(), u.clone()) } else { silu(g.clone()) * u.clone() };
            let grads = (h.clone() * tensor(&r, shape, &device)).sum().backward();
            [host(h), host(g.grad(&grads).unwrap()), host(u.grad(&grads).unwrap())]
        };
        let fused = grads_on(&gpu(), true);
        let composed = grads_on(&Device::flex(), false);

        let want: Vec<f64> = gate.iter().zip(&up).map(|(g, u)| g / (1.0 + (-g).exp()) * u).collect();
        assert!(relative_error(&fused[0], &want) < 1e-5, "forward {}", relative_error(&fused[0], &want));
        for (i, name) in [(1, "dgate"), (2, "dup")] {
            let err = relative_error(&fused[i], &composed[i]);
            assert!(err < 1e-5, "{name} off by {err}");
        }
    }
}
