"""Lint a file that is being edited: re-lint only the lines an edit touches.

An editor buffer is kept as a list of lines (bytes, split on b"\\n" as the reader splits).
Each JSON Lines row is linted alone with the engine's own reader and row checks, as if it
were line 0 at offset 0; the result is cached by the line's bytes and moved to where the
line is when findings are asked for. Lines without a result are linted in batches: a
compact row that the engine's fast path proves clean gets its result without a `Row` (as
`FileChecker.check_lines` does), the others go through one reader and one `FileChecker`
per batch and each row's findings are moved back to line 0. File checks (format majority,
key consistency, duplicates, ...) run over the rows' summaries again only when an edit
changed what they can see: a row's summary signature, a duplicate group, the line count,
or a row they reported on. (File checks decide from `RowSummary` fields and load rows
only to locate what they report.) JSON-array files are re-checked whole: their rows span
many lines.

What an edit costs is proportional to the lines it touches: the lines that hold findings
are kept in a sorted index, line start offsets are summed lazily (an edit invalidates them
from its first line on), file findings keep their byte offsets relative to their line,
and only the findings that are shown (the first `limit` in file order) are built.

`findings()` equals `engine.check_bytes(path, b"\\n".join(lines), settings).findings`.
"""

from __future__ import annotations

import gc
import heapq
from array import array
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import accumulate, compress, islice, repeat
from operator import add, attrgetter, is_not, itemgetter, not_
from typing import TYPE_CHECKING, Any

from sftlint.engine import checks, engine
from sftlint.io import reader
from sftlint.io.reader import FileInfo, Row
from sftlint.model import Edit, Finding, Fix, Position, Range, Related
from sftlint.settings import Settings

if TYPE_CHECKING:
    from sftlint.lsp.worker import Job, LintWorker

_CACHE_LIMIT = 8192  # line results kept by text (undo, redo, lines moved around)
_HEAD_LINES = 50  # lines that decide whether a .json file is an array or JSON Lines
BATCH_MIN = 64  # unlinted lines in a row from which one checker lints them together
# Of a big buffer's bytes, what this process lints when a helper takes the rest: a little
# more than half, as the helper also reads the lines and packs its results.
_SHARE = 0.54


@dataclass(slots=True, eq=False)  # eq=False: `None in results` stays C-fast
class LineResult:
    """Linting one line alone, positioned as if it were line 0 at offset 0 (never changed:
    results are shared by lines of the same text)."""

    findings: tuple[Finding, ...]  # sorted by (offset, code), as the engine sorts
    summary: checks.RowSummary | None  # None: a blank line (not a row)
    signature: Any  # what file checks can see of the row
    crlf: bool
    owned: bool = False  # the summary is this result's alone (not cached): moved in place
    # A compact row the fast path proved clean: the result of every such row of its shape,
    # `summary` the shape's template; the row's length is its line's, its digest in `_dig`.
    shape: bool = False


def _signature(s: checks.RowSummary) -> tuple:
    return (s.format, s.keys, s.message_keys, s.types)  # digest: see _digests


def _rel_key(f: Finding) -> tuple[int, int, str]:
    """Sort key of a finding whose offsets are relative to its line's start: the engine's
    (offset, code) order, since line starts only grow."""
    start = f.range.start
    return (start.line, start.offset, f.code)


