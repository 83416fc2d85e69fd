//! GPU self-check: a matmul on the device against the same product on the CPU.

use burn::tensor::{Device, Tensor, TensorData};

/// Deterministic values in [-1, 1) from a 64-bit LCG (no dependency on a RNG crate).
pub fn pseudo_random(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Row-major `a (n x k) @ b (k x m)`, accumulated in f64.
pub fn cpu_matmul(a: &[f32], b: &[f32], n: usize, k: usize, m: usize) -> Vec<f32> {
    let mut out = vec![0f32; n * m];
    for i in 0..n {
        for j in 0..m {
            let mut acc = 0f64;
            for p in 0..k {
                acc += a[i * k + p] as f64 * b[p * m + j] as f64;
            }
            out[i * m + j] = acc as f32;
        }
    }
    out
}

/// Acceptable f32 error for an `n`-term dot product of values in [-1, 1).
pub fn tolerance(n: usize) -> f32 {
    1e-5 * n as f32 + 1e-4
}

fn upload(values: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::<2>::from_data(TensorData::new(values, [rows, cols]), device)
}

/// Max |GPU - CPU| over the product of two `n x n` pseudo-random matrices.
/// Reads back with `into_data_async` (sync readback panics on wasm).
pub async fn matmul_max_error(device: &Device, n: usize, seed: u64) -> Result<f32, String> {
    if n == 0 || n > 1024 {
        return Err(format!("self-check size must be in 1..=1024, got {n}"));
    }
    let a = pseudo_random(n * n, seed);
    let b = pseudo_random(n * n, seed ^ 0x9e37_79b9_7f4a_7c15);
    let expected = cpu_matmul(&a, &b, n, n, n);
    let product = upload(a, n, n, device).matmul(upload(b, n, n, device));
    let data = product.into_data_async().await.map_err(|e| format!("GPU readback failed: {e:?}"))?;
    let got = data.as_slice::<f32>().map_err(|e| format!("unexpected GPU result: {e:?}"))?;
    if got.len() != expected.len() {
        return Err(format!("GPU returned {} values, expected {}", got.len(), expected.len()));
    }
    Ok(got.iter().zip(&expected).map(|(g, e)| (g - e).abs()).fold(0f32, f32::max))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Poll a future to completion on this thread (the CPU backend's readback is ready at once).
    fn block_on<F: std::future::Future>(fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::yield_now();
        }
    }

    #[test]
    fn cpu_matmul_small() {
        // [1 2; 3 4] @ [5 6; 7 8] = [19 22; 43 50]
        assert_eq!(cpu_matmul(&[1., 2., 3., 4.], &[5., 6., 7., 8.], 2, 2, 2), vec![19., 22., 43., 50.]);
    }

    #[test]
    fn pseudo_random_is_deterministic_and_in_range() {
        let v = pseudo_random(1000, 7);
        assert_eq!(v, pseudo_random(1000, 7));
        assert!(v.iter().all(|x| (-1.0..1.0).contains(x)));
        assert_ne!(v, pseudo_random(1000, 8));
    }

    #[test]
    fn matmul_on_the_cpu_backend_matches() {
        let device = Device::flex();
        let err = block_on(matmul_max_error(&device, 33, 1));
        assert!(err.unwrap() <= tolerance(33));
    }

    #[test]
    fn software_names() {
        assert!(crate::is_software_name("SwiftShader Device (Subzero)"));
        assert!(crate::is_software_name("llvmpipe (LLVM 15.0.6, 256 bits)"));
        assert!(!crate::is_software_name("NVIDIA GeForce RTX 4090"));
    }
}
