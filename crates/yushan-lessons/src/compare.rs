//! Several arms, the same held-out questions: each arm starts from a model (the pretrained one or
//! random weights), trains on its own pairs (through LoRA, every weight, or not at all) and is
//! asked the same questions, and every arm gets the same figures. A lesson that compares ways of
//! fine-tuning is a list of arms here and a choice of the figures it shows.

use burn::module::Module;
use burn::tensor::Device;
use serde::Serialize;
use yushan_data::{ChatTokenizer, Template};
use yushan_model::{LoraConfig, Model};
use yushan_train::{StepEvent, StopReason, TrainError};

use crate::distance::relative_change;
use crate::qa::{AnswerCheck, QaItem, score_answers, share};
use crate::run::{LessonRun, completion_share, greedy_answers};

/// Where an arm starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Pretrained,
    /// Random weights of the pretrained model's shape, drawn from this seed.
    Random {
        seed: u64,
    },
}

/// What an arm trains.
#[derive(Clone, Debug, PartialEq)]
pub enum Tuning {
    /// Nothing: the start model is asked as it is.
    None,
    /// A fresh adapter; the base weights stay frozen.
    Lora(LoraConfig),
    /// Every weight.
    Full,
}

/// The key of the control arm every lesson has: the pretrained model asked as it is.
pub const UNTUNED: &str = "untuned";

/// One way of training.
#[derive(Clone, Debug)]
pub struct Arm<'a> {
    /// The tag of its training steps (`on_step`'s first argument) and its key in the report.
    pub key: &'static str,
    pub start: Start,
    pub tuning: Tuning,
    pub train: &'a [QaItem],
    pub steps: usize,
    /// Peak learning rate.
    pub lr: f64,
}

/// What the arms share: how pairs are rendered and batched, and the questions they are asked.
#[derive(Clone, Debug)]
pub struct Comparison<'a> {
    pub template: Template,
    pub batch_size: usize,
    pub seed: u64,
    pub max_answer_tokens: usize,
    pub heldout: &'a [QaItem],
    /// Answers that count as "repeating a training answer" when given to a held-out question.
    pub taught: &'a [QaItem],
    /// Also ask each arm to complete the held-out statements as plain text (one more generation
    /// per question and arm): how much of what pretraining taught survives the fine-tune.
    pub completions: bool,
    /// The held-out facts asked again in other phrasings (none when empty): does an arm answer
    /// from what it knows, or from the wording it was tuned on?
    pub paraphrases: &'a [QaItem],
}

impl Arm<'_> {
    /// The control arm: the pretrained model, not fine-tuned, asked the same questions.
    pub fn untuned() -> Self {
        Arm { key: UNTUNED, start: Start::Pretrained, tuning: Tuning::None, train: &[], steps: 0, lr: 0.0 }
    }
}

impl<'a> Comparison<'a> {
    /// Arms asked `heldout`, with `taught` as the answers that count as repeated; no completions.
    pub fn new(
        template: Template,
        batch_size: usize,
        seed: u64,
        max_answer_tokens: usize,
        heldout: &'a [QaItem],
        taught: &'a [QaItem],
    ) -> Self {
        Self { template, batch_size, seed, max_answer_tokens, heldout, taught, completions: false, paraphrases: &[] }
    }
}

/// Bytes of f32 parameter state a fine-tune holds: every weight, and for each trainable one its
/// gradient and AdamW's two moments. Activations and temporary buffers are not counted: they
/// depend on the batch, not on the way of training.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TrainingMemory {
    pub frozen_weights: u64,
    pub trainable_weights: u64,
    pub gradients: u64,
    /// AdamW's first and second moments.
    pub optimizer_moments: u64,
    pub total: u64,
}

impl TrainingMemory {
    /// `params`: every parameter of the model being trained (adapters included).
    pub fn new(params: usize, trainable: usize) -> Self {
        const F32: u64 = 4;
        let (params, trainable) = (params as u64, trainable as u64);
        let frozen_weights = (params - trainable) * F32;
        let trainable_weights = trainable * F32;
        let (gradients, optimizer_moments) = (trainable * F32, 2 * trainable * F32);
        let total = frozen_weights + trainable_weights + gradients + optimizer_moments;
        Self { frozen_weights, trainable_weights, gradients, optimizer_moments, total }
    }
}

/// One arm's figures on the held-out questions.
#[derive(Clone, Debug, Serialize)]
pub struct ArmReport {
    pub key: &'static str,
    /// 0 for an arm that does not train.
    pub trainable_params: usize,
    /// `None` for an arm that does not train.
    pub memory: Option<TrainingMemory>,
    pub final_loss: Option<f32>,
    /// Median wall time of a training step (forward, backward, update, loss readback).
    pub median_step_ms: Option<f64>,
    /// ‖W − W₀‖/‖W₀‖ from the arm's start, adapters merged first.
    pub relative_change: f64,
    /// Share of held-out questions answered right.
    pub accuracy: f64,
    /// Share answered right that also end the turn after the answer: an answer a user can use.
    pub right_and_stops: f64,
    /// Share of held-out answers that repeat a taught answer instead (e.g. 玉山).
    pub shortcut_share: f64,
    /// Share of held-out answers that end with the end-of-turn token: the arm knows where its
    /// answer ends (the pretrained model, never fine-tuned, tends to write on).
    pub stop_share: f64,
    /// Share of held-out facts whose statement the arm completes right as plain text, when the
    /// comparison asks for it.
    pub completes: Option<f64>,
    /// Share of the paraphrased questions answered right, when the comparison has any.
    pub paraphrase_accuracy: Option<f64>,
    /// Share of them answered right and stopped after.
    pub paraphrase_right_and_stops: Option<f64>,
    pub answers: Vec<AnswerCheck>,
    /// The answers to the paraphrased questions (empty when none were asked).
    pub paraphrase_answers: Vec<AnswerCheck>,
}