class _Starts:
    """starts[i] = byte offset of line i in b"\\n".join(lines), summed on first use; an
    edit invalidates only the starts after its first line."""

    __slots__ = ("_lines", "_starts")

    def __init__(self, lines: list[bytes]) -> None:
        self._lines = lines
        self._starts = [0]

    def invalidate(self, line: int) -> None:
        if len(self._starts) > line + 1:
            del self._starts[line + 1 :]

    def __getitem__(self, i: int) -> int:
        s = self._starts
        if i >= len(s):
            known = len(s) - 1
            more = accumulate(map(add, map(len, self._lines[known:i]), repeat(1)), initial=s[-1])
            next(more)
            s.extend(more)
        return s[i]


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
        self._generation = 0  # counts splices and resets (a helper's job is for one of them)
        self._expected: tuple[Job, int] | None = None  # (a helper's job, its generation)
        self._last_splice = 0  # where to look for them first
        self._cache: dict[tuple[bytes, bool, bool], LineResult] = {}
        self._shared: dict[tuple, tuple] = {}  # signatures by the ids of shared parts
        self._digests: Counter[int] = Counter()
        self._dig = _zeros(len(lines))  # digests of the shape results' rows, by line
        self._shape_results: dict[int, tuple[checks.RowSummary, LineResult]] = {}
        self.formats: Counter[str] = Counter()
        self._rows = 0
        self._crlf = 0
        self._flines: list[int] = []  # sorted: lines whose result has findings
        self._row_total = 0  # findings in all line results
        self._starts = _Starts(lines)
        self._fast: engine.FileChecker | None = None  # its fast path, for _lint_batch
        # File-check results (offsets relative to their line, sorted by _rel_key) and what
        # they were computed from.
        self._file_findings: list[Finding] | None = None
        self._file_rows: set[int] = set()  # lines a file check reported on
        self._changed: dict[int, tuple[Any, bool]] = {}  # line -> (old signature, was dup)
        self._array_findings: list[Finding] | None = None
        # Findings computed elsewhere, by source ("splits", "mask"); stored like file findings.
        self._external: dict[str, list[Finding]] = {}
        # Row findings of the loss-mask pass, by line, as if on line 0 (like `results`).
        self._mask_rows: list[tuple[Finding, ...]] = [()] * len(lines)
        self._mlines: list[int] = []  # sorted: lines with mask findings
        self._mask_total = 0

    def _layout_is_array(self) -> bool:
        if not self.path.lower().endswith(reader.JSON_SUFFIXES):
            return False
        return not reader.looks_like_jsonl(b"\n".join(self.lines[:_HEAD_LINES]))

    # --- edits ---------------------------------------------------------------------------

    def splice(self, start: int, stop: int, count: int) -> None:
        """Lines [start, stop) of the buffer were replaced by `count` lines (now in `lines`)."""
        if count == 0:  # a line becomes the first or the last: its result depends on that
            if stop == len(self.results) and start > 0:
                start, count = start - 1, 1
            elif start == 0 and stop < len(self.results):
                stop, count = stop + 1, 1
        elif start == stop:  # lines put after the last one or before the first one
            if start == len(self.results) and start > 0:
                start, count = start - 1, count + 1
            elif start == 0 and self.results:
                stop, count = 1, count + 1
        self._array_findings = None
        self._generation += 1
        self._starts.invalidate(start)
        delta = count - (stop - start)
        for source, external in self._external.items():
            moved = (_move_lines(f, self.path, start, stop, delta) for f in external)
            self._external[source] = [f for f in moved if f is not None]
        self._splice_mask(start, stop, count)
        if start < _HEAD_LINES and self._layout_is_array() != self.is_array:
            self.is_array = self._layout_is_array()
            self.reset()
            return
        old = self.results[start:stop]
        if delta:
            self._file_findings = None
            self._changed.clear()
        for i, r in enumerate(old, start):
            if r is None:
                self._file_findings = None
                continue
            was_dup = bool(r.summary and self._digests[self._digest(i, r)] > 1)
            if i in self._file_rows or r.crlf:
                self._file_findings = None
            if self._file_findings is not None and i not in self._changed:
                self._changed[i] = (r.signature, was_dup)
            self._forget(r, i)
        flines = self._flines
        lo = bisect_left(flines, start)
        hi = bisect_left(flines, stop, lo)
        if delta:
            flines[lo:] = [i + delta for i in flines[hi:]]
        elif hi > lo:
            del flines[lo:hi]
        self._unlinted += count - sum(r is None for r in old)
        self._last_splice = start
        self.results[start:stop] = [None] * count
        self._dig[start:stop] = _zeros(count)

    def reset(self, settings: Settings | None = None) -> None:
        """Forget every result (new settings, or the layout changed)."""
        if settings is not None:
            self.settings = settings
            self._fast = None
            self._cache.clear()
            self._external = {}
        self._mask_rows = [()] * len(self.lines)
        self._mlines.clear()
        self._mask_total = 0
        self._generation += 1
        self.is_array = self._layout_is_array()
        self.results = [None] * len(self.lines)
        self._dig = _zeros(len(self.lines))
        self._unlinted = len(self.lines)
        self._digests.clear()
        self.formats.clear()
        self._rows = self._crlf = self._row_total = 0
        self._flines.clear()
        self._starts.invalidate(0)
        self._file_findings = None
        self._changed.clear()
        self._array_findings = None

    def set_external(self, findings: list[Finding], source: str = "splits") -> None:
        """Findings computed elsewhere for the current text (the split checks, the loss-mask
        pass), replacing those of the same source: reported with this file's own, moved
        along by edits until replaced (dropped when an edit touches a line they name)."""
        starts = self._starts
        self._external[source] = sorted(
            (_relative(f, starts, self.path) for f in findings if f.path == self.path),
            key=_rel_key,
        )

    def set_mask(self, rows: dict[int, tuple[Finding, ...]], found: list[Finding]) -> None:
        """The loss-mask pass's findings for the current text: row findings by line (as if
        on line 0, kept by line like the row results: an edit drops those of the lines it
        touches and moves the others) and findings where they are (file-level)."""
        self._mask_rows = [()] * len(self.lines)
        for i, fs in rows.items():
            self._mask_rows[i] = fs
        self._mlines = sorted(rows)
        self._mask_total = sum(map(len, rows.values()))
        self.set_external(found, "mask")

    def _splice_mask(self, start: int, stop: int, count: int) -> None:
        if not self._mlines:
            self._mask_rows[start:stop] = [()] * count
            return
        old = self._mask_rows[start:stop]
        self._mask_total -= sum(map(len, old))
        self._mask_rows[start:stop] = [()] * count
        mlines, delta = self._mlines, count - (stop - start)
        lo = bisect_left(mlines, start)
        hi = bisect_left(mlines, stop, lo)
        mlines[lo:] = [i + delta for i in mlines[hi:]]

    def _digest(self, line: int, r: LineResult) -> int:
        """The digest of the row on `line`, whose result is `r` (a row's)."""
        return self._dig[line] if r.shape else r.summary.digest  # type: ignore[union-attr]

    def _forget(self, r: LineResult, line: int) -> None:
        self._crlf -= r.crlf
        self._row_total -= len(r.findings)
        s = r.summary
        if s is None:
            return
        self._rows -= 1
        if s.format is not None:
            self.formats[s.format] -= 1
        digest = self._digest(line, r)
        if self._digests[digest] > 1:
            self._digests[digest] -= 1
        else:  # no zero counts left behind: `duplicates()` goes through them all
            self._digests.pop(digest, None)

    def _count(self, r: LineResult, line: int) -> None:
        self._crlf += r.crlf
        if r.findings:
            self._row_total += len(r.findings)
            insort(self._flines, line)
        s = r.summary
        if s is None:
            return
        self._rows += 1
        if s.format is not None:
            self.formats[s.format] += 1
        self._digests[self._digest(line, r)] += 1

    # --- linting -------------------------------------------------------------------------

    def pending(self) -> bool:
        return bool(self._unlinted) or (self.is_array and self._array_findings is None)

    def expect(self, job: Job) -> None:
        """A helper's job for this buffer as it is now, its lines [job.first, end) sent or
        being sent (`lsp.transport` starts one while a big `didOpen` arrives): `lint_steps`
        takes its results instead of linting those lines (unless the buffer changes first).
        """
        if job.path == self.path and job.settings == self.settings and not self.is_array:
            self._expected = (job, self._generation)
        else:
            job.abandon()

    def close(self) -> None:
        """The buffer is gone: a helper's job expected for it is not wanted any more."""
        if self._expected is not None:
            self._expected[0].abandon()
            self._expected = None

    def lint_steps(
        self, chunk: int = 2000, helper: LintWorker | None = None
    ) -> Iterator[int | Job]:
        """Lint every line that has no result, yielding (lines done) every `chunk` lines so
        that a caller on an event loop can serve other messages in between.

        A big buffer with no result yet is linted in two processes: a helper process (a
        `worker.LintWorker`) lints the lines of an expected job, or the second half that
        this hands over to `helper`, while this one lints the others; then this yields the
        `Job` once (the caller waits until it is readable) and adopts its results, unless
        an edit came meanwhile (then it lints those lines itself).
        """
        if self.is_array:
            yield from self._check_array(helper)
            return
        done = 0
        job, generation = self._expected or (None, self._generation)
        self._expected = None
        if job is None and helper is not None:
            job = self._hand_off(helper, chunk)
        try:
            if job is not None and job.first is not None and self._generation == generation:
                for a, b in ((0, job.first), (job.stop, len(self.results))):  # not its lines
                    i = a
                    while i < b and self._generation == generation:
                        end = min(b, i + chunk)
                        done += self._lint_range(i, end)
                        i = end
                        yield done
                if self._generation == generation and job.running:
                    yield job
                packed = job.result() if self._generation == generation else None
                # Its lines are the ones it was sent (else they were not this buffer's).
                if packed is not None and len(packed[0]) == job.stop - job.first:
                    done += self.adopt(job.first, packed)
                    yield done
        finally:  # also when the caller stops (the document closed): the helper is freed
            if job is not None:
                job.abandon()  # a no-op once its result was taken
        i = self._next_dirty(self._last_splice)
        while i is not None:
            end = min(len(self.results), i + chunk)
            done += self._lint_range(i, end)
            yield done
            i = self._next_dirty(end)  # the buffer may have changed meanwhile

    def _check_array(self, helper: LintWorker | None) -> Iterator[Job]:
        """A JSON array's findings, computed whole by the helper when it is big (the caller
        waits for the `Job` it yields); else, or if the helper fails, here when asked."""
        if self._array_findings is not None or helper is None:
            return
        if self._starts[len(self.lines)] < helper.array_min_bytes:
            return
        generation = self._generation
        job = helper.check(self.path, self.settings, self.lines)
        if job is None:
            return
        try:
            yield job
            found = job.result()
            if found is not None and self._generation == generation:
                self._array_findings = found
        finally:
            job.abandon()  # a no-op once its result was taken

    def _lint_range(self, i: int, end: int) -> int:
        """Lint the lines of [i, end) that have no result; returns how many."""
        results = self.results
        if end - i >= BATCH_MIN and self._batchable() and results[i:end].count(None) == end - i:
            with _gc_paused():
                self._lint_batch(i, end)
            return end - i
        last = len(results) - 1
        done = 0
        for j in range(i, end):
            if results[j] is None:
                r = self._lint_line(j, j == last)
                results[j] = r
                self._unlinted -= 1
                self._count(r, j)
                done += 1
        return done

    def _hand_off(self, helper: LintWorker, chunk: int) -> Job | None:
        """Give the second part of a big, fresh buffer to `helper`; None if not worth it."""
        n = len(self.lines)
        if self._unlinted != n or n < 4 * chunk or not self._batchable():
            return None
        size = self._starts[n]
        if size < helper.min_bytes:
            return None
        job = helper.job(self.path, self.settings)
        if job is None:
            return None
        first = max(chunk, min(n - chunk, bisect_left(self._starts._starts, size * _SHARE)))
        for a in range(first, n, chunk):
            job.add(a, self.lines[a : a + chunk])
        job.end(n)
        return job

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

    def lint_all(self, helper: LintWorker | None = None) -> None:
        for _ in self.lint_steps(1 << 30 if helper is None else 2000, helper):
            pass  # a Job: its `result()` waits

    def _batchable(self) -> bool:
        # Loss-mask rules keep totals across rows: a shared checker would mix rows.
        return not self.settings.mask.tokenizer

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
        _add_problems(checker, info, pad)
        findings = checker.reporter.findings
        if pad:
            findings = [_shift(f, -1, -1) for f in findings]
        summary = checker.summaries[0] if checker.summaries else None
        result = self._result(findings, summary, line)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _lint_batch(self, a: int, b: int) -> None:
        """Lint lines [a, b) (all without a result): compact rows that the engine's fast
        path proves clean get their result here without a `Row` (as `check_lines` does),
        the others go through one reader and one checker (`_lint_fed`)."""
        lines, results = self.lines, self.results
        if self._fast is None:
            self._fast = engine.FileChecker(self.path, self.settings, _no_load)
        fast_check = self._fast.fast.check
        lean = not self._fast.other_checks  # else every row needs a RowContext
        shapes = self._shape_results
        dig = self._dig
        rest: list[int] = []
        digests: list[int] = []
        formats: list[str] = []
        # Line 0 (a BOM) and the last line (no newline) are read the reader's way.
        lo, hi = max(a, 1), min(b, len(lines) - 1)
        rest.extend(range(a, lo))
        for j in range(lo, hi):
            line = lines[j]
            hit = engine.compact_object(line, len(line)) if lean else None
            if hit is not None:
                fmt, t, clean = fast_check(hit[0])
                if clean and t is not None:
                    known = shapes.get(id(t))
                    results[j] = known[1] if known is not None else self._shape_result(t)
                    dig[j] = digest = hash(line)
                    digests.append(digest)
                    formats.append(fmt)
                    continue
            rest.append(j)
        rest.extend(range(max(hi, lo), b))
        # What _count does line by line, in bulk.
        self._rows += len(digests)
        self.formats.update(formats)
        self._digests.update(digests)
        self._unlinted -= b - a - len(rest)
        if rest:
            self._lint_fed(rest)

    def _lint_fed(self, todo: list[int]) -> None:
        """Lint lines `todo` (ascending, all without a result) with one reader and one
        checker, each line's findings moved back to line 0."""
        lines, results = self.lines, self.results
        last = len(lines) - 1
        pad = 1 if todo[0] > 0 else 0  # a line before: the reader strips a BOM on line 0 only
        feed: list[bytes] = [b"\n"] * pad
        starts: list[int] = [0] * pad  # reader offset of each fed line
        fed: list[int] = []  # the buffer line of each fed line after the pad
        at = pad
        for j in todo:
            line = lines[j]
            if j == last:
                if not line:
                    results[j] = _NOTHING  # the text ends with a newline: no line after it
                    continue
                data = line
            elif j == 0 or not line.strip():
                data = line + b"\n"  # blank lines (J007 and its fix) as the file has them
            else:
                data = line  # a row: the reader takes it without its newline, uncopied
            feed.append(data)
            starts.append(at)
            fed.append(j)
            at += len(data)
        info = FileInfo()
        checker = engine.FileChecker(self.path, self.settings, _no_load)
        for row in reader.read_jsonl(self.path, feed, info):
            checker.check_row(row)
        _add_problems(checker, info, pad)
        found: dict[int, list[Finding]] = {}
        for f in checker.reporter.findings:
            k = f.range.start.line if f.row_line is None else f.row_line
            found.setdefault(k, []).append(_shift(f, -k, -starts[k]))
        summaries = {s.line: s for s in checker.summaries}
        crlf = 0
        for k, j in enumerate(fed, pad):
            fs = found.get(k)
            r = self._result(fs, summaries.get(k), lines[j], owned=True)
            results[j] = r
            crlf += r.crlf
            if fs:
                self._row_total += len(fs)
                insort(self._flines, j)
        # What _count does line by line, in bulk.
        self._crlf += crlf
        self._rows += len(summaries)
        self.formats.update(s.format for s in summaries.values() if s.format is not None)
        self._digests.update(s.digest for s in summaries.values())
        self._unlinted -= len(todo)

    def adopt(self, first: int, packed: Packed) -> int:
        """Take the results of lines [first, first + len(kinds)) linted elsewhere by a
        `PieceLinter` (for this text: no edit since); returns how many lines that is (0 if
        some of them have results already: those are kept)."""
        kinds, digests, templates, others = packed
        lines, results = self.lines, self.results
        end = first + len(kinds)
        if end > len(lines) or results[first:end].count(None) != len(kinds):
            return 0
        table = [self._shape_result(t) for t in templates]
        rest = iter(others)
        results[first:end] = [
            table[k] if k >= 0 else _NOTHING if k == _BLANK_END else next(rest) for k in kinds
        ]
        self._dig[first:end] = digests
        # What _count does line by line, in bulk for the shape results.
        shaped = Counter(k for k in kinds if k >= 0)
        self._rows += sum(shaped.values())
        for k, n in shaped.items():
            self.formats[templates[k].format] += n  # type: ignore[index]
        self._digests.update(d for k, d in zip(kinds, digests, strict=True) if k >= 0)
        for j in (j for j, k in enumerate(kinds, first) if k == _OTHER):
            r = results[j]
            if r.summary is not None:  # type: ignore[union-attr]
                r.signature = self._signature_of(r.summary)  # type: ignore[union-attr]
            self._count(r, j)  # type: ignore[arg-type]
        self._unlinted -= len(kinds)
        return len(kinds)

    def _shape_result(self, t: checks.RowSummary) -> LineResult:
        """The result of the clean compact rows of shape template `t` (see `LineResult`)."""
        if len(self._shape_results) >= _CACHE_LIMIT:
            self._shape_results.clear()  # rows keep theirs; templates made anew get new ones
        r = LineResult((), t, self._signature_of(t), False, shape=True)
        self._shape_results[id(t)] = (t, r)  # holding `t` keeps its id its own
        return r

    def _result(
        self, findings: Any, summary: checks.RowSummary | None, line: bytes, owned: bool = False
    ) -> LineResult:
        signature = None if summary is None else self._signature_of(summary)
        ordered = tuple(sorted(findings, key=_offset_code)) if findings else ()
        return LineResult(ordered, summary, signature, line.endswith(b"\r"), owned)

    def _signature_of(self, summary: checks.RowSummary) -> Any:
        # The fast path shares these parts among the rows of one shape.
        key = (summary.format, id(summary.keys), id(summary.message_keys), id(summary.types))
        signature = self._shared.get(key)
        if signature is None:
            if len(self._shared) >= _CACHE_LIMIT:
                self._shared.clear()
            signature = _signature(summary)  # holds the parts: their ids stay theirs
            self._shared[key] = signature
        return signature

    # --- results -------------------------------------------------------------------------

    def located(self, limit: int | None = None) -> tuple[list[tuple[int | None, Finding]], int]:
        """The first `limit` findings in file order, unbuilt, and how many there are in all.

        Each is (line, f): `f` as linted on line 0, to be moved to `line`; or (None, f):
        `f` on its own lines, with byte offsets relative to each line's start. Line numbers
        and UTF-16 columns (all a diagnostic needs) are right either way.
        """
        if self.is_array:
            found = self.findings(limit)
            return [(0, f) for f in found[0]], found[1]
        if self._unlinted:
            self.lint_all()
        file_findings = self._file_checks()
        externals = list(self._external.values())
        total = self._row_total + self._mask_total + len(file_findings)
        total += sum(map(len, externals))
        merged = heapq.merge(
            self._row_stream(),
            self._mask_stream(),
            ((_rel_key(f), None, f) for f in file_findings),
            *(((_rel_key(f), None, f) for f in found) for found in externals),
            key=itemgetter(0),
        )
        if limit is not None:
            merged = islice(merged, limit)
        return [(line, f) for _, line, f in merged], total

    def _row_stream(self) -> Iterator[tuple[tuple[int, int, str], int, Finding]]:
        results = self.results
        for i in self._flines:
            for f in results[i].findings:  # type: ignore[union-attr]
                yield (i, f.range.start.offset, f.code), i, f

    def _mask_stream(self) -> Iterator[tuple[tuple[int, int, str], int, Finding]]:
        rows = self._mask_rows
        for i in self._mlines:
            for f in rows[i]:
                yield (i, f.range.start.offset, f.code), i, f

    def findings(self, limit: int | None = None) -> tuple[list[Finding], int]:
        """(the findings sorted as the engine sorts them, at most `limit`; how many in all)."""
        if self.is_array:
            if self._array_findings is None:
                data = b"\n".join(self.lines)
                self._array_findings = engine.check_bytes(self.path, data, self.settings).findings
            found = self._array_findings
            externals = [f for fs in self._external.values() for f in fs]
            if externals:
                starts = self._starts
                extra = [_absolute(f, starts, self.path) for f in externals]
                found = sorted([*found, *extra], key=lambda f: f.sort_key)
            return (found if limit is None else found[:limit]), len(found)
        located, total = self.located(limit)
        return [self._build(line, f) for line, f in located], total

    def _build(self, line: int | None, f: Finding) -> Finding:
        starts = self._starts
        if line is None:
            return _absolute(f, starts, self.path)
        return _shift(f, line, starts[line])

    def findings_between(self, first: int, last: int) -> list[Finding]:
        """Findings whose range touches lines [first, last] (for hovers and code actions)."""

        def touches(f: Finding) -> bool:
            return f.range.start.line <= last and f.range.end.line >= first

        if self.is_array:
            return [f for f in self.findings()[0] if touches(f)]
        if self._unlinted:
            self.lint_all()
        externals = [f for fs in self._external.values() for f in fs]
        out = [self._build(None, f) for f in (*self._file_checks(), *externals) if touches(f)]
        flines = self._flines
        for i in flines[bisect_left(flines, max(0, first)) : bisect_left(flines, last + 1)]:
            out.extend(self._build(i, f) for f in self.results[i].findings)  # type: ignore[union-attr]
        mlines = self._mlines
        for i in mlines[bisect_left(mlines, max(0, first)) : bisect_left(mlines, last + 1)]:
            out.extend(self._build(i, f) for f in self._mask_rows[i])
        out.sort(key=lambda f: f.sort_key)
        return out

    def summaries(self) -> checks.Summaries:
        """Every row's summary, positioned where the row now is (as the engine gives them)."""
        if self._unlinted:
            self.lint_all()
        self._starts[len(self.lines)]  # sum every line start at once
        line_starts = self._starts._starts
        lines, results = self.lines, self.results
        # Columns built at C speed: most rows are shape rows (their own fields: where their
        # line is, its length and their digest).
        summaries = list(map(_SUMMARY, results))
        rows = list(compress(range(len(results)), map(is_not, summaries, repeat(None))))
        shapes = list(map(summaries.__getitem__, rows))
        offsets = list(map(line_starts.__getitem__, rows))
        lengths = list(map(len, map(lines.__getitem__, rows)))
        digests = list(map(self._dig.__getitem__, rows))
        shaped = map(_SHAPE, map(results.__getitem__, rows))
        own = list(compress(range(len(rows)), map(not_, shaped)))
        bom = lines[0].startswith(reader.BOM)
        for k in own:  # rows with a summary of their own, positioned here
            i, r = rows[k], results[rows[k]]
            s = shapes[k]
            offset = 3 if i == 0 and bom else line_starts[i]
            if r.owned:  # type: ignore[union-attr]  # cheaper than a new summary
                s.index, s.line, s.end_line, s.offset = k, i, i, offset
            else:
                s = replace(s, index=k, line=i, end_line=i, offset=offset)
            shapes[k], offsets[k], lengths[k], digests[k] = s, offset, s.length, s.digest
        return checks.Summaries.from_columns(rows, offsets, lengths, digests, shapes, own)

    def _info(self) -> FileInfo:
        info = FileInfo()
        n = len(self.lines)
        info.lines = n if self.lines[-1] else n - 1
        info.bytes = self._starts[n] - 1
        info.rows = self._rows
        info.crlf_lines = self._crlf
        if self._crlf:
            i = next(i for i, r in enumerate(self.results) if r is not None and r.crlf)
            raw = self.lines[i][:-1]
            start = self._starts[i]
            if i == 0 and raw.startswith(reader.BOM):
                raw, start = raw[3:], 3
            info.first_crlf = reader._line_range(i, start, raw, len(raw), len(raw))
        return info

    def _file_checks(self) -> list[Finding]:
        if self._file_findings is not None and self._unchanged_for_file_checks():
            self._changed.clear()
            return self._file_findings
        summaries = _FileCheckSummaries(self)
        reporter = checks.Reporter(self.settings)
        ctx = checks.FileContext(
            self.path, summaries, reporter, self._load, self.settings.fields, self._info()
        )
        for check in checks.FILE_CHECKS:
            check(ctx)
        starts = self._starts
        found = [_relative(f, starts, self.path) for f in reporter.findings]
        found.sort(key=_rel_key)
        self._file_findings = found
        self._file_rows = {f.row_line for f in found if f.row_line is not None}
        self._file_rows.update(f.range.start.line for f in found)
        # A fix or a related range can name other lines (a row's deletion starts at the end
        # of the line before it): an edit there makes the finding stale too.
        self._file_rows.update(
            n
            for f in found
            for x in f.fixes
            for e in x.edits
            if e.path == self.path
            for n in _lines(e.range)
        )
        self._file_rows.update(
            n for f in found for r in f.related if r.path == self.path for n in _lines(r.range)
        )
        self._changed.clear()
        return found

    def _unchanged_for_file_checks(self) -> bool:
        for i, (signature, was_dup) in self._changed.items():
            r = self.results[i]
            if r is None or r.signature != signature:
                return False
            if (
                was_dup
                or r.crlf
                or (r.summary is not None and self._digests[self._digest(i, r)] > 1)
            ):
                return False
        return True

    def _load(self, s: checks.RowSummary) -> Row:
        raw = self.lines[s.line]
        if s.line == 0 and raw.startswith(reader.BOM):
            raw = raw[3:]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        row = Row(self.path, s.index, s.line, s.end_line, s.offset, raw, s.prefix)
        reader.parse_row(row)
        return row


