#!/usr/bin/env bash
# Regenerates models/default, the model the page loads: a character tokenizer and a small
# Llama-style model (82 K parameters) pretrained on the built-in chat data as plain prose (no
# role tags), so that LoRA fine-tuning on the same pairs teaches it the turn format and
# where an answer ends. Deterministic: same command, same files (CPU backend, seed 0).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo run -q -p yushan-cli -- pretrain --backend cpu --text web/data/chat.jsonl --out models/default \
  --hidden 64 --layers 2 --heads 4 --kv-heads 2 --ff 128 --context 128 \
  --steps 400 --lr 3e-3 --batch 8 --seq 64 --seed 0
rm -f models/default/pretrain_log.jsonl
