#!/usr/bin/env bash
# Record the goldens of the trainers' example configs (parity/configs/goldens/*.json) from the
# trainers' own data preparation, one trainer at a time, in the parity venvs that
# parity/<trainer>/record.sh builds (parity/common/venv.sh: same pins, reused when present).
#   bash scripts/parity.sh configs                 every config
#   bash parity/configs/record.sh axolotl           one trainer
#   bash parity/configs/record.sh axolotl gemma3-1b-qlora   one config
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../common/venv.sh
source "$ROOT/parity/common/venv.sh"
trainers=(axolotl llamafactory trl)
if [ $# -gt 0 ]; then trainers=("$1"); shift; fi
for t in "${trainers[@]}"; do
    echo "== configs: $t" >&2
    case "$t" in
        axolotl)
            parity_venv axolotl-0.19.0 "$ROOT/parity/axolotl/requirements.txt"
            # no telemetry (Axolotl's posthog client); offline anyway
            AXOLOTL_DO_NOT_TRACK=1 DO_NOT_TRACK=1 nice "$PARITY_PY" "$HERE/record_axolotl.py" "$@" ;;
        llamafactory)
            parity_venv llamafactory-0.9.5 "$ROOT/parity/llamafactory/requirements.txt"
            # the torchaudio stand-in of parity/llamafactory/shim (text rows never call it)
            PYTHONPATH="$ROOT/parity/llamafactory/shim" nice "$PARITY_PY" "$HERE/record_llamafactory.py" "$@" ;;
        trl)
            parity_venv trl-1.16.0 "$ROOT/parity/trl/requirements.txt"
            nice "$PARITY_PY" "$HERE/record_trl.py" "$@" ;;
        *) echo "configs: unknown trainer $t" >&2; exit 2 ;;
    esac
done
