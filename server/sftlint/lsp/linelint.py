"""Linting the lines of a JSON Lines buffer, each as if it were line 0 at offset 0.

A line's result (`LineResult`) depends on its bytes alone (and whether it is the first or
the last line), so it is cached by them and shared by lines of the same text; the
incremental linter moves it to where the line is when findings are asked for. Lines are
linted alone (`lint_line`) or in batches (`lint_batch`): a compact row that the engine's
fast path proves clean gets its shape's result without a `Row` (as
`FileChecker.check_lines` does), the others go through one reader and one `FileChecker`
per batch, each row's findings moved back to line 0.
"""

from __future__ import annotations

import gc
from array import array
from bisect import insort
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sftlint.engine import engine
from sftlint.io import reader
from sftlint.io.reader import FileInfo, Row
from sftlint.model import Finding, Related
from sftlint.rules import checks
from sftlint.settings import Settings

CACHE_LIMIT = 8192  # line results kept by text (undo, redo, lines moved around)

# What file checks can see of a row, but its digests (of the row, and K006's of its
# prompt): (format, keys, message keys, types, system turn or not, KTO label).
Signature = tuple[Any, ...]


@dataclass(slots=True, eq=False)  # eq=False: `None in results` stays C-fast
class LineResult:
    """Linting one line alone, positioned as if it were line 0 at offset 0 (never changed:
    results are shared by lines of the same text)."""

    findings: tuple[Finding, ...]  # sorted by (offset, code), as the engine sorts
    summary: checks.RowSummary | None  # None: a blank line (not a row)
    signature: Signature | None
    crlf: bool
    owned: bool = False  # the summary is this result's alone (not cached): moved in place
    # A compact row the fast path proved clean: the result of every such row of its shape,
    # `summary` the shape's template; the row's length is its line's, its digest is kept
    # by line beside the results.
    shape: bool = False
    lone: int = 0  # "\r"s inside the line (not its last byte): lone CRs, J011 counts them


NOTHING = LineResult((), None, None, False)  # the empty line after a final newline


@dataclass(slots=True)
class Tallies:
    """Counts over every line result, kept as results come and go: what the file checks
    and the findings list need without going through the rows."""

    formats: Counter[str] = field(default_factory=Counter)
    digests: Counter[int] = field(default_factory=Counter)  # no zero counts kept
    prompts: Counter[int] = field(default_factory=Counter)  # K006's, but 0; no zero counts
    rows: int = 0
    crlf: int = 0
    lone: int = 0
    findings: int = 0  # row findings in all line results
    flines: list[int] = field(default_factory=list)  # sorted: lines whose result has findings

    def add(self, r: LineResult, line: int, digest: int, prompt: int) -> None:
        self.crlf += r.crlf
        self.lone += r.lone
        if r.findings:
            self.findings += len(r.findings)
            insort(self.flines, line)
        s = r.summary
        if s is None:
            return
        self.rows += 1
        if s.format is not None:
            self.formats[s.format] += 1
        self.digests[digest] += 1
        if prompt:
            self.prompts[prompt] += 1

    def remove(self, r: LineResult, digest: int, prompt: int) -> None:
        """Take `r` out (its line's entry in `flines` is the caller's to drop)."""
        self.crlf -= r.crlf
        self.lone -= r.lone
        self.findings -= len(r.findings)
        s = r.summary
        if s is None:
            return
        self.rows -= 1
        if s.format is not None:
            self.formats[s.format] -= 1
        if self.digests[digest] > 1:
            self.digests[digest] -= 1
        else:  # no zero counts left behind: `duplicates()` goes through them all
            self.digests.pop(digest, None)
        if self.prompts[prompt] > 1:
            self.prompts[prompt] -= 1
        else:
            self.prompts.pop(prompt, None)


