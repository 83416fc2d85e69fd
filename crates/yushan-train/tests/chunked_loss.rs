//! The chunked loss against the one-pass loss on burn's CPU backend: random weights, random
//! tokens, a mask with prompts and a padding row, and chunks of 3 positions (so the last chunk
//! is short). The loss and every trainable gradient must agree to 1e-5 relative.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use yushan_data::Batch;
use yushan_model::{LoraConfig, LoraTarget, Model, ModelConfig};
use yushan_rng::SplitMix64;
use yushan_train::LossPlan;
use yushan_train::chunked::{loss_and_grads, nll_sum};
use yushan_train::loss::{DeviceBatch, masked_nll_sum};

const CHUNK: LossPlan = LossPlan::Chunks(3);

/// Every float parameter ~ N(0, 0.3²), drawn from `seed`; whether it trains is kept.
fn randomise(model: Model, seed: u64) -> Model {
    struct Randomise(SplitMix64);
    impl ModuleMapper for Randomise {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let trainable = param.is_require_grad();
            let values = self.0.normal_vec(param.lazy_shape().num_elements(), 0.3);
            param.map(|t| {
                let shape = t.shape();
                Tensor::from_data(TensorData::new(values, shape), &t.device()).set_require_grad(trainable)
            })
        }
    }
    model.map(&mut Randomise(SplitMix64::new(seed)))
}

/// 3 rows × 7 positions: a prompt then an answer, answers with gaps, and a padding row; 7
/// positions carry loss, so chunks of 3 are 3, 3 and 1.
fn batch(vocab: usize) -> Batch {
    let mut rng = SplitMix64::new(11);
    let mut ids = || (0..21).map(|_| (rng.next_u64() % vocab as u64) as u32).collect::<Vec<_>>();
    #[rustfmt::skip]
    let loss_mask = vec![
        0., 0., 0., 1., 1., 1., 1.,
        0., 1., 1., 0., 1., 0., 0.,
        0., 0., 0., 0., 0., 0., 0.,
    ];
    Batch { batch_size: 3, seq_len: 7, inputs: ids(), targets: ids(), loss_mask }
}

/// The gradient of each trainable parameter, as values, named by visit order and shape.
fn trainable_grads(model: &Model, grads: &GradientsParams) -> Vec<(String, Vec<f32>)> {
    struct Collect<'a> {
        grads: &'a GradientsParams,
        out: Vec<(String, Vec<f32>)>,
    }
    impl ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if param.is_require_grad() {
                let name = format!("trainable parameter {} {:?}", self.out.len(), param.val().dims());
                let grad = self.grads.get::<D>(param.id).unwrap_or_else(|| panic!("no gradient for {name}"));
                self.out.push((name, values(grad)));
            }
        }
    }
    let mut collect = Collect { grads, out: Vec::new() };
    model.visit(&mut collect);
    collect.out
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_into_vec::<f32>().unwrap()
}

fn max_abs(values: &[f32]) -> f32 {
    values.iter().fold(0f32, |m, x| m.max(x.abs()))
}

/// `got` equals `want` to 1e-5 of `want`'s largest magnitude, or of `floor` where that is larger.
fn assert_close_above(what: &str, got: &[f32], want: &[f32], floor: f32) {
    assert_eq!(got.len(), want.len(), "{what}");
    let scale = max_abs(want);
    let diff = got.iter().zip(want).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(scale > 0.0, "{what}: the reference is all zeros, so the comparison shows nothing");
    assert!(diff <= 1e-5 * scale.max(floor), "{what}: max difference {diff} against max magnitude {scale}");
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_close_above(what, got, want, 0.0);
}

