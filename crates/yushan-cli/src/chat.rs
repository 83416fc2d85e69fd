//! `yushan generate` and `yushan chat`: answers streamed to the terminal as they are produced.

use std::io::{BufRead, Write};

use anyhow::Result;
use yushan_data::{ChatTokenizer, END_OF_TEXT, Message, Role, encode_prompt};
use yushan_model::Model;
use yushan_train::{Generation, Position, StopReason, generate, next_token_choices, question_prompt, stop_tokens};

use crate::{ModelArgs, SamplingArgs, device, model_dir};

pub fn load(args: &ModelArgs) -> Result<(Model, ChatTokenizer)> {
    let (device, adapter) = device::open(args.backend)?;
    eprintln!("device: {adapter}");
    let (model, tokenizer) = model_dir::load(&args.model, &device, args.frozen_weights)?;
    let model = model.with_kernels(args.kernels);
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
    Ok(stream(model, tokenizer, sampling, &prompt, &stop_tokens(tokenizer, args.template), true)?.0)
}

/// Continues `prompt` until a `stop` token, streaming it on stdout when `echo`; returns it.
fn stream(
    model: &Model,
    tokenizer: &ChatTokenizer,
    sampling: &SamplingArgs,
    prompt: &[u32],
    stop: &[u32],
    echo: bool,
) -> Result<(String, Generation)> {
    // Print the decoded text as it grows: multi-token characters appear once complete.
    let mut tokens = Vec::new();
    let mut printed = 0;
    let generation = pollster::block_on(generate(model, prompt, stop, &sampling.config(), |id| {
        if !echo {
            return;
        }
        tokens.push(id);
        let text = tokenizer.decode(&tokens);
        if text.len() > printed && text.is_char_boundary(printed) && !text.ends_with('\u{FFFD}') {
            print!("{}", &text[printed..]);
            printed = text.len();
            let _ = std::io::stdout().flush();
        }
    }))?;
    let text = tokenizer.decode(&generation.tokens);
    if echo {
        if text.len() > printed {
            print!("{}", &text[printed..]);
        }
        println!();
    }
    if generation.stop != StopReason::EndOfTurn {
        eprintln!("(stopped: {:?}, no end-of-turn token)", generation.stop);
    }
    Ok((text, generation))
}

/// Answers `prompt` once. With `top`, also shows what the model expected at each position of
/// its answer (and of its end-of-turn): the token's probability and the `top` most likely tokens;
/// `json` prints all of it as one JSON object instead of streaming.
pub fn generate_once(
    args: &ModelArgs,
    sampling: &SamplingArgs,
    system: Option<&str>,
    prompt: &str,
    top: Option<usize>,
    json: bool,
) -> Result<()> {
    let (model, tokenizer) = load(args)?;
    let prompt_ids = question_prompt(&tokenizer, args.template, system, prompt)?;
    let stop = stop_tokens(&tokenizer, args.template);
    let (text, generation) = stream(&model, &tokenizer, sampling, &prompt_ids, &stop, !json)?;
    let positions = match top {
        Some(k) => {
            let answer: Vec<u32> = generation.tokens.iter().copied().chain(generation.stop_token).collect();
            pollster::block_on(next_token_choices(&model, &tokenizer, &prompt_ids, &answer, k))?
        }
        None => Vec::new(),
    };
    if json {
        let out = serde_json::json!({ "answer": text, "stop": generation.stop, "positions": positions });
        println!("{out}");
    } else if top.is_some() {
        print_choices(&positions);
    }
    Ok(())
}

/// One line per answer position: the token, its probability, then the most likely tokens.
fn print_choices(positions: &[Position]) {
    let show = |text: &str| format!("{text:?}").trim_matches('"').to_string();
    println!("next-token probabilities (the token there, then the most likely):");
    for (i, position) in positions.iter().enumerate() {
        let top: Vec<String> = position.top.iter().map(|c| format!("{} {:.3}", show(&c.text), c.p)).collect();
        println!("{:>4}  {} {:.3}   | {}", i + 1, show(&position.token.text), position.token.p, top.join("  "));
    }
}

/// Continues `text` as the base model would, with no template: what pretraining taught it.
pub fn complete_once(args: &ModelArgs, sampling: &SamplingArgs, text: &str) -> Result<()> {
    let (model, tokenizer) = load(args)?;
    let prompt = tokenizer.try_encode(text)?;
    let stop: Vec<u32> = tokenizer.token_id(END_OF_TEXT).into_iter().collect();
    stream(&model, &tokenizer, sampling, &prompt, &stop, true)?;
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
