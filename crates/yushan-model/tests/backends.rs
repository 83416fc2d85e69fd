//! The wgpu backend (lavapipe on a machine without a GPU) against burn's CPU backend, on the
//! same random model, adapter and tokens: forward logits and adapter gradients must agree.

mod common;

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use common::*;
use yushan_model::rng::SplitMix64;
use yushan_model::{LoraConfig, LoraTarget, Model};

fn wgpu() -> Device {
    Device::wgpu_options()
        .init()
        .expect("a wgpu adapter (install mesa-vulkan-drivers for lavapipe: scripts/setup.sh does)")
}

/// The model with every adapter's B randomised, built identically on `device`.
fn adapted_model(device: &Device) -> Model {
    let config = tiny_llama();
    let lora = LoraConfig::new(4, 8.0, &LoraTarget::ALL);
    let mut model = Model::init(&config, 71, device).with_lora(&lora, 72);
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

#[test]
fn wgpu_forward_and_backward_match_the_cpu() {
    let run = |device: Device| {
        let device = device.autodiff();
        let model = adapted_model(&device);
        let config = model.config.clone();
        let tokens = random_tokens(&config, 2, 12, 74, &device);
        let weights = SplitMix64::new(75).normal_vec(2 * 12 * config.vocab_size, 1.0);
        let weights: Tensor<3> = Tensor::from_data(TensorData::new(weights, [2, 12, config.vocab_size]), &device);
        let logits = model.forward(tokens);
        let grads = (logits.clone() * weights).sum().backward();
        let mut out = vec![values(logits)];
        for layer in &model.layers {
            for target in [LoraTarget::Q, LoraTarget::V, LoraTarget::Gate, LoraTarget::Down] {
                let lora = layer.projection(target).unwrap().lora.as_ref().unwrap();
                out.push(values(lora.a.val().grad(&grads).unwrap()));
                out.push(values(lora.b.val().grad(&grads).unwrap()));
            }
        }
        out
    };
    let cpu = run(Device::flex());
    let gpu = run(wgpu());
    for (i, (c, g)) in cpu.iter().zip(&gpu).enumerate() {
        let scale = max_abs(c).max(1e-3);
        let diff = max_abs_diff(c, g);
        assert!(
            diff / scale < 1e-3,
            "tensor {i} (0 = logits, then adapter gradients): relative difference {}",
            diff / scale
        );
    }
}