_NOTHING = LineResult((), None, None, False)


class _FileCheckSummaries(checks.Summaries):
    """The rows' summaries as file checks see them, built only if a check goes through
    the rows (it has something to report): the counts of shape fields and whether two
    rows may be alike come from the linter's own tallies, which a clean file needs alone.
    """

    __slots__ = ("_built", "_linter", "_results")

    def __init__(self, linter: IncrementalLinter) -> None:
        super().__init__()
        self._linter = linter
        self._built = False
        self._results: Counter[LineResult] | None = None  # rows by result (shared or not)

    def _build(self) -> None:
        if not self._built:
            full = self._linter.summaries()
            self._ints, self._shapes, self._own = full._ints, full._shapes, full._own
            self._built = True

    def __len__(self) -> int:
        return self._linter._rows

    def _get(self, i: int) -> checks.RowSummary:
        self._build()
        return super()._get(i)

    def __iter__(self) -> Iterator[checks.RowSummary]:
        self._build()
        return super().__iter__()

    def tally(self, attr: str) -> Counter[Any]:
        """Rows of one result (a shape's, or lines of one text) count together; values in
        order of first appearance, as the rows'."""
        if self._results is None:
            self._results = Counter(self._linter.results)  # by identity: eq=False
        out: Counter[Any] = Counter()
        for r, n in self._results.items():
            if r is not None and r.summary is not None:
                out[getattr(r.summary, attr)] += n
        return out

    def digests(self) -> list[int]:
        self._build()
        return super().digests()

    def duplicates(self) -> bool:
        return any(n > 1 for n in self._linter._digests.values())


