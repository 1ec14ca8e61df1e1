"""File checks (format majority, key consistency, duplicates, ...) of an edited buffer.

They run over the rows' summaries again only when an edit changed what they can see: a
row's signature, a duplicate group or a group of rows sharing a prompt (K006), a row they
reported on (file checks decide from `RowSummary` fields and load rows only to locate what
they report), or the lines: edits that add or remove lines are kept as one `Window`, and
the checks run again unless its lines come back as they were (a row deleted and put back,
undo), each line's `View` the same; messages name lines, so no other line count will do.
`FileCheckCache` holds their last findings and what changed since.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import attrgetter, is_not, not_
from typing import Any, cast

from sftlint.io import reader
from sftlint.io.reader import FileInfo, Row
from sftlint.lsp.linelint import LineResult, Signature, Tallies
from sftlint.lsp.relative import LineStarts, range_lines
from sftlint.model import Finding
from sftlint.rules import checks, outlier_rules

WINDOW_MAX = 1024  # lines: edits farther apart run the checks again (they cost less)

# What file checks saw of a line, but where it is: the bytes it was linted from (its row's
# summary, digests and findings follow from them; its digest alone does not tell them:
# `checks.row_digest`).
View = bytes


@dataclass(slots=True)
class Window:
    """Lines [start, stop) of the text replace lines whose views were `old` when the file
    checks ran (the lines before `start` are those of then)."""

    start: int
    stop: int
    old: list[View]

    def old_line(self, i: int) -> int | None:
        """Where line `i` (outside the window: None inside) was when the checks ran."""
        if i < self.start:
            return i
        if i < self.stop:
            return None
        return i - self.stop + self.start + len(self.old)


@dataclass(slots=True)
class FileCheckCache:
    """The file checks' last findings (offsets relative to their line, sorted by
    `relative.rel_key`; None: to be run again) and what edits changed since."""

    findings: list[Finding] | None = None
    reported: set[int] = field(default_factory=set)  # lines a file check names
    changed: dict[int, tuple[Signature | None, bool]] = field(default_factory=dict)
    # ^ line -> (its row's signature when the checks ran, whether it was a duplicate or
    # shared its prompt)

    window: Window | None = None  # the lines added or removed since
    # The rows' lines and lengths K004 read when the checks ran (None: it read none), and
    # which length changes leave its findings (outlier_rules.steady_lengths, made once)
    lengths: tuple[list[int], list[int]] | None = None
    steady: Callable[[int, int], bool] | None = None

    def invalidate(self) -> None:
        self.findings = None
        self.changed.clear()
        self.window = None

    def old_line(self, i: int) -> int | None:
        return i if self.window is None else self.window.old_line(i)

    def resized(
        self, start: int, stop: int, delta: int, views: Callable[[int, int], list[View] | None]
    ) -> None:
        """Lines [start, stop) become `stop - start + delta` lines (`views(i, j)`: what the
        checks see of lines [i, j) before, None if not known): the window grows over them."""
        w = self.window or Window(start, start, [])
        lo, hi = min(w.start, start), max(w.stop, stop)
        if hi - lo > WINDOW_MAX:
            self.invalidate()
            return
        taken = [*range(lo, w.start), *range(w.stop, hi)]  # lines the window takes in
        before, after = views(lo, w.start), views(w.stop, hi)
        if (
            before is None
            or after is None
            or any(i in self.changed or self.old_line(i) in self.reported for i in taken)
        ):
            self.invalidate()
            return
        self.changed = {i if i < stop else i + delta: v for i, v in self.changed.items()}
        self.window = Window(lo, hi + delta, [*before, *w.old, *after])

    def window_back(self, views: Callable[[int, int], list[View] | None]) -> bool:
        """Whether the window's lines are back as they were (then it is closed)."""
        w = self.window
        if w is None:
            return True
        if w.stop - w.start != len(w.old) or views(w.start, w.stop) != w.old:
            return False
        self.window = None
        return True

    def steady_length(self, line: int, length: int) -> bool:
        """Whether the row on `line`, `length` bytes long now, leaves K004 as it was when
        the checks ran (same length, or a change `outlier_rules.steady_lengths` allows)."""
        if self.lengths is None:
            return True
        rows, lengths = self.lengths
        old_line = self.old_line(line)
        k = bisect_left(rows, old_line) if old_line is not None else len(rows)
        if k == len(rows) or rows[k] != old_line:
            return False  # not a row then
        if lengths[k] == length:
            return True
        if self.steady is None:
            self.steady = outlier_rules.steady_lengths(lengths)
        return self.steady(lengths[k], length)

    def keep(
        self, found: list[Finding], path: str, lengths: tuple[list[int], list[int]] | None
    ) -> None:
        """Findings just computed: an edit of a line they name (their row, a fix, a related
        range: a row's deletion starts at the end of the line before it) makes them stale.
        `lengths`: the rows' lines and lengths K004 read."""
        self.findings = found
        self.lengths = lengths
        self.steady = None
        reported = {f.row_line for f in found if f.row_line is not None}
        reported.update(f.range.start.line for f in found)
        for f in found:
            for x in f.fixes:
                reported.update(n for e in x.edits if e.path == path for n in range_lines(e.range))
            reported.update(n for r in f.related if r.path == path for n in range_lines(r.range))
        self.reported = reported
        self.changed.clear()
        self.window = None


