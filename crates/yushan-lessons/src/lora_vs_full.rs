//! Lesson "LoRA vs full fine-tuning": the shortcut lesson's pairs teach the pretrained model
//! twice, (a) through the shortcut lesson's LoRA adapter and (b) by training every weight. Full
//! fine-tuning trains ~30× the parameters and holds ~3.5× the memory; on eight pairs, even at
//! the learning rate that suits it best, it learns the shortcut more (fewer held-out answers
//! right, more training answers repeated). At the adapter's learning rate it also moves the
//! weights further and forgets what pretraining taught (fewer statements completed as text).

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use yushan_data::{ChatTokenizer, Template};
use yushan_model::{LoraConfig, Model};
use yushan_train::{StepEvent, TrainError};

use crate::compare::{Arm, ArmReport, Comparison, Start, Tuning, compare};
use crate::qa::QaItem;
use crate::shortcut::ShortcutSpec;
use crate::summary::{Figure, LessonSummary, MetricKind, compared_summary, metric};

pub const NAME: &str = "lora-vs-full";

/// The lesson's data is the shortcut lesson's.
pub use crate::shortcut::DATA_DIR;
/// The arms, by the tag of their training steps: the control (no fine-tuning), (a) the shortcut
/// lesson's adapter.
pub use crate::shortcut::{LORA, UNTUNED};
/// (b) every weight.
pub const FULL: &str = "full";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoraVsFullSpec {
    pub template: Template,
    pub batch_size: usize,
    /// Training steps of each arm.
    pub steps: usize,
    pub lora_lr: f64,
    pub lora: LoraConfig,
    /// Peak learning rate when every weight trains.
    pub full_lr: f64,
    pub seed: u64,
    pub max_answer_tokens: usize,
}

impl Default for LoraVsFullSpec {
    /// Arm (a) is the shortcut lesson's arm (b), setting for setting.
    fn default() -> Self {
        let ShortcutSpec { template, batch_size, lora_steps: steps, lora_lr, lora, seed, max_answer_tokens, .. } =
            ShortcutSpec::default();
        // The rate with the best held-out accuracy among those at which every weight learns the
        // pairs, measured on models/knowledge (2.5 M parameters), seed 0, 100 steps, CPU, all 60
        // questions (LoRA at 1e-4: 0.92 right, 0.02 repeated, ΔW 0.007):
        //   full lr     1e-5   3e-5   1e-3
        //   right       0.87   0.80   0.10
        //   repeated    0.05   0.08   0.80
        //   final loss  0.005  0.001  0.000
        //   ‖ΔW‖/‖W₀‖   0.004  0.007  0.071
        // (on the 0.84 M model of before, 3e-6 barely trained and answered as the pretrained
        // model does, not as a fine-tune).
        let full_lr = 1e-5;
        Self { template, batch_size, steps, lora_lr, lora, full_lr, seed, max_answer_tokens }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct LoraVsFullReport {
    pub train_pairs: usize,
    pub heldout_questions: usize,
    /// Share of the held-out facts the pretrained model completes as plain text before any
    /// fine-tuning: what each arm's `completes` is to be compared with.
    pub pretrained_completes: f64,
    /// [`UNTUNED`] (the control), [`LORA`], [`FULL`].
    pub arms: Vec<ArmReport>,
}

/// Runs the three arms. `on_step` receives each training step, tagged [`LORA`] or [`FULL`].
pub async fn run_lora_vs_full(
    pretrained: &Model,
    tokenizer: &ChatTokenizer,
    train: &[QaItem],
    heldout: &[QaItem],
    spec: &LoraVsFullSpec,
    device: &Device,
    on_step: impl FnMut(&str, &StepEvent),
) -> Result<LoraVsFullReport, TrainError> {
    let arm = |key, tuning, lr| Arm { key, start: Start::Pretrained, tuning, train, steps: spec.steps, lr };
    let arms = [
        Arm::untuned(),
        arm(LORA, Tuning::Lora(spec.lora.clone()), spec.lora_lr),
        arm(FULL, Tuning::Full, spec.full_lr),
    ];
    let comparison = Comparison {
        completions: true,
        ..Comparison::new(spec.template, spec.batch_size, spec.seed, spec.max_answer_tokens, heldout, train)
    };
    let arms = compare(pretrained, tokenizer, &arms, &comparison, device, on_step).await?;
    // The control arm is the pretrained model as it is: its completions are what pretraining taught.
    let pretrained_completes = arms[0].completes.unwrap_or(0.0);
    Ok(LoraVsFullReport { train_pairs: train.len(), heldout_questions: heldout.len(), pretrained_completes, arms })
}

const FIGURES: [Figure; 9] = [
    Figure::TrainableParams,
    Figure::MedianStepMs,
    Figure::Memory,
    Figure::Accuracy,
    Figure::RightAndStops,
    Figure::ShortcutShare,
    Figure::RelativeChange,
    Figure::Completes,
    Figure::FinalLoss,
];

impl LoraVsFullReport {
    pub fn summary(&self, seed: u64) -> LessonSummary {
        let notes = vec![metric("pretrained_completes", MetricKind::Share, self.pretrained_completes)];
        let arms: Vec<&ArmReport> = self.arms.iter().collect();
        compared_summary(NAME, seed, self.train_pairs, notes, &arms, &FIGURES)
    }
}
