//! The wgpu backend (lavapipe on a machine without a GPU) against burn's CPU backend, on the
//! same random model, adapter and tokens: forward logits and adapter gradients must agree, with
//! the frozen matrices in f32 and in f16 (against the CPU model with the same f16-rounded values).

mod common;

use burn::module::Param;
use burn::tensor::{DType, Device, FloatDType, Tensor, TensorData};
use common::*;
use yushan_model::{LoraConfig, LoraTarget, Model, ModelConfig};
use yushan_rng::SplitMix64;

/// The wgpu device, opened once per test process (a second `init` is refused).
fn wgpu() -> Device {
    static DEVICE: std::sync::OnceLock<Device> = std::sync::OnceLock::new();
    DEVICE
        .get_or_init(|| {
            Device::wgpu_options()
                .init()
                .expect("a wgpu adapter (install mesa-vulkan-drivers for lavapipe: scripts/setup.sh does)")
        })
        .clone()
}

/// The wgpu device where it computes in f16 (lavapipe does); `None`, with a note, elsewhere.
fn wgpu_with_f16() -> Option<Device> {
    let device = wgpu();
    if !device.supports_dtype(DType::F16) {
        eprintln!("this wgpu adapter has no shader-f16: nothing to check");
        return None;
    }
    Some(device)
}

/// The model with every adapter's B randomised, built identically on `device`, its frozen
/// matrices stored in `dtype`.
fn adapted_model(config: &ModelConfig, device: &Device, dtype: FloatDType) -> Model {
    let lora = LoraConfig::new(4, 8.0, &LoraTarget::ALL);
    let mut model = Model::init(config, 71, device).with_lora(&lora, 72).with_matrix_dtype(dtype);
    let mut rng = SplitMix64::new(73);
    for layer in &mut model.layers {
        for target in LoraTarget::ALL {
            if let Some(l) = layer.projection_mut(target).and_then(|d| d.lora.as_mut()) {
                let [r, out] = l.b.dims();
                l.b = Param::from_tensor(Tensor::from_data(
                    TensorData::new(rng.normal_vec(r * out, 0.3), [r, out]),
                    device,
                ));
            }
        }
    }
    model
}

fn run(config: &ModelConfig, device: Device, dtype: FloatDType) -> Vec<Vec<f32>> {
    let device = device.autodiff();
    run_model(adapted_model(config, &device, dtype), &device)
}

/// Logits and the adapters' gradients for a fixed weighted sum of the logits.
fn run_model(model: Model, device: &Device) -> Vec<Vec<f32>> {
    let config = model.config.clone();
    let tokens = random_tokens(&config, 2, 12, 74, device);
    let weights = SplitMix64::new(75).normal_vec(2 * 12 * config.vocab_size, 1.0);
    let weights: Tensor<3> = Tensor::from_data(TensorData::new(weights, [2, 12, config.vocab_size]), device);
    let logits = model.forward(tokens);
    let grads = (logits.clone() * weights).sum().backward();
    let mut out = vec![values(logits)];
    for layer in &model.layers {
        for target in [LoraTarget::Q, LoraTarget::V, LoraTarget::Gate, LoraTarget::Down] {
            let Some(dense) = layer.projection(target) else { continue };
            let lora = dense.lora.as_ref().unwrap();
            out.push(values(lora.a.val().grad(&grads).unwrap()));
            out.push(values(lora.b.val().grad(&grads).unwrap()));
        }
    }
    out
}

fn assert_close(cpu: &[Vec<f32>], gpu: &[Vec<f32>]) {
    assert_eq!(cpu.len(), gpu.len());
    for (i, (c, g)) in cpu.iter().zip(gpu).enumerate() {
        let scale = max_abs(c).max(1e-3);
        let diff = max_abs_diff(c, g);
        assert!(
            diff / scale < 1e-3,
            "tensor {i} (0 = logits, then adapter gradients): relative difference {}",
            diff / scale
        );
    }
}

#[test]
fn wgpu_forward_and_backward_match_the_cpu() {
    let config = tiny_llama();
    assert_close(&run(&config, Device::flex(), FloatDType::F32), &run(&config, wgpu(), FloatDType::F32));
}

/// f16 matrices on the GPU (cubecl's mixed f32 × f16 matmul, the f16 embedding rows) against
/// f32 matrices holding the same f16-rounded values on the CPU: only the storage differs. Both
/// a Llama with its own head and a GPT-2 with learned positions and a tied head.
#[test]
fn wgpu_with_f16_matrices_matches_the_cpu_on_the_same_rounded_weights() {
    let Some(device) = wgpu_with_f16() else { return };
    for config in [tiny_llama(), tiny_gpt2()] {
        let rounded =
            |device: &Device| adapted_model(&config, device, FloatDType::F16).with_matrix_dtype(FloatDType::F32);
        // The reference: rounded through f16 on the device, then every computation in f32.
        let cpu = {
            let device = Device::flex().autodiff();
            let model = rounded(&device);
            assert_eq!(model.embed_tokens.val().dtype(), DType::F32);
            run_model(model, &device)
        };
        let gpu_device = device.clone().autodiff();
        let gpu_model = adapted_model(&config, &gpu_device, FloatDType::F16);
        assert_eq!(gpu_model.embed_tokens.val().dtype(), DType::F16);
        assert_close(&cpu, &run_model(gpu_model, &gpu_device));
    }
}

/// A checkpoint loaded straight into f16 (converted on the host, never f32 on the device) gives
/// the same logits as the f32 model cast on the device.
#[test]
fn a_checkpoint_loads_into_f16_as_the_device_would_cast_it() {
    let Some(device) = wgpu_with_f16() else { return };
    let config = tiny_llama();
    let model = Model::init(&config, 81, &device);
    let bytes = pollster::block_on(model.to_safetensors()).unwrap();
    let loaded = Model::from_checkpoint_as(
        &config,
        |name| Ok((name == yushan_model::WEIGHTS_FILE).then_some(bytes.as_slice())),
        &device,
        FloatDType::F16,
    )
    .unwrap();
    assert_eq!(
        (loaded.embed_tokens.val().dtype(), loaded.layers[0].attention.q_proj.weight.val().dtype()),
        (DType::F16, DType::F16)
    );
    let tokens = random_tokens(&config, 2, 9, 82, &device);
    let want = values(model.with_matrix_dtype(FloatDType::F16).forward(tokens.clone()));
    let got = values(loaded.forward(tokens));
    assert!(max_abs_diff(&want, &got) <= 1e-5 * max_abs(&want), "{}", max_abs_diff(&want, &got));
}
