//! What every lesson does the same way: fine-tune a model on question-answer pairs with the
//! lessons' training settings, ask it questions greedily, and ask it to complete statements as
//! plain text.

use burn::tensor::Device;
use yushan_data::{ChatTokenizer, Template};
use yushan_model::{LoraConfig, Model};
use yushan_train::{
    FineTuneSpec, Generation, SamplingConfig, StepEvent, TrainConfig, TrainError, Trainer, answer, fitting_seq_len,
    prepare,
};

use crate::qa::QaItem;

/// How a lesson renders and batches its pairs.
pub(crate) struct LessonRun {
    pub template: Template,
    pub batch_size: usize,
    pub seed: u64,
}

impl LessonRun {
    /// LoRA (or, with `None`, every weight) for `steps` steps peaking at `lr`: a short warm-up,
    /// no weight decay, clipping at 1.
    pub fn train_config(&self, lora: Option<LoraConfig>, steps: usize, lr: f64) -> TrainConfig {
        TrainConfig {
            lora,
            learning_rate: lr,
            warmup_steps: (steps / 20).max(1),
            steps,
            weight_decay: 0.0,
            grad_clip: Some(1.0),
            seed: self.seed,
            eval_every: 0,
            ..TrainConfig::default()
        }
    }

    /// A trainer for `model` on the pairs, batched as the lessons batch them (sequences as long
    /// as the longest pair needs); the caller steps it.
    pub fn trainer(
        &self,
        model: Model,
        tokenizer: &ChatTokenizer,
        train: &[QaItem],
        train_config: TrainConfig,
        device: &Device,
    ) -> Result<Trainer, TrainError> {
        let conversations: Vec<_> = train.iter().map(QaItem::conversation).collect();
        let seq_len = fitting_seq_len(&conversations, self.template, tokenizer, model.config.max_seq_len, 8);
        let spec = FineTuneSpec {
            template: self.template,
            batch_size: self.batch_size.min(conversations.len()).max(1),
            seq_len,
            heldout_fraction: 0.0,
            train: train_config,
        };
        Ok(prepare(model, tokenizer, &conversations, &spec, device)?.0)
    }

    /// Trains `model` on the pairs; returns the trained model (off autodiff) and its last loss.
    pub async fn fine_tune(
        &self,
        model: Model,
        tokenizer: &ChatTokenizer,
        train: &[QaItem],
        train_config: TrainConfig,
        device: &Device,
        mut on_step: impl FnMut(&StepEvent),
    ) -> Result<(Model, f32), TrainError> {
        let mut trainer = self.trainer(model, tokenizer, train, train_config, device)?;
        let mut loss = f32::NAN;
        while !trainer.is_done() {
            let event = trainer.step().await?;
            loss = event.loss;
            on_step(&event);
        }
        Ok((trainer.into_model(), loss))
    }
}

/// Greedy answers to `questions`.
pub(crate) async fn greedy_answers(
    model: &Model,
    tokenizer: &ChatTokenizer,
    template: Template,
    questions: &[QaItem],
    max_tokens: usize,
) -> Result<Vec<(String, Generation)>, TrainError> {
    let sampling = SamplingConfig { max_new_tokens: max_tokens, temperature: 0.0, top_k: 0, top_p: 1.0, seed: 0 };
    let mut out = Vec::with_capacity(questions.len());
    for q in questions {
        out.push(answer(model, tokenizer, template, None, &q.question, &sampling, |_| {}).await?);
    }
    Ok(out)
}

/// Share of `items` whose statement prefix the model completes with the right answer as plain
/// text, with no chat template ("世界最深的海溝是" → 馬里亞納海溝): what it knows as prose.
pub(crate) async fn completion_share(
    model: &Model,
    tokenizer: &ChatTokenizer,
    items: &[QaItem],
    max_tokens: usize,
) -> Result<f64, TrainError> {
    let sampling = SamplingConfig { max_new_tokens: max_tokens, temperature: 0.0, top_k: 0, top_p: 1.0, seed: 0 };
    let stop: Vec<u32> = tokenizer.token_id(yushan_data::END_OF_TEXT).into_iter().collect();
    let mut right = 0;
    for item in items {
        let prompt = tokenizer.encode(item.statement_prefix());
        let generation = yushan_train::generate(model, &prompt, &stop, &sampling, |_| {}).await?;
        let text = tokenizer.decode(&generation.tokens);
        // Only the first clause counts: the model goes on to state other facts after it.
        let first = text.split(['。', '，', '.']).next().unwrap_or("");
        right += usize::from(item.is_named_in(first));
    }
    Ok(right as f64 / items.len().max(1) as f64)
}
