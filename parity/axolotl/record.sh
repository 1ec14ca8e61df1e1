#!/usr/bin/env bash
# Record Axolotl 0.19.0 goldens (tests/parity/goldens/axolotl-0.19.0.*) from its own
# `axolotl preprocess` data path. Builds .parity-venvs/axolotl-0.19.0/ once with
# parity/common/venv.sh (the CPU torch wheel first, then requirements.txt under a torch
# constraint, then axolotl itself without deps).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../common/venv.sh
source "$ROOT/parity/common/venv.sh"
parity_venv axolotl-0.19.0 "$HERE/requirements.txt"
cd "$ROOT"
# no telemetry (Axolotl's posthog client); offline anyway
AXOLOTL_DO_NOT_TRACK=1 DO_NOT_TRACK=1 nice "$PARITY_PY" "$HERE/record.py" "$@"
