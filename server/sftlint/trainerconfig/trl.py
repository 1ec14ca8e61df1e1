"""TRL `trl sft --config config.yaml` configs (1.16.0): ModelConfig, ScriptArguments,
SFTConfig and DatasetMixtureConfig in one YAML.

Defaults are TRL's own: `trainer/sft_config.py` (`max_length` 1024 cut from the end,
`assistant_only_loss` false, `completion_only_loss` None: conversational rows train every
token), `scripts/utils.py` (`dataset_train_split` "train", `datasets:` entries with
`path`, `data_files`, `split`) and `scripts/sft.py` (`datasets` wins over `dataset_name`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import cached_snapshot, data_files, integer, local_path, tokenizer_of
from .model import DatasetRun, Issue, TrainerConfig
from .yamldoc import Document

MAX_LENGTH = 1024
NO_LIMIT = 2**31 - 1  # `max_length: null`: TRL does not truncate
_SPLIT_WORDS = ("train", "test", "validation", "valid", "dev", "eval")


def looks_like(value: dict[str, Any]) -> bool:
    return "model_name_or_path" in value and any(
        k in value
        for k in (
            "dataset_name",
            "datasets",
            "max_length",
            "assistant_only_loss",
            "completion_only_loss",
        )
    )


def read(doc: Document, config: TrainerConfig) -> None:
    cfg: dict[str, Any] = doc.value
    base = doc.path.parent
    issues = config.issues
    tokenizer = tokenizer_of(
        cfg.get("model_name_or_path"), ("model_name_or_path",), base, issues, "model_name_or_path"
    )
    table: dict[str, Any] = {"trainer": "trl"}
    if tokenizer:
        table["tokenizer"] = tokenizer
    if cfg.get("assistant_only_loss"):
        table["strategy"] = "assistant-only"
    elif cfg.get("completion_only_loss") is False:
        table["strategy"] = "full"
    elif cfg.get("completion_only_loss") is True:
        table["strategy"] = "completion-only"
    if "max_length" in cfg and cfg["max_length"] is None:
        table["max-seq-length"] = NO_LIMIT
    else:
        table["max-seq-length"] = integer(cfg, "max_length", MAX_LENGTH, issues)
    if isinstance(cfg.get("chat_template_path"), str):
        path = local_path(cfg["chat_template_path"], base)
        if path is not None and path.is_file():
            table["chat-template"] = str(path)
        else:
            issues.append(
                Issue(
                    "G002",
                    f"chat_template_path {cfg['chat_template_path']!r} is not a local file",
                    ("chat_template_path",),
                )
            )
    split = str(cfg.get("dataset_train_split") or "train")
    entries = cfg.get("datasets")
    if isinstance(entries, list) and entries:
        for i, entry in enumerate(entries):
            at = ("datasets", i)
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                issues.append(Issue("G001", "a `datasets` entry needs a `path`", at))
                continue
            files = _files(
                entry["path"], entry.get("data_files"), str(entry.get("split") or "train"), base
            )
            config.runs.append(_run(entry["path"], at, files, table, issues))
    elif isinstance(cfg.get("dataset_name"), str):
        name = cfg["dataset_name"]
        files = _files(name, None, split, base)
        config.runs.append(_run(name, ("dataset_name",), files, table, issues))
    else:
        issues.append(
            Issue("G002", "the config names no dataset (`dataset_name` or `datasets`)", ())
        )


def _run(
    name: str, at: tuple, files: list[Path], table: dict[str, Any], issues: list[Issue]
) -> DatasetRun:
    if not files:
        issues.append(
            Issue(
                "G002",
                f"dataset {name!r} is neither a local file or folder nor a Hub dataset in the "
                "local cache",
                at,
            )
        )
    return DatasetRun(name, at, files, dict(table), mapping=(None, at))


def _files(name: str, given: Any, split: str, base: Path) -> list[Path]:
    """The files `datasets.load_dataset(name)` reads for `split`: the given data_files, or
    the folder's files named after the split (every file when none is named after one)."""
    root = local_path(name, base) or cached_snapshot(name, "dataset")
    if root is None:
        return []
    if given:
        if isinstance(given, dict):
            given = given.get(split, [])
        names = [given] if isinstance(given, str) else given if isinstance(given, list) else []
        return [f for g in names for f in data_files(root / str(g))]
    files = data_files(root)
    if root.is_file():
        return files
    named = [f for f in files if any(w in f.stem.lower() for w in _SPLIT_WORDS)]
    if not named:
        return files
    return [f for f in named if split in f.stem.lower()]
