//! `yushan pretrain`: a tokenizer built from text files (one token per character, or BPE), a
//! randomly initialised model, and (with --steps > 0) next-token training of every weight on the
//! packed text.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use yushan_data::{
    Batch, ChatTokenizer, build_char_tokenizer, pack_text_batches, parse_jsonl_lenient, train_bpe_tokenizer,
};
use yushan_model::{FrozenPrecision, Model, ModelConfig};
use yushan_train::{TrainConfig, Trainer};

use crate::device::{self, Backend};
use crate::{model_dir, text_file};

#[derive(Clone, Copy, ValueEnum)]
enum Arch {
    Gpt2,
    Llama,
}

#[derive(Clone, Copy, ValueEnum)]
enum TokenizerKind {
    /// One token per character.
    Char,
    /// Byte-pair encoding learnt from the text: English words become a few tokens, Chinese
    /// characters and digits stay one token each.
    Bpe,
}

#[derive(Args)]
pub struct PretrainArgs {
    /// Corpus files: plain text (documents separated by <|endoftext|>), or JSONL chat files
    /// whose conversations become plain documents (contents only, no role tags).
    #[arg(long, required = true, num_args = 1..)]
    text: Vec<PathBuf>,
    /// Extra files whose characters join the vocabulary (e.g. the fine-tuning data).
    #[arg(long, num_args = 1..)]
    vocab_from: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = TokenizerKind::Char)]
    tokenizer: TokenizerKind,
    /// Vocabulary size for --tokenizer bpe, special tokens and every character included (it
    /// grows to hold every character when they are more).
    #[arg(long, default_value_t = 512)]
    vocab_size: usize,
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value_t = Backend::Wgpu)]
    backend: Backend,
    #[arg(long, value_enum, default_value_t = Arch::Llama)]
    arch: Arch,
    #[arg(long, default_value_t = 64)]
    hidden: usize,
    #[arg(long, default_value_t = 2)]
    layers: usize,
    #[arg(long, default_value_t = 4)]
    heads: usize,
    #[arg(long, default_value_t = 2)]
    kv_heads: usize,
    #[arg(long, default_value_t = 128)]
    ff: usize,
    #[arg(long, default_value_t = 128)]
    context: usize,
    /// Training steps; 0 writes the untrained model.
    #[arg(long, default_value_t = 0)]
    steps: usize,
    #[arg(long, default_value_t = 3e-3)]
    lr: f64,
    #[arg(long, default_value_t = 16)]
    batch: usize,
    #[arg(long, default_value_t = 64)]
    seq: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Round the embedding table up to a multiple of this many rows (unused rows never train):
    /// aligned shapes let the GPU kernels use wider loads and need fewer kernel variants.
    #[arg(long, default_value_t = 64)]
    pad_vocab: usize,
    /// Also write the model to --out every N steps (0: only at the end), so that a long run
    /// stopped part-way leaves its latest weights.
    #[arg(long, default_value_t = 0)]
    save_every: usize,
    /// Go on training the model of this folder (its weights, shape and tokenizer; the shape
    /// and tokenizer options are then not used) instead of a new random one: a long pretraining
    /// run can be done in parts. The optimiser starts afresh, with its own warm-up.
    #[arg(long)]
    init: Option<PathBuf>,
    /// End after this step (0: after --steps), with the learning-rate schedule of the whole
    /// --steps: a run stopped part-way, written down so it can be done again.
    #[arg(long, default_value_t = 0)]
    stop_at: usize,
}

/// Cycles through the packed windows, a fresh seeded order every pass.
struct Epochs {
    batches: Vec<Batch>,
    next: usize,
}

impl yushan_train::BatchSource for Epochs {
    fn next_batch(&mut self) -> Batch {
        let batch = self.batches[self.next % self.batches.len()].clone();
        self.next += 1;
        batch
    }
}

