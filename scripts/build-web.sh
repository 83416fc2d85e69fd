#!/usr/bin/env bash
# Build crates/yushan-web for wasm32 (`--profile wasm`) into the shared target/ dir, then run
# wasm-bindgen --target web into web/pkg/ (gitignored). Run scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
log() { printf '[build-web] %s\n' "$*"; }

route=${YUSHAN_WASM_ROUTE:-$(cat "$ROOT/target/.wasm-route" 2>/dev/null || echo rustup)}
# yushan-web is cdylib + rlib, and cargo silently skips the profile's `lto` for a crate that
# is also an rlib. YUSHAN_WASM_LTO=1 builds the cdylib alone so LTO applies: measured 12.2 MB
# instead of 14.3 MB raw, but the same gzip size (2.9 MB), for ~1.5 min more per build.
if [ "${YUSHAN_WASM_LTO:-0}" = 1 ]; then
  build=(rustc -p yushan-web --lib --crate-type cdylib)
else
  build=(build -p yushan-web)
fi
start=$(date +%s)
case "$route" in
  rustup)
    cargo "${build[@]}" --target wasm32-unknown-unknown --profile wasm
    ;;
  debian)
    # Debian's rustc-web has no prebuilt std for wasm32: build it from rust-web-src.
    # Linker: wasm-ld from Debian's lld. RUSTFLAGS stay unset so .cargo/config.toml applies.
    env -u RUSTUP_TOOLCHAIN PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld \
      /usr/bin/cargo "${build[@]}" --target wasm32-unknown-unknown --profile wasm \
        -Zbuild-std=std,panic_abort
    ;;
  *) log "unknown route '$route' in target/.wasm-route"; exit 1 ;;
esac
WASM="$TARGET_DIR/wasm32-unknown-unknown/wasm/yushan_web.wasm"
log "cargo ($route route): $(( $(date +%s) - start )) s"

mkdir -p web/pkg
wasm-bindgen --target web --no-typescript --out-dir web/pkg "$WASM"

# uPlot loads from the same origin: keep web/vendor/ in step with node_modules when present.
if [ -d node_modules/uplot/dist ]; then
  mkdir -p web/vendor
  for f in uPlot.esm.js uPlot.min.css; do
    cmp -s "node_modules/uplot/dist/$f" "web/vendor/$f" || cp "node_modules/uplot/dist/$f" "web/vendor/$f"
  done
fi

raw=$(stat -c %s web/pkg/yushan_web_bg.wasm)
gz=$(gzip -9 -c web/pkg/yushan_web_bg.wasm | wc -c)
log "web/pkg/yushan_web_bg.wasm: $(awk -v b="$raw" 'BEGIN{printf "%.1f MB", b/1e6}') raw, $(awk -v b="$gz" 'BEGIN{printf "%.1f MB", b/1e6}') gzip; total $(( $(date +%s) - start )) s"
