"""Trainer configs as sftlint configs: read an Axolotl, LLaMA-Factory, TRL or
mistral-finetune config, find the datasets it trains on and how that trainer prepares
their rows (`DatasetRun.table`: sftlint settings keys), and what is wrong with the config
itself (`Issue`s, the G rules). docs/trainer-configs.md lists the keys read per trainer.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from . import axolotl, llamafactory, mistral, trl
from .model import DatasetRun, Issue, TrainerConfig
from .yamldoc import Document, DocumentError, parse
from .yamldoc import load as load_document

__all__ = ["DatasetRun", "Issue", "TrainerConfig", "cached", "detect", "load"]

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


def cached(path: Path) -> TrainerConfig:
    """`load`, read again only when the file changed (the faces ask once per data file)."""
    try:
        st = path.stat()
    except OSError:
        return load(path)
    return _cached(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=16)
def _cached(path: Path, _mtime: int, _size: int) -> TrainerConfig:
    return load(path)


def load(path: Path, text: str | None = None) -> TrainerConfig:
    """The config at `path` (or `text`, an editor's unsaved copy of it) with its dataset
    runs and issues; never raises (a file that cannot be read is one G001 issue)."""
    try:
        doc = load_document(path) if text is None else parse(path, text)
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
    try:
        dict(_READERS)[trainer].read(doc, config)
    except (TypeError, ValueError, AttributeError) as err:  # a value of an unexpected type
        config.runs = []
        config.issues.append(Issue("G001", f"cannot read the {trainer} config: {err}", ()))
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
