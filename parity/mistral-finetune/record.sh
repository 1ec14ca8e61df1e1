#!/usr/bin/env bash
# Record mistral-finetune goldens: tests/parity/goldens/mistral-finetune-<commit>.jsonl (+ .meta.json).
# mistral-finetune has no releases on PyPI: its source is cloned from MISTRAL_FINETUNE_GIT
# (default: GitHub; any clone or mirror of it will do) and checked out at the pinned commit.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../common/venv.sh"
COMMIT=1943535
GIT_URL="${MISTRAL_FINETUNE_GIT:-https://github.com/mistralai/mistral-finetune.git}"
SRC="$PARITY_VENVS/mistral-finetune-src"
if ! git -C "$SRC" rev-parse -q --verify "$COMMIT^{commit}" >/dev/null 2>&1; then
    rm -rf "$SRC"
    git clone --quiet --no-checkout "$GIT_URL" "$SRC"
fi
git -C "$SRC" -c advice.detachedHead=false checkout --quiet --detach "$COMMIT"
PARITY_TORCH=none parity_venv "mistral-finetune-$COMMIT" "$HERE/requirements.txt"
MISTRAL_FINETUNE_SRC="$SRC" MISTRAL_FINETUNE_COMMIT="$COMMIT" nice "$PARITY_PY" "$HERE/record.py"
