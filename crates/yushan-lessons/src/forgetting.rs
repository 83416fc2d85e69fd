//! Lesson 複習 (catastrophic forgetting and replay): fine-tune on task A (editing measure
//! words), then on task B (translation), and watch A's held-out accuracy while B trains. Three
//! ways of training B, each from the same model that learnt A:
//! - sequential: B's pairs only; A fades as B is learnt;
//! - replay: B's pairs mixed with a share of A's stored pairs;
//! - self-replay: nothing of A is stored; right after A, the model writes A-type examples
//!   itself (given only A's instruction, “Fix the measure word: ”, it writes a question and then answers
//!   it), and rehearses those (self-synthesised rehearsal, Huang et al. 2024).
//!
//! Each stage trains a fresh LoRA adapter; A's adapter is merged into the weights before B's
//! starts, as one would to fine-tune a fine-tuned model further.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use yushan_data::{ChatTokenizer, Message, Role, Template, encode_prompt};
use yushan_model::{LoraConfig, LoraTarget, Model};
use yushan_rng::SplitMix64;
use yushan_train::{SamplingConfig, StepEvent, TrainError, generate};

use crate::compare::UNTUNED;
use crate::qa::QaItem;
use crate::run::{LessonRun, greedy_answers};
use crate::summary::{ArmSummary, Curve, Example, LessonSummary, Metric, MetricKind, metric, task_rows};
use crate::tasks::{EDIT, TRANSLATE, TaskData, TaskScore, TaskSet, ask_tasks};

/// The tags of the training steps: task A first, then the three ways of training B.
pub const NAME: &str = "forgetting";

pub const FIRST: &str = "task-a";
pub const SEQUENTIAL: &str = "sequential";
pub const REPLAY: &str = "replay";
pub const SELF_REPLAY: &str = "self-replay";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForgettingSpec {
    pub template: Template,
    pub batch_size: usize,
    /// Steps on task A (editing), then on task B (translation) in each arm.
    pub a_steps: usize,
    pub b_steps: usize,
    pub lr: f64,
    pub lora: LoraConfig,
    /// Share of B's training pairs that are A's, in the two replay arms.
    pub replay_share: f64,
    /// How many times A is measured while B trains (evenly spaced, the last at B's end).
    pub checkpoints: usize,
    pub seed: u64,
    pub max_answer_tokens: usize,
}

impl Default for ForgettingSpec {
    /// The specialists lesson's adapter and steps for each task.
    fn default() -> Self {
        Self {
            template: Template::Plain,
            batch_size: 8,
            a_steps: 200,
            b_steps: 200,
            lr: 1e-3,
            lora: LoraConfig::new(8, 16.0, &LoraTarget::ALL),
            replay_share: 0.25,
            checkpoints: 4,
            seed: 0,
            max_answer_tokens: 24,
        }
    }
}

