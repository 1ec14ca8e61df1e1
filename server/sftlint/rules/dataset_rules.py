"""D: the dataset as a whole. Duplicate rows in a file (D001), and the splits of one
dataset that disagree: keys (D002), rows that leak from train into evaluation (D003), row
formats (D004). `sftlint.engine.dataset` finds the files of a dataset and reads them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sftlint.io import formats
from sftlint.io.reader import Row, format_path
from sftlint.model import Edit, Finding, Fix, Range, Related, Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import FileContext, Reporter, RowSummary, Summaries, file_check
from sftlint.rules.consistency_rules import (
    MESSAGE_SYNONYMS,
    ROW_SYNONYMS,
    key_paths,
    near_miss,
    rename_edit,
    synonyms,
)

if TYPE_CHECKING:
    from sftlint.settings import Settings

register(
    Rule(
        "D001",
        "duplicate-row",
        Severity.WARNING,
        "Row is an exact duplicate of an earlier row",
        """\
The row is byte for byte the same as an earlier row of the file. Each copy is trained on
again, so the model sees the example twice as often as the rest (over-fitting on it and
skewing the data mix), and a duplicate that was meant to be edited is usually a copy-paste
mistake. The finding points at the first occurrence.

Bad:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
        fix="delete the duplicate row",
        fix_mode="unsafe",
    ),
    Rule(
        "D002",
        "split-key-mismatch",
        Severity.ERROR,
        "A split names a field differently from the other splits",
        """\
Files that belong together (`train` / `validation` / `test` splits in one folder, or the
files listed in `dataset-files` in the config) must name their fields the same way. The
trainer's code is written for the training split: when evaluation reads a split whose
rows say `output_ids` where training had `labels`, it crashes at the first evaluation
step, hours into the run (GLM-4V: `KeyError: 'labels'` in `prediction_step`). The
training split is the reference; without one, the name most files use.

Bad (`train.jsonl`, then `validation.jsonl`):
```json
{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}
{"input_ids": [1, 4966, 2], "output_ids": [-100, 4966, 2]}
```
Good:
```json
{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}
{"input_ids": [1, 4966, 2], "labels": [-100, 4966, 2]}
```
""",
        fix="rename the key in this row, in the whole file, or in every file of the dataset",
        fix_mode="unsafe",
    ),
    Rule(
        "D003",
        "split-leak",
        Severity.WARNING,
        "An evaluation row is also in the training split",
        """\
A row of the validation or test split is byte for byte a row of the training split. The
model is evaluated on an example it was trained on, so evaluation loss and accuracy look
better than they are.

Bad: `train.jsonl` and `test.jsonl` both hold
```json
{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}
```
Good: every evaluation row is absent from the training split.
""",
    ),
    Rule(
        "D004",
        "split-format-mismatch",
        Severity.ERROR,
        "A split has another row format than the training split",
        """\
The splits of one dataset are read by the same code, with the same chat template and
masking settings: a validation file in ShareGPT format beside an OpenAI `messages`
training file fails to load (`KeyError: 'messages'`) or is rendered wrongly.

Bad: `train.jsonl` holds `{"messages": [...]}` rows, `validation.jsonl`
`{"conversations": [{"from": "human", "value": "..."}]}` rows.
Good: both hold `{"messages": [...]}` rows.
""",
    ),
)


def delete_row_fix(ctx: FileContext, prev: RowSummary, row: Row) -> Fix | None:
    """Delete `row` with what separates it from the row before it (newline or comma)."""
    if ctx.info.layout == "jsonl" and prev.line != row.line - 1:
        return None  # blank lines in between: deleting them too is not what the title says
    before = ctx.load(prev)
    start = before.rowtext.position(len(before.rowtext.text))
    end = row.rowtext.position(len(row.rowtext.text))
    return Fix("Delete this duplicate row", (Edit(row.path, Range(start, end), ""),))


