//! Fine-tuning end to end on burn's CPU backend: a tiny model learns four chat pairs, the
//! base stays untouched, and a seed reproduces the run.

use burn::tensor::Device;
use yushan_data::{ChatTokenizer, Conversation, Template, build_char_tokenizer};
use yushan_model::{LoraConfig, LoraTarget, Model, ModelConfig};
use yushan_train::{FineTuneSpec, SamplingConfig, TrainConfig, answer, fitting_seq_len, prepare};

const PAIRS: [(&str, &str); 4] = [
    ("臺灣最高的山是哪座?", "玉山"),
    ("世界最長的河是哪條?", "尼羅河"),
    ("What is the capital of France?", "Paris"),
    ("日本的首都是哪裡?", "東京"),
];

/// The same questions with the answers rotated: a base trained on these has learnt the chat
/// format and every answer token, but answers each question wrongly.
fn rotated_pairs() -> Vec<(&'static str, &'static str)> {
    (0..PAIRS.len()).map(|i| (PAIRS[i].0, PAIRS[(i + 1) % PAIRS.len()].1)).collect()
}

fn conversations(pairs: &[(&str, &str)]) -> Vec<Conversation> {
    pairs.iter().map(|(q, a)| Conversation::pair(*q, *a)).collect()
}

fn data() -> (Vec<Conversation>, ChatTokenizer) {
    let text: String = PAIRS.iter().map(|(q, a)| format!("{q}{a}")).collect();
    let tokenizer = build_char_tokenizer(&[&text, "使用者: AI: \n"]);
    (conversations(&PAIRS), tokenizer)
}

fn tiny_model(vocab: usize) -> Model {
    Model::init(&ModelConfig::llama(vocab, 32, 2, 4, 2, 64, 64), 1, &Device::flex())
}

fn spec(steps: usize, lora: Option<LoraConfig>) -> FineTuneSpec {
    FineTuneSpec {
        template: Template::Plain,
        batch_size: 4,
        seq_len: 48,
        heldout_fraction: 0.0,
        train: TrainConfig {
            lora,
            learning_rate: 1e-2,
            warmup_steps: steps.min(5),
            min_lr_ratio: 0.1,
            steps,
            weight_decay: 0.0,
            grad_clip: Some(1.0),
            seed: 7,
            eval_every: 0,
        },
    }
}

fn run(steps: usize, lora: Option<LoraConfig>) -> (Model, Vec<f32>) {
    let (convs, tokenizer) = data();
    train(tiny_model(tokenizer.vocab_size()), &convs, steps, lora)
}

fn train(model: Model, convs: &[Conversation], steps: usize, lora: Option<LoraConfig>) -> (Model, Vec<f32>) {
    let (_, tokenizer) = data();
    let (mut trainer, _) = prepare(model, &tokenizer, convs, &spec(steps, lora), &Device::flex()).unwrap();
    let mut losses = Vec::new();
    while !trainer.is_done() {
        losses.push(pollster::block_on(trainer.step()).unwrap().loss);
    }
    (trainer.into_model(), losses)
}

fn all_targets() -> Option<LoraConfig> {
    Some(LoraConfig::new(8, 16.0, &LoraTarget::ALL))
}

fn assert_answers(model: &Model, tokenizer: &ChatTokenizer, convs: &[Conversation]) {
    for conv in convs {
        let question = &conv.messages[0].content;
        let (reply, generation) = pollster::block_on(answer(
            model,
            tokenizer,
            Template::Plain,
            None,
            question,
            &SamplingConfig::greedy(12),
            |_| {},
        ))
        .unwrap();
        assert_eq!(reply, conv.messages[1].content, "answer to {question}");
        assert_eq!(generation.stop, yushan_train::StopReason::EndOfTurn);
    }
}

#[test]
fn full_fine_tuning_overfits_four_pairs_and_answers_them() {
    let (convs, tokenizer) = data();
    let (tuned, losses) = run(150, None);
    let last = *losses.last().unwrap();
    assert!(last < 0.05, "loss only fell from {} to {last}", losses[0]);
    assert_answers(&tuned, &tokenizer, &convs);
}

/// A random frozen base cannot be steered far by low-rank updates (its tiny random embeddings
/// cap how confident the output can be), so the base first learns the chat format and the
/// answer tokens, as pretraining would have taught it; LoRA then has to re-map every answer.
#[test]
fn lora_on_a_trained_base_overfits_new_pairs_and_leaves_the_base_untouched() {
    let (convs, tokenizer) = data();
    let (base, _) = train(tiny_model(tokenizer.vocab_size()), &conversations(&rotated_pairs()), 150, None);
    let base_bytes = pollster::block_on(base.to_safetensors()).unwrap();

    let (tuned, losses) = train(base, &convs, 150, all_targets());
    let last = *losses.last().unwrap();
    assert!(last < 0.05, "loss only fell from {} to {last}", losses[0]);
    assert_answers(&tuned, &tokenizer, &convs);

    // The adapters trained; the base weights did not move by a single bit.
    assert!(tuned.has_lora());
    let after = pollster::block_on(tuned.without_lora().to_safetensors()).unwrap();
    assert!(after == base_bytes, "LoRA training changed the base weights");
}

#[test]
fn the_same_seed_gives_the_same_loss_curve() {
    let (_, a) = run(6, all_targets());
    let (_, b) = run(6, all_targets());
    assert_eq!(a, b);
    assert!(a.last() < a.first(), "loss did not fall: {a:?}");
}

