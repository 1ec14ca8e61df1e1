#!/usr/bin/env bash
# Record TRL goldens: tests/parity/goldens/trl-<version>.jsonl (+ .meta.json).
# One venv per TRL release: requirements.txt (current) and requirements-<version>.txt (older).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../common/venv.sh"
for req in "$HERE"/requirements.txt "$HERE"/requirements-*.txt; do
    [ -f "$req" ] || continue
    version="$(sed -n 's/^trl==//p' "$req")"
    parity_venv "trl-$version" "$req"
    echo "== trl $version" >&2
    nice "$PARITY_PY" "$HERE/record.py"
done