impl ForgettingSpec {
    /// Each stage's key and steps, in the order they run.
    pub fn plan(&self) -> [(&'static str, usize); 4] {
        [(FIRST, self.a_steps), (SEQUENTIAL, self.b_steps), (REPLAY, self.b_steps), (SELF_REPLAY, self.b_steps)]
    }

    /// The B steps after which A is measured: evenly spaced, the last at B's end.
    pub fn checkpoint_steps(&self) -> Vec<usize> {
        let n = self.checkpoints.clamp(1, self.b_steps.max(1));
        (1..=n).map(|i| (i * self.b_steps).div_ceil(n)).collect()
    }

    /// A's pairs mixed into B's `b_pairs` pairs, so that they make `replay_share` of the mix.
    pub fn replayed(&self, b_pairs: usize, a_pairs: usize) -> usize {
        let share = self.replay_share;
        ((share / (1.0 - share) * b_pairs as f64).round() as usize).min(a_pairs)
    }

    /// Refuses settings the lesson cannot run with.
    pub fn check(&self) -> Result<(), String> {
        if !(0.0..=0.95).contains(&self.replay_share) {
            return Err(format!("replay_share must be between 0 and 0.95, not {}", self.replay_share));
        }
        if self.a_steps == 0 || self.b_steps == 0 || self.checkpoints == 0 {
            return Err("a_steps, b_steps and checkpoints must be at least 1".into());
        }
        Ok(())
    }
}

/// Task A's held-out figures after some steps of B.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurvePoint {
    pub b_step: usize,
    pub exact: f64,
    pub similarity: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ForgettingArm {
    pub key: &'static str,
    /// A's pairs mixed into B's (0 for the sequential arm).
    pub replayed: usize,
    pub final_loss: f32,
    /// A on its held-out items: at B's step 0 (right after A) and at each checkpoint.
    pub curve: Vec<CurvePoint>,
    /// A and B on their held-out items at the end.
    pub a: TaskScore,
    pub b: TaskScore,
}

#[derive(Clone, Debug, Serialize)]
pub struct ForgettingReport {
    pub a_task: &'static str,
    pub b_task: &'static str,
    pub a_pairs: usize,
    pub b_pairs: usize,
    /// The control: tasks A and B asked of the pretrained model, never fine-tuned.
    pub untuned: [TaskScore; 2],
    /// The model right after A: its figures on A and on B.
    pub after_a: [TaskScore; 2],
    /// The examples the model wrote itself right after A and the self-replay arm rehearses.
    pub self_written: Vec<QaItem>,
    pub arms: Vec<ForgettingArm>,
}

/// Runs task A, then the three arms on B; `on_step` receives every training step with its
/// stage's key ([`FIRST`], then each arm's).
pub async fn run_forgetting(
    pretrained: &Model,
    tokenizer: &ChatTokenizer,
    data: &TaskData,
    spec: &ForgettingSpec,
    device: &Device,
    mut on_step: impl FnMut(&str, &StepEvent),
) -> Result<ForgettingReport, TrainError> {
    spec.check().map_err(TrainError::Config)?;
    let run = LessonRun { template: spec.template, batch_size: spec.batch_size, seed: spec.seed };
    let (a_train, b_train) = (&data.edit_train, &data.translate_train);
    let a_set = TaskSet { key: EDIT, items: &data.edit_heldout };
    let b_set = TaskSet { key: TRANSLATE, items: &data.translate_heldout };

    // The control: the pretrained model as it is, on both tasks.
    let untuned = [ask(pretrained, tokenizer, spec, a_set).await?, ask(pretrained, tokenizer, spec, b_set).await?];
    let config = run.train_config(Some(spec.lora.clone()), spec.a_steps, spec.lr);
    let (after_a, _) =
        run.fine_tune(pretrained.clone(), tokenizer, a_train, config, device, |e| on_step(FIRST, e)).await?;
    let after_a = after_a.merge_lora();
    let a_after_a = ask(&after_a, tokenizer, spec, a_set).await?;
    let b_after_a = ask(&after_a, tokenizer, spec, b_set).await?;

    // The same A pairs for both replay arms: a seeded draw of the share asked for.
    let mut order: Vec<usize> = (0..a_train.len()).collect();
    SplitMix64::new(spec.seed ^ 0x5E7A_0002).shuffle(&mut order);
    let stored: Vec<QaItem> =
        order[..spec.replayed(b_train.len(), a_train.len())].iter().map(|&i| a_train[i].clone()).collect();
    let instruction = common_prefix(a_train.iter().map(|item| item.question.as_str()));
    let self_written = write_examples(&after_a, tokenizer, spec, &instruction, stored.len()).await?;

    let checkpoints = spec.checkpoint_steps();
    let mut arms = Vec::new();
    for (key, rehearsed) in [(SEQUENTIAL, &[][..]), (REPLAY, &stored[..]), (SELF_REPLAY, &self_written[..])] {
        let mix: Vec<QaItem> = b_train.iter().chain(rehearsed).cloned().collect();
        let config = run.train_config(Some(spec.lora.clone()), spec.b_steps, spec.lr);
        let mut trainer = run.trainer(after_a.clone(), tokenizer, &mix, config, device)?;
        let mut curve = vec![CurvePoint { b_step: 0, exact: a_after_a.exact, similarity: a_after_a.similarity }];
        let mut final_loss = f32::NAN;
        let mut a_end = None;
        while !trainer.is_done() {
            let event = trainer.step().await?;
            final_loss = event.loss;
            on_step(key, &event);
            let step = trainer.steps_done();
            if checkpoints.contains(&step) {
                let a = ask(&trainer.current_model(), tokenizer, spec, a_set).await?;
                curve.push(CurvePoint { b_step: step, exact: a.exact, similarity: a.similarity });
                a_end = Some(a);
            }
        }
        let model = trainer.into_model();
        let a = match a_end {
            Some(a) => a,
            None => ask(&model, tokenizer, spec, a_set).await?,
        };
        let b = ask(&model, tokenizer, spec, b_set).await?;
        arms.push(ForgettingArm { key, replayed: rehearsed.len(), final_loss, curve, a, b });
    }
    Ok(ForgettingReport {
        a_task: EDIT,
        b_task: TRANSLATE,
        a_pairs: a_train.len(),
        b_pairs: b_train.len(),
        untuned,
        after_a: [a_after_a, b_after_a],
        self_written,
        arms,
    })
}

/// The longest start all `texts` share, cut after its last full-width colon or space (the
/// instruction: “Fix the measure word: ” of “Fix the measure word: 日本最長的河是哪一座？”).
/// Task A's held-out items the answer table shows.
pub const ROWS: usize = 12;
/// Examples of A the model wrote itself that the summary lists (all are in the report).
pub const EXAMPLES: usize = 6;

impl ForgettingReport {
    /// The control (the pretrained model on A and B) and the three ways of training B are its
    /// columns (task A, the stage they start from, trains but has no column); each trained arm's
    /// curve is its share of A's held-out items exactly right, from B's step 0 (right after A) to
    /// its last step.
    pub fn summary(&self, seed: u64) -> LessonSummary {
        use MetricKind::*;
        let figures = |a: &TaskScore, b: &TaskScore| -> Vec<Metric> {
            vec![
                metric("a_after_b_exact", Share, a.exact),
                metric("a_after_b_similarity", Score, a.similarity),
                metric("b_exact", Share, b.exact),
                metric("b_similarity", Score, b.similarity),
            ]
        };
        let [untuned_a, untuned_b] = &self.untuned;
        let [a_after_a, b_after_a] = &self.after_a;
        let mut arms = vec![ArmSummary { key: UNTUNED, metrics: figures(untuned_a, untuned_b) }];
        arms.extend(self.arms.iter().map(|a| {
            let mut metrics = figures(&a.a, &a.b);
            metrics.push(metric("replayed", Count, a.replayed as f64));
            metrics.push(metric("final_loss", Loss, f64::from(a.final_loss)));
            ArmSummary { key: a.key, metrics }
        }));
        let a_scores: Vec<&TaskScore> = std::iter::once(untuned_a).chain(self.arms.iter().map(|a| &a.a)).collect();
        LessonSummary {
            lesson: NAME,
            seed,
            train_pairs: self.a_pairs + self.b_pairs,
            notes: vec![
                metric("a_after_a_exact", Share, a_after_a.exact),
                metric("b_after_a_exact", Share, b_after_a.exact),
                metric("self_written", Count, self.self_written.len() as f64),
            ],
            arms,
            check: "exact",
            rows: task_rows(&a_scores, ROWS),
            curves: self
                .arms
                .iter()
                .map(|a| Curve { key: a.key, points: a.curve.iter().map(|p| (p.b_step, p.exact)).collect() })
                .collect(),
            examples: self
                .self_written
                .iter()
                .take(EXAMPLES)
                .map(|q| Example { question: q.question.clone(), answer: q.answer.clone() })
                .collect(),
        }
    }
}

fn common_prefix<'a>(mut texts: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = texts.next() else { return String::new() };
    let mut prefix: &str = first;
    for text in texts {
        let same = prefix.chars().zip(text.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a.len_utf8()).sum();
        prefix = &prefix[..same];
    }
    prefix
        .rfind(['：', ':', ' '])
        .map_or(prefix, |i| &prefix[..i + prefix[i..].chars().next().map_or(0, char::len_utf8)])
        .to_string()
}

