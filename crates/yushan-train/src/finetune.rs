//! From conversations to a running trainer, and from a question to an answer: the steps every
//! front end (CLI, page, lessons) takes the same way.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use yushan_data::{
    Batcher, ChatTokenizer, Conversation, Message, Role, Template, encode_conversation, encode_prompt, fixed_batches,
    split_train_heldout,
};
use yushan_model::Model;

use crate::TrainError;
use crate::generate::{Generation, SamplingConfig, generate};
use crate::trainer::{BatchSource, TrainConfig, Trainer};

impl BatchSource for Batcher {
    fn next_batch(&mut self) -> yushan_data::Batch {
        Batcher::next_batch(self)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FineTuneSpec {
    pub template: Template,
    pub batch_size: usize,
    /// Tokens per row; a conversation may be at most `seq_len + 1` tokens.
    pub seq_len: usize,
    /// Share of the conversations kept aside for held-out loss.
    pub heldout_fraction: f64,
    pub train: TrainConfig,
}

impl FineTuneSpec {
    /// Why these settings cannot train, whatever the model and data, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.batch_size == 0 || self.seq_len == 0 {
            return Err("batch size and sequence length must be positive".into());
        }
        if !(0.0..1.0).contains(&self.heldout_fraction) {
            return Err(format!("the held-out share must be at least 0 and below 1, not {}", self.heldout_fraction));
        }
        self.train.check()
    }
}

/// Tokens per row that hold the longest of `conversations` under `template`, rounded up to a
/// multiple of `round_to` (fewer distinct shapes to compile) and capped at the model's `context`.
/// A conversation that cannot be encoded is skipped here: `prepare` refuses it with its reason.
pub fn fitting_seq_len(
    conversations: &[Conversation],
    template: Template,
    tokenizer: &ChatTokenizer,
    context: usize,
    round_to: usize,
) -> usize {
    let longest = conversations
        .iter()
        .enumerate()
        .filter_map(|(i, c)| encode_conversation(c, i, template, tokenizer, usize::MAX).ok())
        .map(|e| e.len())
        .max()
        .unwrap_or(0);
    // A row of n tokens trains on n - 1 next-token targets.
    longest.saturating_sub(1).max(1).next_multiple_of(round_to.max(1)).min(context)
}

/// What `prepare` made of the data, for the user to see.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DataSummary {
    pub train_conversations: usize,
    pub heldout_conversations: usize,
    pub train_tokens: usize,
    pub loss_tokens: usize,
}

/// Splits, tokenizes and batches `conversations`, and builds a trainer for `model`.
pub fn prepare(
    model: Model,
    tokenizer: &ChatTokenizer,
    conversations: &[Conversation],
    spec: &FineTuneSpec,
    device: &Device,
) -> Result<(Trainer, DataSummary), TrainError> {
    spec.check().map_err(TrainError::Config)?;
    if spec.seq_len > model.config.max_seq_len {
        return Err(TrainError::Config(format!(
            "sequence length {} exceeds the model's context of {} tokens",
            spec.seq_len, model.config.max_seq_len
        )));
    }
    let indexed: Vec<(usize, &Conversation)> = conversations.iter().enumerate().collect();
    let (train, heldout) = split_train_heldout(&indexed, spec.heldout_fraction, spec.train.seed);
    if train.is_empty() {
        return Err(TrainError::Config("there are no conversations to train on".into()));
    }
    let encode = |set: &[(usize, &Conversation)]| {
        set.iter()
            .map(|(i, c)| encode_conversation(c, *i, spec.template, tokenizer, spec.seq_len + 1))
            .collect::<Result<Vec<_>, _>>()
    };
    let train = encode(&train)?;
    let heldout = encode(&heldout)?;
    let summary = DataSummary {
        train_conversations: train.len(),
        heldout_conversations: heldout.len(),
        train_tokens: train.iter().map(|e| e.len()).sum(),
        loss_tokens: train.iter().map(|e| e.loss_mask.iter().filter(|m| **m).count()).sum(),
    };
    let pad = tokenizer.pad_id();
    let heldout = fixed_batches(&heldout, spec.batch_size, spec.seq_len, pad);
    let batcher = Batcher::new(train, spec.batch_size, spec.seq_len, pad, spec.train.seed);
    let trainer = Trainer::new(model, spec.train.clone(), Box::new(batcher), heldout, device)?;
    Ok((trainer, summary))
}

/// The prompt of `question` as a single user turn (after an optional system turn), up to where
/// the assistant's answer starts.
pub fn question_prompt(
    tokenizer: &ChatTokenizer,
    template: Template,
    system: Option<&str>,
    question: &str,
) -> Result<Vec<u32>, TrainError> {
    let mut history = Vec::new();
    if let Some(system) = system {
        history.push(Message::new(Role::System, system));
    }
    history.push(Message::new(Role::User, question));
    Ok(encode_prompt(&history, template, tokenizer)?)
}

/// The tokens that end an answer: the end of the turn, and the end of the document (a model
/// that ends the text is done too: ours end it with <|endoftext|>, a Hugging Face model with its
/// eos_token).
pub fn stop_tokens(tokenizer: &ChatTokenizer, template: Template) -> Vec<u32> {
    let mut stop: Vec<u32> = yushan_data::end_of_turn_id(template, tokenizer).into_iter().collect();
    for end in [yushan_data::END_OF_TEXT, tokenizer.eos_token()] {
        if let Some(id) = tokenizer.token_id(end).filter(|id| !stop.contains(id)) {
            stop.push(id);
        }
    }
    stop
}

/// The model's answer to `question` as a single user turn (plus an optional system turn).
pub async fn answer(
    model: &Model,
    tokenizer: &ChatTokenizer,
    template: Template,
    system: Option<&str>,
    question: &str,
    sampling: &SamplingConfig,
    on_text: impl FnMut(u32),
) -> Result<(String, Generation), TrainError> {
    let prompt = question_prompt(tokenizer, template, system, question)?;
    let stop = stop_tokens(tokenizer, template);
    let generation = generate(model, &prompt, &stop, sampling, on_text).await?;
    Ok((tokenizer.decode(&generation.tokens), generation))
}
