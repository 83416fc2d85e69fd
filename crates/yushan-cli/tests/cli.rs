//! The `yushan` binary as a user runs it: build a model, fine-tune it, ask it, break its input.

use std::path::Path;
use std::process::{Command, Output};

fn yushan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yushan")).args(args).output().expect("the yushan binary runs")
}

/// The shipped tiny model, by its path (tests run in the crate's folder, not the repo's).
fn default_model() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default").to_str().unwrap().to_string()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

const PAIRS: &str = r#"{"messages":[{"role":"user","content":"臺灣最高的山是哪座?"},{"role":"assistant","content":"玉山"}]}
{"messages":[{"role":"user","content":"世界最長的河是哪條?"},{"role":"assistant","content":"尼羅河"}]}
{"prompt":"日本的首都是哪裡?","completion":"東京"}
"#;

#[test]
fn pretrain_train_generate_and_export_a_peft_adapter() {
    let dir = tempdir("flow");
    let data = dir.join("pairs.jsonl");
    std::fs::write(&data, PAIRS).unwrap();
    let corpus = dir.join("corpus.txt");
    std::fs::write(&corpus, "臺灣最高的山是玉山。世界最長的河是尼羅河。日本的首都是東京。\n<|endoftext|>\n".repeat(20))
        .unwrap();
    let model = dir.join("model");
    let run = dir.join("run");
    let s = |p: &Path| p.to_str().unwrap().to_string();

    let out = yushan(&[
        "pretrain",
        "--backend",
        "cpu",
        "--text",
        &s(&corpus),
        "--vocab-from",
        &s(&data),
        "--out",
        &s(&model),
        "--hidden",
        "32",
        "--ff",
        "64",
        "--context",
        "48",
        "--steps",
        "200",
        "--lr",
        "1e-2",
        "--batch",
        "4",
        "--seq",
        "32",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    for file in ["config.json", "model.safetensors", "tokenizer.json"] {
        assert!(model.join(file).exists(), "pretrain wrote no {file}");
    }
    // Going on from the saved model (--init), stopped part-way through a longer schedule: it
    // starts from the trained weights, not from scratch, and keeps their shape and tokenizer.
    let losses = |dir: &Path| -> Vec<(f64, f64)> {
        let log = std::fs::read_to_string(dir.join("pretrain_log.jsonl")).unwrap();
        let value = |l: &str| serde_json::from_str::<serde_json::Value>(l).unwrap();
        log.lines().map(value).map(|v| (v["loss"].as_f64().unwrap(), v["lr"].as_f64().unwrap())).collect()
    };
    let more = dir.join("more");
    let out = yushan(
        &["pretrain", "--backend", "cpu", "--text", &s(&corpus), "--init", &s(&model), "--out", &s(&more)]
            .into_iter()
            .chain(["--steps", "200", "--stop-at", "3", "--lr", "1e-3", "--batch", "4", "--seq", "32"])
            .collect::<Vec<_>>(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let (first, continued) = (losses(&model), losses(&more));
    assert_eq!(continued.len(), 3, "--stop-at 3 ran {} steps", continued.len());
    assert!(
        continued[0].0 < first[0].0 / 4.0,
        "continued from {} (a fresh model starts at {})",
        continued[0].0,
        first[0].0
    );
    assert!(continued[2].1 > continued[1].1, "the lr still warms up, over 10 of 200 steps: {continued:?}");
    for file in ["config.json", "tokenizer.json"] {
        assert_eq!(std::fs::read(more.join(file)).unwrap(), std::fs::read(model.join(file)).unwrap(), "{file}");
    }

    let out = yushan(&[
        "train",
        "--backend",
        "cpu",
        "--model",
        &s(&model),
        "--data",
        &s(&data),
        "--out",
        &s(&run),
        "--steps",
        "120",
        "--lr",
        "1e-2",
        "--batch",
        "3",
        "--seq",
        "32",
        "--heldout",
        "0",
        "--targets",
        "q,k,v,o,gate,up,down",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let log = std::fs::read_to_string(run.join("training_log.jsonl")).unwrap();
    let losses: Vec<f64> =
        log.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["loss"].as_f64().unwrap()).collect();
    assert_eq!(losses.len(), 120);
    assert!(losses[119] < losses[0] / 4.0, "loss {} -> {}", losses[0], losses[119]);
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("adapter_config.json")).unwrap()).unwrap();
    assert_eq!(config["peft_type"], "LORA");

    let out = yushan(&[
        "generate",
        "--backend",
        "cpu",
        "--model",
        &s(&model),
        "--adapter",
        &s(&run),
        "--prompt",
        "臺灣最高的山是哪座?",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "玉山");

    // A second run into the same folder, killed part-way, leaves the first run whole: its
    // adapter still loads and answers, and its log is the first run's.
    let before = ["adapter_model.safetensors", "adapter_config.json", "training_log.jsonl"]
        .map(|f| std::fs::read(run.join(f)).unwrap());
    let mut second = Command::new(env!("CARGO_BIN_EXE_yushan"))
        .args(["train", "--backend", "cpu", "--model", &s(&model), "--data", &s(&data), "--out", &s(&run)])
        .args(["--steps", "1000000", "--batch", "3", "--seq", "32", "--heldout", "0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let partial = run.join(".training_log.jsonl.partial");
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&partial).map_or(true, |log| log.lines().count() < 3) {
        assert!(started.elapsed().as_secs() < 120, "the second run logged no steps");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    second.kill().unwrap();
    let output = second.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("already holds a run"));
    let after = ["adapter_model.safetensors", "adapter_config.json", "training_log.jsonl"]
        .map(|f| std::fs::read(run.join(f)).unwrap());
    assert!(before == after, "the killed run changed the folder's last run");
    let (model, run) = (s(&model), s(&run));
    let out = yushan(&[
        "generate",
        "--backend",
        "cpu",
        "--model",
        &model,
        "--adapter",
        &run,
        "--prompt",
        "臺灣最高的山是哪座?",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "玉山", "{}", text(&out));
}

#[test]
fn a_bad_jsonl_line_is_reported_with_its_line_and_field() {
    let dir = tempdir("bad");
    let data = dir.join("bad.jsonl");
    std::fs::write(&data, format!("{PAIRS}{{\"messages\":[{{\"role\":\"bot\",\"content\":\"hi\"}}]}}\n")).unwrap();
    let out = yushan(&[
        "train",
        "--backend",
        "cpu",
        "--data",
        data.to_str().unwrap(),
        "--out",
        dir.join("run").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let message = text(&out);
    assert!(message.contains("line 4: messages[0].role: unknown role \"bot\""), "{message}");
    assert!(!dir.join("run").exists(), "a failed run must not leave an output folder");

    // A conversation too long for the sequence length is named by its file line.
    std::fs::write(&data, format!("\n{PAIRS}")).unwrap();
    let model = dir.join("model");
    let out =
        yushan(&["pretrain", "--backend", "cpu", "--text", data.to_str().unwrap(), "--out", model.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = yushan(&[
        "train",
        "--backend",
        "cpu",
        "--data",
        data.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--seq",
        "8",
        "--out",
        dir.join("run").to_str().unwrap(),
    ]);
    let message = text(&out);
    assert!(!out.status.success());
    assert!(message.contains("(line 2)") && message.contains("the limit is 9"), "{message}");
}

#[test]
fn the_corpus_trains_a_bpe_tokenizer_for_a_model() {
    let dir = tempdir("corpus");
    let (corpus, model) = (dir.join("corpus.txt"), dir.join("model"));
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let out = yushan(&["corpus", "--out", &s(&corpus), "--repeats", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    let written = std::fs::read_to_string(&corpus).unwrap();
    assert!(written.contains("玉山") && written.contains("Yushan") && written.contains("<|endoftext|>"));

    let out = yushan(&[
        "pretrain",
        "--backend",
        "cpu",
        "--text",
        &s(&corpus),
        "--out",
        &s(&model),
        "--tokenizer",
        "bpe",
        "--vocab-size",
        "1000",
        "--hidden",
        "32",
        "--ff",
        "64",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let json = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(model.join(name)).unwrap()).unwrap()
    };
    let tokenizer = json("tokenizer.json");
    assert_eq!(tokenizer["model"]["type"], "BPE");
    let vocab = tokenizer["model"]["vocab"].as_object().unwrap();
    assert_eq!(vocab.len(), 1000);
    assert_eq!(vocab["<|endoftext|>"], 2);
    assert!(vocab.contains_key("the") && vocab.contains_key("玉"));
    assert!(json("config.json")["vocab_size"].as_u64().unwrap() >= 1000);
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("yushan-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_hugging_face_model_folder_loads_and_answers_as_our_own() {
    // models/default described by a Hugging Face Llama config.json: same weights, same tokenizer.
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default");
    let hf = tempdir("hf");
    for file in ["model.safetensors", "tokenizer.json"] {
        std::fs::copy(ours.join(file), hf.join(file)).unwrap();
    }
    let config = r#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 122,
        "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "max_position_embeddings": 128, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
        "hidden_act": "silu", "tie_word_embeddings": true, "rope_scaling": null, "torch_dtype": "float32"}"#;
    std::fs::write(hf.join("config.json"), config).unwrap();
    let answer = |model: &Path| {
        let out = yushan(&[
            "generate",
            "--backend",
            "cpu",
            "--model",
            model.to_str().unwrap(),
            "--prompt",
            "臺灣最高的山是哪座?",
        ]);
        assert!(out.status.success(), "{}", text(&out));
        out
    };
    let (theirs, expected) = (answer(&hf), answer(&ours));
    assert_eq!(theirs.stdout, expected.stdout);
    let log = String::from_utf8_lossy(&theirs.stderr);
    assert!(log.contains("model: llama, ") && log.contains(" params, ") && log.contains(" MB of weights"), "{log}");

    // A folder without weights says which files it looked for.
    std::fs::remove_file(hf.join("model.safetensors")).unwrap();
    let out = yushan(&["generate", "--backend", "cpu", "--model", hf.to_str().unwrap(), "--prompt", "hi"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("neither model.safetensors nor model.safetensors.index.json"), "{}", text(&out));
}

#[test]
fn enable_thinking_reaches_the_models_own_template() {
    // models/default with a chat template that, like Qwen3's, writes an empty <think> block
    // into the last answer and, with enable_thinking=false, into the generation prompt.
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default");
    let model = tempdir("thinking");
    for file in ["config.json", "model.safetensors", "tokenizer.json"] {
        std::fs::copy(ours.join(file), model.join(file)).unwrap();
    }
    let template = "{%- for m in messages %}{{ '<|im_start|>' + m.role + '\\n' }}\
        {%- if m.role == 'assistant' and loop.last %}{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}\
        {{- m.content + '<|im_end|>\\n' }}{%- endfor %}\
        {%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}\
        {%- if enable_thinking is defined and enable_thinking is false %}\
        {{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}{% endif %}";
    let config = serde_json::json!({"bos_token": null, "eos_token": "<|im_end|>", "chat_template": template});
    std::fs::write(model.join("tokenizer_config.json"), config.to_string()).unwrap();
    let data = model.join("pairs.jsonl");
    std::fs::write(&data, PAIRS).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    // How many tokens carry loss when training with `extra` arguments.
    let loss_tokens = |extra: &[&str]| -> usize {
        let mut args = vec![
            "train",
            "--backend",
            "cpu",
            "--model",
            &s(&model),
            "--data",
            &s(&data),
            "--steps",
            "1",
            "--heldout",
            "0",
            "--template",
            "model",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        args.extend(extra.iter().map(|a| a.to_string()));
        args.extend(["--out".to_string(), s(&model.join("run"))]);
        let out = yushan(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.status.success(), "{}", text(&out));
        let log = text(&out);
        let at = log.find(" carry loss").unwrap_or_else(|| panic!("{log}"));
        log[..at].rsplit(' ').next().unwrap().parse().unwrap()
    };
    let undefined = loss_tokens(&[]);
    assert_eq!(loss_tokens(&["--enable-thinking", "true"]), undefined);
    // With false the block is part of the prompt: "<think>\n\n</think>\n\n", 19 characters (one
    // token each here), is no longer trained in any of the 3 answers.
    assert_eq!(loss_tokens(&["--enable-thinking", "false"]), undefined - 3 * 19);

    let out =
        yushan(&["generate", "--backend", "cpu", "--model", &s(&ours), "--prompt", "hi", "--enable-thinking", "false"]);
    assert!(!out.status.success());
    let message = text(&out);
    assert!(
        message.contains("--enable-thinking applies to the model's own chat template (--template model)"),
        "{message}"
    );
}

#[test]
fn the_shipped_lesson_files_are_what_the_corpus_command_writes_and_a_bad_line_is_named() {
    let dir = tempdir("lesson-files");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let lessons = dir.join("lessons");
    let out = yushan(&["corpus", "--out", &s(&dir.join("corpus.txt")), "--lessons", &s(&lessons)]);
    assert!(out.status.success(), "{}", text(&out));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lessons");
    for file in [
        "shortcut/train.jsonl",
        "shortcut/paraphrases.jsonl",
        "transfer/heldout.jsonl",
        "tasks/edit-train.jsonl",
        "tasks/composite-heldout.jsonl",
    ] {
        let read = |root: &Path| std::fs::read_to_string(root.join(file)).unwrap();
        assert!(read(&lessons) == read(&repo), "lessons/{file} differs from what `yushan corpus` writes");
    }

    let tasks = lessons.join("tasks");
    let heldout = std::fs::read_to_string(tasks.join("edit-heldout.jsonl")).unwrap();
    let broken = heldout.replacen("\"answer\"", "\"answr\"", 1);
    std::fs::write(tasks.join("edit-heldout.jsonl"), broken).unwrap();
    let out = yushan(&["lesson", "specialists", "--backend", "cpu", "--data", &s(&tasks)]);
    assert!(!out.status.success());
    let message = text(&out);
    assert!(message.contains("edit-heldout.jsonl line 1") && message.contains("answr"), "{message}");
}

#[test]
fn settings_out_of_range_are_refused_by_name_without_a_panic() {
    let dir = tempdir("settings");
    let data = dir.join("pairs.jsonl");
    std::fs::write(&data, PAIRS).unwrap();
    let data = data.to_str().unwrap();
    let model = default_model();
    let train = |flags: &[&str]| {
        let args: Vec<&str> = ["train", "--backend", "cpu", "--model", &model, "--data", data, "--out", "unused"]
            .iter()
            .chain(flags)
            .copied()
            .collect();
        yushan(&args)
    };
    let generate = |flags: &[&str]| {
        let args: Vec<&str> =
            ["generate", "--backend", "cpu", "--prompt", "你好"].iter().chain(flags).copied().collect();
        yushan(&args)
    };
    let cases = [
        (train(&["--dropout", "2"]), "invalid training settings: LoRA dropout must be at least 0 and below 1, not 2"),
        (train(&["--lr=-1"]), "invalid training settings: the learning rate must be a positive number, not -1"),
        (train(&["--lr", "nan"]), "the learning rate must be a positive number, not NaN"),
        (train(&["--alpha=-16"]), "LoRA alpha must be a positive number, not -16"),
        (train(&["--heldout", "nan"]), "the held-out share must be at least 0 and below 1, not NaN"),
        (train(&["--clip", "nan"]), "the gradient clip must be a positive number, not NaN"),
        (generate(&["--temperature", "nan"]), "invalid sampling settings: temperature must be 0 (greedy) or more"),
        (generate(&["--top-p", "nan"]), "top-p must be above 0 and at most 1, not NaN"),
        (generate(&["--max-tokens", "0"]), "the answer must be allowed at least 1 token"),
        (
            train(&["--steps", "10", "--warmup", "1000000"]),
            "the warm-up (1000000 steps) is longer than the run (10 steps)",
        ),
        (train(&["--rank", "99999999999"]), "LoRA rank 99999999999 is larger than the model's hidden size (64)"),
        // Seven conversations in rows of a million: refused with the figure, not aborted on allocation.
        (train(&["--batch", "1000000"]), "one training step needs about "),
        (train(&["--kernels", "cuda"]), "unknown kernels `cuda` (expected wgsl or burn)"),
        (yushan(&["bench", "--backend", "cpu", "--kernels", "cuda"]), "unknown kernels `cuda` (expected wgsl or burn)"),
    ];
    for (out, expected) in cases {
        let all = text(&out);
        assert!(!out.status.success() && all.contains(expected), "expected `{expected}`:\n{all}");
        assert!(!all.contains("panicked") && !all.contains(data), "{all}");
    }
    assert!(!Path::new("unused").exists());
}

#[test]
fn absurd_model_sizes_are_refused_with_the_figure_before_anything_is_allocated() {
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default");
    let config = std::fs::read_to_string(ours.join("config.json")).unwrap();
    for (field, value) in [("hidden_size", "1099511627776"), ("num_layers", "100000000")] {
        let dir = tempdir(&format!("absurd-{field}"));
        for file in ["model.safetensors", "tokenizer.json"] {
            std::fs::copy(ours.join(file), dir.join(file)).unwrap();
        }
        let mut v: serde_json::Value = serde_json::from_str(&config).unwrap();
        v[field] = serde_json::from_str(value).unwrap();
        std::fs::write(dir.join("config.json"), v.to_string()).unwrap();
        let out = yushan(&["generate", "--backend", "cpu", "--model", dir.to_str().unwrap(), "--prompt", "hi"]);
        let all = text(&out);
        assert!(!out.status.success() && all.contains("cannot be loaded here: its weights need"), "{field}: {all}");
        assert!(!all.contains("panicked") && out.status.code() == Some(1), "{field}: {all}");
    }
}

#[test]
fn training_says_which_characters_the_tokenizer_cannot_read_and_fits_the_rows_to_the_data() {
    let dir = tempdir("unknown");
    let data = dir.join("pairs.jsonl");
    // The README's example data (every character known to models/default, the longest conversation
    // 83 tokens, above the old fixed --seq 64), and a line with two characters it has never seen.
    let example = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/data/chat.jsonl"));
    let example = example.unwrap();
    let line = example.lines().count() + 1;
    std::fs::write(&data, format!("{example}{{\"prompt\":\"狗 and 貓\",\"completion\":\"and\"}}\n")).unwrap();
    let out = yushan(&[
        "train",
        "--backend",
        "cpu",
        "--model",
        &default_model(),
        "--data",
        data.to_str().unwrap(),
        "--steps",
        "1",
        "--heldout",
        "0",
        "--out",
        dir.join("run").to_str().unwrap(),
    ]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains(&format!(
            "2 characters are not in the model's tokenizer and train as <|unk|> (狗 貓; the first on line {line})"
        )),
        "{all}"
    );
    assert!(all.contains("rows: 8 conversations of up to 97 tokens per step"), "{all}");
}
