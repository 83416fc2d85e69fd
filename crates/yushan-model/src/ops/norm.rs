//! RMSNorm and LayerNorm as one op each with its own backward: on wgpu, `shaders/norm_*.wgsl`
//! (one dispatch forward, one backward, one more when the norm's own weights train), where
//! burn's composed ops take about twenty. Elsewhere (the CPU backend, or a tensor the kernels
//! do not take) the same formulas from burn's element-wise ops.
//!
//! The forward pass keeps each row's mean and 1/σ, so the backward pass reads x once more
//! instead of recomputing the statistics.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Cube, Dispatch, Flex, TensorMetadata, backend_extension};
use burn::tensor::{Shape, Slice, Tensor};
use burn_cubecl::tensor::CubeTensor;

use crate::ops::wgsl::{self, Params, WgslKernel};

const FORWARD: WgslKernel = WgslKernel {
    name: "norm_forward",
    source: concat!(
        include_str!("../../../../shaders/group_sum.wgsl"),
        include_str!("../../../../shaders/norm_forward.wgsl")
    ),
    workgroup: [64, 1, 1],
};
const BACKWARD: WgslKernel = WgslKernel {
    name: "norm_backward",
    source: concat!(
        include_str!("../../../../shaders/group_sum.wgsl"),
        include_str!("../../../../shaders/norm_backward.wgsl")
    ),
    workgroup: [64, 1, 1],
};
const BACKWARD_PARAMS: WgslKernel = WgslKernel {
    name: "norm_backward_params",
    source: include_str!("../../../../shaders/norm_backward_params.wgsl"),
    workgroup: [64, 1, 1],
};

#[backend_extension(Cube, Flex, Autodiff)]
pub trait FusedNorm: Backend {
    /// RMSNorm of each row of `x` [rows, d], scaled by `weight` [d].
    fn fused_rms_norm(x: FloatTensor<Self>, weight: FloatTensor<Self>, eps: f64) -> FloatTensor<Self>;
    /// LayerNorm of each row of `x` [rows, d], scaled by `weight` [d] and shifted by `bias` [d].
    fn fused_layer_norm(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        eps: f64,
    ) -> FloatTensor<Self>;
}

/// The gradients of a norm's own weight and bias, when they train.
type ParamGrads<T> = Option<(T, T)>;

/// The two passes, on the backends autodiff wraps.
pub trait FusedNormPasses: Backend {
    /// `y` and each row's (mean, 1/σ) as [rows, 2]; the mean is 0 for RMSNorm (no bias).
    fn norm_forward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        eps: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);

    /// `dx`, and `(dweight, dbias)` when `with_params`.
    fn norm_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stats: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        layer_norm: bool,
        with_params: bool,
    ) -> (FloatTensor<Self>, ParamGrads<FloatTensor<Self>>);
}

/// RMSNorm over the last dimension of `x`.
pub fn rms_norm<const D: usize>(x: Tensor<D>, weight: Tensor<1>, eps: f64) -> Tensor<D> {
    rows_of(x, |x| {
        Tensor::from_dispatch(<Dispatch as FusedNorm>::fused_rms_norm(x.into_dispatch(), weight.into_dispatch(), eps))
    })
}

/// LayerNorm over the last dimension of `x`.
pub fn layer_norm<const D: usize>(x: Tensor<D>, weight: Tensor<1>, bias: Tensor<1>, eps: f64) -> Tensor<D> {
    rows_of(x, |x| {
        Tensor::from_dispatch(<Dispatch as FusedNorm>::fused_layer_norm(
            x.into_dispatch(),
            weight.into_dispatch(),
            bias.into_dispatch(),
            eps,
        ))
    })
}

/// Applies a row-wise op to `x` seen as [rows, last dimension].
fn rows_of<const D: usize>(x: Tensor<D>, op: impl FnOnce(Tensor<2>) -> Tensor<2>) -> Tensor<D> {
    let dims = x.dims();
    let d = dims[D - 1];
    op(x.reshape([dims.iter().product::<usize>() / d.max(1), d])).reshape(dims)
}

// --- burn's element-wise ops: the CPU backend, and the fallback on the GPU ---------------------