/// `n` task examples written by `model` itself: for each, it continues a user turn that starts
/// with `instruction` (sampled, each from its own seed) and answers what it wrote (greedily).
/// Empty or repeated prompts are dropped, so there may be fewer than `n`.
async fn write_examples(
    model: &Model,
    tokenizer: &ChatTokenizer,
    spec: &ForgettingSpec,
    instruction: &str,
    n: usize,
) -> Result<Vec<QaItem>, TrainError> {
    let user = |content: &str| encode_prompt(&[Message::new(Role::User, content)], spec.template, tokenizer);
    // The user turn up to the end of `instruction`: what follows any content (the separator and
    // the answer's tag) is what two one-letter contents' renders end with alike.
    let (with, a, b) = (user(instruction)?, user("a")?, user("b")?);
    let tail = a.iter().rev().zip(b.iter().rev()).take_while(|(a, b)| a == b).count().min(with.len());
    let start = &with[..with.len() - tail];
    let mut stop: Vec<u32> = tokenizer.token_id("\n").into_iter().collect();
    stop.extend(yushan_data::end_of_turn_id(spec.template, tokenizer));
    stop.extend(tokenizer.token_id(yushan_data::END_OF_TEXT));
    let mut written: Vec<QaItem> = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let sampling = SamplingConfig {
            max_new_tokens: spec.max_answer_tokens,
            temperature: 1.0,
            top_k: 0,
            top_p: 1.0,
            seed: spec.seed.wrapping_add(i),
        };
        let generation = generate(model, start, &stop, &sampling, |_| {}).await?;
        let question = format!("{instruction}{}", tokenizer.decode(&generation.tokens).trim());
        if question.len() == instruction.len() || written.iter().any(|w| w.question == question) {
            continue;
        }
        written.push(QaItem::new(question, ""));
    }
    let answers = greedy_answers(model, tokenizer, spec.template, &written, spec.max_answer_tokens).await?;
    Ok(written
        .into_iter()
        .zip(answers)
        .map(|(item, (answer, _))| QaItem::new(item.question, answer.trim()))
        .filter(|item| !item.answer.is_empty())
        .collect())
}

