"""The loss-mask pass: the L rules over a buffer's rows, apart from the other checks.

Tokenizing is the slow part of linting, so the language server runs it on its own (in an
executor, over a snapshot of the buffer's lines) while the structural checks stay fast.
The per-row work and the file-level verdict are the engine's own (`mask_rules.mask_row`,
`mask_rules.report_totals`, as `sftlint check` runs them). A JSON Lines row's outcome is
cached by its line's bytes, positioned as if the row were line 0 at offset 0 (as the
incremental linter keeps its results), so an edit re-tokenizes only the rows it touches;
the file totals are summed again from the cached tallies on every pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sftlint.io import filecolumns, formats, reader
from sftlint.io.reader import FileInfo, Row
from sftlint.model import Finding
from sftlint.rules import checks, mask_rules
from sftlint.settings import Settings

_CACHE_LIMIT = 200_000  # rows whose outcome is kept (a 100,000-row file, edited)
_FULL_LIMIT = 200  # full mask results kept for the marker fix's sample


@dataclass(frozen=True, slots=True)
class Tally:
    """What the file totals (`masking.MaskTotals`) read of a row's result, without its
    tokens (100,000 rows of token lists would not fit in memory)."""

    total_tokens: int
    trained_tokens: int
    headers: dict[str, str]

    @property
    def ids(self) -> bool:  # MaskTotals asks `result.ids` whether the row has tokens
        return self.total_tokens > 0


@dataclass(frozen=True, slots=True)
class RowOutcome:
    findings: tuple[Finding, ...]  # as if the row were line 0 at offset 0
    tallies: tuple[Tally | None, ...]  # `MaskTotals.add(*tallies)`; () when not counted


@dataclass(slots=True)
class PassResult:
    rows: dict[int, tuple[Finding, ...]]  # line -> its row's findings, as if on line 0
    file: list[Finding]  # where they are: file-level findings (and any of a JSON array)
    stats: dict[str, int] = field(default_factory=dict)  # mask_rules.totals_stats


_NONE = RowOutcome((), ())


class MaskPass:
    """The loss-mask findings of one buffer, pass after pass. Not thread-safe: one pass at
    a time (the server runs at most one per document)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._settings: Settings | None = None
        # The buffer's columns, when the profile reads rows with them (Axolotl): a change
        # (a row gains `system`) changes other rows' outcomes.
        self._columns: frozenset[str] | None = None
        self._buffer_columns = filecolumns.BufferColumns(path)
        self._cache: dict[tuple[bytes, bool], RowOutcome] = {}
        self._full: dict[tuple[bytes, bool], Any] = {}  # key -> the row's first MaskResult

    def run(
        self, lines: list[bytes], settings: Settings, stale: Callable[[], bool]
    ) -> PassResult | None:
        """Findings of the text `b"\\n".join(lines)` with `settings` (which name a
        tokenizer); None as soon as `stale()` says the result is no longer wanted."""
        columns = None
        if mask_rules.reads_table(settings):
            columns = self._buffer_columns.of(lines)
        if settings != self._settings or columns != self._columns:
            self._settings, self._columns = settings, columns
            self._cache.clear()
            self._full.clear()
        st = mask_rules.mask_state(settings)
        if isinstance(st, str):
            return self._unusable(lines, settings, st)
        if self._is_array(lines):
            return self._run_array(lines, settings, st, stale)
        rows: dict[int, tuple[Finding, ...]] = {}
        totals = st.totals
        counted: list[tuple[int, RowOutcome]] = []
        cache = self._cache
        for i, line in enumerate(lines):
            if stale():
                return None
            key = (line, i == 0)
            outcome = cache.get(key)
            if outcome is None:
                outcome = self._outcome(i, line, settings, st)
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()
                cache[key] = outcome
            if outcome.findings:
                rows[i] = outcome.findings
            if outcome.tallies:
                # A Tally has what MaskTotals.add reads of a result; the sample of real
                # results the marker fix needs is taken again below.
                totals.add(*outcome.tallies)  # type: ignore[arg-type]
                counted.append((i, outcome))
        if totals.summary.rows_training_nothing and st.settings.strategy == "markers":
            totals.sample = self._sample(lines, counted, settings, st, len(totals.sample))
        reporter = checks.Reporter(settings)
        summary = mask_rules.report_totals(reporter, self.path, totals, st)
        return PassResult(rows, reporter.findings, mask_rules.totals_stats(summary))

    def _is_array(self, lines: list[bytes]) -> bool:
        if not self.path.lower().endswith(reader.JSON_SUFFIXES):
            return False
        return not reader.looks_like_jsonl(b"\n".join(lines[:50]))

    def _rows_of_line(self, i: int, line: bytes) -> Iterator[Row]:
        # The reader strips a BOM from the first line only: put one line before the others.
        pad = [b"\n"] if i > 0 else []
        return reader.read_jsonl(self.path, [*pad, line], FileInfo())

    def _outcome(self, i: int, line: bytes, settings: Settings, st: Any) -> RowOutcome:
        if not line.strip():
            return _NONE
        for row in self._rows_of_line(i, line):
            if not row.ok:
                continue
            reporter, results = _mask(row, settings, st, self._columns)
            findings = reporter.findings
            if i > 0:
                findings = [f.moved(-1, -1) for f in findings]
            found = [r for r in results if r is not None and r.ids]
            if found and len(self._full) < _FULL_LIMIT:
                self._full[(line, i == 0)] = found[0]
            tallies = tuple(
                None if r is None else Tally(r.total_tokens, r.trained_tokens, r.headers)
                for r in results
            )
            return RowOutcome(tuple(sorted(findings, key=_offset_code)), tallies)
        return _NONE

    def _sample(
        self,
        lines: list[bytes],
        counted: list[tuple[int, RowOutcome]],
        settings: Settings,
        st: Any,
        size: int,
    ) -> list[Any]:
        """The full results of the rows the totals sampled (the first `size` with tokens),
        which the marker fix tries its candidates on; rows not kept are analysed again."""
        out: list[Any] = []
        for i, outcome in counted:
            if len(out) >= size:
                break
            if not any(t is not None and t.ids for t in outcome.tallies):
                continue
            key = (lines[i], i == 0)
            full = self._full.get(key)
            if full is None:
                for row in self._rows_of_line(i, lines[i]):
                    _, results = _mask(row, settings, st, self._columns)
                    full = next(r for r in results if r is not None and r.ids)
            out.append(full)
        return out

    def _run_array(
        self, lines: list[bytes], settings: Settings, st: Any, stale: Callable[[], bool]
    ) -> PassResult | None:
        """A JSON array's rows span lines: checked whole, every pass (no cache)."""
        reporter = checks.Reporter(settings)
        reporter.state["mask"] = st
        reporter.state["columns"] = self._columns
        for row in reader.read_bytes(self.path, b"\n".join(lines), FileInfo()):
            if stale():
                return None
            if row.ok:
                ctx = checks.RowContext(row, _format(row, settings), settings.fields, reporter)
                st.totals.add(*mask_rules.mask_row(ctx, st))
        summary = mask_rules.report_totals(reporter, self.path, st.totals, st)
        return PassResult({}, reporter.findings, mask_rules.totals_stats(summary))

    def _unusable(self, lines: list[bytes], settings: Settings, why: str) -> PassResult:
        """L012 on the first row, as `sftlint check` reports it; no other L finding."""
        reporter = checks.Reporter(settings)
        data = b"\n".join(lines)
        for row in reader.read_bytes(self.path, data, FileInfo()):
            if row.ok:
                ctx = checks.RowContext(row, _format(row, settings), settings.fields, reporter)
                ctx.report("L012", why, (), "value")
                break
        return PassResult({}, reporter.findings)


def _format(row: Row, settings: Settings) -> str:
    return formats.detect(row.value, settings.fields)


def _mask(
    row: Row, settings: Settings, st: Any, columns: frozenset[str] | None
) -> tuple[checks.Reporter, tuple[Any, ...]]:
    """One row through the engine's loss-mask check: its findings and its results;
    `columns`: the buffer's, not the file on disk's (None: the profile reads none)."""
    reporter = checks.Reporter(settings)
    reporter.state["columns"] = columns
    ctx = checks.RowContext(row, _format(row, settings), settings.fields, reporter)
    return reporter, mask_rules.mask_row(ctx, st)


def _offset_code(f: Finding) -> tuple[int, str]:
    return (f.range.start.offset, f.code)
