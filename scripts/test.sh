#!/usr/bin/env bash
# Every test: set-up, the Rust workspace tests, the wasm build, then the page in headless Chromium.
# Builds each artifact once into the shared target/ dir. Fails on the first failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
t0=$(date +%s)
stage() { printf '\n[test] === %s (%d s so far)\n' "$*" "$(( $(date +%s) - t0 ))"; }

stage "setup"
bash scripts/setup.sh

stage "cargo test --workspace"
cargo test --workspace

stage "build-web"
bash scripts/build-web.sh

stage "browser tests (node --test)"
# One file at a time: the page test measures its first loss point against a budget, and the
# lessons test would share the cores with it.
node --test --test-concurrency=1 --test-reporter=spec tests/*.test.mjs

stage "all passed in $(( $(date +%s) - t0 )) s"
