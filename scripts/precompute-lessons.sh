#!/usr/bin/env bash
# Regenerates lessons/results/NAME.json, the results the page's Lessons panel shows before anyone
# runs a lesson: each lesson at seed 0 with its full settings, on the CPU (release build). A file
# keeps the command that made it, the spec and the summary the page draws; the lesson's whole
# report (`--json` prints it too) is left out, it is large and the page never reads it.
# Takes about 12 minutes on 2 cores. `LESSONS="shortcut transfer"` redoes only those.
# crates/yushan-lessons/tests/shipped_results.rs fails when a file no longer matches its lesson's
# default settings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build -q --release -p yushan-cli
out=lessons/results
mkdir -p "$out"
trap 'rm -f "$out"/.*.full "$out"/.*.part' EXIT
for name in ${LESSONS:-shortcut role-tags lora-vs-full transfer specialists forgetting}; do
  command="yushan lesson $name --backend cpu --seed 0 --json"
  echo "[precompute] $command"
  target/release/yushan lesson "$name" --backend cpu --seed 0 --json > "$out/.$name.full"
  # Through a temporary file and a rename: a run that fails leaves the old file in place.
  python3 - "$out/.$name.full" "$command" > "$out/.$name.part" <<'PY'
import json, sys
full = json.load(open(sys.argv[1], encoding="utf-8"))
small = {"made_with": sys.argv[2], "spec": full["spec"], "summary": full["summary"]}
print(json.dumps(small, ensure_ascii=False, separators=(",", ":")))
PY
  mv "$out/.$name.part" "$out/$name.json"
done
ls -l "$out"