pub fn run(args: PretrainArgs) -> Result<()> {
    let read = |p: &PathBuf| text_file::read(p).map(|t| message_text(&t));
    let corpus: String = args.text.iter().map(read).collect::<Result<Vec<_>>>()?.join("\n");
    let extra: Vec<String> = args.vocab_from.iter().map(read).collect::<Result<_>>()?;
    let (device, adapter) = device::open(args.backend)?;
    let (model, tokenizer) = match &args.init {
        Some(dir) => {
            let (model, tokenizer) = model_dir::load(dir, &device, FrozenPrecision::F32)?;
            let unknown = tokenizer.unknown_chars(&corpus);
            anyhow::ensure!(
                unknown.is_empty(),
                "{} has no token for {} character(s) of the corpus: {}",
                dir.join("tokenizer.json").display(),
                unknown.len(),
                unknown.iter().take(20).collect::<String>()
            );
            eprintln!("continuing from {}", dir.display());
            (model, tokenizer)
        }
        None => {
            let mut vocab_texts: Vec<&str> = vec![corpus.as_str()];
            vocab_texts.extend(extra.iter().map(|s| s.as_str()));
            // The tokenizer adds the templates' role tags and special tokens itself.
            let tokenizer: ChatTokenizer = match args.tokenizer {
                TokenizerKind::Char => build_char_tokenizer(&vocab_texts),
                TokenizerKind::Bpe => train_bpe_tokenizer(&vocab_texts, args.vocab_size),
            };
            let vocab = tokenizer.vocab_size().next_multiple_of(args.pad_vocab.max(1));
            let config = match args.arch {
                Arch::Gpt2 => ModelConfig::gpt2(vocab, args.hidden, args.layers, args.heads, args.ff, args.context),
                Arch::Llama => ModelConfig::llama(
                    vocab,
                    args.hidden,
                    args.layers,
                    args.heads,
                    args.kv_heads,
                    args.ff,
                    args.context,
                ),
            };
            config.validate()?;
            (Model::init(&config, args.seed, &device), tokenizer)
        }
    };
    let vocab = model.config.vocab_size;
    let params = burn::module::Module::num_params(&model);
    eprintln!(
        "model: {params} parameters, {} tokens in the vocabulary (table of {vocab}); device: {adapter}",
        tokenizer.vocab_size()
    );

    let model = if args.steps == 0 {
        model
    } else {
        let ids = tokenizer.encode(&corpus);
        let batches = pack_text_batches(&ids, args.batch, args.seq, args.seed);
        anyhow::ensure!(!batches.is_empty(), "the corpus ({} tokens) is shorter than one window", ids.len());
        let per_char = ids.len() as f64 / corpus.chars().count().max(1) as f64;
        eprintln!(
            "corpus: {} tokens ({per_char:.3} per character) in {} batches of {}×{}",
            ids.len(),
            batches.len(),
            args.batch,
            args.seq
        );
        let config = TrainConfig {
            lora: None,
            learning_rate: args.lr,
            warmup_steps: (args.steps / 20).max(1),
            min_lr_ratio: 0.1,
            steps: args.steps,
            weight_decay: 0.01,
            grad_clip: Some(1.0),
            seed: args.seed,
            eval_every: 0,
        };
        let mut trainer = Trainer::new(model, config, Box::new(Epochs { batches, next: 0 }), vec![], &device)?;
        std::fs::create_dir_all(&args.out)?;
        let mut log = std::fs::File::create(args.out.join("pretrain_log.jsonl"))?;
        let last = if args.stop_at == 0 { args.steps } else { args.stop_at.min(args.steps) };
        let bar = ProgressBar::new(last as u64);
        bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} [{elapsed}<{eta}] {msg}").expect("template"));
        while trainer.steps_done() < last {
            let event = pollster::block_on(trainer.step())?;
            writeln!(log, "{}", serde_json::to_string(&event)?)?;
            bar.set_message(format!("loss {:.4} {:.0} tok/s", event.loss, event.tokens_per_s));
            bar.inc(1);
            if args.save_every > 0 && event.step % args.save_every == 0 && event.step < last {
                model_dir::save(&args.out, &trainer.current_model(), &tokenizer)?;
            }
        }
        bar.finish();
        trainer.into_model()
    };
    model_dir::save(&args.out, &model, &tokenizer)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// A JSONL chat file as plain documents (each conversation's contents, one a line, then
/// <|endoftext|>); any other text as it is.
fn message_text(text: &str) -> String {
    let import = parse_jsonl_lenient(text);
    if import.conversations.is_empty() {
        return text.to_string();
    }
    import
        .conversations
        .iter()
        .map(|(_, c)| {
            let lines: Vec<&str> = c.messages.iter().map(|m| m.content.as_str()).collect();
            format!("{}\n{}\n", lines.join("\n"), yushan_data::tokenizer::END_OF_TEXT)
        })
        .collect()
}
