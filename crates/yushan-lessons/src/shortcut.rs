//! Lesson "最 → 玉山": the same few question-answer pairs teach (a) a model trained from random
//! weights and (b) the pretrained model through a LoRA adapter. Asked held-out questions with
//! 最 about other facts, (a) has only learnt the surface pattern and answers with a training
//! answer; (b) has learnt how to answer and answers from what pretraining taught it.

use burn::module::Module;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use yushan_data::{ChatTokenizer, Template};
use yushan_model::{LoraConfig, LoraTarget, Model};
use yushan_train::{SamplingConfig, StepEvent, TrainError};

use crate::distance::relative_change;
use crate::qa::{AnswerCheck, QaItem, score_answers, share};
use crate::run::{LessonRun, greedy_answers};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
            // pairs: q,k,v,o at 1e-3 for 100 steps moved the weights 3.1% and answered 83% of
            // the held-out questions; at 3e-3, 6.6% and 69%).
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

/// Runs both arms. `on_step` receives each training step, tagged "scratch" or "lora".
pub async fn run_shortcut(
    pretrained: &Model,
    tokenizer: &ChatTokenizer,
    train: &[QaItem],
    heldout: &[QaItem],
    spec: &ShortcutSpec,
    device: &Device,
    mut on_step: impl FnMut(&str, &StepEvent),
) -> Result<ShortcutReport, TrainError> {
    let pretrained_completes = completion_share(pretrained, tokenizer, heldout, spec.max_answer_tokens).await?;
    let scratch_start = Model::init(&pretrained.config, spec.seed.wrapping_add(1), device);
    let run = LessonRun { template: spec.template, batch_size: spec.batch_size, seed: spec.seed };
    let scratch_config = run.train_config(None, spec.scratch_steps, spec.scratch_lr);
    let (model, loss) = run.fine_tune(scratch_start.clone(), tokenizer, train, scratch_config, device, |e| on_step("scratch", e)).await?;
    let from_scratch = evaluate(
        "from scratch",
        &model,
        model.num_params(),
        loss,
        relative_change(&scratch_start, &model).await?,
        tokenizer,
        train,
        heldout,
        spec,
    )
    .await?;

    let lora_config = run.train_config(Some(spec.lora.clone()), spec.lora_steps, spec.lora_lr);
    let (model, loss) = run.fine_tune(pretrained.clone(), tokenizer, train, lora_config, device, |e| on_step("lora", e)).await?;
    let trainable = model.trainable_params();
    let merged = model.clone().merge_lora();
    let pretrained_lora = evaluate(
        "pretrained + LoRA",
        &model,
        trainable,
        loss,
        relative_change(pretrained, &merged).await?,
        tokenizer,
        train,
        heldout,
        spec,
    )
    .await?;

    Ok(ShortcutReport {
        train_pairs: train.len(),
        heldout_questions: heldout.len(),
        pretrained_completes,
        from_scratch,
        pretrained_lora,
    })
}

/// Share of `items` whose statement prefix the model completes with the right answer.
async fn completion_share(model: &Model, tokenizer: &ChatTokenizer, items: &[QaItem], max_tokens: usize) -> Result<f64, TrainError> {
    let sampling = SamplingConfig { max_new_tokens: max_tokens, temperature: 0.0, top_k: 0, top_p: 1.0, seed: 0 };
    let stop: Vec<u32> = tokenizer.token_id(yushan_data::END_OF_TEXT).into_iter().collect();
    let mut right = 0;
    for item in items {
        let prompt = tokenizer.encode(item.statement_prefix());
        let generation = yushan_train::generate(model, &prompt, &stop, &sampling, |_| {}).await?;
        let text = tokenizer.decode(&generation.tokens);
        // Only the first clause counts: the model goes on to state other facts after it.
        let first = text.split(['。', '，', '.']).next().unwrap_or("");
        right += usize::from(item.is_correct(first));
    }
    Ok(right as f64 / items.len().max(1) as f64)
}

#[allow(clippy::too_many_arguments)]
async fn evaluate(
    name: &str,
    model: &Model,
    trainable_params: usize,
    final_loss: f32,
    relative_change: f64,
    tokenizer: &ChatTokenizer,
    train: &[QaItem],
    heldout: &[QaItem],
    spec: &ShortcutSpec,
) -> Result<ShortcutArm, TrainError> {
    let answers: Vec<String> = greedy_answers(model, tokenizer, spec.template, heldout, spec.max_answer_tokens)
        .await?
        .into_iter()
        .map(|(text, _)| text.trim().to_string())
        .collect();
    let checks = score_answers(heldout, &answers, train);
    Ok(ShortcutArm {
        name: name.to_string(),
        trainable_params,
        final_loss,
        accuracy: share(&checks, |c| c.correct),
        shortcut_share: share(&checks, |c| c.copies_training_answer),
        relative_change,
        answers: checks,
    })
}
