//! Every `yushan` command the README shows, run as a reader would paste it (on the CPU backend).
//! The long ones run shortened by the settings in `SHORTER`; their flags, files and defaults
//! are the README's own, so a command that no longer works fails here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Arguments that shorten a command starting with the key (last match wins): a flag the command
/// already has gets the new value, others are added (`--set` always adds; the last one wins).
const SHORTER: &[(&str, &[&str])] = &[
    ("lesson shortcut", &["--set", "scratch_steps=2", "--set", "lora_steps=2", "--questions", "1"]),
    ("lesson role-tags", &["--set", "steps=2", "--questions", "1"]),
    ("lesson lora-vs-full", &["--set", "steps=2", "--questions", "1"]),
    ("lesson transfer", &["--set", "steps=2", "--questions", "1"]),
    ("lesson specialists", &["--set", "steps=2", "--questions", "1"]),
    ("lesson forgetting", &["--set", "a_steps=2", "--set", "b_steps=2", "--set", "checkpoints=1", "--questions", "1"]),
    // Its own settings as written (rank 4, 10 questions), with fewer steps: the last --set wins.
    ("lesson shortcut --set lora_steps=50", &["--set", "scratch_steps=2", "--set", "lora_steps=2"]),
    ("pretrain", &["--steps", "2"]),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The `yushan …` lines of the README's command-line section, comments dropped, split into words
/// (double quotes group words, as the shell does for these lines).
fn readme_commands() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme.split("## The command line").nth(1).expect("README has a command-line section");
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("yushan "))
        .map(|l| {
            let (mut words, mut word, mut quoted) = (Vec::new(), String::new(), false);
            for (i, c) in l.char_indices() {
                match c {
                    '"' => quoted = !quoted,
                    '#' if !quoted && l[..i].ends_with("  ") => break,
                    ' ' if !quoted => words.extend((!word.is_empty()).then(|| std::mem::take(&mut word))),
                    '\'' => {}
                    c => word.push(c),
                }
            }
            words.extend((!word.is_empty()).then_some(word));
            words
        })
        .collect()
}

fn text_of(command: &mut Command) -> String {
    let out = command.output().unwrap();
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn every_command_the_readme_shows_runs() {
    let commands = readme_commands();
    assert!(commands.len() >= 12, "found only {} commands in the README: {commands:?}", commands.len());
    // A folder of its own with the repo's data beside it, so runs/latest, corpus.txt and my-model
    // land there and not in the checkout.
    let dir = std::env::temp_dir().join(format!("yushan-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for shared in ["web", "models"] {
        std::os::unix::fs::symlink(repo().join(shared), dir.join(shared)).unwrap();
    }
    // A copy: `corpus --lessons lessons` writes into it.
    copy_dir(&repo().join("lessons"), &dir.join("lessons"));
    for words in commands {
        let line = words.join(" ");
        let takes_backend =
            text_of(Command::new(env!("CARGO_BIN_EXE_yushan")).args([&words[0], "--help"])).contains("--backend");
        let backend: &[&str] = if takes_backend { &["--backend", "cpu"] } else { &[] };
        let extra = SHORTER.iter().filter(|(start, _)| line.starts_with(start)).last().map_or(&[][..], |(_, a)| a);
        let mut args = words.clone();
        for pair in extra.chunks(2) {
            match args.iter().position(|w| w == pair[0]).filter(|_| pair[0] != "--set") {
                Some(at) => args[at + 1] = pair[1].to_string(),
                None => args.extend(pair.iter().map(|w| w.to_string())),
            }
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_yushan"))
            .args(&args)
            .args(backend)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `chat` asks on stdin: one question, then an empty line ends it.
        child.stdin.take().unwrap().write_all("臺灣最高的山是哪座?\n\n".as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "`yushan {line}` (with {extra:?}) failed:\n{text}");
        assert!(!text.contains("panicked"), "`yushan {line}`:\n{text}");
        eprintln!("yushan {} {}: ok", args.join(" "), backend.join(" "));
    }
    // What the commands were for is there: the adapter the README chats with, the corpus the
    // pretraining reads and the model it wrote.
    for made in ["runs/latest/adapter_model.safetensors", "corpus.txt", "my-model/model.safetensors"] {
        assert!(dir.join(made).exists(), "no {made} after the README's commands");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