@file_check
def duplicate_rows(ctx: FileContext) -> None:
    if not ctx.enabled("D001"):
        return
    if not ctx.duplicates():
        return  # no two rows alike (the common case, decided at C speed)
    summaries = ctx.summaries
    digests = (
        summaries.digests() if isinstance(summaries, Summaries) else [s.digest for s in summaries]
    )
    rows_by_digest = Counter(digests)
    # Rows of one digest may differ (`row_digest`): each is told apart by the hash of its
    # own bytes, compared with those of the first row with that hash.
    first: dict[int, RowSummary] = {}
    originals: dict[int, Row] = {}  # first occurrences read again, by row index
    for i, digest in enumerate(digests):
        if rows_by_digest[digest] < 2:
            continue
        s = summaries[i]
        if s.format is None:
            continue  # rows that are not objects have their own findings
        seen = first.setdefault(ctx.bytes_hash(s), s)
        if seen is s:
            continue
        if seen.index not in originals:
            originals[seen.index] = ctx.load(seen)
        original = originals[seen.index]
        row = ctx.load(s)
        if row.raw.strip() != original.raw.strip():
            continue  # a hash collision, not a duplicate
        fix = delete_row_fix(ctx, summaries[i - 1], row)
        ctx.report(
            "D001",
            f"exact duplicate of the row at line {original.line + 1}",
            row,
            fixes=[fix] if fix else [],
            related=[Related(row.path, original.whole(), "first occurrence")],
        )


# --- D002-D004: the splits of one dataset (files found by sftlint.engine.dataset) ---------


@dataclass(slots=True)
class SplitFile:
    """One file of a dataset: its summaries and a way to read its rows again (read by
    `sftlint.engine.dataset`)."""

    path: str  # as findings and edits name it
    summaries: Sequence[RowSummary]
    formats: dict[str, int]
    load: Callable[[RowSummary], Row]
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


def check_split_group(
    files: list[SplitFile], from_config: bool, settings: Settings
) -> list[Finding]:
    """D002-D004 for the files of one dataset, reported in the checked ones."""
    reporter = Reporter(settings)
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


def _pairs(f: SplitFile, others: list[SplitFile], majority: bool, context: str) -> dict[str, str]:
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
    f: SplitFile, key: str, partner: str, context: str, fields: formats.Fields
) -> list[tuple[Row, list[tuple[str | int, ...]]]]:
    out = []
    for s in f.summaries:
        if key in (s.message_keys if context == "message" else s.keys):
            row = f.load(s)
            if row.ok and (paths := key_paths(row.value, key, partner, context, fields)):
                out.append((row, paths))
    return out


def _first_use(
    refs: list[SplitFile], f: SplitFile, key: str, context: str, fields: formats.Fields
) -> list[tuple[SplitFile, Row, tuple[str | int, ...]]]:
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
    reporter: Reporter,
    f: SplitFile,
    files: list[SplitFile],
    refs: list[SplitFile],
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


def _report_leaks(reporter: Reporter, f: SplitFile, train: list[SplitFile]) -> None:
    if not reporter.enabled("D003"):
        return
    # The training rows by digest. Rows of one digest may differ (`row_digest`): those of a
    # digest an evaluation row has are read, and told apart by the hash of their bytes.
    by_digest: dict[int, list[tuple[SplitFile, RowSummary]]] = {}
    for t in train:
        for s in t.summaries:
            if s.format is not None:
                by_digest.setdefault(s.digest, []).append((t, s))
    read: dict[int, dict[int, tuple[SplitFile, RowSummary]]] = {}
    for s in f.summaries:
        group = by_digest.get(s.digest) if s.format is not None else None
        if group is None:
            continue
        twins = read.get(s.digest)
        if twins is None:
            twins = read[s.digest] = {}
            for t, ts in group:
                twins.setdefault(hash(t.load(ts).raw.strip()), (t, ts))
        row = f.load(s)
        hit = twins.get(hash(row.raw.strip()))
        if hit is None:
            continue
        t, ts = hit
        twin = t.load(ts)
        if row.raw.strip() != twin.raw.strip():
            continue  # a hash collision
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