fn composed_forward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: Option<FloatTensor<B>>,
    eps: f64,
) -> (FloatTensor<B>, FloatTensor<B>) {
    let [rows, d] = dims2(&x);
    let mean = match bias {
        Some(_) => B::float_mean_dim(x.clone(), 1),
        None => B::float_zeros(Shape::new([rows, 1]), &x.device(), x.dtype().into()),
    };
    let centred = B::float_sub(x, mean.clone());
    let var = B::float_mean_dim(B::float_mul(centred.clone(), centred.clone()), 1);
    let inv_std = B::float_recip(B::float_sqrt(B::float_add_scalar(var, eps.into())));
    let y = B::float_mul(B::float_mul(centred, inv_std.clone()), B::float_reshape(weight, Shape::new([1, d])));
    let y = match bias {
        Some(bias) => B::float_add(y, B::float_reshape(bias, Shape::new([1, d]))),
        None => y,
    };
    (y, B::float_cat(vec![mean, inv_std], 1))
}

fn composed_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    stats: FloatTensor<B>,
    dy: FloatTensor<B>,
    layer_norm: bool,
    with_params: bool,
) -> (FloatTensor<B>, ParamGrads<FloatTensor<B>>) {
    let [rows, d] = dims2(&x);
    let mean = B::float_slice(stats.clone(), &[Slice::from(0..rows), Slice::from(0..1)]);
    let inv_std = B::float_slice(stats, &[Slice::from(0..rows), Slice::from(1..2)]);
    let x_hat = B::float_mul(B::float_sub(x, mean), inv_std.clone());
    let g = B::float_mul(dy.clone(), B::float_reshape(weight, Shape::new([1, d])));
    let gx_mean = B::float_mean_dim(B::float_mul(g.clone(), x_hat.clone()), 1);
    let mut inner = B::float_sub(g.clone(), B::float_mul(x_hat.clone(), gx_mean));
    if layer_norm {
        inner = B::float_sub(inner, B::float_mean_dim(g, 1));
    }
    let dx = B::float_mul(inner, inv_std);
    let params = with_params.then(|| {
        let dweight = B::float_reshape(B::float_sum_dim(B::float_mul(dy.clone(), x_hat), 0), Shape::new([d]));
        let dbias = B::float_reshape(B::float_sum_dim(dy, 0), Shape::new([d]));
        (dweight, dbias)
    });
    (dx, params)
}

fn dims2<T: TensorMetadata>(t: &T) -> [usize; 2] {
    let shape = t.shape();
    [shape[0], shape[1]]
}

impl FusedNorm for Flex {
    fn fused_rms_norm(x: FloatTensor<Self>, weight: FloatTensor<Self>, eps: f64) -> FloatTensor<Self> {
        composed_forward::<Self>(x, weight, None, eps).0
    }

    fn fused_layer_norm(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        eps: f64,
    ) -> FloatTensor<Self> {
        composed_forward::<Self>(x, weight, Some(bias), eps).0
    }
}

impl FusedNormPasses for Flex {
    fn norm_forward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        eps: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        composed_forward::<Self>(x, weight, bias, eps)
    }

    fn norm_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stats: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        layer_norm: bool,
        with_params: bool,
    ) -> (FloatTensor<Self>, ParamGrads<FloatTensor<Self>>) {
        composed_backward::<Self>(x, weight, stats, dy, layer_norm, with_params)
    }
}

// --- the WGSL kernels --------------------------------------------------------------------------

impl FusedNorm for Cube {
    fn fused_rms_norm(x: CubeTensor, weight: CubeTensor, eps: f64) -> CubeTensor {
        Self::norm_forward(x, weight, None, eps).0
    }

    fn fused_layer_norm(x: CubeTensor, weight: CubeTensor, bias: CubeTensor, eps: f64) -> CubeTensor {
        Self::norm_forward(x, weight, Some(bias), eps).0
    }
}

impl FusedNormPasses for Cube {
    fn norm_forward(x: CubeTensor, weight: CubeTensor, bias: Option<CubeTensor>, eps: f64) -> (CubeTensor, CubeTensor) {
        if !wgsl::applies(&x) || !wgsl::applies(&weight) {
            return composed_forward::<Self>(x, weight, bias, eps);
        }
        let [rows, d] = dims2(&x);
        let layer_norm = bias.is_some();
        let (x, weight) = (wgsl::contiguous(x), wgsl::contiguous(weight));
        // RMSNorm has no bias; the shader reads it only for LayerNorm, but the binding must exist.
        let bias = bias.map(wgsl::contiguous).unwrap_or_else(|| wgsl::placeholder(&x));
        let y = wgsl::empty_f32(&x, &[rows, d]);
        let stats = wgsl::empty_f32(&x, &[rows, 2]);
        let params = Params::default().u32(rows).u32(d).u32(layer_norm as usize).f32(eps);
        wgsl::launch(FORWARD, &x, rows, &[&x.handle, &weight.handle, &bias.handle, &y.handle, &stats.handle], params);
        (y, stats)
    }

