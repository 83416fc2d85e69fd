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
use crate::summary::{Figure, LessonSummary, MetricKind, answer_rows, compared_summary, metric};

/// The lesson's name, in the CLI (`yushan lesson shortcut`) and the page.
pub const NAME: &str = "shortcut";

/// Where the lesson's files live in the repository.
pub const DATA_DIR: &str = "lessons/shortcut";
/// Its files: the pairs, the held-out questions, and the same questions in other phrasings.
pub const FILES: [&str; 3] = ["train.jsonl", "heldout.jsonl", "paraphrases.jsonl"];

/// The arms, by the tag of their training steps: the control (the pretrained model, not
/// fine-tuned), (a) from random weights, (b) LoRA.
pub use crate::compare::UNTUNED;
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
            // Gentle enough to keep what pretraining taught. On models/knowledge (8 pairs,
            // q,k,v,o, 100 steps; the untuned model 90% right, 27% right and stops), right and
            // stops / repeats a training answer: 92% / 2% at 1e-4, 70% / 15% at 1e-3. At step 500
            // of its last pretraining part's 1,300: 47% / 27% at 1e-3, 70% / 18% at 3e-4,
            // 85% / 8% at 1.5e-4, 93% / 2% at 1e-4; at 6e-5 the adapter had not yet learnt to
            // stop (62% stop).
            lora_steps: 100,
            lora_lr: 1e-4,
            lora: LoraConfig::new(8, 16.0, &[LoraTarget::Q, LoraTarget::K, LoraTarget::V, LoraTarget::O]),
            seed: 0,
            max_answer_tokens: 24,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ShortcutReport {
    pub train_pairs: usize,
    pub heldout_questions: usize,
    /// The held-out facts asked in other phrasings.
    pub paraphrased_questions: usize,
    /// Share of the held-out facts the pretrained model, before any fine-tuning, completes
    /// correctly as plain text ("世界最深的海溝是" → 馬里亞納海溝): the knowledge is there;
    /// fine-tuning only has to teach the model to answer with it.
    pub pretrained_completes: f64,
    /// [`UNTUNED`] (the control), [`SCRATCH`], [`LORA`], in that order.
    pub arms: Vec<ArmReport>,
}

/// Runs the three arms. `on_step` receives each training step, tagged [`SCRATCH`] or [`LORA`].
pub async fn run_shortcut(
    pretrained: &Model,
    tokenizer: &ChatTokenizer,
    train: &[QaItem],
    heldout: &[QaItem],
    paraphrases: &[QaItem],
    spec: &ShortcutSpec,
    device: &Device,
    on_step: impl FnMut(&str, &StepEvent),
) -> Result<ShortcutReport, TrainError> {
    let pretrained_completes = completion_share(pretrained, tokenizer, heldout, spec.max_answer_tokens).await?;
    let arms = [
        Arm::untuned(),
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
    let comparison = Comparison {
        paraphrases,
        ..Comparison::new(spec.template, spec.batch_size, spec.seed, spec.max_answer_tokens, heldout, train)
    };
    let arms = compare(pretrained, tokenizer, &arms, &comparison, device, on_step).await?;
    Ok(ShortcutReport {
        train_pairs: train.len(),
        heldout_questions: heldout.len(),
        paraphrased_questions: paraphrases.len(),
        pretrained_completes,
        arms,
    })
}

/// Each arm's figures in the lesson's table.
const FIGURES: [Figure; 9] = [
    Figure::Accuracy,
    Figure::RightAndStops,
    Figure::ShortcutShare,
    Figure::StopShare,
    Figure::ParaphraseAccuracy,
    Figure::ParaphraseRightAndStops,
    Figure::TrainableParams,
    Figure::RelativeChange,
    Figure::FinalLoss,
];

impl ShortcutReport {
    pub fn summary(&self, seed: u64) -> LessonSummary {
        let notes = vec![metric("pretrained_completes", MetricKind::Share, self.pretrained_completes)];
        let arms: Vec<&ArmReport> = self.arms.iter().collect();
        let mut summary = compared_summary(NAME, seed, self.train_pairs, notes, &arms, &FIGURES);
        // The same facts in other words, after the held-out questions.
        let paraphrased: Vec<&[AnswerCheck]> = self.arms.iter().map(|a| a.paraphrase_answers.as_slice()).collect();
        summary.rows.extend(answer_rows(&paraphrased));
        summary
    }
}
