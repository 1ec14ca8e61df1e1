"""What a trainer config means for sftlint: its dataset runs and what is wrong with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .yamldoc import Document, KeyPath


@dataclass(slots=True)
class Issue:
    """A finding about the config file itself, at a key of it."""

    code: str
    message: str
    at: KeyPath
    doc: Document | None = None  # the file it is in (None: the trainer config)


@dataclass(slots=True)
class DatasetRun:
    """One dataset the config trains on, and how that trainer prepares its rows."""

    name: str  # as the config names it (path, dataset name, Hub id)
    at: KeyPath  # the config's dataset entry
    files: list[Path]  # the local files of its rows (empty: not found)
    # sftlint.toml keys (kebab-case) that make the engine prepare rows as this run does:
    # trainer, tokenizer, chat-template, field and role mappings, mask and length keys.
    table: dict[str, Any] = field(default_factory=dict)
    # Whether sftlint mirrors this run's preparation (else: structure only, one Issue says).
    mirrored: bool = True
    # Rows with nothing to train are dropped (Axolotl with sample_packing) or kept.
    drops_untrained: bool = False
    # Where its field mappings are written: (None, a key path of the trainer config), or
    # LLaMA-Factory's dataset_info.json and the dataset's key in it.
    mapping: tuple[Document | None, KeyPath] = (None, ())


@dataclass(slots=True)
class TrainerConfig:
    path: Path
    trainer: str | None  # None: not a trainer config sftlint reads
    doc: Document | None
    runs: list[DatasetRun] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def run_for(self, data: Path) -> DatasetRun | None:
        """The run that reads `data` (a file of it, or a file in a folder it names)."""
        target = data.resolve()
        for run in self.runs:
            if any(target == f.resolve() for f in run.files):
                return run
        return None