/// Greedy answers of `model` to `questions`, scored.
async fn ask(
    model: &Model,
    tokenizer: &ChatTokenizer,
    c: &Comparison<'_>,
    questions: &[QaItem],
) -> Result<Vec<AnswerCheck>, TrainError> {
    let generated = greedy_answers(model, tokenizer, c.template, questions, c.max_answer_tokens).await?;
    let answers: Vec<(String, bool)> =
        generated.into_iter().map(|(text, g)| (text.trim().to_string(), g.stop == StopReason::EndOfTurn)).collect();
    Ok(score_answers(questions, &answers, c.taught))
}

/// The arm with `key` (a lesson's report holds each of its arms once).
pub fn find_arm<'a>(arms: &'a [ArmReport], key: &str) -> Option<&'a ArmReport> {
    arms.iter().find(|a| a.key == key)
}

/// Trains and asks every arm, in order; `on_step` receives each training step with the arm's key.
pub async fn compare(
    pretrained: &Model,
    tokenizer: &ChatTokenizer,
    arms: &[Arm<'_>],
    comparison: &Comparison<'_>,
    device: &Device,
    mut on_step: impl FnMut(&str, &StepEvent),
) -> Result<Vec<ArmReport>, TrainError> {
    let c = comparison;
    let run = LessonRun { template: c.template, batch_size: c.batch_size, seed: c.seed };
    let mut reports = Vec::with_capacity(arms.len());
    for arm in arms {
        let start = match arm.start {
            Start::Pretrained => pretrained.clone(),
            Start::Random { seed } => Model::init(&pretrained.config, seed, device),
        };
        let trained = train_arm(&run, &start, arm, tokenizer, device, &mut on_step).await?;
        let model = trained.as_ref().map_or(&start, |t| &t.model);
        let (trainable, change) = match &trained {
            Some(_) => (model.trainable_params(), relative_change(&start, &model.clone().merge_lora()).await?),
            None => (0, 0.0),
        };
        let checks = ask(model, tokenizer, c, c.heldout).await?;
        let paraphrased =
            if c.paraphrases.is_empty() { None } else { Some(ask(model, tokenizer, c, c.paraphrases).await?) };
        let completes = if c.completions {
            Some(completion_share(model, tokenizer, c.heldout, c.max_answer_tokens).await?)
        } else {
            None
        };
        reports.push(ArmReport {
            key: arm.key,
            trainable_params: trainable,
            memory: trained.as_ref().map(|_| TrainingMemory::new(model.num_params(), trainable)),
            final_loss: trained.as_ref().map(|t| t.final_loss),
            median_step_ms: trained.as_ref().and_then(|t| median(&t.step_ms)),
            relative_change: change,
            accuracy: share(&checks, |c| c.correct),
            right_and_stops: share(&checks, |c| c.correct && c.stopped),
            shortcut_share: share(&checks, |c| c.copies_training_answer),
            stop_share: share(&checks, |c| c.stopped),
            completes,
            paraphrase_accuracy: paraphrased.as_ref().map(|p| share(p, |c| c.correct)),
            paraphrase_right_and_stops: paraphrased.as_ref().map(|p| share(p, |c| c.correct && c.stopped)),
            answers: checks,
            paraphrase_answers: paraphrased.unwrap_or_default(),
        });
    }
    Ok(reports)
}

pub(crate) struct Trained {
    pub model: Model,
    pub final_loss: f32,
    pub step_ms: Vec<f64>,
}

/// Trains `arm` from `start`; `None` for an arm that does not train.
pub(crate) async fn train_arm(
    run: &LessonRun,
    start: &Model,
    arm: &Arm<'_>,
    tokenizer: &ChatTokenizer,
    device: &Device,
    on_step: &mut impl FnMut(&str, &StepEvent),
) -> Result<Option<Trained>, TrainError> {
    let lora = match &arm.tuning {
        Tuning::None => return Ok(None),
        Tuning::Lora(lora) => Some(lora.clone()),
        Tuning::Full => None,
    };
    let config = run.train_config(lora, arm.steps, arm.lr);
    let mut step_ms = Vec::with_capacity(arm.steps);
    let (model, final_loss) = run
        .fine_tune(start.clone(), tokenizer, arm.train, config, device, |e| {
            step_ms.push(e.step_ms);
            on_step(arm.key, e);
        })
        .await?;
    Ok(Some(Trained { model, final_loss, step_ms }))
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_counts_weights_and_the_state_of_the_trainable_ones() {
        let full = TrainingMemory::new(1000, 1000);
        assert_eq!(
            (full.frozen_weights, full.trainable_weights, full.gradients, full.optimizer_moments),
            (0, 4000, 4000, 8000)
        );
        assert_eq!(full.total, 16_000);
        let lora = TrainingMemory::new(1100, 100);
        assert_eq!((lora.frozen_weights, lora.total), (4000, 4000 + 4 * 4 * 100));
    }

    #[test]
    fn the_median_step() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[900.0, 3.0, 2.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 900.0]), Some(3.0));
    }
}
