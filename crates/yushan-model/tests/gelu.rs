//! The fused GELU (GPT-2's tanh approximation) against an independent host computation in f64
//! (written with tanh, as Hugging Face's `gelu_new` is), forward and gradient, on the CPU backend
//! and on wgpu, over random inputs that reach both flat tails.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use common::*;
use yushan_model::{Kernels, gelu_tanh};
use yushan_rng::SplitMix64;

const SHAPE: [usize; 3] = [3, 17, 29];

/// y = gelu(x) and dL/dx for L = Σ y ⊙ R.
fn reference(x: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let c = (2.0 / std::f64::consts::PI).sqrt();
    x.iter()
        .zip(r)
        .map(|(&x, &r)| {
            let x = x as f64;
            let t = (c * (x + 0.044715 * x.powi(3))).tanh();
            let y = 0.5 * x * (1.0 + t);
            let dy = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * c * (1.0 + 3.0 * 0.044715 * x * x);
            (y as f32, (r as f64 * dy) as f32)
        })
        .unzip()
}

fn check(device: Device, kernels: Kernels) {
    let device = device.autodiff();
    let n = SHAPE.iter().product::<usize>();
    let mut rng = SplitMix64::new(11);
    // std 3 puts about a fifth of the inputs beyond ±4, where the gate saturates.
    let (x, r) = (rng.normal_vec(n, 3.0), rng.normal_vec(n, 1.0));
    let x_t: Tensor<3> = Tensor::from_data(TensorData::new(x.clone(), SHAPE), &device).require_grad();
    let r_t: Tensor<3> = Tensor::from_data(TensorData::new(r.clone(), SHAPE), &device);

    let y = gelu_tanh(x_t.clone(), kernels);
    let grads = (y.clone() * r_t).sum().backward();
    let dx = x_t.grad(&grads).expect("x has a gradient");

    let (want_y, want_dx) = reference(&x, &r);
    for (name, got, want) in [("y", values(y), want_y), ("dx", values(dx), want_dx)] {
        let err = max_abs_diff(&got, &want) / max_abs(&want);
        assert!(err < 1e-5, "{name} ({kernels:?}): relative error {err} against the f64 reference");
    }
}

#[test]
fn gelu_on_the_cpu_matches_the_reference() {
    check(Device::flex(), Kernels::Burn);
}

/// burn's composed kernels and the WGSL kernel (`shaders/gelu_forward.wgsl`), on one device.
#[test]
fn gelu_on_wgpu_matches_the_reference() {
    let device = Device::wgpu_options().init().expect("a wgpu adapter (lavapipe: scripts/setup.sh installs it)");
    check(device.clone(), Kernels::Burn);
    check(device, Kernels::Wgsl);
}
