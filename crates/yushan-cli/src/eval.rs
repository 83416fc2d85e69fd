//! `yushan eval`: mean loss on every conversation of a file and each first question's answer
//! against the reference (exact match after trimming).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use yushan_data::{EncodedConversation, Role, encode_conversation, fixed_batches, parse_jsonl};
use yushan_train::{answer, evaluate_loss};

use crate::{ModelArgs, SamplingArgs, chat};

#[derive(Args)]
pub struct EvalArgs {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    sampling: SamplingArgs,
    #[arg(long)]
    data: PathBuf,
}

pub fn run(args: EvalArgs) -> Result<()> {
    args.sampling.check()?;
    let text = crate::text_file::read(&args.data)?;
    let conversations = parse_jsonl(&text).map_err(|e| anyhow::anyhow!("{}:\n{e}", args.data.display()))?;
    let (model, tokenizer) = chat::load(&args.model)?;
    let max_len = model.config.max_seq_len + 1;
    let encoded: Vec<EncodedConversation> = conversations
        .iter()
        .enumerate()
        .map(|(i, c)| encode_conversation(c, i, args.model.template, &tokenizer, max_len))
        .collect::<Result<_, _>>()?;
    let seq = encoded.iter().map(|e| e.len()).max().unwrap_or(2).saturating_sub(1).max(1);
    let batches = fixed_batches(&encoded, 8, seq, tokenizer.pad_id());
    let loss = pollster::block_on(evaluate_loss(&model, &batches))?;
    println!("loss: {loss:.4} over {} conversations", conversations.len());

    let mut correct = 0;
    for conv in &conversations {
        let system = conv.messages.iter().find(|m| m.role == Role::System).map(|m| m.content.as_str());
        let Some(question) = conv.messages.iter().find(|m| m.role == Role::User) else { continue };
        let reference =
            conv.messages.iter().find(|m| m.role == Role::Assistant).map(|m| m.content.trim()).unwrap_or("");
        let (reply, _) = pollster::block_on(answer(
            &model,
            &tokenizer,
            args.model.template,
            system,
            &question.content,
            &args.sampling.config(),
            |_| {},
        ))?;
        let ok = reply.trim() == reference;
        correct += ok as usize;
        println!(
            "{} {} → {}{}",
            if ok { "✓" } else { "✗" },
            question.content,
            reply.trim(),
            if ok { String::new() } else { format!("   (expected {reference})") }
        );
    }
    println!("exact match: {correct}/{}", conversations.len());
    Ok(())
}
