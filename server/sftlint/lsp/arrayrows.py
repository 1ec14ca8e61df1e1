"""The top-level objects of a JSON array document, kept up to date through edits.

The index holds each element's result (`arraylint.Item`: its findings and summary as if
its first line were line 0) and its first line, ascending: a row lookup by line is a
bisect. An edit drops the elements whose lines it touches and shifts the first lines of
the ones after it; the next `relint` reads again from the end of the element before the
edit, with the reader's own `array_elements`, until the reading arrives where an element
after the edit begins (then everything from there on reads as before, so it is kept), or
at the end of the text. A missing comma merges two elements into one; an unclosed bracket
makes the reading run on: both are what a fresh read gives. File checks run over the
elements' summaries, again only when an edit changed what they see.

`findings()` of `IncrementalLinter` over this index equals `engine.check_bytes`'s.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import accumulate, compress, repeat
from operator import add, attrgetter
from typing import Any

from sftlint.io import reader
from sftlint.io.positions import BOM, width
from sftlint.io.reader import FileInfo, Problem, Row
from sftlint.lsp.arraylint import Item, Window, WindowLinter
from sftlint.lsp.causes import Causes
from sftlint.lsp.relative import LineStarts, move_lines, relative
from sftlint.model import Finding, Position, Range
from sftlint.rules import checks
from sftlint.settings import Settings

# A finding to show: (line, f) with `f` as if `line` were line 0 at offset 0, or (None, f)
# with `f` on its own lines, byte offsets relative to each line's start.
Anchored = tuple[int | None, Finding]
_SUMMARY, _FINDINGS = attrgetter("summary"), attrgetter("findings")
_SIGNATURE, _LENGTH = attrgetter("signature"), attrgetter("length")
_Read = tuple[list[tuple[int, Item]], int, list[Finding] | None, list[Finding] | None, list[int]]


class Built:
    """A whole read of the text (made anywhere: in a thread for a big open)."""

    def __init__(self, path: str, settings: Settings, data: bytes) -> None:
        linter = WindowLinter(path, settings)
        window = Window.whole(data)
        self.items: list[Item] = []
        self.first: list[int] = []
        self.head: list[Finding] = []
        self.tail: list[Finding] = []
        self.tail_line = 0
        self.bare: FileInfo | None = None  # what a read gave that found no element to read
        head = linter.head(data, data[:256])
        if head is None:  # no `[`: nothing to read element by element
            info = self.bare = FileInfo()
            for _ in reader.read_json_array(path, data, info):
                pass
            self.head = linter.findings_of(info.problems)
            return
        pos, problems = head
        self.head = linter.findings_of(problems)
        left: list[Problem] = []
        line_start = 0
        for _lead, line, at, item in linter.elements(window, pos, False, left):
            self.items.append(item)
            self.first.append(line)
            line_start = at
        self.tail = linter.findings_of(left)
        if self.items:  # the tail is kept as if the last element's last line were line 0
            last = self.items[-1]
            self.tail_line = self.first[-1] + last.nl
            line_start += last.col + last.length - last.end_col
            self.tail = [f.moved(-self.tail_line, -line_start) for f in self.tail]


class ArrayIndex:
    """The elements of one JSON array buffer; the caller edits `lines` in place, then
    calls `splice`, and `relint` before asking for findings or rows."""

    def __init__(self, path: str, settings: Settings, lines: list[bytes], starts: LineStarts):
        self.path = path
        self.settings = settings
        self.lines = lines
        self._starts = starts
        self._linter = WindowLinter(path, settings)
        self.built = False
        self.items: list[Item] = []
        self.first: list[int] = []  # the first line of each element, ascending
        self.flines: list[int] = []  # the first line of each element with findings, sorted
        self.nfound = 0  # findings of the elements
        self.causes = Causes()  # of the elements' findings, at their first lines (`causes`)
        self.head: list[Finding] = []  # before the elements (a BOM), at their place
        # After them, as if `tail_line` (the last element's last line) were line 0.
        self.tail: list[Finding] = []
        self.tail_line = 0
        self.digests: Counter[int] = Counter()  # no zero counts kept
        self.prompts: Counter[int] = Counter()  # K006's prompt digests, but 0; no zero counts
        self.cr = bytearray(line.endswith(b"\r") for line in lines)  # CRLF lines
        self.lone = bytearray(map(_lone, lines))  # lines with a CR before their end
        self.dirty: tuple[int, int] | None = None  # lines [lo, hi) changed since `relint`
        self._gone: list[tuple[Any, ...]] = []  # signatures of the elements dropped since
        self._file: list[Finding] | None = None  # file checks' findings, `relative`
        self._file_key: tuple[int, ...] = ()
        self._log: list[tuple[int, int, int]] = []  # splices since the text being built
        self._bare: FileInfo | None = None  # `Built.bare` (no element: read whole again)

    # --- building and edits --------------------------------------------------------------

    def install(self, built: Built) -> None:
        """A whole read of the text as it was when the caller last took it (`taken`); the
        splices made since are applied to it."""
        self.items, self.first = built.items, built.first
        having = list(compress(range(len(self.items)), map(_FINDINGS, self.items)))
        self.flines = [self.first[k] for k in having]
        self.nfound = sum(len(self.items[k].findings) for k in having)
        self.causes = Causes()
        for k in having:
            self.causes.add(self.items[k].findings, self.first[k])
        self.head, self.tail, self.tail_line = built.head, built.tail, built.tail_line
        self._bare = built.bare
        self.digests = Counter(s.digest for s in map(_SUMMARY, self.items))
        self.prompts = Counter(s.prompt for s in map(_SUMMARY, self.items) if s.prompt)
        self._file = None
        self.dirty = None
        self.built = True
        log, self._log = self._log, []
        for s in log:
            self._moved(*s)

    def taken(self) -> None:
        """The caller took the text to build from: splices from now on apply to it."""
        self._log = []

    def splice(self, start: int, stop: int, count: int) -> None:
        """Lines [start, stop) were replaced by `count` lines (now in `lines`)."""
        self.cr[start:stop] = bytes(x.endswith(b"\r") for x in self.lines[start : start + count])
        self.lone[start:stop] = bytes(map(_lone, self.lines[start : start + count]))
        if not self.built:
            self._log.append((start, stop, count))
            return
        self._moved(start, stop, count)

    def _moved(self, start: int, stop: int, count: int) -> None:
        """The elements after such a splice (the text's own flags, `cr`, already are)."""
        delta = count - (stop - start)
        if self._file and delta:
            self._file = None  # messages may name lines ("duplicate of the row at line 5")
        elif self._file:  # dropped when an edit touches a line they name
            moved = [move_lines(f, self.path, start, stop, 0) for f in self._file]
            self._file = None if None in moved else moved  # type: ignore[assignment]
        if self.tail_line >= stop:
            self.tail_line += delta
        items, first = self.items, self.first
        d0 = bisect_left(first, start)
        while d0 > 0 and _last_line(first[d0 - 1], items[d0 - 1]) >= start:
            d0 -= 1
        d1 = bisect_left(first, stop, d0)
        while d1 < len(items) and first[d1] - items[d1].lead_up < stop:
            d1 += 1
        self._drop(d0, d1)
        if delta:
            first[d0:] = list(map(add, first[d0:], repeat(delta)))
            f = bisect_left(self.flines, stop)
            self.flines[f:] = [x + delta for x in self.flines[f:]]
            self.causes.shift(stop, stop, delta)  # the elements touched were dropped
        lo, hi = start, start + max(count, 1)
        if self.dirty is not None:
            old_lo, old_hi = self.dirty
            lo = min(lo, old_lo)
            hi = max(hi, old_hi + delta if old_hi >= stop else min(old_hi, start))
        # Not cut to the text's end here: `install` replays splices onto a text that has
        # fewer lines than they saw (the end is `relint`'s to cut).
        self.dirty = (lo, hi)

    def _drop(self, d0: int, d1: int) -> None:
        digests, prompts, flines = self.digests, self.prompts, self.flines
        for k in range(d0, d1):
            item = self.items[k]
            if item.findings:
                self.nfound -= len(item.findings)
                self.causes.remove(item.findings, self.first[k])
                del flines[bisect_left(flines, self.first[k])]
            d = item.summary.digest
            if digests[d] > 1:
                self._file = None  # a duplicate goes or changes
                digests[d] -= 1
            else:
                digests.pop(d, None)
            p = item.summary.prompt
            if prompts[p] > 1:
                self._file = None  # a row sharing its prompt goes or changes (K006)
                prompts[p] -= 1
            else:
                prompts.pop(p, None)
            self._gone.append(item.signature)
        del self.items[d0:d1]
        del self.first[d0:d1]

    def relint(self) -> None:
        """Read and lint again what edits changed since the last call; or, when no element
        is left to read from (no `[`, every element touched), leave the index to be
        built again from the whole text (`built` False: the server reads it off its
        event loop)."""
        if self.dirty is None:
            return
        lo, hi = self.dirty
        hi = min(hi, len(self.lines))
        self.dirty = None
        items, first, lines = self.items, self.first, self.lines
        if not items:
            self._unbuild()
            return
        a = bisect_left(first, lo) - 1  # the last element that ends before the edits
        while a >= 0 and _last_line(first[a], items[a]) >= lo:
            a -= 1
        c = a + 1  # the first element that begins (its lead) after them
        while c < len(items) and first[c] - items[c].lead_up < hi:
            c += 1
        w0 = first[a] + items[a].nl if a >= 0 else 0
        span = 1
        while True:
            last = min(c + span, len(items))  # elements [c, last) may be met in the window
            w1 = first[last - 1] - items[last - 1].lead_up + 1 if last < len(items) else len(lines)
            try:
                read = self._read(Window(lines, w0, w1), a, c, last)
            except _NoArray:
                self._unbuild()
                return
            if read is not None:
                break
            span *= 2
        new, met, left, head, starts = read
        self._drop(a + 1, met)
        if [it.signature for _, it in new] != self._gone:
            self._file = None
        self._gone = []
        for _, it in new:
            d, p = it.summary.digest, it.summary.prompt
            if self.digests[d] or (p and self.prompts[p]):
                self._file = None
            self.digests[d] += 1
            if p:
                self.prompts[p] += 1
        items[a + 1 : a + 1] = [it for _, it in new]
        first[a + 1 : a + 1] = [w0 + line for line, _ in new]
        for line, it in new:
            if it.findings:
                self.nfound += len(it.findings)
                self.causes.add(it.findings, w0 + line)
                insort(self.flines, w0 + line)
        if head is not None:
            self.head = head
        if left is not None:  # moved from the window's first line to the last element's last
            line = first[-1] + items[-1].nl if items else w0
            back = starts[line - w0] if items else 0
            self.tail = [f.moved(w0 - line, -back) for f in left]
            self.tail_line = line

    def _read(self, window: Window, a: int, c: int, last: int) -> _Read | None:
        """Read `window` from the end of element `a` (or the array's start) until the
        lead of one of the elements [c, last): (new (line in the window, item) pairs, the
        element met, the tail's findings if the reading reached the end, the head's if it
        was read again, the window's line starts); None when the reading ran past it."""
        items, first, linter = self.items, self.first, self._linter
        data = window.data
        head = None
        if a >= 0:
            pos, after = items[a].end_col, True
        else:
            found = linter.head(data, self._first_bytes())
            if found is None:
                if window.at_end:
                    raise _NoArray
                return None
            pos, problems = found
            head, after = linter.findings_of(problems), False
        starts = list(accumulate((len(x) + 1 for x in self.lines[window.first : window.stop]),
                                 initial=0))  # fmt: skip
        targets = {
            starts[first[k] - items[k].lead_up - window.first] + items[k].lead_col: k
            for k in range(c, last)
        }
        new: list[tuple[int, Item]] = []
        left: list[Problem] = []
        for lead, line, _, item in linter.elements(window, pos, after, left):
            met = targets.get(lead)
            if met is not None:
                return new, met, None, head, starts
            new.append((line, item))
        if not window.at_end:
            return None
        return new, len(items), linter.findings_of(left), head, starts

    def _first_bytes(self) -> bytes:
        """The first 256 bytes of the text."""
        size = k = 0
        while k < len(self.lines) and size < 256:
            size += len(self.lines[k]) + 1
            k += 1
        return b"\n".join(self.lines[:k])[:256]

    def _unbuild(self) -> None:
        self.items, self.first, self.flines, self.nfound = [], [], [], 0
        self.causes = Causes()
        self.digests.clear()
        self.prompts.clear()
        self.dirty, self._gone, self._file = None, [], None
        self.built = False

    def has_lone_cr(self) -> bool:
        """Whether a line holds a CR before its end (a line break to the editor only)."""
        return self.lone.find(1) >= 0

    # --- rows ----------------------------------------------------------------------------

    def at(self, line: int) -> Row | None:
        """The row spanning `line`, parsed; None between rows."""
        k = bisect_right(self.first, line) - 1
        if k < 0 or self.first[k] + self.items[k].nl < line:
            return None
        return self._row(k)

    def starting(self, start: int, stop: int | None = None) -> Iterable[Row]:
        """The rows that start on lines [start, stop), parsed one by one."""
        k = bisect_left(self.first, start)
        end = len(self.first) if stop is None else bisect_left(self.first, stop)
        return map(self._row, range(k, end))

    def _row(self, k: int) -> Row:
        item, line = self.items[k], self.first[k]
        offset = self._starts[line] + item.col
        return self._load(k, line, line + item.nl, offset, item.length, item.prefix)

    def _load(
        self, index: int, line: int, end_line: int, offset: int, length: int, prefix: Any
    ) -> Row:
        col = offset - self._starts[line]
        text = b"\n".join(self.lines[line : end_line + 1])
        row = Row(self.path, index, line, end_line, offset, text[col : col + length], prefix)
        reader.parse_row(row)
        return row

    def load(self, s: checks.RowSummary) -> Row:
        return self._load(s.index, s.line, s.end_line, s.offset, s.length, s.prefix)

    # --- findings ------------------------------------------------------------------------

    def anchored(self) -> Iterator[tuple[tuple[int, int, int, str], int | None, Finding]]:
        """Every finding of the elements and of the array itself, with its sort key."""
        items, first = self.items, self.first
        yield from keyed(0, self.head)
        for line in dict.fromkeys(self.flines):  # elements sharing a line are each in it
            k = bisect_left(first, line)
            while k < len(items) and first[k] == line:
                yield from keyed(line, items[k].findings)
                k += 1
        yield from keyed(self.tail_line, self.tail)

    def between(self, first: int, last: int) -> Iterator[Anchored]:
        """The findings of the elements that span lines [first, last], and the array's own."""
        k = max(bisect_right(self.first, first) - 1, 0)
        end = bisect_right(self.first, last)
        for i in range(k, end):
            yield from ((self.first[i], f) for f in self.items[i].findings)
        yield from ((0, f) for f in self.head)
        yield from ((self.tail_line, f) for f in self.tail)

    def findings_at(self, line: int) -> tuple[Finding, ...]:
        """The findings of the elements that start on `line`, as if it were line 0."""
        items, first = self.items, self.first
        k = bisect_left(first, line)
        found: tuple[Finding, ...] = ()
        while k < len(items) and first[k] == line:
            found += items[k].findings
            k += 1
        return found

    def count(self) -> int:
        return self.nfound + len(self.head) + len(self.tail)

    def file_findings(self) -> list[Finding]:
        """The file checks' findings, byte offsets `relative` to their line."""
        info = self._info()
        key = (info.rows, info.crlf_lines, info.lines if info.crlf_lines else 0)
        if self._file is not None and key == self._file_key:
            return self._file
        reporter = checks.Reporter(self.settings)
        summaries = ArraySummaries(self)
        ctx = checks.FileContext(
            self.path, summaries, reporter, self.load, self.settings.fields, info
        )
        for check in checks.FILE_CHECKS:
            check(ctx)
        self._file = [relative(f, self._starts, self.path) for f in reporter.findings]
        self._file_key = key
        return self._file

    def _info(self) -> FileInfo:
        if self._bare is not None:
            return self._bare
        info = FileInfo(layout="json-array", rows=len(self.items), lines=len(self.lines))
        if not self.items:
            info.problems = [Problem(f.code, f.message, f.range) for f in self.head]
        cr = self.cr
        info.crlf_lines = cr.count(1) - (cr[-1] == 1)
        if info.crlf_lines:
            i = cr.find(1)
            raw = self.lines[i][:-1]
            skip = len(BOM) if i == 0 and raw.startswith(BOM) else 0
            cols, units = width(raw[skip:])
            at = Position(i, cols, units, self._starts[i] + len(raw))
            info.first_crlf = Range(at, at)
        return info

    def summaries(self) -> checks.Summaries:
        """Every element's summary, positioned where it now is."""
        out = checks.Summaries()
        starts = self._starts
        for k, (item, line) in enumerate(zip(self.items, self.first, strict=True)):
            s = item.summary
            out.add(replace(s, index=k, line=line, end_line=line + item.nl,
                            offset=starts[line] + s.offset))  # fmt: skip
        return out


class _NoArray(Exception):
    """The text holds no `[` to read elements after."""


class ArraySummaries(checks.Summaries):
    """The elements' summaries as file checks see them: counts straight from the items,
    the summaries themselves built only if a check goes through the rows."""

    __slots__ = ("_built", "_index")

    def __init__(self, index: ArrayIndex) -> None:
        super().__init__()
        self._index = index
        self._built = False

    def _build(self) -> None:
        if not self._built:
            full = self._index.summaries()
            self.__setstate__(full.__getstate__())
            self._built = True

    def __len__(self) -> int:
        return len(self._index.items)

    def _get(self, i: int) -> checks.RowSummary:
        self._build()
        return super()._get(i)

    def __iter__(self) -> Iterator[checks.RowSummary]:
        self._build()
        return super().__iter__()

    def templates(self) -> list[tuple[checks.RowSummary, int]]:
        """One summary for each shape and how many elements have it, in order of first
        appearance (elements of one shape share their signature object)."""
        items = self._index.items
        signatures = list(map(_SIGNATURE, items))
        first = dict(zip(map(id, reversed(signatures)), reversed(items), strict=True))
        return [(first[i].summary, n) for i, n in Counter(map(id, signatures)).items()]

    def digests(self) -> list[int]:
        return [s.digest for s in map(_SUMMARY, self._index.items)]

    def indices(self, attr: str, value: Any) -> list[int]:
        self._build()
        return super().indices(attr, value)

    def lengths(self) -> list[int]:
        return list(map(_LENGTH, self._index.items))

    def duplicates(self) -> bool:
        return len(self._index.digests) != len(self._index.items)

    def prompt_sharing(self) -> tuple[bool, bool]:
        # Not "every row has a prompt": `duplicates` is as cheap as that would be.
        return any(n > 1 for n in self._index.prompts.values()), False

    def prompts(self) -> list[int]:
        return [s.prompt for s in map(_SUMMARY, self._index.items)]


def keyed(
    line: int, found: Iterable[Finding]
) -> Iterator[tuple[tuple[int, int, int, str], int | None, Finding]]:
    """(sort key, line, f) of findings as if `line` were line 0: the engine's order (by
    offset, then code) is (line, UTF-16 column, code), but in a BOM on line 0."""
    for f in found:
        p = f.range.start
        at = line + p.line
        yield (at, p.utf16, p.offset if at == 0 else 0, f.code), line, f


def key_of(f: Finding) -> tuple[int, int, int, str]:
    """`keyed`'s key of a finding on its own lines."""
    p = f.range.start
    return (p.line, p.utf16, p.offset if p.line == 0 else 0, f.code)


def _lone(line: bytes) -> bool:
    return line.find(b"\r", 0, len(line) - 1) >= 0


def _last_line(first: int, item: Item) -> int:
    """The last line of the text that decides where `item` ends (its `,` or `]`)."""
    return first + item.nl + item.term_down
