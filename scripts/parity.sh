#!/usr/bin/env bash
# Record the parity goldens from the trainers' own code (see parity/README.md).
#   bash scripts/parity.sh              every parity/<trainer>/record.sh
#   bash scripts/parity.sh trl unsloth  only those trainers
#   bash scripts/parity.sh configs      the trainers' example configs (parity/configs/README.md)
# Each record.sh builds its own venv(s) under .parity-venvs/ and writes
# tests/parity/goldens/<trainer>-<version>.jsonl + .meta.json. Runs one trainer at a time.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -gt 0 ]; then
    trainers=("$@")
else
    trainers=()
    for f in "$ROOT"/parity/*/record.sh; do trainers+=("$(basename "$(dirname "$f")")"); done
fi
failed=()
for t in "${trainers[@]}"; do
    script="$ROOT/parity/$t/record.sh"
    if [ ! -f "$script" ]; then
        echo "parity: no $script" >&2; failed+=("$t"); continue
    fi
    echo "=== parity: $t" >&2
    start=$(date +%s)
    if bash "$script"; then
        echo "=== parity: $t done in $(( $(date +%s) - start ))s" >&2
    else
        echo "=== parity: $t FAILED" >&2; failed+=("$t")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "parity: failed: ${failed[*]}" >&2; exit 1
fi