/// `model`'s score on one task.
async fn ask(
    model: &Model,
    tokenizer: &ChatTokenizer,
    spec: &ForgettingSpec,
    set: TaskSet<'_>,
) -> Result<TaskScore, TrainError> {
    let mut scores = ask_tasks(model, tokenizer, spec.template, &[set], spec.max_answer_tokens).await?;
    Ok(scores.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_are_evenly_spaced_and_end_at_the_last_step() {
        let spec = ForgettingSpec { b_steps: 200, checkpoints: 4, ..ForgettingSpec::default() };
        assert_eq!(spec.checkpoint_steps(), [50, 100, 150, 200]);
        let spec = ForgettingSpec { b_steps: 10, checkpoints: 3, ..ForgettingSpec::default() };
        assert_eq!(spec.checkpoint_steps(), [4, 7, 10]);
        let spec = ForgettingSpec { b_steps: 2, checkpoints: 5, ..ForgettingSpec::default() };
        assert_eq!(spec.checkpoint_steps(), [1, 2]);
    }

    #[test]
    fn the_instruction_is_what_every_prompt_starts_with() {
        let prompts = ["Fix the measure word: 日本最長的河是哪一座？", "Fix the measure word: 日本最高的山是哪一條？"];
        assert_eq!(common_prefix(prompts.into_iter()), "Fix the measure word: ");
        assert_eq!(common_prefix(["改正：日本最高", "改正：日本最長"].into_iter()), "改正：");
        assert_eq!(common_prefix(std::iter::empty()), "");
    }

    #[test]
    fn replay_makes_its_share_of_the_mix() {
        let spec = ForgettingSpec::default();
        let n = spec.replayed(70, 70);
        assert_eq!(n, 23);
        assert!((n as f64 / (70 + n) as f64 - 0.25).abs() < 0.01);
        assert_eq!(spec.replayed(70, 10), 10, "no more than A has");
        assert_eq!(ForgettingSpec { replay_share: 0.0, ..spec.clone() }.replayed(70, 70), 0);
        for share in [-0.1, 0.96, 1.0, f64::NAN] {
            let refused = ForgettingSpec { replay_share: share, ..spec.clone() }.check().unwrap_err();
            assert!(refused.contains("replay_share"), "{refused}");
        }
        assert!(ForgettingSpec { b_steps: 0, ..spec.clone() }.check().is_err());
        assert_eq!(spec.check(), Ok(()));
    }
}
