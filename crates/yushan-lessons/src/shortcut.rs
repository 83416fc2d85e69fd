//! Lesson "最 → 玉山": the same few question-answer pairs teach (a) a model trained from random
//! weights and (b) the pretrained model through a LoRA adapter. Asked held-out questions with
//! 最 about other facts, (a) has only learnt the surface pattern and answers with a training
//! answer; (b) has learnt how to answer and answers from what pretraining taught it.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use yushan_data::{ChatTokenizer, Template};
use yushan_model::{LoraConfig, LoraTarget, Model};
use yushan_train::{StepEvent, TrainError};

use crate::compare::{Arm, ArmReport, Comparison, Start, Tuning, compare};
use crate::qa::{AnswerCheck, QaItem};
use crate::run::completion_share;

/// Where the lesson's files live in the repository: train.jsonl and heldout.jsonl.
pub const DATA_DIR: &str = "lessons/shortcut";

/// The arms, by the tag of their training steps: (a) from random weights, (b) LoRA.
pub const SCRATCH: &str = "scratch";
pub const LORA: &str = "lora";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShortcutSpec {
    pub template: Template,
    pub batch_size: usize,
    /// Steps and peak learning rate for the model trained from random weights (every weight).
    pub scratch_steps: usize,
    pub scratch_lr: f64,
    /// Steps and peak learning rate for the LoRA fine-tune of the pretrained model.
    pub lora_steps: usize,
    pub lora_lr: f64,
    pub lora: LoraConfig,
    pub seed: u64,
    pub max_answer_tokens: usize,
}

impl Default for ShortcutSpec {
    fn default() -> Self {
        Self {
            template: Template::Plain,
            batch_size: 8,
            scratch_steps: 300,
            scratch_lr: 3e-3,
            // Gentle enough to keep what pretraining taught (measured on models/knowledge, 8
            // pairs, q,k,v,o; held-out right after 100 steps: 59% at 1e-3, 38% at 3e-4, 48% at
            // 2e-3; at 5e-4, 62% after 100 steps and 69% after 150: differences of 2-3 of the 29
            // questions, so the lessons keep one setting).
            lora_steps: 100,
            lora_lr: 1e-3,
            lora: LoraConfig::new(8, 16.0, &[LoraTarget::Q, LoraTarget::K, LoraTarget::V, LoraTarget::O]),
            seed: 0,
            max_answer_tokens: 24,
        }
    }
}

/// One way of training, and how it answers.
#[derive(Clone, Debug, Serialize)]
pub struct ShortcutArm {
    pub name: String,
    pub trainable_params: usize,
    pub final_loss: f32,
    /// Share of held-out questions answered correctly.
    pub accuracy: f64,
    /// Share of held-out answers that repeat a training answer instead (e.g. 玉山).
    pub shortcut_share: f64,
    /// ‖W − W₀‖/‖W₀‖: from its random start for (a), from the pretrained weights (adapter
    /// merged) for (b).
    pub relative_change: f64,
    pub answers: Vec<AnswerCheck>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShortcutReport {
    pub train_pairs: usize,
    pub heldout_questions: usize,
    /// Share of the held-out facts the pretrained model, before any fine-tuning, completes
    /// correctly as plain text ("世界最深的海溝是" → 馬里亞納海溝): the knowledge is there;
    /// fine-tuning only has to teach the model to answer with it.
    pub pretrained_completes: f64,
    pub from_scratch: ShortcutArm,
    pub pretrained_lora: ShortcutArm,
}

impl ShortcutArm {
    fn new(name: &str, arm: ArmReport) -> Self {
        Self {
            name: name.to_string(),
            trainable_params: arm.trainable_params,
            final_loss: arm.final_loss.unwrap_or(f32::NAN),
            accuracy: arm.accuracy,
            shortcut_share: arm.shortcut_share,
            relative_change: arm.relative_change,
            answers: arm.answers,
        }
    }
}

/// Runs both arms. `on_step` receives each training step, tagged [`SCRATCH`] or [`LORA`].
pub async fn run_shortcut(
    pretrained: &Model,
    tokenizer: &ChatTokenizer,
    train: &[QaItem],
    heldout: &[QaItem],
    spec: &ShortcutSpec,
    device: &Device,
    on_step: impl FnMut(&str, &StepEvent),
) -> Result<ShortcutReport, TrainError> {
    let pretrained_completes = completion_share(pretrained, tokenizer, heldout, spec.max_answer_tokens).await?;
    let arms = [
        Arm {
            key: SCRATCH,
            start: Start::Random { seed: spec.seed.wrapping_add(1) },
            tuning: Tuning::Full,
            train,
            steps: spec.scratch_steps,
            lr: spec.scratch_lr,
        },
        Arm {
            key: LORA,
            start: Start::Pretrained,
            tuning: Tuning::Lora(spec.lora.clone()),
            train,
            steps: spec.lora_steps,
            lr: spec.lora_lr,
        },
    ];
    let comparison = Comparison::new(spec.template, spec.batch_size, spec.seed, spec.max_answer_tokens, heldout, train);
    let reports = compare(pretrained, tokenizer, &arms, &comparison, device, on_step).await?;
    let [from_scratch, pretrained_lora] = <[ArmReport; 2]>::try_from(reports).expect("one report per arm");
    Ok(ShortcutReport {
        train_pairs: train.len(),
        heldout_questions: heldout.len(),
        pretrained_completes,
        from_scratch: ShortcutArm::new("from scratch", from_scratch),
        pretrained_lora: ShortcutArm::new("pretrained + LoRA", pretrained_lora),
    })
}
