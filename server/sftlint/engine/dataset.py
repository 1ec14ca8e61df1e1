"""The files of one dataset, found and read for the checks across them (D002-D004, whose
docs and checks are in `sftlint.rules.dataset_rules`).

Which files belong together:
- files of one folder whose names say they are splits (`train.jsonl`, `my_val.json`,
  `test-00001-of-00002.jsonl`, ...). When a folder holds several datasets (`sft_train`,
  `dpo_train`, ...) the files are grouped by the rest of their name;
- the files listed in `dataset-files` in the config.

A checked split is compared with its siblings even when they were not named on the
command line: `sftlint check data/validation.jsonl` reads `data/train.jsonl` (rows are
parsed and summarized, no rule runs on it) and reports the mismatch in validation.jsonl.
Findings are only reported in the checked files; the language server calls
`check_splits` with the open file's result in the same way.

The reference is the training split (the trainer's code is written for it: in the GLM-4V
report validation *and* test said `output_ids` where train said `labels`); without a
training split, the first file of `dataset-files`, else what most files use.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from sftlint.engine import converted, engine
from sftlint.engine.discovery import is_dataset_file
from sftlint.io import arrowipc, columnar, formats, reader, zstjsonl
from sftlint.io.reader import FileInfo
from sftlint.io.regular import is_regular
from sftlint.model import Finding
from sftlint.rules.dataset_rules import SplitFile, check_split_group
from sftlint.settings import Settings

SPLITS = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "eval": "validation",
    "test": "test",
    "testing": "test",
}
_SUFFIXES = (
    *converted.GZIP_SUFFIXES,
    *zstjsonl.ZST_SUFFIXES,
    *reader.JSONL_SUFFIXES,
    *reader.JSON_SUFFIXES,
    *columnar.PARQUET_SUFFIXES,
    *arrowipc.ARROW_SUFFIXES,
)
_SHARD = re.compile(r"\d+|of")


def split_of(name: str) -> tuple[str, str] | None:
    """(split, rest of the name) of a split file: `my_val.json` -> ("validation", "my")."""
    stem = name.lower()
    for suffix in _SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        return None
    words = [w for w in re.split(r"[-_. ]+", stem) if w]
    for i, word in enumerate(words):
        if word in SPLITS:
            rest = [w for w in words[:i] + words[i + 1 :] if not _SHARD.fullmatch(w)]
            return SPLITS[word], "_".join(rest)
    return None


def split_groups(paths: Iterable[Path]) -> list[list[Path]]:
    """Split files grouped by dataset, per folder (see the module docstring)."""
    by_folder: dict[Path, list[tuple[Path, str, str]]] = {}
    for p in paths:
        found = split_of(p.name)
        if found:
            by_folder.setdefault(p.parent, []).append((p, *found))
    groups: list[list[Path]] = []
    for files in by_folder.values():
        bases_per_split: dict[str, set[str]] = {}
        for _, split, base in files:
            bases_per_split.setdefault(split, set()).add(base)
        if all(len(b) == 1 for b in bases_per_split.values()):
            groups.append(sorted(p for p, _, _ in files))
            continue
        by_base: dict[str, list[Path]] = {}
        for p, _, base in files:
            by_base.setdefault(base, []).append(p)
        groups.extend(sorted(g) for g in by_base.values())
    return [g for g in groups if len(g) > 1]


def _read(path: str, data: bytes, settings: Settings, checked: bool) -> SplitFile:
    info = FileInfo()
    summaries = []
    counts: Counter[str] = Counter()
    for row in reader.read_bytes(path, data, info):
        fmt = formats.detect(row.value, settings.fields) if row.ok else None
        if fmt:
            counts[fmt] += 1
        summaries.append(engine.summarize(row, fmt, settings.fields))
    return SplitFile(path, summaries, dict(counts), engine.loader_for_bytes(path, data), checked)


def check_splits(
    results: list[engine.FileResult],
    settings: Settings,
    sources: Mapping[str, bytes] | None = None,
) -> list[Finding]:
    """Findings of the dataset-wide checks for the checked `results`.

    Rows are read again from disk, or from `sources` (path -> bytes, e.g. unsaved editor
    buffers) when given there; files of a group that were not checked are read from disk.
    """
    sources = sources or {}
    checked: dict[Path, engine.FileResult] = {}
    for r in results:
        if r.path != "-" and (r.path in sources or os.path.isfile(r.path)):
            checked[Path(os.path.abspath(r.path))] = r
    groups: list[tuple[list[Path], bool]] = []
    siblings = [
        folder / name
        for folder in {p.parent for p in checked}
        for name in _listdir(folder)
        if is_dataset_file(folder / name)
    ]
    groups += [(g, False) for g in split_groups(siblings) if any(p in checked for p in g)]
    listed = [Path(os.path.abspath(p)) for p in settings.dataset_files]
    if len(listed) > 1 and any(p in checked for p in listed):
        groups.append((listed, True))
    findings: list[Finding] = []
    cache: dict[Path, SplitFile | None] = {}
    for paths, from_config in groups:
        files = [f for p in paths if (f := _file(p, checked, cache, settings, sources))]
        if len(files) > 1:
            findings += check_split_group(files, from_config, settings)
    # A file both listed in `dataset-files` and a split sibling is in two groups that
    # find the same mismatch: one cause, one finding.
    unique = {(f.path, f.code, f.range.start, f.message): f for f in findings}
    return sorted(unique.values(), key=lambda f: f.sort_key)


def add_split_findings(results: list[engine.FileResult], settings: Settings) -> None:
    """Run `check_splits` and add each finding to the result of the file it is in."""
    by_path = {r.path: r for r in results}
    for finding in check_splits(results, settings):
        result = by_path.get(finding.path)
        if result is not None:
            result.findings.append(finding)
            result.findings.sort(key=lambda f: f.sort_key)


def _listdir(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def _file(
    p: Path,
    checked: dict[Path, engine.FileResult],
    cache: dict[Path, SplitFile | None],
    settings: Settings,
    sources: Mapping[str, bytes],
) -> SplitFile | None:
    if p in cache:
        return cache[p]
    result = checked.get(p)
    file: SplitFile | None = None
    try:
        if result is not None and converted.is_converted(p):  # its bytes are not its rows
            load = converted.loader(result.path)
            file = SplitFile(result.path, result.summaries, result.formats, load, True)
        elif result is not None:
            data = sources.get(result.path)
            if data is None:
                data = Path(result.path).read_bytes()
            load = engine.loader_for_bytes(result.path, data)
            file = SplitFile(result.path, result.summaries, result.formats, load, True)
        elif converted.is_converted(p) and is_regular(p):
            # A listed or sibling Parquet/Arrow/compressed file: read as the CLI reads it.
            name = _display(p, checked)
            other = converted.check_converted(p, settings)
            load = converted.loader(str(p))
            file = SplitFile(name, other.summaries, other.formats, load, False)
        elif is_regular(p):  # never a FIFO or a device (`dataset-files = ["/dev/zero"]`)
            name = _display(p, checked)
            file = _read(name, p.read_bytes(), settings, False)
    except OSError:
        file = None  # an unreadable sibling: its own check reports it
    if file is not None:
        found = split_of(p.name)
        file.split = found[0] if found else None
    cache[p] = file
    return file


def _display(p: Path, checked: dict[Path, engine.FileResult]) -> str:
    """A sibling's name as the checked files of its folder are named (relative stays relative)."""
    for q, r in checked.items():
        if q.parent == p.parent:
            return str(Path(r.path).parent / p.name)
    return str(p)
