//! Lesson 舉一反三 (cross-lingual transfer): fine-tune on question-answer pairs in English only
//! and ask, in Chinese, about facts that are in neither language's pairs. The pretrained model
//! read its facts in both languages; the adapter only has to teach it to answer, and that skill
//! carries over to questions in the other language. Compared with the same pairs in Chinese,
//! and with the pretrained model asked under the same template with no fine-tuning at all.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use yushan_data::{ChatTokenizer, Template};
use yushan_model::{LoraConfig, Model};
use yushan_train::{StepEvent, TrainError};

use crate::compare::{Arm, ArmReport, Comparison, Start, Tuning, compare};
use crate::qa::{QaItem, parse_pairs, parse_questions};
use crate::shortcut::ShortcutSpec;
use crate::summary::{Figure, LessonSummary, MetricKind, compared_summary, metric};

/// Where the lesson's files live in the repository.
pub const NAME: &str = "transfer";
pub const DATA_DIR: &str = "lessons/transfer";
/// Chat pairs in English ("What is the highest mountain in Japan?" → "Mount Fuji.").
pub const TRAIN_EN: &str = "train-en.jsonl";
/// The same facts asked in Chinese (「日本最高的山是哪一座？」 → 「富士山。」).
pub const TRAIN_ZH: &str = "train-zh.jsonl";
/// Chinese questions about other facts, `{"question","answer","accept":[中文名, English name]}`.
pub const HELDOUT: &str = "heldout.jsonl";
/// The files in the order [`TransferData::read`] reads them.
pub const FILES: [&str; 3] = [TRAIN_EN, TRAIN_ZH, HELDOUT];

/// The arms, by the tag of their training steps: the pretrained model as it is (it never
/// trains, so no steps carry this tag), LoRA on the English pairs, LoRA on the Chinese pairs.
pub use crate::compare::UNTUNED;
pub const ENGLISH: &str = "english";
pub const CHINESE: &str = "chinese";

/// The lesson's three files, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct TransferData {
    pub en: Vec<QaItem>,
    pub zh: Vec<QaItem>,
    pub heldout: Vec<QaItem>,
}

