"""Which files a check takes: the dataset files of folders, walked the way linters do."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from pathlib import Path

from sftlint.io import reader
from sftlint.settings import find_config, load_config


def is_dataset_file(path: Path) -> bool:
    """Files a folder walk checks: JSON Lines always; .json when it holds rows."""
    name = path.name.lower()
    if name.endswith(reader.JSONL_SUFFIXES):
        return True
    if not name.endswith(reader.JSON_SUFFIXES):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return True  # let the check report why it cannot be read
    stripped = head.lstrip(reader.BOM).lstrip()
    return stripped.startswith(b"[") or reader.looks_like_jsonl(head)


def iter_targets(paths: list[str]) -> Iterator[Path | None]:
    """Files to check; None stands for standard input (`-`).

    Folders are walked in sorted order, skipping hidden folders and the config's
    `exclude` globs; a `.json` file is taken when it holds rows or matches `include`.
    """
    for p in paths:
        if p == "-":
            yield None
            continue
        path = Path(p)
        if not path.is_dir():
            yield path
            continue
        config = find_config(path)
        table = load_config(config) if config else {}
        base = config.parent if config else path.absolute()
        include, exclude = table.get("include", []), table.get("exclude", [])
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(
                d
                for d in dirs
                if not d.startswith(".")
                and d not in ("node_modules", "__pycache__")
                and not _matches(Path(root) / d, base, exclude)
            )
            for name in sorted(files):
                candidate = Path(root) / name
                if _matches(candidate, base, exclude):
                    continue
                if is_dataset_file(candidate) or _matches(candidate, base, include):
                    yield candidate


def _matches(path: Path, base: Path, patterns: list[str]) -> bool:
    if not patterns:
        return False
    try:
        rel = path.absolute().relative_to(base).as_posix()
    except ValueError:
        rel = path.as_posix()
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(path.name, pat) for pat in patterns)
