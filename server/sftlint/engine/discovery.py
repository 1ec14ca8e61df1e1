"""Which files a check takes: the dataset files of folders, walked the way linters do."""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from sftlint.engine.converted import is_converted
from sftlint.io import hfcache, reader
from sftlint.io.regular import is_regular
from sftlint.settings import find_config, load_config


def is_dataset_file(path: Path) -> bool:
    """Files a folder walk checks: JSON Lines (gzipped too) and Parquet always; .json when
    it holds rows. Never a FIFO or a device (opening one blocks, reading one never ends)."""
    name = path.name.lower()
    if is_converted(name):
        return is_regular(path)
    if not name.endswith((*reader.JSONL_SUFFIXES, *reader.JSON_SUFFIXES)) or not is_regular(path):
        return False
    if name.endswith(reader.JSONL_SUFFIXES):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return True  # let the check report why it cannot be read
    stripped = head.lstrip(reader.BOM).lstrip()
    return stripped.startswith(b"[") or reader.looks_like_jsonl(head)


def iter_targets(
    paths: list[str],
    on_error: Callable[[str], None] | None = None,
    on_skip: Callable[[Path, str], None] | None = None,
) -> Iterator[Path | None]:
    """Files to check; None stands for standard input (`-`).

    Folders are walked in sorted order, skipping hidden folders and the config's
    `exclude` globs; a `.json` file is taken when it holds rows or matches `include`.
    A dataset id (`hf://ORG/NAME`, `hf://datasets/ORG/NAME`) is the folders of
    `hfcache.locate` (its hub snapshot or processed Arrow files); one that is not cached
    is passed to `on_error` (raised without it).
    Only regular files are taken from folders; a walked name that cannot be resolved
    (a symlink loop) is yielded so that its check says why, and a folder that cannot be
    listed is passed to `on_error` as one line. A walked file that looks like data but is
    not taken (a `.json` holding no rows, a CSV, a FIFO) is passed to `on_skip` with why.
    """
    for p in paths:
        if p == "-":
            yield None
            continue
        folders = [Path(p)]
        if (found := hfcache.dataset_id(p)) is not None:
            try:  # a dataset id: its folders in the local caches
                folders = hfcache.locate(found)
            except hfcache.NotCached as err:
                if on_error is None:
                    raise
                on_error(str(err))
                continue
        for path in folders:
            yield from _walk(path, on_error, on_skip)


def _walk(
    path: Path,
    on_error: Callable[[str], None] | None,
    on_skip: Callable[[Path, str], None] | None,
) -> Iterator[Path]:
    """The files of one command-line path, as `iter_targets` says."""
    if not path.is_dir():
        yield path
        return
    config = find_config(path)
    table = load_config(config) if config else {}
    base = config.parent if config else path.absolute()
    include, exclude = table.get("include", []), table.get("exclude", [])

    def walk_error(err: OSError) -> None:
        if on_error is not None:
            on_error(f"{err.filename}: cannot read folder: {err.strerror or err}")

    for root, dirs, files in os.walk(path, onerror=walk_error):
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
            if _special(candidate):
                if on_skip is not None:
                    on_skip(candidate, "not a regular file (a FIFO, device or socket)")
                continue
            if is_dataset_file(candidate) or _matches(candidate, base, include):
                yield candidate
            elif _dangling_dataset_name(candidate):
                yield candidate  # a symlink loop or unreadable: its check says so
            elif on_skip is not None and (why := _why_skipped(candidate)):
                on_skip(candidate, why)


# JSON documents that sit beside datasets and are never rows: skipped without a word.
_METADATA = frozenset(
    (
        "dataset_info.json",  # LLaMA-Factory's registry; Hugging Face save_to_disk
        "dataset_dict.json",
        "state.json",
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "package.json",
    )
)


def _why_skipped(path: Path) -> str | None:
    """Why a walked file with a data-like name is not checked (None: not data at all)."""
    name = path.name.lower()
    if name in _METADATA:
        return None
    if name.endswith(reader.JSON_SUFFIXES):
        return (
            "a .json file holding no rows (one JSON document, not an array of rows or JSON "
            "Lines); add it to `include` in the config to check it anyway"
        )
    if name.endswith((".csv", ".tsv")):
        return f"{path.suffix.lower()} files are not read: convert it to JSON Lines or Parquet"
    return None


def _special(path: Path) -> bool:
    """A FIFO, device or socket (after symlinks): never read from a folder."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _dangling_dataset_name(path: Path) -> bool:
    return path.name.lower().endswith(reader.JSONL_SUFFIXES) and not os.path.exists(path)


def _matches(path: Path, base: Path, patterns: list[str]) -> bool:
    if not patterns:
        return False
    try:
        rel = path.absolute().relative_to(base).as_posix()
    except ValueError:
        rel = path.as_posix()
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(path.name, pat) for pat in patterns)
