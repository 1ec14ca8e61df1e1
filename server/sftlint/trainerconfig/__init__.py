"""Trainer configs as sftlint configs: read an Axolotl, LLaMA-Factory, TRL or
mistral-finetune config, find the datasets it trains on and how that trainer prepares
their rows (`DatasetRun.table`: sftlint settings keys), and what is wrong with the config
itself (`Issue`s, the G rules). docs/trainer-configs.md lists the keys read per trainer.
"""

from __future__ import annotations

from pathlib import Path

from . import axolotl, llamafactory, mistral, trl
from .model import DatasetRun, Issue, TrainerConfig
from .yamldoc import Document, DocumentError
from .yamldoc import load as load_document

__all__ = ["DatasetRun", "Issue", "TrainerConfig", "detect", "load"]

# Most specific first: an LLaMA-Factory config also has model_name_or_path, as TRL's does.
_READERS = (
    ("axolotl", axolotl),
    ("llama-factory", llamafactory),
    ("trl", trl),
    ("mistral-finetune", mistral),
)


def detect(doc: Document) -> str | None:
    """Which trainer's config `doc` is, from its keys (None: none of them)."""
    if not isinstance(doc.value, dict):
        return None
    for name, reader in _READERS:
        if reader.looks_like(doc.value):
            return name
    return None


def load(path: Path) -> TrainerConfig:
    """The config at `path` with its dataset runs and issues; never raises (a file that
    cannot be read is one G001 issue)."""
    try:
        doc = load_document(path)
    except DocumentError as err:
        config = TrainerConfig(path, None, None)
        config.issues.append(Issue("G001", f"cannot read the trainer config: {err}", ()))
        config.issues[0].doc = _empty(path, err.where)
        return config
    trainer = detect(doc)
    config = TrainerConfig(path, trainer, doc)
    if trainer is None:
        config.issues.append(
            Issue(
                "G001",
                "not a trainer config sftlint reads: expected an Axolotl (base_model, datasets), "
                "LLaMA-Factory (model_name_or_path, dataset, template), TRL (model_name_or_path, "
                "dataset_name) or mistral-finetune (model_id_or_path, data.instruct_data) config",
                (),
            )
        )
        return config
    dict(_READERS)[trainer].read(doc, config)
    return config


def _empty(path: Path, where: tuple[int, int]) -> Document:
    """A document that only locates the error of a file that did not parse."""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        text = ""
    doc = Document(path, text, None)
    doc.keys[()] = (where, where)
    return doc
