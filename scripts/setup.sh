#!/usr/bin/env bash
# Install everything Yushan needs to build, test and serve, on Debian 12 (as root, or with sudo).
# Idempotent and fast when everything is present: nothing is downloaded or reinstalled then.
#   - apt: chromium, lld, mesa-vulkan-drivers (lavapipe), fonts-noto-cjk, python3, nodejs/npm
#   - the wasm32 target: rustup (with a time limit) or, as the fallback, Debian's rustc-web
#     with std built from source; the route is written to target/.wasm-route for build-web.sh
#   - wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock
#   - the npm packages (npm ci: playwright-core, uplot)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
log() { printf '[setup] %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- system packages ------------------------------------------------------------------------
pkgs=(chromium lld mesa-vulkan-drivers libvulkan1 fonts-noto-cjk ca-certificates gzip)
command -v python3 >/dev/null || pkgs+=(python3)
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)
apt_install "${pkgs[@]}"
log "ok: $(chromium --version 2>/dev/null | head -1), node $(node --version)"
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  log "warning: node $(node --version) is older than playwright-core needs (>= 20); the browser tests may fail"
fi

if ! command -v cargo >/dev/null; then
  log "error: cargo not found (install Rust >= 1.95 with rustup: https://rustup.rs)"
  exit 1
fi

# --- wasm32 target --------------------------------------------------------------------------
mkdir -p "$ROOT/target"
ROUTE_FILE="$ROOT/target/.wasm-route"
has_rustup_wasm() {
  local libdir
  libdir=$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null) || return 1
  ls "$libdir"/libstd-*.rlib >/dev/null 2>&1
}
route=""
if [ "${YUSHAN_WASM_ROUTE:-}" = "debian" ]; then
  route=debian
elif has_rustup_wasm; then
  route=rustup
elif command -v rustup >/dev/null; then
  log "rustup target add wasm32-unknown-unknown (time limit ${YUSHAN_RUSTUP_TIMEOUT:-180} s)"
  if timeout -k 10 "${YUSHAN_RUSTUP_TIMEOUT:-180}" rustup target add wasm32-unknown-unknown && has_rustup_wasm; then
    route=rustup
  else
    log "rustup could not add the target: falling back to Debian's rustc-web + build-std"
  fi
fi
if [ -z "$route" ]; then
  route=debian
fi
if [ "$route" = debian ]; then
  # rustc/cargo 1.96 in /usr/bin, std sources in /usr/lib/rustlib/src; wasm-ld from lld.
  apt_install rustc-web cargo-web rust-web-src lld
  [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ] || { log "error: Debian rustc-web route incomplete"; exit 1; }
  # burn 0.22 needs rustc >= 1.95: bookworm-security has rustc-web 1.96, bookworm itself 1.85.
  deb_minor=$(/usr/bin/rustc --version | awk '{split($2, v, "."); print v[2]}')
  if [ "${deb_minor:-0}" -lt 95 ]; then
    log "error: Debian's rustc-web is $(/usr/bin/rustc --version); need >= 1.95 (enable bookworm-security in apt sources)"
    exit 1
  fi
fi
echo "$route" > "$ROUTE_FILE"
log "ok: wasm32 route = $route"

# --- wasm-bindgen-cli, same version as the crate --------------------------------------------
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$WB_VERSION" ]; then log "error: no wasm-bindgen in Cargo.lock"; exit 1; fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$WB_VERSION" ]; then
  log "cargo install wasm-bindgen-cli $WB_VERSION (have: ${have:-none}; takes a few minutes)"
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi
log "ok: wasm-bindgen $WB_VERSION"

# --- npm packages ---------------------------------------------------------------------------
stamp=node_modules/.yushan-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
log "ok: npm packages (playwright-core, uplot)"