class FileCheckSummaries(checks.Summaries):
    """The rows' summaries as file checks see them, built only if a check goes through
    the rows (it has something to report): the counts of shape fields and whether two
    rows may be alike come from the linter's own tallies, which a clean file needs alone.
    """

    __slots__ = (
        "_build_all",
        "_built",
        "_line_results",
        "_results",
        "_row_lengths",
        "_tallies",
        "seen_lengths",
    )

    def __init__(
        self,
        results: list[LineResult | None],
        tallies: Tallies,
        build: Callable[[], checks.Summaries],
        lengths: Callable[[], tuple[list[int], list[int]]],
    ) -> None:
        super().__init__()
        self._line_results = results
        self._tallies = tallies
        self._build_all = build
        self._row_lengths = lengths  # without building the summaries (K004 asks every file)
        self.seen_lengths: tuple[list[int], list[int]] | None = None
        self._built = False
        self._results: Counter[LineResult | None] | None = None  # rows by result

    def _build(self) -> None:
        if not self._built:
            full = self._build_all()
            self.__setstate__(full.__getstate__())
            self._built = True

    def __len__(self) -> int:
        return self._tallies.rows

    def _get(self, i: int) -> checks.RowSummary:
        self._build()
        return super()._get(i)

    def __iter__(self) -> Iterator[checks.RowSummary]:
        self._build()
        return super().__iter__()

    def templates(self) -> list[tuple[checks.RowSummary, int]]:
        """Rows of one signature count together, in order of first appearance, as the
        rows' (`FileContext.count` counts only the fields a signature holds): rows with
        findings have a result each, a file with a finding on every row as many."""
        if self._results is None:
            self._results = Counter(self._line_results)  # by identity: eq=False
        by_signature: dict[Signature, list[Any]] = {}
        for r, n in self._results.items():
            if r is None or r.signature is None:  # not a row (no summary, no signature)
                continue
            entry = by_signature.get(r.signature)
            if entry is None:
                by_signature[r.signature] = [r.summary, n]
            else:
                entry[1] += n
        return [(s, n) for s, n in by_signature.values()]

    def digests(self) -> list[int]:
        self._build()
        return super().digests()

    def indices(self, attr: str, value: Any) -> list[int]:
        self._build()
        return super().indices(attr, value)

    def lengths(self) -> list[int]:
        self.seen_lengths = self._row_lengths()  # the editor re-runs K004 on their change
        return self.seen_lengths[1]

    def duplicates(self) -> bool:
        return any(n > 1 for n in self._tallies.digests.values())

    def prompt_sharing(self) -> tuple[bool, bool]:
        # Not "every row has a prompt": `duplicates` is as cheap as that would be.
        return any(n > 1 for n in self._tallies.prompts.values()), False

    def prompts(self) -> list[int]:
        self._build()
        return super().prompts()


