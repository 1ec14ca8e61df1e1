"""One cause, one diagnostic: the editor's side of `report.groups`.

A cause that hits many rows of a document (`groups.GROUP_MIN` findings or more of one
code and one cause, `groups.group_key`) gets one diagnostic saying how many findings and
rows it covers, its first rows and its fix, beside the per-row diagnostics (which the
cap may cut), as `sftlint check` prints one line for it. `Causes` keeps, through edits,
each cause's findings and the sorted lines of its rows: row results are added and taken
out with their line, and an edit that adds or removes lines shifts the lines after it,
as the linter's own index of lines with findings is shifted. So neither the counts nor
the first rows ever need a pass over the document.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable

from sftlint.model import Finding
from sftlint.report.groups import GROUP_MIN, SHOWN_ROWS, group_key

# A cause on many rows: its first finding as the incremental linter locates findings
# ((line, f) with `f` as if on line 0, or (None, f) on its own lines), its key, findings,
# rows and first rows (1-based lines).
Group = tuple[tuple[int | None, Finding], str, int, int, list[int]]


class Causes:
    """Findings by cause, and the lines of the rows that have each, of rows that come and
    go (each added with its findings and its first line)."""

    __slots__ = ("findings", "lines")

    def __init__(self) -> None:
        self.findings: Counter[str] = Counter()
        self.lines: dict[str, list[int]] = {}  # sorted: a line a row (none left empty)

    def add(self, found: Iterable[Finding], line: int) -> None:
        """The findings of the row on `line` in."""
        for key, n in Counter(map(group_key, found)).items():
            self.findings[key] += n
            insort(self.lines.setdefault(key, []), line)

    def remove(self, found: Iterable[Finding], line: int) -> None:
        """The findings of the row on `line`, added before, out."""
        for key, n in Counter(map(group_key, found)).items():
            rows = self.lines[key]
            del rows[bisect_left(rows, line)]
            self.findings[key] -= n
            if not rows:
                del self.findings[key], self.lines[key]

    def shift(self, start: int, stop: int, delta: int) -> None:
        """Lines [start, stop) became `stop - start + delta` lines (their rows taken out
        before): the rows after them move by `delta`."""
        if not delta:
            return
        for rows in self.lines.values():
            hi = bisect_left(rows, stop)
            rows[bisect_left(rows, start) :] = [i + delta for i in rows[hi:]]

    @classmethod
    def of(cls, found: Iterable[Finding]) -> Causes:
        """Findings of many rows, on their own lines (a file check's)."""
        by_row: dict[int, list[Finding]] = {}
        for f in found:
            by_row.setdefault(row_line(f), []).append(f)
        out = cls()
        for line, fs in by_row.items():
            out.add(fs, line)
        return out


def row_line(f: Finding) -> int:
    """The line where the row of a finding on its own lines starts (`groups.row_of`)."""
    return f.range.start.line if f.row_line is None else f.row_line


def many(parts: list[Causes]) -> list[tuple[str, int, int, list[int]]]:
    """(cause, findings, rows, the first rows' lines) of each cause with GROUP_MIN
    findings or more in all `parts`, in the order of their first rows."""
    findings: Counter[str] = Counter()
    for part in parts:
        findings.update(part.findings)
    out = []
    for key, n in findings.items():
        if n < GROUP_MIN:
            continue
        lines = [p.lines[key] for p in parts if key in p.lines]
        shown: list[int] = []
        for line in heapq.merge(*lines):  # the first few: rows may share a line
            if len(shown) == SHOWN_ROWS:
                break
            if not shown or line != shown[-1]:
                shown.append(line)
        out.append((key, n, sum(map(len, lines)), shown))
    out.sort(key=lambda g: g[3][0])
    return out


def first_of(
    key: str, line: int, own: Iterable[Finding], listed: list[Finding]
) -> tuple[int | None, Finding]:
    """The first finding of cause `key` in the row on `line`: among `own` (the row's, as
    if on line 0) or else `listed` (on their own lines)."""
    for f in own:
        if group_key(f) == key:
            return line, f
    return None, next(f for f in listed if row_line(f) == line and group_key(f) == key)