#[test]
fn full_fine_tuning_trains_every_weight() {
    let (convs, tokenizer) = data();
    let base = tiny_model(tokenizer.vocab_size());
    let (trainer, summary) = prepare(base.clone(), &tokenizer, &convs, &spec(3, None), &Device::flex()).unwrap();
    assert_eq!(trainer.model().trainable_params(), burn::module::Module::num_params(&base));
    assert_eq!(summary.train_conversations, 4);
    let (tuned, losses) = run(3, None);
    assert!(losses[2] < losses[0]);
    let before = pollster::block_on(base.to_safetensors()).unwrap();
    assert!(
        pollster::block_on(tuned.to_safetensors()).unwrap() != before,
        "full fine-tuning left the weights unchanged"
    );
}

#[test]
fn over_length_conversations_are_refused_naming_the_conversation() {
    let (mut convs, tokenizer) = data();
    convs.push(Conversation::pair("臺".repeat(60), "玉山"));
    let err = prepare(tiny_model(tokenizer.vocab_size()), &tokenizer, &convs, &spec(3, all_targets()), &Device::flex())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("conversation 5") && err.contains("the limit is 49"), "{err}");
}

#[test]
fn settings_out_of_range_are_refused_by_name_before_training() {
    let (convs, tokenizer) = data();
    let lora = || LoraConfig::new(4, 8.0, &[LoraTarget::Q, LoraTarget::V]);
    let refused = |edit: &dyn Fn(&mut FineTuneSpec)| {
        let mut spec = spec(10, Some(lora()));
        edit(&mut spec);
        match prepare(tiny_model(tokenizer.vocab_size()), &tokenizer, &convs, &spec, &Device::flex()) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted {spec:?}"),
        }
    };
    let cases: [(&dyn Fn(&mut FineTuneSpec), &str); 10] = [
        (&|s| s.train.warmup_steps = 11, "the warm-up (11 steps) is longer than the run (10 steps)"),
        (&|s| s.train.learning_rate = -1.0, "the learning rate must be a positive number, not -1"),
        (&|s| s.train.learning_rate = f64::NAN, "the learning rate must be a positive number, not NaN"),
        (&|s| s.train.grad_clip = Some(f64::NAN), "the gradient clip must be a positive number, not NaN"),
        (&|s| s.heldout_fraction = f64::NAN, "the held-out share must be at least 0 and below 1, not NaN"),
        (&|s| s.heldout_fraction = -0.5, "the held-out share must be at least 0 and below 1, not -0.5"),
        (&|s| s.train.lora.as_mut().unwrap().alpha = -16.0, "LoRA alpha must be a positive number, not -16"),
        (&|s| s.train.lora.as_mut().unwrap().dropout = 2.0, "LoRA dropout must be at least 0 and below 1, not 2"),
        (
            &|s| s.train.lora.as_mut().unwrap().dropout = f64::NAN,
            "LoRA dropout must be at least 0 and below 1, not NaN",
        ),
        (
            &|s| s.train.lora.as_mut().unwrap().rank = 100_000,
            "LoRA rank 100000 is larger than the model's hidden size (32)",
        ),
    ];
    for (edit, expected) in cases {
        let err = refused(edit);
        assert!(err.contains(expected), "{err}");
    }
    // In range, the same settings train.
    let ok = prepare(tiny_model(tokenizer.vocab_size()), &tokenizer, &convs, &spec(10, Some(lora())), &Device::flex());
    assert!(ok.is_ok());
}

#[test]
fn a_projection_the_architecture_lacks_is_refused_not_dropped() {
    let (convs, tokenizer) = data();
    let gpt2 = Model::init(&ModelConfig::gpt2(tokenizer.vocab_size(), 32, 2, 4, 64, 64), 1, &Device::flex());
    let gate = LoraConfig::new(4, 8.0, &[LoraTarget::Q, LoraTarget::Gate]);
    let err = prepare(gpt2.clone(), &tokenizer, &convs, &spec(3, Some(gate)), &Device::flex()).err().unwrap();
    assert!(err.to_string().contains("LoRA target gate: this GPT-2 model's MLP has no gate projection"), "{err}");
    let up = LoraConfig::new(4, 8.0, &[LoraTarget::Q, LoraTarget::Up]);
    assert!(prepare(gpt2, &tokenizer, &convs, &spec(3, Some(up)), &Device::flex()).is_ok());
}

#[test]
fn the_fitting_sequence_length_holds_the_longest_conversation_within_the_context() {
    let (mut convs, tokenizer) = data();
    let longest = |convs: &[Conversation]| {
        convs
            .iter()
            .map(|c| yushan_data::encode_conversation(c, 0, Template::Plain, &tokenizer, usize::MAX).unwrap().len())
            .max()
            .unwrap()
    };
    let fitted = fitting_seq_len(&convs, Template::Plain, &tokenizer, 64, 8);
    assert!(fitted + 1 >= longest(&convs) && fitted % 8 == 0 && fitted < longest(&convs) + 8, "{fitted}");
    // Prepared at that length, every conversation fits.
    let fits = FineTuneSpec { seq_len: fitted, ..spec(3, all_targets()) };
    assert!(prepare(tiny_model(tokenizer.vocab_size()), &tokenizer, &convs, &fits, &Device::flex()).is_ok());
    // Longer than the context: capped there (prepare then names the conversation that does not fit).
    convs.push(Conversation::pair("臺".repeat(100), "玉山"));
    assert_eq!(fitting_seq_len(&convs, Template::Plain, &tokenizer, 64, 8), 64);
}
