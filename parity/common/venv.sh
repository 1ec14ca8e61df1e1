# Sourced by parity/<trainer>/record.sh: build (or reuse) one trainer venv.
#
#   parity_venv <name> <requirements.txt> [extra pip args for the requirements]
#     -> creates .parity-venvs/<name>/, installs the CPU torch wheel FIRST, then the
#        requirements under a torch constraint (pip can never swap in the multi-GB CUDA
#        build from the registry: a requirement that wants another torch fails instead).
#        Sets PARITY_PY to the venv's python. Reuses a venv whose requirements are unchanged.
#        A requirement line ending in "# no-deps" is installed afterwards with --no-deps
#        (unsloth_zoo: its own pins ask for triton, a torch older than the CPU wheel, ...).
#
# A trainer whose data path needs no torch (mistral-finetune: mistral-common alone) sets
# PARITY_TORCH=none before calling parity_venv: no wheel, no constraint.
#
# Environment: PARITY_TORCH_WHEEL (default: the CPU wheel in /opt/wheels), PARITY_PYTHON
# (default python3.11, the wheel's ABI), PARITY_VENVS (default <repo>/.parity-venvs).

PARITY_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PARITY_VENVS="${PARITY_VENVS:-$PARITY_REPO/.parity-venvs}"
PARITY_TORCH_WHEEL="${PARITY_TORCH_WHEEL:-/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl}"
PARITY_PYTHON="${PARITY_PYTHON:-python3.11}"
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
# Fixed hash seed: TRL 0.24 picks the key is_conversational() inspects by set.pop() (see README)
export PYTHONHASHSEED="${PYTHONHASHSEED:-0}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

parity_venv() {
    local name="$1" req="$2"; shift 2
    local venv="$PARITY_VENVS/$name"
    local stamp="$venv/.parity-requirements"
    if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then
        PARITY_PY="$venv/bin/python"; return 0
    fi
    echo "parity: building $venv" >&2
    mkdir -p "$PARITY_VENVS"
    "$PARITY_PYTHON" -m venv "$venv" || return 1
    local pip="$venv/bin/pip"
    local constraints="$venv/.parity-constraints"
    if [ "${PARITY_TORCH:-}" = none ]; then
        : > "$constraints"
    elif [ ! -f "$PARITY_TORCH_WHEEL" ]; then
        echo "parity: CPU torch wheel not found at $PARITY_TORCH_WHEEL (set PARITY_TORCH_WHEEL)" >&2
        return 1
    else
        nice "$pip" install -q "$PARITY_TORCH_WHEEL" || return 1
        local torch_version
        torch_version="$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("torch"))')" || return 1
        case "$torch_version" in *+cpu) ;; *) echo "parity: torch $torch_version is not a CPU build" >&2; return 1;; esac
        echo "torch==$torch_version" > "$constraints"
    fi
    local deps="$venv/.parity-deps" nodeps="$venv/.parity-nodeps"
    grep -v -- '# no-deps' "$req" > "$deps" || true
    grep -- '# no-deps' "$req" | sed 's/#.*//' > "$nodeps" || true
    nice "$pip" install -q -c "$constraints" -r "$deps" "$@" || return 1
    if [ -s "$nodeps" ]; then
        nice "$pip" install -q --no-deps -r "$nodeps" || return 1
    fi
    cp "$req" "$stamp"
    PARITY_PY="$venv/bin/python"
}
