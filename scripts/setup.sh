#!/usr/bin/env bash
# One-command set-up on a fresh machine: the Python package with its dev tools, then (when
# npm is there) the VS Code extension's npm workspace and what its end-to-end test needs:
# Debian packages (Chromium, build tools; apt-get needs root) and a project-local
# code-server in .e2e/. Safe to run again: installed parts are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m pip install -q -e '.[dev,preflight-tests,ray]'
# Unsloth's train_on_responses_only for tests/test_preflight.py; --no-deps: its own pins
# want triton and a GPU, and it imports on CPU with UNSLOTH_ZOO_DISABLE_GPU_INIT=1.
python3 -m pip install -q --no-deps unsloth_zoo==2026.10.9
if command -v npm >/dev/null 2>&1; then
  bash scripts/e2e/install-deps.sh
  npm ci --no-audit --no-fund
  bash scripts/e2e/install-code-server.sh
fi
