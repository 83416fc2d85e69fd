//! Lesson "role tags": the same pairs rendered with the plain template (`使用者:` / `AI:` and an
//! end-of-turn token) and with no tags at all. Without tags the model never learns where its
//! answer ends and goes on to write the next question itself (自問自答); with them it stops.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use yushan_data::{ChatTokenizer, Template};
use yushan_model::{LoraConfig, LoraTarget, Model};
use yushan_train::{StepEvent, StopReason, TrainError};

use crate::qa::QaItem;
use crate::run::{LessonRun, greedy_answers};
use crate::summary::{AnswerRow, ArmSummary, LessonSummary, Metric, MetricKind, metric, rows};

pub const NAME: &str = "role-tags";

/// The arms, by the tag of their training steps (the control, [`UNTUNED`], does not train).
pub use crate::compare::UNTUNED;
pub const WITH_TAGS: &str = "with tags";
pub const WITHOUT_TAGS: &str = "without tags";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleTagsSpec {
    pub batch_size: usize,
    pub steps: usize,
    pub lr: f64,
    pub lora: LoraConfig,
    pub seed: u64,
    pub max_answer_tokens: usize,
}

impl Default for RoleTagsSpec {
    fn default() -> Self {
        Self {
            batch_size: 8,
            // The studio's settings for the same pairs: enough to learn where an answer ends,
            // gentle enough that the answers still come from what the model read (at 5e-3 on every
            // projection, 120 steps, it stopped always but was right 27.9%, against 91.2% untuned).
            steps: 20,
            lr: 5e-4,
            lora: LoraConfig::new(8, 16.0, &[LoraTarget::Q, LoraTarget::K, LoraTarget::V, LoraTarget::O]),
            seed: 0,
            max_answer_tokens: 48,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Generated {
    pub question: String,
    pub text: String,
    /// Its first sentence names the expected answer.
    pub correct: bool,
    /// Ended its turn right after its first sentence.
    pub stopped_correctly: bool,
    /// Wrote more after its first sentence.
    pub kept_writing: bool,
    /// What it wrote after its first sentence has a question in it (自問自答).
    pub asked_itself: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct RoleTagsArm {
    /// [`UNTUNED`], [`WITH_TAGS`] or [`WITHOUT_TAGS`].
    pub key: &'static str,
    /// The template it was trained and asked in.
    pub template: Template,
    /// `None` for the control arm, which does not train.
    pub final_loss: Option<f32>,
    /// 0 for the control arm.
    pub trainable_params: usize,
    pub stop_share: f64,
    pub run_on_share: f64,
    pub asks_itself_share: f64,
    /// Share of answers that name the expected answer in their first sentence.
    pub accuracy: f64,
    /// Share right and stopped right after: an answer a user can use as it is.
    pub right_and_stops: f64,
    pub samples: Vec<Generated>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RoleTagsReport {
    /// [`UNTUNED`] (the pretrained model asked with role tags, never fine-tuned), [`WITH_TAGS`],
    /// [`WITHOUT_TAGS`], in that order.
    pub arms: Vec<RoleTagsArm>,
}

/// The arms, in the order they run: key, template, and whether it trains.
pub const ARMS: [(&str, Template, bool); 3] =
    [(UNTUNED, Template::Plain, false), (WITH_TAGS, Template::Plain, true), (WITHOUT_TAGS, Template::NoTags, true)];

/// Asks the untuned model, then trains and asks both tagged and untagged arms; `probe` holds the
/// questions asked after training. `on_step` receives each training step, tagged [`WITH_TAGS`]
/// or [`WITHOUT_TAGS`].
pub async fn run_role_tags(
    pretrained: &Model,
    tokenizer: &ChatTokenizer,
    train: &[QaItem],
    probe: &[QaItem],
    spec: &RoleTagsSpec,
    device: &Device,
    mut on_step: impl FnMut(&str, &StepEvent),
) -> Result<RoleTagsReport, TrainError> {
    let mut arms = Vec::new();
    for (key, template, trains) in ARMS {
        let run = LessonRun { template, batch_size: spec.batch_size, seed: spec.seed };
        let (model, final_loss) = if trains {
            let config = run.train_config(Some(spec.lora.clone()), spec.steps, spec.lr);
            let (model, loss) =
                run.fine_tune(pretrained.clone(), tokenizer, train, config, device, |e| on_step(key, e)).await?;
            (model, Some(loss))
        } else {
            (pretrained.clone(), None)
        };
        let samples: Vec<Generated> = greedy_answers(&model, tokenizer, template, probe, spec.max_answer_tokens)
            .await?
            .into_iter()
            .zip(probe)
            .map(|((text, generation), q)| {
                let rest = after_first_sentence(&text).trim();
                Generated {
                    question: q.question.clone(),
                    correct: q.is_correct(&text),
                    stopped_correctly: generation.stop == StopReason::EndOfTurn && rest.is_empty(),
                    kept_writing: !rest.is_empty(),
                    asked_itself: rest.contains(['？', '?']),
                    text,
                }
            })
            .collect();
        let n = samples.len().max(1) as f64;
        let share = |f: fn(&Generated) -> bool| samples.iter().filter(|s| f(s)).count() as f64 / n;
        arms.push(RoleTagsArm {
            key,
            template,
            final_loss,
            trainable_params: if trains { model.trainable_params() } else { 0 },
            stop_share: share(|s| s.stopped_correctly),
            run_on_share: share(|s| s.kept_writing),
            asks_itself_share: share(|s| s.asked_itself),
            accuracy: share(|s| s.correct),
            right_and_stops: share(|s| s.correct && s.stopped_correctly),
            samples,
        });
    }
    Ok(RoleTagsReport { arms })
}

impl RoleTagsReport {
    /// `probe`: the questions asked, in order (their expected answers go in the table).
    pub fn summary(&self, probe: &[QaItem], train_pairs: usize, seed: u64) -> LessonSummary {
        use MetricKind::*;
        let arms = self
            .arms
            .iter()
            .map(|a| {
                let mut metrics: Vec<Metric> = vec![
                    metric("stop_share", Share, a.stop_share),
                    metric("run_on_share", Share, a.run_on_share),
                    metric("asks_itself_share", Share, a.asks_itself_share),
                    metric("accuracy", Share, a.accuracy),
                    metric("right_and_stops", Share, a.right_and_stops),
                    metric("trainable_params", Count, a.trainable_params as f64),
                ];
                metrics.extend(a.final_loss.map(|l| metric("final_loss", Loss, f64::from(l))));
                ArmSummary { key: a.key, metrics }
            })
            .collect();
        let samples: Vec<&[Generated]> = self.arms.iter().map(|a| a.samples.as_slice()).collect();
        let mut rows: Vec<AnswerRow> = rows(&samples, usize::MAX, |g| (&g.question, "", &g.text, g.stopped_correctly));
        for (row, q) in rows.iter_mut().zip(probe) {
            row.expected = q.answer.clone();
        }
        LessonSummary {
            lesson: NAME,
            seed,
            train_pairs,
            notes: Vec::new(),
            arms,
            check: "stopped",
            rows,
            curves: Vec::new(),
            examples: Vec::new(),
        }
    }
}

fn after_first_sentence(text: &str) -> &str {
    let text = text.trim_start();
    text.find(['。', '.', '！', '!', '？', '?', '\n']).map_or("", |i| {
        let end = i + text[i..].chars().next().map_or(0, char::len_utf8);
        &text[end..]
    })
}

#[cfg(test)]
mod tests {
    use super::after_first_sentence;

    #[test]
    fn the_rest_after_an_answer() {
        assert_eq!(after_first_sentence("臺灣最高的山是玉山。"), "");
        assert_eq!(after_first_sentence("玉山。世界最大的海洋是哪一個呢？"), "世界最大的海洋是哪一個呢？");
        assert_eq!(after_first_sentence("Yushan.\nWho are you?"), "\nWho are you?");
        assert_eq!(after_first_sentence("玉山"), "");
    }
}