    fn norm_backward(
        x: CubeTensor,
        weight: CubeTensor,
        stats: CubeTensor,
        dy: CubeTensor,
        layer_norm: bool,
        with_params: bool,
    ) -> (CubeTensor, ParamGrads<CubeTensor>) {
        if !wgsl::applies(&x) || !wgsl::applies(&dy) {
            return composed_backward::<Self>(x, weight, stats, dy, layer_norm, with_params);
        }
        let [rows, d] = dims2(&x);
        let (x, weight, stats, dy) =
            (wgsl::contiguous(x), wgsl::contiguous(weight), wgsl::contiguous(stats), wgsl::contiguous(dy));
        let dx = wgsl::empty_f32(&x, &[rows, d]);
        let params = Params::default().u32(rows).u32(d).u32(layer_norm as usize).u32(0);
        wgsl::launch(BACKWARD, &x, rows, &[&x.handle, &weight.handle, &stats.handle, &dy.handle, &dx.handle], params);
        let grads = with_params.then(|| {
            let (dweight, dbias) = (wgsl::empty_f32(&x, &[d]), wgsl::empty_f32(&x, &[d]));
            let params = Params::default().u32(rows).u32(d);
            wgsl::launch(
                BACKWARD_PARAMS,
                &x,
                d.div_ceil(64),
                &[&x.handle, &stats.handle, &dy.handle, &dweight.handle, &dbias.handle],
                params,
            );
            (dweight, dbias)
        });
        (dx, grads)
    }
}

// --- autodiff ----------------------------------------------------------------------------------

impl<B: Backend + FusedNorm + FusedNormPasses, C: CheckpointStrategy> FusedNorm for Autodiff<B, C> {
    fn fused_rms_norm(x: FloatTensor<Self>, weight: FloatTensor<Self>, eps: f64) -> FloatTensor<Self> {
        match NormBackward::<2>.prepare::<C>([x.node(), weight.node()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (x, weight) = (x.into_primitive(), weight.into_primitive());
                let (y, stats) = B::norm_forward(x.clone(), weight.clone(), None, eps);
                prep.finish(NormState { x, weight, stats }, y)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::fused_rms_norm(x.into_primitive(), weight.into_primitive(), eps))
            }
        }
    }

    fn fused_layer_norm(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        eps: f64,
    ) -> FloatTensor<Self> {
        match NormBackward::<3>.prepare::<C>([x.node(), weight.node(), bias.node()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (x, weight) = (x.into_primitive(), weight.into_primitive());
                let (y, stats) = B::norm_forward(x.clone(), weight.clone(), Some(bias.into_primitive()), eps);
                prep.finish(NormState { x, weight, stats }, y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::fused_layer_norm(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
                eps,
            )),
        }
    }
}

/// Parents: x, weight, and bias for LayerNorm (`N` = 3) or none for RMSNorm (`N` = 2).
#[derive(Debug)]
struct NormBackward<const N: usize>;

#[derive(Clone, Debug)]
struct NormState<B: Backend> {
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    stats: FloatTensor<B>,
}

impl<B: Backend + FusedNormPasses, const N: usize> Backward<B, N> for NormBackward<N> {
    type State = NormState<B>;

