#!/usr/bin/env bash
# The main job: install what is missing, build the page's wasm, then serve the repo root at
# http://localhost:8080 (PORT=... to change). Training happens in the visitor's browser:
# this server only hands out static files.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/build-web.sh
PORT=${PORT:-8080}
echo "[serve] open http://localhost:$PORT"
exec python3 scripts/serve.py --port "$PORT"
