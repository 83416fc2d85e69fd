//! The frozen half-precision matmul against an independent host computation: f32 activations
//! times weights rounded to f16, forward and the gradient of the activations, on the CPU backend
//! and on wgpu (lavapipe supports shader-f16; a GPU without it is skipped with a note).

mod common;

use burn::tensor::{DType, Device, FloatDType, Tensor, TensorData};
use common::*;
use yushan_model::frozen_matmul;
use yushan_rng::SplitMix64;

const ROWS: [usize; 2] = [3, 37];
const D_IN: usize = 70;
const D_OUT: usize = 45;

/// y = x · W and dL/dx for L = Σ y ⊙ R, in f64 on the host with W rounded to f16.
fn reference(x: &[f32], w: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let w16: Vec<f64> = w.iter().map(|&v| half::f16::from_f32(v).to_f64()).collect();
    let rows = x.len() / D_IN;
    let mut y = vec![0.0f32; rows * D_OUT];
    let mut dx = vec![0.0f32; rows * D_IN];
    for i in 0..rows {
        for j in 0..D_OUT {
            y[i * D_OUT + j] = (0..D_IN).map(|k| x[i * D_IN + k] as f64 * w16[k * D_OUT + j]).sum::<f64>() as f32;
        }
        for k in 0..D_IN {
            dx[i * D_IN + k] = (0..D_OUT).map(|j| r[i * D_OUT + j] as f64 * w16[k * D_OUT + j]).sum::<f64>() as f32;
        }
    }
    (y, dx)
}

fn check(device: Device) {
    let device = device.autodiff();
    let n = ROWS.iter().product::<usize>();
    let mut rng = SplitMix64::new(5);
    let (x, w, r) = (rng.normal_vec(n * D_IN, 1.0), rng.normal_vec(D_IN * D_OUT, 0.3), rng.normal_vec(n * D_OUT, 1.0));
    let x_t: Tensor<3> =
        Tensor::from_data(TensorData::new(x.clone(), [ROWS[0], ROWS[1], D_IN]), &device).require_grad();
    let w32: Tensor<2> = Tensor::from_data(TensorData::new(w.clone(), [D_IN, D_OUT]), &device);
    let w16 = w32.cast(FloatDType::F16);
    assert_eq!(w16.dtype(), DType::F16);
    let r_t: Tensor<3> = Tensor::from_data(TensorData::new(r.clone(), [ROWS[0], ROWS[1], D_OUT]), &device);

    let y = frozen_matmul(x_t.clone(), w16);
    assert_eq!(y.dims(), [ROWS[0], ROWS[1], D_OUT]);
    assert_eq!(y.dtype(), DType::F32);
    let grads = (y.clone() * r_t).sum().backward();
    let dx = x_t.grad(&grads).expect("x has a gradient");

    let (want_y, want_dx) = reference(&x, &w, &r);
    for (name, got, want) in [("y", values(y), want_y), ("dx", values(dx), want_dx)] {
        let err = max_abs_diff(&got, &want) / max_abs(&want);
        assert!(err < 1e-5, "{name}: relative error {err} against the f16-rounded reference");
    }
}

#[test]
fn frozen_matmul_on_the_cpu_matches_the_reference() {
    check(Device::flex());
}

#[test]
fn frozen_matmul_on_wgpu_matches_the_reference() {
    let device = Device::wgpu_options().init().expect("a wgpu adapter (lavapipe: scripts/setup.sh installs it)");
    if !device.supports_dtype(DType::F16) {
        eprintln!("this wgpu adapter has no shader-f16: nothing to check");
        return;
    }
    check(device);
}
