"""Checks across the files of one dataset: splits that disagree (D002-D004).

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sftlint.engine import checks, engine
from sftlint.engine.discovery import is_dataset_file
from sftlint.io import formats, reader
from sftlint.io.reader import FileInfo, Row, format_path
from sftlint.model import Edit, Finding, Fix, Related
from sftlint.rules.consistency_rules import (
    MESSAGE_SYNONYMS,
    ROW_SYNONYMS,
    key_paths,
    near_miss,
    rename_edit,
    synonyms,
)
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
_SUFFIXES = (*reader.JSONL_SUFFIXES, *reader.JSON_SUFFIXES)
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


@dataclass(slots=True)
class _File:
    """One file of a dataset: its summaries and a way to read its rows again."""

    path: str  # as findings and edits name it
    summaries: list[checks.RowSummary]
    formats: dict[str, int]
    load: Callable[[checks.RowSummary], Row]
    checked: bool
    split: str | None = None
    row_keys: Counter[str] = field(default_factory=Counter)
    message_keys: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        for s in self.summaries:
            self.row_keys.update(s.keys)
            self.message_keys.update(s.message_keys)

    @property
    def format(self) -> str | None:
        return max(self.formats, key=self.formats.__getitem__) if self.formats else None

    def keys(self, context: str) -> Counter[str]:
        return self.message_keys if context == "message" else self.row_keys

    def common(self, context: str) -> set[str]:
        """Keys at least half of the rows (of this context) use."""
        counts = self.keys(context)
        n = sum(1 for s in self.summaries if (s.message_keys if context == "message" else s.keys))
        return {k for k, c in counts.items() if 2 * c >= n}


def _read(path: str, data: bytes, settings: Settings, checked: bool) -> _File:
    info = FileInfo()
    summaries = []
    counts: Counter[str] = Counter()
    for row in reader.read_bytes(path, data, info):
        fmt = formats.detect(row.value, settings.fields) if row.ok else None
        if fmt:
            counts[fmt] += 1
        summaries.append(engine.summarize(row, fmt, settings.fields))
    return _File(path, summaries, dict(counts), engine.loader_for_bytes(path, data), checked)


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
    cache: dict[Path, _File | None] = {}
    for paths, from_config in groups:
        files = [f for p in paths if (f := _file(p, checked, cache, settings, sources))]
        if len(files) > 1:
            findings += _check_group(files, from_config, settings)
    findings.sort(key=lambda f: f.sort_key)
    return findings


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
    cache: dict[Path, _File | None],
    settings: Settings,
    sources: Mapping[str, bytes],
) -> _File | None:
    if p in cache:
        return cache[p]
    result = checked.get(p)
    file: _File | None = None
    try:
        if result is not None:
            data = sources.get(result.path)
            if data is None:
                data = Path(result.path).read_bytes()
            load = engine.loader_for_bytes(result.path, data)
            file = _File(result.path, result.summaries, result.formats, load, True)
        else:
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


def _check_group(files: list[_File], from_config: bool, settings: Settings) -> list[Finding]:
    reporter = checks.Reporter(settings)
    train = [f for f in files if f.split == "train"]
    if train:
        refs = train
    elif from_config:
        refs = files[:1]
    else:
        refs = files  # majority
    majority = refs is files
    names = ", ".join(Path(r.path).name for r in refs)
    if train:
        where = f"the training split {names}"
    elif majority:
        where = "the other files of the dataset"
    else:
        where = f"the first dataset file {names}"
    for f in files:
        if not f.checked or (f in refs and not majority):
            continue
        others = [r for r in refs if r is not f]
        ref_format = Counter(r.format for r in others if r.format).most_common(1)
        if ref_format and f.format and f.format != ref_format[0][0]:
            first = next(s for s in f.summaries if s.format == f.format)
            row = f.load(first)
            reporter.add(
                "D004",
                f'file format "{f.format}" where {where} is "{ref_format[0][0]}"',
                f.path,
                row.whole(),
                row_line=row.line,
            )
            continue
        for context in ("row", "message"):
            for key, partner in _pairs(f, others, majority, context).items():
                _report_pair(reporter, f, files, refs, key, partner, context, where, settings)
        if train and f.split != "train":
            _report_leaks(reporter, f, train)
    return reporter.findings


def _pairs(f: _File, others: list[_File], majority: bool, context: str) -> dict[str, str]:
    """Keys of `f` that stand for another name the reference files use: odd -> reference."""
    mine = f.keys(context)
    if majority:  # a name is the reference when more than half of all files use it
        votes = Counter(k for o in [f, *others] for k in o.common(context))
        reference = {k for k, n in votes.items() if 2 * n > len(others) + 1}
    else:
        reference = set.union(*(o.common(context) for o in others))
    seen_elsewhere = set().union(*(o.keys(context) for o in others))
    missing = sorted(k for k in reference if k not in mine)
    extra = sorted(k for k in f.common(context) if k not in seen_elsewhere)
    groups = ROW_SYNONYMS if context == "row" else MESSAGE_SYNONYMS
    pairs: dict[str, str] = {}
    for key in extra:
        match = [m for m in missing if m in synonyms(key, groups) or near_miss(key, m)]
        if len(match) == 1:
            pairs[key] = match[0]
    if not pairs and len(extra) == 1 and len(missing) == 1:
        pairs[extra[0]] = missing[0]
    return pairs


def _rows_with(
    f: _File, key: str, partner: str, context: str, fields: formats.Fields
) -> list[tuple[Row, list[tuple[str | int, ...]]]]:
    out = []
    for s in f.summaries:
        if key in (s.message_keys if context == "message" else s.keys):
            row = f.load(s)
            if row.ok and (paths := key_paths(row.value, key, partner, context, fields)):
                out.append((row, paths))
    return out


def _first_use(
    refs: list[_File], f: _File, key: str, context: str, fields: formats.Fields
) -> list[tuple[_File, Row, tuple[str | int, ...]]]:
    """Where a reference file (not `f`) first uses `key`: the related location of D002."""
    for ref in refs:
        if ref is f or key not in ref.keys(context):
            continue
        for s in ref.summaries:
            if key in (s.message_keys if context == "message" else s.keys):
                row = ref.load(s)
                if row.ok and (paths := key_paths(row.value, key, None, context, fields)):
                    return [(ref, row, paths[0])]
    return []


def _edits(rows: list[tuple[Row, list[tuple[str | int, ...]]]], partner: str) -> list[Edit]:
    return [e for row, paths in rows for p in paths if (e := rename_edit(row, p, partner))]


def _report_pair(
    reporter: checks.Reporter,
    f: _File,
    files: list[_File],
    refs: list[_File],
    key: str,
    partner: str,
    context: str,
    where: str,
    settings: Settings,
) -> None:
    fields = settings.fields
    rows = _rows_with(f, key, partner, context, fields)
    if not rows:
        return
    row, paths = rows[0]
    name = Path(f.path).name
    here = _edits([(row, paths)], partner)
    whole = _edits(rows, partner)
    everywhere = list(whole)
    odd_files = [name]
    for other in files:
        if other is not f and other not in refs and key in other.keys(context):
            edits = _edits(_rows_with(other, key, partner, context, fields), partner)
            if edits:
                everywhere += edits
                odd_files.append(Path(other.path).name)
    fixes = [
        Fix(f'Rename "{key}" to "{partner}" in this row', tuple(here)),
        Fix(f'Rename "{key}" to "{partner}" in every row of {name}', tuple(whole)),
        Fix(
            f'Rename "{key}" to "{partner}" in every file of the dataset ({", ".join(odd_files)})',
            tuple(everywhere),
        ),
    ]
    related = [
        Related(ref.path, ref_row.span(ref_path, "key"), f'"{partner}" in {Path(ref.path).name}')
        for ref, ref_row, ref_path in _first_use(refs, f, partner, context, fields)
    ]
    path = paths[0]
    label = ""
    if context == "message":
        label = f"turn {path[1] + 1} ({format_path(path)}): "  # type: ignore[operator]
    n = len(rows)
    reporter.add(
        "D002",
        f'{label}key "{key}" where {where} uses "{partner}" '
        f"({n} row{'s' if n != 1 else ''} of {name} use{'s' if n == 1 else ''} it)",
        f.path,
        row.span(path, "key"),
        fixes=fixes,
        related=related,
        row_line=row.line,
    )


def _report_leaks(reporter: checks.Reporter, f: _File, train: list[_File]) -> None:
    if not reporter.enabled("D003"):
        return
    digests: dict[int, tuple[_File, checks.RowSummary]] = {}
    for t in train:
        for s in t.summaries:
            if s.format is not None:
                digests.setdefault(s.digest, (t, s))
    for s in f.summaries:
        hit = digests.get(s.digest) if s.format is not None else None
        if hit is None:
            continue
        t, ts = hit
        row, twin = f.load(s), t.load(ts)
        if row.raw.strip() != twin.raw.strip():
            continue
        tname = Path(t.path).name
        reporter.add(
            "D003",
            f"row also in the training split ({tname}, line {twin.line + 1}): "
            "evaluated on a row it was trained on",
            f.path,
            row.span(()),
            related=[Related(t.path, twin.whole(), f"same row in {tname}")],
            row_line=row.line,
        )
