#!/usr/bin/env bash
# Regenerates models/knowledge, the pretrained model of the lessons, and the lessons' data:
#   1. `yushan corpus` writes the knowledge corpus (every fact of crates/yushan-corpus as zh/en
#      prose and in question-answer transcripts, bilingual word lists and spelling notes) and
#      the lessons' files (lessons/shortcut, lessons/transfer, lessons/tasks), from the same tables;
#   2. `yushan pretrain` builds a character tokenizer from the corpus and pretrains a
#      2.5 M-parameter Llama-style model (context 256) on it, in three parts, each going on from
#      the last (--init) with a fresh draw of the corpus:
#      - 1,200 steps on the corpus as written (prose three times, transcripts six);
#      - 750 steps of a 2,000-step schedule on a draw with twice the transcripts and less prose,
#        where the model learns to answer a question with the fact it read rather than with any
#        fact of that shape;
#      - 1,300 steps on a draw whose Chinese transcripts write half their speaker tags as
#        `老師: ` rather than `老師：`, so the chat template's `使用者: ` reads as a speaker too.
#      CPU backend, fixed seeds.
# Takes about 2 hours on 2 cores (release build; each part can be rerun alone from the last).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build -q --release -p yushan-cli
yushan=target/release/yushan
work=target/knowledge
mkdir -p "$work"
$yushan corpus --out "$work/corpus-1.txt" --lessons lessons --seed 0 --repeats 3 --dialogue-repeats 6 --glossary-repeats 4
$yushan corpus --out "$work/corpus-2.txt" --seed 1 --repeats 2 --dialogue-repeats 12 --glossary-repeats 3
$yushan corpus --out "$work/corpus-3.txt" --seed 2 --repeats 2 --dialogue-repeats 12 --glossary-repeats 3 \
  --half-width-tags
$yushan pretrain --backend cpu --text "$work/corpus-1.txt" \
  --vocab-from web/data/chat.jsonl lessons/*/train*.jsonl --out "$work/part-1" \
  --hidden 192 --layers 6 --heads 6 --kv-heads 2 --ff 512 --context 256 \
  --steps 1200 --lr 3e-3 --batch 16 --seq 256 --seed 0 --save-every 200
$yushan pretrain --backend cpu --text "$work/corpus-2.txt" --init "$work/part-1" --out "$work/part-2" \
  --steps 2000 --stop-at 750 --lr 2e-3 --batch 16 --seq 256 --seed 1 --save-every 250
$yushan pretrain --backend cpu --text "$work/corpus-3.txt" --init "$work/part-2" --out models/knowledge \
  --steps 1300 --lr 1.5e-3 --batch 16 --seq 256 --seed 2 --save-every 250
rm -f models/knowledge/pretrain_log.jsonl
