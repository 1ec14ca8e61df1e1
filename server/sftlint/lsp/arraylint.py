"""Reading and linting a stretch of a JSON array document, element by element.

A stretch (a "window") is whole lines of the buffer; it is read with the reader's own
`reader.array_elements`, from the array's `[` or from just after an element the caller
already has, and each element is linted alone as if its first line were line 0 at byte
offset 0 (the width before it on that line kept): its result (`Item`) stays right while
edits elsewhere move it, as a JSON Lines line's does (`linelint`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sftlint.engine import engine
from sftlint.io import reader
from sftlint.io.positions import BOM, LineColumns, Width
from sftlint.io.reader import Problem, Row
from sftlint.model import Finding, Related
from sftlint.rules import checks
from sftlint.settings import Settings

SIGNATURES = 4096  # shapes kept to share
OPEN = 1 << 40  # `Item.term_down` of an element that ran to the end of the text


@dataclass(slots=True, eq=False)
class Item:
    """One element of the array, as the reader reads it, linted alone."""

    lead_up: int  # lines from where the reader began to look for it (its lead) to its start
    lead_col: int  # byte column of the lead on its line
    col: int  # byte column of its first byte on its first line
    nl: int  # newlines inside it: it ends on its first line + nl
    end_col: int  # byte column just after its last byte on its last line
    # Lines from its last line to the `,` or `]` that ends it (OPEN: it ran to the end of
    # the text): its extent depends on the text up to there.
    term_down: int
    length: int
    prefix: Width  # code points and UTF-16 units before it on its first line
    # Stray commas before it, then its own findings, as if its first line were line 0 at
    # byte offset 0; sorted as the engine sorts (offset, code).
    findings: tuple[Finding, ...]
    summary: checks.RowSummary  # index 0, its first line 0, offsets from that line's start
    # What file checks see of it but its digest and length (format, keys, message keys,
    # types): one object for the elements of one shape linted by one `WindowLinter`.
    signature: tuple[Any, ...]


class Window:
    """Lines [first, stop) of a buffer as one bytes object (with the newline after the
    last of them when more lines follow)."""

    def __init__(self, lines: list[bytes], first: int, stop: int) -> None:
        self.first = first
        self.stop = stop
        self.at_end = stop >= len(lines)
        self.data = b"\n".join(lines[first:stop]) + (b"" if self.at_end else b"\n")

    @classmethod
    def whole(cls, data: bytes) -> Window:
        window = cls.__new__(cls)
        window.first, window.stop, window.at_end, window.data = 0, data.count(b"\n") + 1, True, data
        return window


class WindowLinter:
    """Lints the elements of windows of one document (one checker, reused)."""

    def __init__(self, path: str, settings: Settings) -> None:
        self.path = path
        self.settings = settings
        self._checker = engine.FileChecker(path, settings, _no_load)
        self._signatures: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def head(self, data: bytes, first: bytes) -> tuple[int, list[Problem]] | None:
        """Where the elements of the array in `data` (a window from line 0) start, and the
        problems before them (a BOM); None when `data` holds no array to read element by
        element (no `[`, or `first`, the text's first 256 bytes, are UTF-16 or UTF-32: the
        whole text is then read as the engine reads it)."""
        if reader.wide_file(first):
            return None
        problems: list[Problem] = []
        info = reader.FileInfo()
        start = 0
        if data.startswith(BOM):
            start = 3
            reader._bom_problem(self.path, info, "json.load")
            problems = info.problems
        pos = reader._ws_end(data, start)
        if data[pos : pos + 1] != b"[":
            return None
        return reader._ws_end(data, pos + 1), problems

    def elements(
        self, window: Window, pos: int, after: bool, problems: list[Problem]
    ) -> Iterator[tuple[int, int, int, Item]]:
        """(lead offset, first line, the offset of that line, item) of each element of the
        window from `pos` on (`after`: just after an element); problems of the array that
        are no element's (its end) are left in `problems` when the elements are done."""
        data = window.data
        columns = LineColumns(data)
        mark = len(problems)
        for lead, start, end in reader.array_elements(self.path, data, pos, problems, after=after):
            lead_line, _ = columns.advance(lead)
            lead_col = lead - columns.line_start
            line, prefix = columns.advance(start)
            line_start = columns.line_start
            strays = problems[mark:]
            del problems[mark:]
            nl = data.count(b"\n", start, end)
            end_col = (
                end - (data.rfind(b"\n", start, end) + 1)
                if nl
                else start - line_start + (end - start)
            )
            item = self._lint(data[start:end], start - line_start, nl, prefix, strays, line,
                              line_start)  # fmt: skip
            item.lead_up, item.lead_col, item.end_col = line - lead_line, lead_col, end_col
            term = reader._ws_end(data, end)
            item.term_down = data.count(b"\n", end, term) if term < len(data) else OPEN
            yield lead, line, line_start, item

    def findings_of(self, problems: list[Problem]) -> list[Finding]:
        """The array's own problems as findings (as the engine reports them)."""
        reporter = checks.Reporter(self.settings)
        for p in problems:
            reporter.add(
                p.code,
                p.message,
                self.path,
                p.range,
                fixes=p.fixes,
                related=[Related(self.path, r, m) for r, m in p.related],
            )
        return reporter.findings

    def _lint(
        self,
        raw: bytes,
        col: int,
        nl: int,
        prefix: Width,
        strays: list[Problem],
        line: int,
        line_start: int,
    ) -> Item:
        checker = self._checker
        reporter = checker.reporter
        reporter.findings = []
        for p in strays:  # window positions, moved to the element's first line
            reporter.add(
                p.code,
                p.message,
                self.path,
                p.range.moved(-line, -line_start),
                fixes=[x.mapped(self.path, lambda q: q.moved(-line, -line_start)) for x in p.fixes],
                related=[Related(self.path, r.moved(-line, -line_start), m) for r, m in p.related],
            )
        row = Row(self.path, 0, 0, nl, col, raw, prefix)
        reader.parse_row(row)
        checker.summaries = checks.Summaries()
        checker.check_row(row)
        found = reporter.findings
        found.sort(key=_offset_code)
        s = checker.summaries[0]
        signature = (s.format, s.keys, s.message_keys, s.types, s.system, s.label)
        if len(self._signatures) >= SIGNATURES:
            self._signatures.clear()
        signature = self._signatures.setdefault(signature, signature)
        return Item(0, 0, col, nl, 0, 0, len(raw), prefix, tuple(found), s, signature)


def _offset_code(f: Finding) -> tuple[int, str]:
    return (f.range.start.offset, f.code)


def _no_load(s: checks.RowSummary) -> Row:
    raise RuntimeError("row checks load no rows")