def row_lengths(
    results: list[LineResult | None], lines: list[bytes]
) -> tuple[list[int], list[int]]:
    """Every row's line and length, as the summaries give it (a shape row's length is its
    line's), without building the summaries."""
    summaries = list(map(_SUMMARY, results))
    rows = list(compress(range(len(results)), map(is_not, summaries, repeat(None))))
    lengths = list(map(len, map(lines.__getitem__, rows)))
    shaped = map(_SHAPE, map(results.__getitem__, rows))
    for k in compress(range(len(rows)), map(not_, shaped)):
        lengths[k] = summaries[rows[k]].length
    return rows, lengths


def row_length(lines: list[bytes], line: int, r: LineResult) -> int:
    """The length of the row on `line` (a row's result `r`), as `row_lengths` gives it."""
    return len(lines[line]) if r.shape else r.summary.length  # type: ignore[union-attr]


def buffer_info(
    lines: list[bytes], starts: LineStarts, tallies: Tallies, results: list[LineResult | None]
) -> FileInfo:
    """What the reader would have counted of the buffer's lines (file checks read it)."""
    info = FileInfo()
    n = len(lines)
    info.lines = n if lines[-1] else n - 1
    info.bytes = starts[n] - 1
    info.rows = tallies.rows
    # A "\r" ending the last line has no "\n" after it: a lone CR, not CRLF.
    last_cr = lines[-1].endswith(b"\r")
    info.crlf_lines = tallies.crlf - last_cr
    info.lone_cr = tallies.lone + last_cr
    if info.crlf_lines:
        i = next(i for i, r in enumerate(results) if r is not None and r.crlf)
        raw, start = _text(lines, starts, i)
        info.first_crlf = reader._line_range(i, start, raw, len(raw), len(raw))
    if info.lone_cr:
        last = n - 1
        i = next(i for i, r in enumerate(results) if (r and r.lone) or i == last)
        raw, start = _text(lines, starts, i)
        first = raw.find(b"\r")
        first = len(raw) if first < 0 else first
        info.first_lone_cr = reader._line_range(i, start, raw, first, first)
    return info


def _text(lines: list[bytes], starts: LineStarts, i: int) -> tuple[bytes, int]:
    """Line `i` as the reader reads its row, and where that starts."""
    bom = i == 0 and lines[0].startswith(reader.BOM)
    return _row_bytes(lines, i), len(reader.BOM) if bom else starts[i]


def row_bytes(lines: list[bytes], s: checks.RowSummary) -> bytes:
    """The bytes of the row `s` summarizes, from the buffer's lines, not parsed."""
    return _row_bytes(lines, s.line)


def _row_bytes(lines: list[bytes], i: int) -> bytes:
    """Line `i` as the reader reads its row: without a BOM or a final "\r"."""
    raw = lines[i]
    if i == 0 and raw.startswith(reader.BOM):
        raw = raw[3:]
    return raw[:-1] if raw.endswith(b"\r") else raw


def linted_views(linted: list[bytes | None]) -> list[View] | None:
    """The views of lines linted from these bytes (None: one is not linted)."""
    return None if None in linted else cast(list[View], linted)


def load_row(path: str, lines: list[bytes], s: checks.RowSummary) -> Row:
    """The row `s` summarizes, read again from the buffer's lines (a file check reports
    at it)."""
    row = Row(path, s.index, s.line, s.end_line, s.offset, row_bytes(lines, s), s.prefix)
    reader.parse_row(row)
    return row


_SUMMARY, _SHAPE = attrgetter("summary"), attrgetter("shape")