class LineLinter:
    """Lints lines of one file with one set of settings; keeps what lines of the same text
    or rows of the same shape share."""

    def __init__(self, path: str, settings: Settings) -> None:
        self.path = path
        self.settings = settings
        self._cache: dict[tuple[bytes, bool, bool], LineResult] = {}
        self._shared: dict[tuple, Signature] = {}  # signatures by the ids of shared parts
        self._shapes: dict[int, tuple[checks.RowSummary, LineResult]] = {}
        self._fast: engine.FileChecker | None = None  # its fast path, for `lint_batch`

    def lint_line(self, lines: list[bytes], i: int) -> LineResult:
        last = i == len(lines) - 1
        line = lines[i]
        key = (line, i == 0, last)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if last and not line:
            return NOTHING  # the text ends with a newline: no line after it
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
            findings = [f.moved(-1, -1) for f in findings]
        summary = checker.summaries[0] if checker.summaries else None
        result = self._result(findings, summary, line)
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def lint_batch(
        self,
        lines: list[bytes],
        results: list[LineResult | None],
        digests: tuple[array, array],
        tallies: Tallies,
        a: int,
        b: int,
    ) -> None:
        """Lint lines [a, b) (all without a result) into `results`, the digests of shape
        results' rows (row and prompt digests: the summary's ints) into `digests`, and
        count them in `tallies`."""
        if self._fast is None:
            self._fast = engine.FileChecker(self.path, self.settings, _no_load)
        fast_check = self._fast.fast.check
        lean = not self._fast.other_checks  # else every row needs a RowContext
        shapes = self._shapes
        rest: list[int] = []
        found: list[int] = []
        prompts: list[int] = []
        formats: list[str] = []
        rows, prompt_of = digests
        # Line 0 (a BOM) and the last line (no newline) are read the reader's way.
        lo, hi = max(a, 1), min(b, len(lines) - 1)
        rest.extend(range(a, lo))
        for j in range(lo, hi):
            line = lines[j]
            hit = engine.compact_object(line, len(line)) if lean else None
            if hit is not None:
                fmt, t, _, prompt = fast_check(hit[0])
                if prompt is not None and t is not None:  # a clean row
                    known = shapes.get(id(t))
                    results[j] = known[1] if known is not None else self._shape_result(t)
                    rows[j] = digest = prompt or hash(line)  # checks.row_digest
                    found.append(digest)
                    prompt_of[j] = prompt
                    if prompt:
                        prompts.append(prompt)
                    formats.append(fmt)
                    continue
            rest.append(j)
        rest.extend(range(max(hi, lo), b))
        # What `Tallies.add` does row by row, in bulk.
        tallies.rows += len(found)
        tallies.formats.update(formats)
        tallies.digests.update(found)
        tallies.prompts.update(prompts)
        if rest:
            self._lint_fed(lines, results, tallies, rest)

    def _lint_fed(
        self,
        lines: list[bytes],
        results: list[LineResult | None],
        tallies: Tallies,
        todo: list[int],
    ) -> None:
        """Lint lines `todo` (ascending, all without a result) with one reader and one
        checker, each line's findings moved back to line 0."""
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
                    results[j] = NOTHING  # the text ends with a newline: no line after it
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
            found.setdefault(k, []).append(f.moved(-k, -starts[k]))
        summaries = {s.line: s for s in checker.summaries}
        crlf = 0
        for k, j in enumerate(fed, pad):
            fs = found.get(k)
            r = self._result(fs, summaries.get(k), lines[j], owned=True)
            results[j] = r
            crlf += r.crlf
            tallies.lone += r.lone
            if fs:
                tallies.findings += len(fs)
                insort(tallies.flines, j)
        # What `Tallies.add` does row by row, in bulk.
        tallies.crlf += crlf
        tallies.rows += len(summaries)
        tallies.formats.update(s.format for s in summaries.values() if s.format is not None)
        tallies.digests.update(s.digest for s in summaries.values())
        tallies.prompts.update(s.prompt for s in summaries.values() if s.prompt)

    def _shape_result(self, t: checks.RowSummary) -> LineResult:
        """The result of the clean compact rows of shape template `t` (see `LineResult`)."""
        if len(self._shapes) >= CACHE_LIMIT:
            self._shapes.clear()  # rows keep theirs; templates made anew get new ones
        r = LineResult((), t, self._signature_of(t), False, shape=True)
        self._shapes[id(t)] = (t, r)  # holding `t` keeps its id its own
        return r

    def _result(
        self,
        findings: list[Finding] | None,
        summary: checks.RowSummary | None,
        line: bytes,
        owned: bool = False,
    ) -> LineResult:
        signature = None if summary is None else self._signature_of(summary)
        ordered = tuple(sorted(findings, key=_offset_code)) if findings else ()
        crlf = line.endswith(b"\r")
        lone = line.count(b"\r") - crlf if b"\r" in line else 0
        return LineResult(ordered, summary, signature, crlf, owned, lone=lone)

    def _signature_of(self, summary: checks.RowSummary) -> Signature:
        # The fast path shares these parts among the rows of one shape.
        key = (
            summary.format,
            id(summary.keys),
            id(summary.message_keys),
            id(summary.types),
            summary.system,
            summary.label,
        )
        signature = self._shared.get(key)
        if signature is None:
            if len(self._shared) >= CACHE_LIMIT:
                self._shared.clear()
            # Holds the parts: their ids stay theirs. The digest is kept apart (duplicates).
            signature = (
                summary.format, summary.keys, summary.message_keys, summary.types, summary.system,
                summary.label,
            )  # fmt: skip
            self._shared[key] = signature
        return signature


@contextmanager
def gc_paused() -> Iterator[None]:
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