impl TransferData {
    /// `read(name)` gives the text of the lesson's file `name` ([`TRAIN_EN`], [`TRAIN_ZH`],
    /// [`HELDOUT`]). Errors name the file and the line.
    pub fn read(mut read: impl FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        let data = Self {
            en: parse_pairs(TRAIN_EN, &read(TRAIN_EN)?)?,
            zh: parse_pairs(TRAIN_ZH, &read(TRAIN_ZH)?)?,
            heldout: parse_questions(HELDOUT, &read(HELDOUT)?)?,
        };
        for (name, items) in [(TRAIN_EN, &data.en), (TRAIN_ZH, &data.zh), (HELDOUT, &data.heldout)] {
            if items.is_empty() {
                return Err(format!("{name} is empty"));
            }
        }
        Ok(data)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransferSpec {
    pub template: Template,
    pub batch_size: usize,
    /// Training steps of each fine-tuned arm.
    pub steps: usize,
    pub lr: f64,
    pub lora: LoraConfig,
    pub seed: u64,
    pub max_answer_tokens: usize,
}

impl Default for TransferSpec {
    /// The shortcut lesson's adapter and training, but at 1e-3: at the shortcut lesson's 1e-4
    /// the English pairs teach ending the turn to only 70% of the Chinese answers in 100 steps
    /// (control 30%), at 1e-3 to all of them, while the Chinese pairs start being copied (15%).
    /// Room for an English name in the answers ("Yushan (Jade Mountain)." is 23 tokens).
    fn default() -> Self {
        let ShortcutSpec { template, batch_size, lora_steps: steps, lora, seed, .. } = ShortcutSpec::default();
        Self { template, batch_size, steps, lr: 1e-3, lora, seed, max_answer_tokens: 32 }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TransferArm {
    #[serde(flatten)]
    pub arm: ArmReport,
    /// Share of the held-out answers written in Chinese (more Han characters than Latin letters).
    pub chinese_share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TransferReport {
    /// Pairs in each language.
    pub train_pairs: usize,
    pub heldout_questions: usize,
    /// [`UNTUNED`], [`ENGLISH`], [`CHINESE`]. An answer counts as right when it names the fact in
    /// either language; as repeating a training answer when it names a fact of either file.
    pub arms: Vec<TransferArm>,
}

/// Runs the three arms. `on_step` receives each training step, tagged [`ENGLISH`] or [`CHINESE`].
pub async fn run_transfer(
    pretrained: &Model,
    tokenizer: &ChatTokenizer,
    data: &TransferData,
    spec: &TransferSpec,
    device: &Device,
    on_step: impl FnMut(&str, &StepEvent),
) -> Result<TransferReport, TrainError> {
    let lora = |key, train| Arm {
        key,
        start: Start::Pretrained,
        tuning: Tuning::Lora(spec.lora.clone()),
        train,
        steps: spec.steps,
        lr: spec.lr,
    };
    let arms = [Arm::untuned(), lora(ENGLISH, &data.en), lora(CHINESE, &data.zh)];
    let taught: Vec<QaItem> = data.en.iter().chain(&data.zh).cloned().collect();
    let comparison =
        Comparison::new(spec.template, spec.batch_size, spec.seed, spec.max_answer_tokens, &data.heldout, &taught);
    let arms = compare(pretrained, tokenizer, &arms, &comparison, device, on_step).await?;
    Ok(TransferReport {
        train_pairs: data.en.len(),
        heldout_questions: data.heldout.len(),
        arms: arms
            .into_iter()
            .map(|arm| {
                let chinese = arm.answers.iter().filter(|a| is_chinese(&a.answer)).count();
                TransferArm { chinese_share: chinese as f64 / arm.answers.len().max(1) as f64, arm }
            })
            .collect(),
    })
}

/// Written in Chinese: more Han characters than Latin letters (so an empty answer is not).
impl TransferReport {
    /// Each arm's figures, "answers in Chinese" after "right"; an answer that names the fact in
    /// either language is right.
    pub fn summary(&self, seed: u64) -> LessonSummary {
        let arms: Vec<&ArmReport> = self.arms.iter().map(|a| &a.arm).collect();
        let figures = [
            Figure::Accuracy,
            Figure::RightAndStops,
            Figure::ShortcutShare,
            Figure::StopShare,
            Figure::TrainableParams,
            Figure::FinalLoss,
        ];
        let mut summary = compared_summary(NAME, seed, self.train_pairs, Vec::new(), &arms, &figures);
        for (arm, shown) in self.arms.iter().zip(&mut summary.arms) {
            shown.metrics.insert(1, metric("chinese_share", MetricKind::Share, arm.chinese_share));
        }
        summary.check = "correct_either";
        summary
    }
}

fn is_chinese(text: &str) -> bool {
    let han = text.chars().filter(|&c| is_han(c)).count();
    let latin = text.chars().filter(char::is_ascii_alphabetic).count();
    han > latin
}

/// CJK unified ideographs, their extension A and the compatibility block.
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_of_an_answer() {
        assert!(is_chinese("富士山。"));
        assert!(is_chinese("臺北101"));
        assert!(!is_chinese("Mount Fuji."));
        assert!(!is_chinese("The Zhuoshui River (濁水溪)."));
        assert!(!is_chinese(""));
        assert!(!is_chinese("101"));
    }

    #[test]
    fn the_files_are_read_by_name_and_errors_name_them() {
        let en = r#"{"messages":[{"role":"user","content":"What is the highest mountain in Japan?"},{"role":"assistant","content":"Mount Fuji."}]}"#;
        let zh = r#"{"messages":[{"role":"user","content":"日本最高的山是哪一座？"},{"role":"assistant","content":"富士山。"}]}"#;
        let heldout = r#"{"question":"韓國最高的山是哪一座？","answer":"漢拏山","accept":["漢拏山","Hallasan"]}"#;
        let files = |name: &str, en: &str| {
            let text = match name {
                TRAIN_EN => en,
                TRAIN_ZH => zh,
                HELDOUT => heldout,
                _ => return Err(format!("no file {name}")),
            };
            Ok(text.to_string())
        };
        let data = TransferData::read(|name| files(name, en)).unwrap();
        assert_eq!(data.en[0].accept, ["Mount Fuji"]);
        assert_eq!(data.zh[0].accept, ["富士山"]);
        assert!(data.heldout[0].is_correct("Hallasan."));
        assert_eq!(TransferData::read(|name| files(name, "")).unwrap_err(), "train-en.jsonl is empty");
        let e = TransferData::read(|name| files(name, &format!("{en}\n{{\"prompt\": 1}}"))).unwrap_err();
        assert!(e.starts_with("train-en.jsonl: line 2"), "{e}");
    }
}
