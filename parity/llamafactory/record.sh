#!/usr/bin/env bash
# Record LLaMA-Factory 0.9.5 goldens (tests/parity/goldens/llamafactory-0.9.5.*) from its own data path.
# Builds .parity-venvs/llamafactory-0.9.5/ once with parity/common/venv.sh (the CPU torch wheel
# first, then requirements.txt under a torch constraint, then llamafactory itself without deps).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../common/venv.sh
source "$ROOT/parity/common/venv.sh"
parity_venv llamafactory-0.9.5 "$HERE/requirements.txt"
cd "$ROOT"
# shim/: a torchaudio stand-in (see shim/torchaudio/__init__.py)
PYTHONPATH="$HERE/shim" nice "$PARITY_PY" "$HERE/record.py" "$@"