/// The chunked loss and gradients equal the one-pass ones; returns how many parameters trained.
fn check(model: &Model) -> usize {
    let device = model.device();
    let batch = DeviceBatch::upload(&batch(model.config.vocab_size), &device);
    let (loss, grads) = loss_and_grads(model, &batch, LossPlan::OnePass);
    let (chunked_loss, chunked_grads) = loss_and_grads(model, &batch, CHUNK);
    assert_close("loss", &values(chunked_loss), &values(loss));
    let want = trainable_grads(model, &grads);
    let got = trainable_grads(model, &chunked_grads);
    assert_eq!(got.len(), want.len());
    // A gradient that is zero but for rounding (GPT-2's key bias: softmax ignores a shift shared
    // by every key) is held to 1e-5 of a thousandth of the largest gradient, not of its own noise.
    let floor = 1e-3 * want.iter().map(|(_, g)| max_abs(g)).fold(0f32, f32::max);
    for ((name, got), (_, want)) in got.iter().zip(&want) {
        assert_close_above(&format!("gradient of {name}"), got, want, floor);
    }
    want.len()
}

fn llama(tied: bool) -> ModelConfig {
    let mut c = ModelConfig::llama(53, 16, 2, 4, 2, 24, 16);
    c.attention_bias = true;
    c.tie_embeddings = tied;
    c
}

fn autodiff() -> Device {
    let device = Device::flex().autodiff();
    device.seed(3);
    device
}

#[test]
fn lora_gradients_match_the_one_pass_loss() {
    let lora = LoraConfig::new(4, 8.0, &LoraTarget::ALL);
    let model = randomise(Model::init(&llama(true), 1, &autodiff()).with_lora(&lora, 2), 5);
    // A and B on 7 projections of 2 layers; the base is frozen.
    assert_eq!(check(&model), 2 * 7 * 2);
}

#[test]
fn full_fine_tuning_with_tied_embeddings_gets_the_heads_gradient_too() {
    let model = randomise(Model::init(&llama(true), 1, &autodiff()), 6);
    assert!(model.lm_head.is_none());
    assert!(check(&model) > 20);
}

#[test]
fn full_fine_tuning_of_gpt2_with_its_own_head_matches() {
    let mut config = ModelConfig::gpt2(47, 16, 2, 2, 32, 16);
    config.tie_embeddings = false;
    let model = randomise(Model::init(&config, 1, &autodiff()), 7);
    assert!(model.lm_head.is_some() && model.embed_positions.is_some());
    assert!(check(&model) > 20);
}

#[test]
fn a_batch_with_nothing_to_learn_has_zero_loss_and_gradients_both_ways() {
    let lora = LoraConfig::new(4, 8.0, &[LoraTarget::Q, LoraTarget::V]);
    let model = randomise(Model::init(&llama(false), 1, &autodiff()).with_lora(&lora, 2), 5);
    let mut empty = batch(53);
    empty.loss_mask.fill(0.0);
    let batch = DeviceBatch::upload(&empty, &model.device());
    for plan in [LossPlan::OnePass, CHUNK] {
        let (loss, grads) = loss_and_grads(&model, &batch, plan);
        assert_eq!(values(loss), [0.0], "{plan:?}");
        for (name, grad) in trainable_grads(&model, &grads) {
            assert!(grad.iter().all(|g| *g == 0.0), "{plan:?}: gradient of {name}");
        }
    }
}

#[test]
fn evaluation_in_chunks_sums_the_same_loss() {
    let model = randomise(Model::init(&llama(true), 1, &Device::flex()), 8);
    let batch = DeviceBatch::upload(&batch(53), &model.device());
    assert_close("nll sum", &values(nll_sum(&model, &batch, CHUNK)), &values(masked_nll_sum(&model, &batch)));
}

#[test]
fn only_a_large_vocabulary_is_chunked() {
    // The page's default model: 384 tokens, batch 8 × 64 fit in one pass.
    assert_eq!(LossPlan::new(8 * 64, 384), LossPlan::OnePass);
    // Qwen's 151,936 tokens at batch 4 × 256: 155.6 M logits at once, or 110 positions
    // (16.7 M logits) a chunk.
    let positions = 4 * 256;
    let plan = LossPlan::new(positions, 151_936);
    assert_eq!(plan, LossPlan::Chunks(110));
    assert_eq!(LossPlan::OnePass.peak_logits(positions, 151_936), 155_582_464);
    assert_eq!(plan.peak_logits(positions, 151_936), 16_712_960);
    assert!(plan.peak_logits(positions, 151_936) <= yushan_train::LOGITS_BUDGET);
}
