"""mistral-finetune configs (`torchrun -m train config.yaml`): `model_id_or_path` and
`data.instruct_data`.

mistral-finetune (`finetune/args.py`, `finetune/data/args.py`): `instruct_data` is a
comma-separated list of `.jsonl` files or folders, each with an optional `:weight`; the
tokenizer is the model folder's mistral-common file (`tekken.json`, `tokenizer.model.v3`).
Rows are packed to `seq_len`, never dropped for their length, so length is not checked.
"""

from __future__ import annotations

from typing import Any

from .common import data_files, local_path
from .model import DatasetRun, Issue, TrainerConfig
from .yamldoc import Document

# mistral-common tokenizer files -> sftlint's built-in tokenizers made from them.
_TOKENIZER_FILES = (
    ("tekken.json", "mistral-tekken"),
    ("tokenizer.model.v3", "mistral-v3"),
    ("tokenizer.model.v7", "mistral-v3"),
    ("tokenizer.model.v1", "mistral-v1"),
    ("tokenizer.model", "mistral-v1"),
)


def looks_like(value: dict[str, Any]) -> bool:
    data = value.get("data")
    return "model_id_or_path" in value or (isinstance(data, dict) and "instruct_data" in data)


def read(doc: Document, config: TrainerConfig) -> None:
    cfg: dict[str, Any] = doc.value
    base = doc.path.parent
    issues = config.issues
    table: dict[str, Any] = {"trainer": "mistral-finetune"}
    model = cfg.get("model_id_or_path")
    folder = local_path(model, base) if isinstance(model, str) else None
    if folder is None:
        issues.append(
            Issue(
                "G003",
                f"model_id_or_path {model!r} is not a local folder, so rows are checked "
                "without its tokenizer",
                ("model_id_or_path",),
            )
        )
    else:
        builtin = next((b for f, b in _TOKENIZER_FILES if (folder / f).is_file()), None)
        table["tokenizer"] = builtin or str(folder)
    data = cfg.get("data")
    value = data.get("instruct_data") if isinstance(data, dict) else None
    if not isinstance(value, str) or not value.strip():
        issues.append(Issue("G002", "the config names no `data.instruct_data`", ("data",)))
        return
    for name in [p.strip() for p in value.split(",") if p.strip()]:
        path_text = _without_weight(name)
        path = local_path(path_text, base)
        files = data_files(path) if path else []
        if not files:
            issues.append(
                Issue(
                    "G002", f"instruct_data {path_text!r} does not exist", ("data", "instruct_data")
                )
            )
        at = ("data", "instruct_data")
        config.runs.append(DatasetRun(path_text, at, files, dict(table), mapping=(None, at)))


def _without_weight(name: str) -> str:
    """`path:2.0` -> `path` (a weight is a number after the last colon)."""
    head, colon, tail = name.rpartition(":")
    try:
        float(tail)
    except ValueError:
        return name
    return head if colon else name
