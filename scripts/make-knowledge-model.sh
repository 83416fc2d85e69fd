#!/usr/bin/env bash
# Regenerates models/knowledge, the pretrained model of the lessons, and the lessons' data:
#   1. `yushan corpus` writes the knowledge corpus (every fact of crates/yushan-corpus as zh/en
#      prose and in question-answer transcripts, bilingual word lists and spelling notes) and
#      the lessons' files (lessons/shortcut, lessons/transfer), from the same tables;
#   2. `yushan pretrain` builds a character tokenizer from the corpus and pretrains a
#      0.84 M-parameter Llama-style model on it (CPU, seed 0: same command, same files).
# Takes about 6 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build -q -p yushan-cli
yushan=target/debug/yushan
mkdir -p target/corpus
$yushan corpus --out target/corpus/knowledge.txt --lessons lessons --seed 0 --repeats 3 --dialogue-repeats 6 --glossary-repeats 4
$yushan pretrain --backend cpu --text target/corpus/knowledge.txt \
  --vocab-from web/data/chat.jsonl lessons/*/train*.jsonl --out models/knowledge \
  --hidden 128 --layers 4 --heads 4 --kv-heads 2 --ff 384 --context 128 \
  --steps 1000 --lr 3e-3 --batch 16 --seq 128 --seed 0
rm -f models/knowledge/pretrain_log.jsonl
