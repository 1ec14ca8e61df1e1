#!/usr/bin/env bash
# Everything the editor e2e needs on a fresh machine, then the unit tests and the e2e run.
# Called by .ci/run (or by hand). Cost on this 2-core machine: see vscode-extension/README.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
bash scripts/e2e/install-deps.sh
[ -d node_modules/vscode-languageclient ] || npm ci --no-audit --no-fund
bash scripts/e2e/install-code-server.sh
npm test
npm run test:e2e
