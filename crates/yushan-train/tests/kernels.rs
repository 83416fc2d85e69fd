//! The fused WGSL kernels (`shaders/`) against burn's composed ops inside whole training runs on
//! the wgpu device (lavapipe in CI): the same losses, step by step, over twenty AdamW steps,
//! for a Qwen3-style Llama (RMSNorm, per-head norms, RoPE, SwiGLU) and a GPT-2 (LayerNorm,
//! GELU), under LoRA on every projection and under full fine-tuning (the norms' own weights).

use burn::tensor::Device;
use yushan_model::{Architecture, Kernels, LoraConfig, LoraTarget, Model, ModelConfig};
use yushan_train::Trainer;
use yushan_train::bench::BenchShape;

const STEPS: usize = 20;

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

fn losses(shape: &BenchShape, lora: Option<LoraConfig>, kernels: Kernels) -> Vec<f32> {
    let device = wgpu();
    let model = Model::init(&shape.model, 3, &device).with_kernels(kernels);
    let batch = shape.batch(4);
    let config = yushan_train::TrainConfig { lora, ..shape.train_config(STEPS) };
    let mut trainer = Trainer::new(model, config, Box::new(move || batch.clone()), vec![], &device).unwrap();
    let mut losses = Vec::new();
    while !trainer.is_done() {
        losses.push(pollster::block_on(trainer.step()).unwrap().loss);
    }
    losses
}

fn check(name: &'static str, model: ModelConfig) {
    let shape = BenchShape { name, model, batch: 3, seq: 19 };
    let gpt2 = shape.model.architecture == Architecture::Gpt2;
    let targets: Vec<LoraTarget> = LoraTarget::ALL.into_iter().filter(|t| !(gpt2 && *t == LoraTarget::Gate)).collect();
    let every = LoraConfig::new(4, 8.0, &targets);
    for (run, lora) in [("LoRA", Some(every)), ("full", None)] {
        let composed = losses(&shape, lora.clone(), Kernels::Burn);
        let fused = losses(&shape, lora, Kernels::Wgsl);
        assert_eq!(composed.len(), STEPS);
        assert!(composed[STEPS - 1] < composed[0] - 0.05, "{name} {run}: the loss must fall ({composed:?})");
        for (step, (a, b)) in composed.iter().zip(&fused).enumerate() {
            assert!((a - b).abs() <= 1e-4, "{name} {run}, step {}: burn {a}, wgsl {b}", step + 1);
        }
        let largest = composed.iter().zip(&fused).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        eprintln!(
            "{name} {run}: loss {:.4} → {:.4}, largest difference {largest:.1e}",
            composed[0],
            composed[STEPS - 1]
        );
    }
}

#[test]
fn fused_kernels_train_as_burns_ops_do() {
    let mut qwen3 = ModelConfig::llama(53, 32, 2, 4, 2, 48, 32);
    qwen3.qk_norm = true;
    check("qwen3-style", qwen3);
    check("gpt2", ModelConfig::gpt2(47, 32, 2, 2, 64, 32));
}
