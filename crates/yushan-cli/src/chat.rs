//! `yushan generate` and `yushan chat`: answers streamed to the terminal as they are produced.

use std::io::{BufRead, Write};

use anyhow::Result;
use yushan_data::{ChatTokenizer, END_OF_TEXT, Message, Role, encode_prompt, end_of_turn_id};
use yushan_model::Model;
use yushan_train::{StopReason, generate};

use crate::{ModelArgs, SamplingArgs, device, model_dir};

pub fn load(args: &ModelArgs) -> Result<(Model, ChatTokenizer)> {
    let (device, adapter) = device::open(args.backend)?;
    eprintln!("device: {adapter}");
    let (model, tokenizer) = model_dir::load(&args.model, &device, args.frozen_weights)?;
    let tokenizer = model_dir::set_enable_thinking(tokenizer, args.template, args.enable_thinking)?;
    let model = match &args.adapter {
        Some(dir) => model_dir::attach_adapter(model, dir)?.0,
        None => model,
    };
    Ok((model, tokenizer))
}

/// Streams the answer to `history` on stdout and returns it.
fn respond(
    model: &Model,
    tokenizer: &ChatTokenizer,
    args: &ModelArgs,
    sampling: &SamplingArgs,
    history: &[Message],
) -> Result<String> {
    let prompt = encode_prompt(history, args.template, tokenizer)?;
    let stop: Vec<u32> = end_of_turn_id(args.template, tokenizer).into_iter().collect();
    stream(model, tokenizer, sampling, &prompt, &stop)
}

/// Streams the continuation of `prompt` on stdout until a `stop` token and returns it.
fn stream(
    model: &Model,
    tokenizer: &ChatTokenizer,
    sampling: &SamplingArgs,
    prompt: &[u32],
    stop: &[u32],
) -> Result<String> {
    // Print the decoded text as it grows: multi-token characters appear once complete.
    let mut tokens = Vec::new();
    let mut printed = 0;
    let generation = pollster::block_on(generate(model, prompt, stop, &sampling.config(), |id| {
        tokens.push(id);
        let text = tokenizer.decode(&tokens);
        if text.len() > printed && text.is_char_boundary(printed) && !text.ends_with('\u{FFFD}') {
            print!("{}", &text[printed..]);
            printed = text.len();
            let _ = std::io::stdout().flush();
        }
    }))?;
    let text = tokenizer.decode(&generation.tokens);
    if text.len() > printed {
        print!("{}", &text[printed..]);
    }
    println!();
    if generation.stop != StopReason::EndOfTurn {
        eprintln!("(stopped: {:?}, no end-of-turn token)", generation.stop);
    }
    Ok(text)
}

pub fn generate_once(args: &ModelArgs, sampling: &SamplingArgs, system: Option<&str>, prompt: &str) -> Result<()> {
    let (model, tokenizer) = load(args)?;
    let mut history = Vec::new();
    if let Some(system) = system {
        history.push(Message::new(Role::System, system));
    }
    history.push(Message::new(Role::User, prompt));
    respond(&model, &tokenizer, args, sampling, &history)?;
    Ok(())
}

/// Continues `text` as the base model would, with no template: what pretraining taught it.
pub fn complete_once(args: &ModelArgs, sampling: &SamplingArgs, text: &str) -> Result<()> {
    let (model, tokenizer) = load(args)?;
    let prompt = tokenizer.try_encode(text)?;
    let stop: Vec<u32> = tokenizer.token_id(END_OF_TEXT).into_iter().collect();
    stream(&model, &tokenizer, sampling, &prompt, &stop)?;
    Ok(())
}

pub fn repl(args: &ModelArgs, sampling: &SamplingArgs, system: Option<&str>) -> Result<()> {
    let (model, tokenizer) = load(args)?;
    let mut history = Vec::new();
    if let Some(system) = system {
        history.push(Message::new(Role::System, system));
    }
    let stdin = std::io::stdin();
    loop {
        print!("使用者> ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 || line.trim().is_empty() {
            return Ok(());
        }
        history.push(Message::new(Role::User, line.trim()));
        print!("AI> ");
        let answer = respond(&model, &tokenizer, args, sampling, &history)?;
        history.push(Message::new(Role::Assistant, answer));
    }
}
