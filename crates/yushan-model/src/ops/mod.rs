//! Operations added to burn as backend extensions, with their own backward passes: the home of
//! the project's GPU kernels (the f16 frozen matmul, tanh-GELU, and the WGSL kernels of
//! `shaders/`, each launched from the file of the same name).

pub mod adamw;
pub mod frozen;
pub mod gelu;
pub mod kernels;
pub mod lora;
pub mod norm;
pub mod rope;
pub mod swiglu;
pub mod wgsl;

/// What the kernels' parity tests share: the wgpu device and random inputs.
#[cfg(test)]
pub(crate) mod testing {
    use burn::tensor::{Device, Tensor, TensorData};
    use yushan_rng::SplitMix64;

    /// The wgpu device (lavapipe on a machine without a GPU), opened once per test process.
    pub fn gpu() -> Device {
        static DEVICE: std::sync::OnceLock<Device> = std::sync::OnceLock::new();
        DEVICE
            .get_or_init(|| {
                Device::wgpu_options()
                    .init()
                    .expect("a wgpu adapter (install mesa-vulkan-drivers for lavapipe: scripts/setup.sh does)")
            })
            .clone()
    }

    /// Uniform values in [-scale, scale), never all zero.
    pub fn random(len: usize, scale: f64, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        (0..len).map(|_| (rng.next_f64() * 2.0 - 1.0) * scale).collect()
    }

    pub fn tensor<const D: usize>(values: &[f64], shape: [usize; D], device: &Device) -> Tensor<D> {
        let data: Vec<f32> = values.iter().map(|&v| v as f32).collect();
        Tensor::from_data(TensorData::new(data, shape), device)
    }

    pub fn host<const D: usize>(t: Tensor<D>) -> Vec<f64> {
        t.into_data().try_to_vec::<f32>().unwrap().into_iter().map(f64::from).collect()
    }

    /// Largest |got − want| relative to the largest |want| (1 when want is all zero).
    pub fn relative_error(got: &[f64], want: &[f64]) -> f64 {
        assert_eq!(got.len(), want.len());
        let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-30);
        got.iter().zip(want).fold(0.0f64, |m, (g, w)| m.max((g - w).abs())) / scale
    }
}
