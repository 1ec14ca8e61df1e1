#!/usr/bin/env bash
# The project's whole test suite: Python (engine, CLI, language server), then the
# VS Code extension's unit tests and its end-to-end test in a real editor.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pytest
if [ -f package.json ]; then
  npm test
  npm run test:e2e
fi
