#!/usr/bin/env bash
# Record Unsloth goldens: tests/parity/goldens/unsloth-<unsloth_zoo version>.jsonl (+ .meta.json).
# One venv per unsloth_zoo release: requirements.txt (current), requirements-<version>.txt (older).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../common/venv.sh"
export UNSLOTH_ZOO_DISABLE_GPU_INIT=1 UNSLOTH_DATASET_NUM_PROC=0
for req in "$HERE"/requirements.txt "$HERE"/requirements-*.txt; do
    [ -f "$req" ] || continue
    version="$(sed -n 's/^unsloth_zoo==\([^ ]*\).*/\1/p' "$req")"
    parity_venv "unsloth-$version" "$req"
    echo "== unsloth_zoo $version" >&2
    nice "$PARITY_PY" "$HERE/record.py"
done
