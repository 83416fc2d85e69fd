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

/// The arms, by the tag of their training steps.
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
            steps: 120,
            lr: 5e-3,
            lora: LoraConfig::new(8, 16.0, &LoraTarget::ALL),
            seed: 0,
            max_answer_tokens: 48,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Generated {
    pub question: String,
    pub text: String,
    /// Ended with an end token, and nothing but the answer before it.
    pub stopped_correctly: bool,
    /// Went on writing after the first sentence of its answer.
    pub kept_writing: bool,
    /// What it wrote after its answer contains a question (自問自答).
    pub asked_itself: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct RoleTagsArm {
    pub template: Template,
    pub final_loss: f32,
    /// Share of generations that stop at the end of the answer.
    pub stop_share: f64,
    /// Share that write on after their answer.
    pub run_on_share: f64,
    /// Share that go on to ask (and often answer) a question of their own.
    pub asks_itself_share: f64,
    pub samples: Vec<Generated>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RoleTagsReport {
    pub with_tags: RoleTagsArm,
    pub without_tags: RoleTagsArm,
}

/// Fine-tunes `pretrained` twice (tags, no tags) and asks `probe` questions of each.
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
    for (name, template) in [(WITH_TAGS, Template::Plain), (WITHOUT_TAGS, Template::NoTags)] {
        let run = LessonRun { template, batch_size: spec.batch_size, seed: spec.seed };
        let config = run.train_config(Some(spec.lora.clone()), spec.steps, spec.lr);
        let (model, loss) =
            run.fine_tune(pretrained.clone(), tokenizer, train, config, device, |e| on_step(name, e)).await?;
        let samples: Vec<Generated> = greedy_answers(&model, tokenizer, template, probe, spec.max_answer_tokens)
            .await?
            .into_iter()
            .zip(probe)
            .map(|((text, generation), q)| {
                let rest = after_first_sentence(&text).trim();
                Generated {
                    question: q.question.clone(),
                    stopped_correctly: generation.stop == StopReason::EndOfTurn && rest.is_empty(),
                    kept_writing: !rest.is_empty(),
                    asked_itself: rest.contains(['？', '?']),
                    text,
                }
            })
            .collect();
        let n = samples.len().max(1) as f64;
        arms.push(RoleTagsArm {
            template,
            final_loss: loss,
            stop_share: samples.iter().filter(|s| s.stopped_correctly).count() as f64 / n,
            run_on_share: samples.iter().filter(|s| s.kept_writing).count() as f64 / n,
            asks_itself_share: samples.iter().filter(|s| s.asked_itself).count() as f64 / n,
            samples,
        });
    }
    let without_tags = arms.pop().expect("two arms");
    let with_tags = arms.pop().expect("two arms");
    Ok(RoleTagsReport { with_tags, without_tags })
}

/// What follows the first sentence (up to 。 . ！ ? ？ or a line break) of `text`.
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