_SUMMARY, _SHAPE = attrgetter("summary"), attrgetter("shape")

# A helper's results: for each line (`kinds`), the number of its clean shape in `templates`
# (its digest is the next of `digests`), or _OTHER (its result is the next of `others`),
# or _BLANK_END (the empty line after a final newline).
Packed = tuple[array, array, list[checks.RowSummary], list[LineResult]]
_OTHER, _BLANK_END = -1, -2


class PieceLinter:
    """Lints the lines of a buffer that come piece by piece, each right after the one
    before, exactly as `IncrementalLinter` lints them (a helper process's job: `worker`,
    or the server while a big `didOpen` arrives); `finish` gives the results packed for
    `IncrementalLinter.adopt`. The last line of each piece waits for the next: whether it
    is the buffer's last line (no newline after it) is known only then."""

    def __init__(self, path: str, settings: Settings) -> None:
        self.linter = IncrementalLinter(path, settings, [])
        self.linter.is_array = False  # only JSON Lines buffers are handed over
        self.next: int | None = None  # the line after the last one added
        self.held: bytes | None = None  # the last line so far
        self.kinds, self.digests = array("i"), array("q")
        self.templates: list[checks.RowSummary] = []
        self._numbers: dict[int, int] = {}  # id(shape result) -> its number
        self._shapes: list[LineResult] = []  # the numbered shape results (their ids stay)
        self.others: list[LineResult] = []

    def add(self, first: int, lines: list[bytes]) -> None:
        """Lines [first, first + len(lines)); `first`: the line after the last piece's."""
        if not lines:
            return
        if self.next is not None and first != self.next:
            raise ValueError(f"piece at line {first}, after lines up to {self.next}")
        self.next = first + len(lines)
        if self.held is not None:
            first, lines = first - 1, [self.held, *lines]
        self.held = lines.pop()
        self._lint(first, lines, first + len(lines) + 1)

    def finish(self, total: int) -> Packed:
        """The results of lines [first, next): `total` is the buffer's line count."""
        if self.held is not None and self.next is not None:
            self._lint(self.next - 1, [self.held], total)
            self.held = None
        return self.kinds, self.digests, self.templates, self.others

    def _lint(self, a: int, piece: list[bytes], size: int) -> None:
        """Lint lines [a, a + len(piece)) of a buffer of `size` lines."""
        if not piece:
            return
        linter = self.linter
        lines, results, dig = linter.lines, linter.results, linter._dig
        b = a + len(piece)
        # Placeholders elsewhere: only `size` (which line is the last) matters.
        _resize(lines, size, b"")
        _resize(results, size, None)
        _resize(dig, size, 0)
        lines[a:b] = piece
        with _gc_paused():
            linter._lint_batch(a, b)
        kinds, numbers = self.kinds, self._numbers
        for r in results[a:b]:
            if r is _NOTHING:
                kinds.append(_BLANK_END)
            elif r.shape:  # type: ignore[union-attr]
                number = numbers.get(id(r))
                if number is None:
                    number = numbers[id(r)] = len(self.templates)
                    self.templates.append(r.summary)  # type: ignore[union-attr, arg-type]
                    self._shapes.append(r)
                kinds.append(number)
            else:
                kinds.append(_OTHER)
                self.others.append(r)  # type: ignore[arg-type]
        self.digests.extend(dig[a:b])
        lines[a:b] = [b""] * (b - a)  # done with them
        results[a:b] = [None] * (b - a)