    fn backward(self, ops: Ops<Self::State, N>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let dy = grads.consume::<B>(&ops.node);
        let NormState { x, weight, stats } = ops.state;
        let [x_node, weight_node] = [ops.parents[0].clone(), ops.parents[1].clone()];
        let bias_node = ops.parents.get(2).cloned().flatten();
        let with_params = weight_node.is_some() || bias_node.is_some();
        let (dx, params) = B::norm_backward(x, weight, stats, dy, N == 3, with_params);
        if let Some(node) = x_node {
            grads.register::<B>(node.id, dx);
        }
        if let Some((dweight, dbias)) = params {
            if let Some(node) = weight_node {
                grads.register::<B>(node.id, dweight);
            }
            if let Some(node) = bias_node {
                grads.register::<B>(node.id, dbias);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::module::Param;
    use burn::tensor::{Device, Tensor};

    use crate::layers::norm::Norm;
    use crate::ops::kernels::Kernels;
    use crate::ops::testing::{gpu, host, random, relative_error, tensor};

    /// y, row by row, in f64.
    fn reference(x: &[f64], weight: &[f64], bias: Option<&[f64]>, d: usize, eps: f64) -> Vec<f64> {
        x.chunks(d)
            .flat_map(|row| {
                let mean = if bias.is_some() { row.iter().sum::<f64>() / d as f64 } else { 0.0 };
                let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / d as f64;
                let inv_std = 1.0 / (var + eps).sqrt();
                row.iter()
                    .enumerate()
                    .map(move |(j, v)| (v - mean) * inv_std * weight[j] + bias.map_or(0.0, |b| b[j]))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Output, dx, dweight and dbias of `Σ y · r` through the layer on `device`.
    fn run(
        kernels: Kernels,
        device: &Device,
        [x, weight, bias, r]: [&[f64]; 4],
        shape: [usize; 3],
        layer_norm: bool,
    ) -> Vec<Vec<f64>> {
        let device = device.clone().autodiff();
        let d = shape[2];
        let norm = Norm {
            weight: Param::from_tensor(tensor(weight, [d], &device).require_grad()),
            bias: layer_norm.then(|| Param::from_tensor(tensor(bias, [d], &device).require_grad())),
            eps: 1e-5,
            kernels,
        };
        let x = tensor(x, shape, &device).require_grad();
        let y = norm.forward(x.clone());
        let grads = (y.clone() * tensor(r, shape, &device)).sum().backward();
        let mut out = vec![host(y), host(x.grad(&grads).unwrap()), host(norm.weight.grad(&grads).unwrap())];
        if let Some(bias) = &norm.bias {
            out.push(host(bias.grad(&grads).unwrap()));
        }
        out
    }

    /// The WGSL kernels against an f64 forward pass and burn's autodiff of the composed
    /// formulas on the CPU, on random inputs whose rows are not a multiple of the workgroup.
    #[test]
    fn norm_kernels_match_the_reference_forward_and_backward() {
        for (shape, layer_norm) in [([2, 19, 70], false), ([2, 19, 70], true), ([1, 3, 300], false), ([3, 1, 5], true)]
        {
            let len: usize = shape.iter().product();
            let d = shape[2];
            let x = random(len, 3.0, 1);
            let weight = random(d, 1.5, 2);
            let bias = random(d, 0.5, 3);
            let r = random(len, 1.0, 4);
            let inputs = [&x[..], &weight[..], &bias[..], &r[..]];
            let fused = run(Kernels::Wgsl, &gpu(), inputs, shape, layer_norm);
            let composed = run(Kernels::Burn, &Device::flex(), inputs, shape, layer_norm);
            let want = reference(&x, &weight, layer_norm.then_some(&bias[..]), d, 1e-5);
            let case = format!("{shape:?}, layer norm {layer_norm}");
            assert!(relative_error(&fused[0], &want) < 1e-5, "{case}: forward {}", relative_error(&fused[0], &want));
            assert_eq!(fused.len(), composed.len());
            for (i, (got, want)) in fused.iter().zip(&composed).enumerate().skip(1) {
                let err = relative_error(got, want);
                assert!(err < 1e-4, "{case}: gradient {i} (1 = x, 2 = weight, 3 = bias) off by {err}");
            }
        }
    }

    /// More rows than one grid dimension takes (65,535 workgroups): the second dimension counts.
    #[test]
    fn norm_kernel_covers_rows_beyond_one_grid_dimension() {
        let (rows, d) = (65_537, 3);
        let x = random(rows * d, 2.0, 5);
        let weight = random(d, 1.0, 6);
        let device = gpu();
        let y = super::rms_norm(tensor(&x, [rows, d], &device), tensor(&weight, [d], &device), 1e-6);
        let want = reference(&x, &weight, None, d, 1e-6);
        assert!(relative_error(&host(y), &want) < 1e-5);
    }

    /// Under LoRA the norms are frozen: only dx is computed, and it matches the trained case.
    #[test]
    fn frozen_norm_weight_gets_no_gradient() {
        let device = gpu().autodiff();
        let (shape, d) = ([1, 4, 33], 33);
        let norm = Norm {
            weight: Param::from_tensor(tensor(&random(d, 1.0, 7), [d], &device)).set_require_grad(false),
            bias: None,
            eps: 1e-6,
            kernels: Kernels::Wgsl,
        };
        let x = tensor(&random(4 * d, 1.0, 8), shape, &device).require_grad();
        let grads = norm.forward(x.clone()).sum().backward();
        assert!(norm.weight.grad(&grads).is_none());
        let dx: Tensor<3> = x.grad(&grads).unwrap();
        assert!(host(dx).iter().any(|v| v.abs() > 1e-6));
    }
}
