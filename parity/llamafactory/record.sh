#!/usr/bin/env bash
# Record LLaMA-Factory 0.9.5 goldens (tests/parity/goldens/llamafactory-0.9.5.*) from its own data path.
# Builds .parity-venvs/llamafactory-0.9.5/ once: the CPU torch wheel first (never the CUDA build from
# the registry), then requirements.txt, then llamafactory itself with --no-deps.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.parity-venvs/llamafactory-0.9.5"
TORCH_WHEEL="${TORCH_WHEEL:-/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl}"
PYTHON="${PYTHON:-python3.11}"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import llamafactory" 2>/dev/null; then
  "$PYTHON" -m venv "$VENV"
  if [ ! -f "$TORCH_WHEEL" ]; then
    echo "CPU torch wheel not found: set TORCH_WHEEL (never let pip pull the CUDA torch)" >&2
    exit 1
  fi
  "$VENV/bin/pip" install -q "$TORCH_WHEEL"
  "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
  "$VENV/bin/pip" install -q --no-deps llamafactory==0.9.5
fi

cd "$ROOT"
HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 PYTHONPATH="$HERE/shim" \
  nice "$VENV/bin/python" "$HERE/record.py" "$@"
