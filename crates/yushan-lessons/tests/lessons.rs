//! The lessons end to end on the shipped knowledge model (models/knowledge, made by
//! scripts/make-knowledge-model.sh) and the lesson files (lessons/shortcut), on the CPU backend
//! with fixed seeds, in reduced settings. They assert the direction of each effect with a
//! margin, not exact numbers.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use yushan_data::ChatTokenizer;
use yushan_lessons::{QaItem, RoleTagsSpec, ShortcutSpec, parse_lesson, run_role_tags, run_shortcut};
use yushan_model::{Model, ModelConfig};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn knowledge_model(device: &Device) -> (Model, ChatTokenizer) {
    let dir = repo().join("models/knowledge");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()));
    let config = ModelConfig::from_json(std::str::from_utf8(&read("config.json")).unwrap()).unwrap();
    let tokenizer = ChatTokenizer::from_json(std::str::from_utf8(&read("tokenizer.json")).unwrap()).unwrap();
    let model = Model::from_safetensors(&config, &read("model.safetensors"), device).unwrap();
    (model, tokenizer)
}

fn shortcut_data() -> (Vec<QaItem>, Vec<QaItem>) {
    let dir = repo().join("lessons/shortcut");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    parse_lesson(&read("train.jsonl"), &read("heldout.jsonl")).unwrap()
}

#[test]
fn shortcut_from_scratch_parrots_training_answers_while_the_pretrained_model_knows_more() {
    let device = Device::flex();
    let (model, tokenizer) = knowledge_model(&device);
    let (train, heldout) = shortcut_data();
    let spec = ShortcutSpec { scratch_steps: 150, ..ShortcutSpec::default() };
    let report = pollster::block_on(run_shortcut(&model, &tokenizer, &train, &heldout, &spec, &device, |_, _| {})).unwrap();
    let (a, b) = (&report.from_scratch, &report.pretrained_lora);
    eprintln!(
        "completes {:.2}; scratch acc {:.2} shortcut {:.2} ΔW {:.3}; lora acc {:.2} shortcut {:.2} ΔW {:.3}",
        report.pretrained_completes, a.accuracy, a.shortcut_share, a.relative_change, b.accuracy, b.shortcut_share, b.relative_change
    );
    // The knowledge is in the pretrained weights before any fine-tuning...
    assert!(report.pretrained_completes >= 0.8, "pretrained completes only {:.2}", report.pretrained_completes);
    // ...the model trained from scratch on the pairs mostly repeats their answers...
    assert!(a.shortcut_share >= 0.8 && a.accuracy <= 0.1, "scratch: {a:?}");
    // ...and the adapter leaves the pretrained weights far closer to where they were...
    assert!(b.relative_change < a.relative_change / 3.0, "ΔW: lora {} vs scratch {}", b.relative_change, a.relative_change);
    // ...while answering most of the new questions right (measured 0.83 with the full settings).
    assert!(b.accuracy >= 0.6 && b.shortcut_share <= 0.2, "lora: {b:?}");
}

#[test]
fn without_role_tags_the_model_does_not_know_where_its_answer_ends() {
    let device = Device::flex();
    let (model, tokenizer) = knowledge_model(&device);
    let (train, heldout) = shortcut_data();
    let probe: Vec<QaItem> = train.iter().chain(heldout.iter().take(8)).cloned().collect();
    let spec = RoleTagsSpec { steps: 60, max_answer_tokens: 32, ..RoleTagsSpec::default() };
    let report = pollster::block_on(run_role_tags(&model, &tokenizer, &train, &probe, &spec, &device, |_, _| {})).unwrap();
    let (with, without) = (&report.with_tags, &report.without_tags);
    eprintln!(
        "with tags: stop {:.2} run-on {:.2}; without: stop {:.2} run-on {:.2} asks itself {:.2}",
        with.stop_share, with.run_on_share, without.stop_share, without.run_on_share, without.asks_itself_share
    );
    assert!(with.stop_share >= 0.9, "with tags only {:.2} stop", with.stop_share);
    assert!(without.stop_share <= with.stop_share - 0.4, "without tags {:.2} stop", without.stop_share);
    assert!(without.run_on_share >= 0.4, "without tags only {:.2} write on", without.run_on_share);
}
