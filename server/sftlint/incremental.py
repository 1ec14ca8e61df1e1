"""Lint a file that is being edited: re-lint only the lines an edit touches.

An editor buffer is kept as a list of lines (bytes, split on b"\\n" as the reader splits).
Each JSON Lines row is linted alone with the engine's own reader and row checks, as if it
were line 0 at offset 0; the result is cached by the line's bytes and moved to where the
line is when findings are asked for. File checks (format majority, key consistency,
duplicates, ...) run over the rows' summaries again only when an edit changed what they
can see: a row's summary signature, a duplicate group, the line count, or a row they
reported on. (File checks decide from `RowSummary` fields and load rows only to locate
what they report.) JSON-array files are re-checked whole: their rows span many lines.

`findings()` equals `engine.check_bytes(path, b"\\n".join(lines), settings).findings`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import accumulate, compress
from operator import attrgetter
from typing import Any

from sftlint import checks, engine, reader
from sftlint.model import Edit, Finding, Fix, Position, Range, Related
from sftlint.reader import FileInfo, Row
from sftlint.settings import Settings

_CACHE_LIMIT = 8192  # line results kept by text (undo, redo, lines moved around)
_HEAD_LINES = 50  # lines that decide whether a .json file is an array or JSON Lines


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: `None in results` stays C-fast
class LineResult:
    """Linting one line alone, positioned as if it were line 0 at offset 0."""

    findings: tuple[Finding, ...]
    summary: checks.RowSummary | None  # None: a blank line (not a row)
    signature: Any  # what file checks can see of the row
    crlf: bool


def _signature(s: checks.RowSummary) -> tuple:
    extra = tuple(sorted((k, repr(v)) for k, v in s.extra.items())) if s.extra else ()
    return (s.format, s.keys, s.message_keys, s.types, extra)  # digest: see _digests


class IncrementalLinter:
    """Findings of one buffer, kept up to date edit by edit.

    The caller owns `lines` and edits it in place, then calls `splice` with what changed.
    """

    def __init__(self, path: str, settings: Settings, lines: list[bytes]) -> None:
        self.path = path
        self.settings = settings
        self.lines = lines
        self.is_array = self._layout_is_array()
        self.results: list[LineResult | None] = [None] * len(lines)
        self._unlinted = len(lines)  # how many results are None
        self._last_splice = 0  # where to look for them first
        self._cache: dict[tuple[bytes, bool, bool], LineResult] = {}
        self._digests: Counter[int] = Counter()
        self.formats: Counter[str] = Counter()
        self._rows = 0
        self._crlf = 0
        # File-check results and what they were computed from.
        self._file_findings: list[Finding] | None = None
        self._file_rows: set[int] = set()  # lines a file check reported on
        self._changed: dict[int, tuple[Any, bool]] = {}  # line -> (old signature, was dup)
        self._array_findings: list[Finding] | None = None

    def _layout_is_array(self) -> bool:
        if not self.path.lower().endswith(reader.JSON_SUFFIXES):
            return False
        return not reader.looks_like_jsonl(b"\n".join(self.lines[:_HEAD_LINES]))

    # --- edits ---------------------------------------------------------------------------

    def splice(self, start: int, stop: int, count: int) -> None:
        """Lines [start, stop) of the buffer were replaced by `count` lines (now in `lines`)."""
        self._array_findings = None
        if start < _HEAD_LINES and self._layout_is_array() != self.is_array:
            self.is_array = self._layout_is_array()
            self.reset()
            return
        old = self.results[start:stop]
        if count != stop - start:
            self._file_findings = None
            self._changed.clear()
        for i, r in enumerate(old, start):
            if r is None:
                self._file_findings = None
                continue
            was_dup = bool(r.summary and self._digests[r.summary.digest] > 1)
            if i in self._file_rows or r.crlf:
                self._file_findings = None
            if self._file_findings is not None and i not in self._changed:
                self._changed[i] = (r.signature, was_dup)
            self._forget(r)
        self._unlinted += count - sum(r is None for r in old)
        self._last_splice = start
        self.results[start:stop] = [None] * count

    def reset(self, settings: Settings | None = None) -> None:
        """Forget every result (new settings, or the layout changed)."""
        if settings is not None:
            self.settings = settings
            self._cache.clear()
        self.is_array = self._layout_is_array()
        self.results = [None] * len(self.lines)
        self._unlinted = len(self.lines)
        self._digests.clear()
        self.formats.clear()
        self._rows = self._crlf = 0
        self._file_findings = None
        self._changed.clear()
        self._array_findings = None

    def _forget(self, r: LineResult) -> None:
        self._crlf -= r.crlf
        s = r.summary
        if s is None:
            return
        self._rows -= 1
        if s.format is not None:
            self.formats[s.format] -= 1
        self._digests[s.digest] -= 1

    def _count(self, r: LineResult) -> None:
        self._crlf += r.crlf
        s = r.summary
        if s is None:
            return
        self._rows += 1
        if s.format is not None:
            self.formats[s.format] += 1
        self._digests[s.digest] += 1

    # --- linting -------------------------------------------------------------------------

    def pending(self) -> bool:
        return bool(self._unlinted) or (self.is_array and self._array_findings is None)

    def lint_steps(self, chunk: int = 2000) -> Iterator[int]:
        """Lint every line that has no result, yielding (lines done) every `chunk` lines so
        that a caller on an event loop can serve other messages in between."""
        if self.is_array:
            return
        done = 0
        i = self._next_dirty(self._last_splice)
        while i is not None:
            results = self.results
            last = len(results) - 1
            end = min(len(results), i + chunk)
            while i < end:
                if results[i] is None:
                    r = self._lint_line(i, i == last)
                    results[i] = r
                    self._unlinted -= 1
                    self._count(r)
                    done += 1
                i += 1
            yield done
            i = self._next_dirty(i)  # the buffer may have changed meanwhile

    def _next_dirty(self, start: int) -> int | None:
        if not self._unlinted:
            return None
        results = self.results
        try:
            return results.index(None, start)
        except ValueError:
            try:
                return results.index(None)
            except ValueError:
                return None

    def lint_all(self) -> None:
        for _ in self.lint_steps(1 << 30):
            pass

    def _lint_line(self, i: int, last: bool) -> LineResult:
        line = self.lines[i]
        key = (line, i == 0, last)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if last and not line:
            return _NOTHING  # the text ends with a newline: no line after it
        data = line if last else line + b"\n"
        # The reader strips a BOM from the first line only: put one line before the others.
        pad = 1 if i > 0 and line.startswith(reader.BOM) else 0
        info = FileInfo()
        checker = engine.FileChecker(self.path, self.settings, _no_load)
        for row in reader.read_jsonl(self.path, [b"\n", data] if pad else [data], info):
            checker.check_row(row)
        for p in info.problems:
            if pad and p.code == "J007" and p.range.start.line == 0:
                continue
            checker.reporter.add(
                p.code,
                p.message,
                self.path,
                p.range,
                fixes=p.fixes,
                related=[Related(self.path, r, m) for r, m in p.related],
            )
        findings = checker.reporter.findings
        if pad:
            findings = [_shift(f, -1, -1) for f in findings]
        summary = checker.summaries[0] if checker.summaries else None
        result = LineResult(
            tuple(findings),
            summary,
            _signature(summary) if summary is not None else None,
            info.crlf_lines > 0,
        )
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    # --- results -------------------------------------------------------------------------

    def findings(self, limit: int | None = None) -> tuple[list[Finding], int]:
        """(the findings sorted as the engine sorts them, at most `limit`; how many in all)."""
        if self.is_array:
            if self._array_findings is None:
                data = b"\n".join(self.lines)
                self._array_findings = engine.check_bytes(self.path, data, self.settings).findings
            found = self._array_findings
            return (found if limit is None else found[:limit]), len(found)
        if self._unlinted:
            self.lint_all()
        results: list[LineResult] = self.results  # type: ignore[assignment]
        sums = _LineSums(self.lines)
        file_findings = self._file_checks(sums)
        with_findings = list(compress(range(len(results)), map(_FINDINGS, results)))
        total = sum(len(results[i].findings) for i in with_findings) + len(file_findings)
        out: list[Finding] = []
        for i in with_findings:
            out.extend(_shift(f, i, sums[i] + i) for f in results[i].findings)
            if limit is not None and len(out) > limit:
                break  # row findings come in file order: the rest sort after these
        out.extend(file_findings)  # after row findings, as the engine reports them
        out.sort(key=lambda f: f.sort_key)
        return (out if limit is None else out[:limit]), total

    def findings_between(self, first: int, last: int) -> list[Finding]:
        """Findings whose range touches lines [first, last] (for hovers and code actions)."""

        def touches(f: Finding) -> bool:
            return f.range.start.line <= last and f.range.end.line >= first

        if self.is_array:
            return [f for f in self.findings()[0] if touches(f)]
        if self._unlinted:
            self.lint_all()
        sums = _LineSums(self.lines)
        out = [f for f in self._file_checks(sums) if touches(f)]
        for i in range(max(0, first), min(last + 1, len(self.results))):
            r = self.results[i]
            if r is not None:
                out.extend(_shift(f, i, sums[i] + i) for f in r.findings)
        out.sort(key=lambda f: f.sort_key)
        return out

    def _info(self, sums: _LineSums) -> FileInfo:
        info = FileInfo()
        n = len(self.lines)
        info.lines = n if self.lines[-1] else n - 1
        info.bytes = sums[-1] + n - 1
        info.rows = self._rows
        info.crlf_lines = self._crlf
        if self._crlf:
            i = next(i for i, r in enumerate(self.results) if r is not None and r.crlf)
            raw = self.lines[i][:-1]
            start = sums[i] + i
            if i == 0 and raw.startswith(reader.BOM):
                raw, start = raw[3:], 3
            info.first_crlf = reader._line_range(i, start, raw, len(raw), len(raw))
        return info

    def _file_checks(self, sums: _LineSums) -> list[Finding]:
        if self._file_findings is not None and self._unchanged_for_file_checks():
            self._changed.clear()
            return self._shifted_file_findings(sums)
        info = self._info(sums)
        summaries: list[checks.RowSummary] = []
        bom = self.lines[0].startswith(reader.BOM)
        for i, r in enumerate(self.results):
            if r is None or r.summary is None:
                continue
            offset = 3 if i == 0 and bom else sums[i] + i
            summaries.append(
                replace(r.summary, index=len(summaries), line=i, end_line=i, offset=offset)
            )
        reporter = checks.Reporter(self.settings)
        ctx = checks.FileContext(
            self.path, summaries, reporter, self._load, self.settings.fields, info
        )
        for check in checks.FILE_CHECKS:
            check(ctx)
        self._file_findings = reporter.findings
        self._file_sums = sums
        self._file_rows = {f.row_line for f in reporter.findings if f.row_line is not None}
        self._file_rows.update(f.range.start.line for f in reporter.findings)
        self._changed.clear()
        return self._file_findings

    def _unchanged_for_file_checks(self) -> bool:
        for i, (signature, was_dup) in self._changed.items():
            r = self.results[i]
            if r is None or r.signature != signature:
                return False
            if was_dup or r.crlf or (r.summary is not None and self._digests[r.summary.digest] > 1):
                return False
        return True

    def _shifted_file_findings(self, sums: _LineSums) -> list[Finding]:
        """File findings of the last run, their byte offsets moved by edits of other rows
        (the line count is the same, or the file checks would have run again)."""
        if not self._file_findings:
            return []  # nothing to move (and no need to sum the line lengths)
        old, self._file_sums = self._file_sums, sums
        if old[-1] != sums[-1]:
            self._file_findings = [_reoffset(f, old, sums) for f in self._file_findings]
        return self._file_findings or []

    def _load(self, s: checks.RowSummary) -> Row:
        raw = self.lines[s.line]
        if s.line == 0 and raw.startswith(reader.BOM):
            raw = raw[3:]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        row = Row(self.path, s.index, s.line, s.end_line, s.offset, raw, s.prefix)
        reader.parse_row(row)
        return row


class _LineSums:
    """sums[i] = bytes in lines before line i (without the newlines), summed on first use:
    an edit that reports nothing new needs no O(lines) pass."""

    __slots__ = ("_lines", "_sums")

    def __init__(self, lines: list[bytes]) -> None:
        self._lines = lines
        self._sums: list[int] | None = None

    def __getitem__(self, i: int) -> int:
        if self._sums is None:
            self._sums = list(accumulate(map(len, self._lines), initial=0))
        return self._sums[i]

    def __len__(self) -> int:
        return len(self._lines) + 1


_FINDINGS = attrgetter("findings")
_NOTHING = LineResult((), None, None, False)


def _no_load(s: checks.RowSummary) -> Row:
    raise RuntimeError("row checks load no rows")


def _pos(p: Position, line: int, offset: int) -> Position:
    return Position(p.line + line, p.column, p.utf16, p.offset + offset)


def _range(r: Range, line: int, offset: int) -> Range:
    return Range(_pos(r.start, line, offset), _pos(r.end, line, offset))


def _reoffset(f: Finding, old: _LineSums, new: _LineSums) -> Finding:
    """`f` with every byte offset moved by how much its line moved from `old` to `new`."""

    def pos(p: Position) -> Position:
        delta = new[p.line] - old[p.line] if p.line < len(new) else 0
        return Position(p.line, p.column, p.utf16, p.offset + delta)

    def rng(r: Range) -> Range:
        return Range(pos(r.start), pos(r.end))

    return Finding(
        f.code,
        f.severity,
        f.message,
        f.path,
        rng(f.range),
        [
            Fix(x.title, tuple(replace(e, range=rng(e.range)) for e in x.edits), x.safe)
            for x in f.fixes
        ],
        [replace(r, range=rng(r.range)) for r in f.related],
        f.row_line,
    )


def _shift(f: Finding, line: int, offset: int) -> Finding:
    """A finding of a line linted at line 0 / offset 0, moved to `line` / `offset`."""
    if line == 0 and offset == 0:
        return f
    return Finding(
        f.code,
        f.severity,
        f.message,
        f.path,
        _range(f.range, line, offset),
        [
            Fix(
                x.title,
                tuple(Edit(e.path, _range(e.range, line, offset), e.new_text) for e in x.edits),
                x.safe,
            )
            for x in f.fixes
        ],
        [Related(r.path, _range(r.range, line, offset), r.message) for r in f.related],
        None if f.row_line is None else f.row_line + line,
    )