def _resize(items: Any, size: int, filler: Any) -> None:
    """Grow a list or array to `size` items with `filler`, or cut it there."""
    if len(items) < size:
        items.extend([filler] * (size - len(items)))
    else:
        del items[size:]


def _zeros(n: int) -> array:
    return array("q", bytes(8 * n))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a batch adds its results (a few objects a line,
    none in a cycle): collections triggered by them cost a fifth of a big open."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _offset_code(f: Finding) -> tuple[int, str]:
    return (f.range.start.offset, f.code)


def _no_load(s: checks.RowSummary) -> Row:
    raise RuntimeError("row checks load no rows")


def _add_problems(checker: engine.FileChecker, info: FileInfo, pad: int) -> None:
    """The reader's file-level problems (BOM, blank lines) as findings of their line."""
    for p in info.problems:
        if pad and p.code == "J007" and p.range.start.line == 0:
            continue  # the blank line put before the others
        checker.reporter.add(
            p.code,
            p.message,
            checker.path,
            p.range,
            fixes=p.fixes,
            related=[Related(checker.path, r, m) for r, m in p.related],
        )


def _pos(p: Position, line: int, offset: int) -> Position:
    return Position(p.line + line, p.column, p.utf16, p.offset + offset)


def _range(r: Range, line: int, offset: int) -> Range:
    return Range(_pos(r.start, line, offset), _pos(r.end, line, offset))


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


def _map_positions(f: Finding, path: str, pos: Any) -> Finding:
    """`f` with `pos` applied to every position in `path` (others are in other files)."""

    def rng(r: Range) -> Range:
        return Range(pos(r.start), pos(r.end))

    return Finding(
        f.code,
        f.severity,
        f.message,
        f.path,
        rng(f.range) if f.path == path else f.range,
        [
            Fix(
                x.title,
                tuple(replace(e, range=rng(e.range)) if e.path == path else e for e in x.edits),
                x.safe,
            )
            for x in f.fixes
        ],
        [replace(r, range=rng(r.range)) if r.path == path else r for r in f.related],
        f.row_line,
    )


def _relative(f: Finding, starts: _Starts, path: str) -> Finding:
    """Byte offsets in `path` made relative to their line's start (edits of other lines
    then leave them right)."""
    return _map_positions(
        f, path, lambda p: Position(p.line, p.column, p.utf16, p.offset - starts[p.line])
    )


def _absolute(f: Finding, starts: _Starts, path: str) -> Finding:
    return _map_positions(
        f, path, lambda p: Position(p.line, p.column, p.utf16, p.offset + starts[p.line])
    )


def _move_lines(f: Finding, path: str, start: int, stop: int, delta: int) -> Finding | None:
    """A relative finding after lines [start, stop) became `stop - start + delta` lines:
    None when it names one of those lines, else moved with the lines after them."""
    lines = [f.range.start.line, f.range.end.line] if f.path == path else []
    lines += [n for x in f.fixes for e in x.edits if e.path == path for n in _lines(e.range)]
    lines += [n for r in f.related if r.path == path for n in _lines(r.range)]
    if any(start <= n < stop for n in lines):
        return None
    if not delta or not any(n >= stop for n in lines):
        return f
    return _map_positions(
        f,
        path,
        lambda p: Position(p.line + delta, p.column, p.utf16, p.offset) if p.line >= stop else p,
    )


def _lines(r: Range) -> tuple[int, int]:
    return (r.start.line, r.end.line)
