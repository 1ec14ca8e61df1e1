"""Lint a file that is being edited: re-lint only the lines an edit touches.

An editor buffer is kept as a list of lines (bytes, split on b"\\n" as the reader splits).
Each JSON Lines row is linted alone with the engine's own reader and row checks, as if it
were line 0 at offset 0 (`linelint`); the result is cached by the line's bytes and moved to
where the line is when findings are asked for. File checks run again only when an edit
changed what they can see (`filechecks`). A JSON array's rows span many lines: they are
kept by `arrayrows.ArrayIndex`, which reads again only the elements an edit touches (the
first read of the whole text, `array_text`, runs off the event loop).

What an edit costs is proportional to the lines it touches: the lines that hold findings
are kept in a sorted index, line start offsets are summed lazily (an edit invalidates them
from its first line on), findings kept between edits hold byte offsets relative to their
line (`relative`), and only the findings that are shown (the first `limit` in file order)
are built.

`findings()` equals `engine.check_bytes(path, b"\\n".join(lines), settings).findings`.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain, compress, islice, repeat
from operator import attrgetter, is_not, itemgetter, not_

from sftlint.io import reader
from sftlint.io.positions import EditorLines
from sftlint.lsp.arrayrows import ArrayIndex, Built, key_of, keyed
from sftlint.lsp.causes import Causes, Group, first_of, many
from sftlint.lsp.filechecks import (
    FileCheckCache,
    FileCheckSummaries,
    View,
    buffer_info,
    linted_views,
    load_row,
    row_bytes,
    row_length,
    row_lengths,
)
from sftlint.lsp.linelint import LineLinter, LineResult, Tallies, gc_paused
from sftlint.lsp.relative import LineStarts, absolute, move_lines, rel_key, relative
from sftlint.model import Finding
from sftlint.rules import checks
from sftlint.settings import Settings

_HEAD_LINES = 50  # lines that decide whether a .json file is an array or JSON Lines
BATCH_MIN = 64  # unlinted lines in a row from which one checker lints them together

# A finding to show: (line, f) with `f` as linted on line 0, to be moved to `line`; or
# (None, f) with `f` on its own lines, byte offsets relative to each line's start.
Located = tuple[int | None, Finding]


@dataclass(slots=True)
class MaskRows:
    """The loss-mask pass's row findings, by line, as if on line 0 (kept by line like the
    row results: an edit drops those of the lines it touches and moves the others)."""

    by_line: list[tuple[Finding, ...]]
    lines: list[int] = field(default_factory=list)  # sorted: lines with mask findings
    total: int = 0
    causes: Causes = field(default_factory=Causes)

    @classmethod
    def empty(cls, n: int) -> MaskRows:
        return cls([()] * n)

    def splice(self, start: int, stop: int, count: int) -> None:
        old = self.by_line[start:stop]
        self.by_line[start:stop] = [()] * count
        if not self.lines:
            return
        self.total -= sum(map(len, old))
        lo = bisect_left(self.lines, start)
        hi = bisect_left(self.lines, stop, lo)
        for i in self.lines[lo:hi]:
            self.causes.remove(old[i - start], i)
        delta = count - (stop - start)
        self.lines[lo:] = [i + delta for i in self.lines[hi:]]
        self.causes.shift(start, stop, delta)


class IncrementalLinter:
    """Findings of one buffer, kept up to date edit by edit.

    The caller owns `lines` and edits it in place, then calls `splice` with what changed.
    """

    def __init__(self, path: str, settings: Settings, lines: list[bytes]) -> None:
        self.path = path
        self.settings = settings
        self.lines = lines
        self.is_array = self._layout_is_array()
        self._linter = LineLinter(path, settings)
        # One result a line (None: not linted yet), and the digests of each shape result's
        # row: of the row and of its prompt (K006) (shape results are shared by the rows
        # of one shape).
        self.results: list[LineResult | None] = [None] * len(lines)
        self._dig = _zeros(len(lines))
        self._pdig = _zeros(len(lines))
        self._linted: list[bytes | None] = [None] * len(lines)  # see `filechecks.View`
        self._unlinted = len(lines)  # how many results are None
        self._last_splice = 0  # where to look for them first
        self._tallies = Tallies()
        self._causes = Causes()  # of the lines' results (`causes`: one diagnostic a cause)
        self._starts = LineStarts(lines)
        self._file = FileCheckCache()
        self._generation = 0  # counts splices and resets (an array's first read is for one)
        self._array = self._array_index()
        self._array_taken = -1  # the generation whose text `array_text` handed out
        # Findings computed elsewhere, by source ("splits", "mask"); stored like file findings.
        self._external: dict[str, list[Finding]] = {}
        self._mask = MaskRows.empty(len(lines))

    @property
    def formats(self) -> Counter[str]:
        return self._tallies.formats

    def _array_index(self) -> ArrayIndex | None:
        if not self.is_array:
            return None
        return ArrayIndex(self.path, self.settings, self.lines, self._starts)

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
        self._generation += 1
        self._starts.invalidate(start)
        delta = count - (stop - start)
        for source, external in self._external.items():
            moved = (move_lines(f, self.path, start, stop, delta) for f in external)
            self._external[source] = [f for f in moved if f is not None]
        self._mask.splice(start, stop, count)
        if start < _HEAD_LINES and self._layout_is_array() != self.is_array:
            self.reset()
            return
        if self._array is not None:
            self._array.splice(start, stop, count)
            return
        old = self.results[start:stop]
        file = self._file
        if delta and file.findings is not None:
            file.resized(start, stop, delta, self._views)  # these lines now in its window
        tallies = self._tallies
        for i, r in enumerate(old, start):
            # Lines of the window are compared with what the checks saw (`_file_checks`).
            watch = not delta and file.findings is not None and file.old_line(i) is not None
            if r is None:
                if watch:
                    file.findings = None
                continue
            digest, prompt = self._digest(i, r), self._prompt(i, r)
            if watch:
                was_dup = bool(r.summary and self._shared(digest, prompt))
                if file.old_line(i) in file.reported or r.crlf or r.lone:
                    file.findings = None
                elif i not in file.changed:
                    file.changed[i] = (r.signature, was_dup)
            tallies.remove(r, digest, prompt)
            if r.findings:
                self._causes.remove(r.findings, i)
        flines = tallies.flines
        lo = bisect_left(flines, start)
        hi = bisect_left(flines, stop, lo)
        if delta:
            flines[lo:] = [i + delta for i in flines[hi:]]
            self._causes.shift(start, stop, delta)
        elif hi > lo:
            del flines[lo:hi]
        self._unlinted += count - sum(r is None for r in old)
        self._last_splice = start
        self.results[start:stop] = [None] * count
        self._linted[start:stop] = [None] * count
        for column in (self._dig, self._pdig):
            column[start:stop] = _zeros(count)

    def reset(self, settings: Settings | None = None) -> None:
        """Forget every result (new settings, or the layout changed)."""
        if settings is not None:
            self.settings = settings
            self._linter = LineLinter(self.path, settings)
            self._external = {}
        self._mask = MaskRows.empty(len(self.lines))
        self._generation += 1
        self.is_array = self._layout_is_array()
        self.results = [None] * len(self.lines)
        self._dig = _zeros(len(self.lines))
        self._pdig = _zeros(len(self.lines))
        self._linted = [None] * len(self.lines)
        self._unlinted = len(self.lines)
        self._tallies = Tallies()
        self._causes = Causes()
        self._starts.invalidate(0)
        self._file = FileCheckCache()
        self._array = self._array_index()
        self._array_taken = -1  # a read of the text handed out before is not for this one

    def set_external(self, findings: list[Finding], source: str = "splits") -> None:
        """Findings computed elsewhere for the current text (the split checks, the loss-mask
        pass), replacing those of the same source: reported with this file's own, moved
        along by edits until replaced (dropped when an edit touches a line they name)."""
        starts = self._starts
        self._external[source] = sorted(
            (relative(f, starts, self.path) for f in findings if f.path == self.path),
            key=rel_key,
        )

    def set_mask(self, rows: dict[int, tuple[Finding, ...]], found: list[Finding]) -> None:
        """The loss-mask pass's findings for the current text: row findings by line (as if
        on line 0) and findings where they are (file-level)."""
        mask = self._mask = MaskRows.empty(len(self.lines))
        for i, fs in rows.items():
            mask.by_line[i] = fs
            mask.causes.add(fs, i)
        mask.lines = sorted(rows)
        mask.total = sum(map(len, rows.values()))
        self.set_external(found, "mask")

    def _digest(self, line: int, r: LineResult) -> int:
        """The digest of the row on `line`, whose result is `r` (a row's)."""
        if r.shape or r.summary is None:
            return self._dig[line]
        return r.summary.digest

    def _prompt(self, line: int, r: LineResult) -> int:
        """The prompt digest (K006) of the row on `line`, whose result is `r`."""
        if r.shape or r.summary is None:
            return self._pdig[line]
        return r.summary.prompt

    def _shared(self, digest: int, prompt: int) -> bool:
        """Whether a row with these digests is one of a duplicate group or shares its
        prompt: a file check (D001, K006) compares it with the others."""
        tallies = self._tallies
        return tallies.digests[digest] > 1 or bool(prompt and tallies.prompts[prompt] > 1)

    # --- linting -------------------------------------------------------------------------

    def pending(self) -> bool:
        """Whether findings are still to be computed (an array's lines are never linted
        one by one: only its whole check counts)."""
        if self._array is not None:
            return not self._array.built or self._array.dirty is not None
        return bool(self._unlinted)

    def lint_steps(self, chunk: int = 2000) -> Iterator[int]:
        """Lint every line that has no result, yielding (lines done) every `chunk` lines so
        that a caller on an event loop can serve other messages in between."""
        if self._array is not None:
            if self._array.built and self._array.dirty is not None:
                self._array.relint()
                yield 0
            return
        done = 0
        i = self._next_dirty(self._last_splice)
        while i is not None:
            end = min(len(self.results), i + chunk)
            done += self._lint_range(i, end)
            yield done
            i = self._next_dirty(end)  # the buffer may have changed meanwhile

    def lint_all(self) -> None:
        for _ in self.lint_steps(1 << 30):
            pass

    def array_text(self) -> tuple[int, bytes] | None:
        """(generation, text) of a JSON array to be read whole (by the caller, anywhere:
        `read_array`, then `array_checked`); None if it has been."""
        if self._array is None or self._array.built:
            return None
        self._array.taken()
        self._array_taken = self._generation
        return self._generation, b"\n".join(self.lines)

    def read_array(self, text: bytes) -> Built:
        """The whole read of `text` (touches nothing of the linter: any thread)."""
        return Built(self.path, self.settings, text)

    def array_checked(self, generation: int, text: bytes, result: Built) -> None:
        """The read of the `text` that `array_text` gave for `generation` (the edits made
        since are applied to it; dropped if the text was handed out again since)."""
        array = self._array
        if array is not None and not array.built and generation == self._array_taken:
            array.install(result)

    @property
    def array_rows(self) -> ArrayIndex | None:
        """Where the rows of a JSON array are in the current text (None: not read yet, or
        not an array)."""
        array = self._array
        if array is None or not array.built:
            return None
        array.relint()
        return array if array.built else None

    def _lint_range(self, i: int, end: int) -> int:
        """Lint the lines of [i, end) that have no result; returns how many."""
        self._linted[i:end] = self.lines[i:end]  # those with a result were linted as they are
        results = self.results
        if end - i >= BATCH_MIN and self._batchable() and results[i:end].count(None) == end - i:
            with gc_paused():
                digests = (self._dig, self._pdig)
                self._linter.lint_batch(self.lines, results, digests, self._tallies, i, end)
            flines = self._tallies.flines
            for j in flines[bisect_left(flines, i) : bisect_left(flines, end)]:
                self._causes.add(results[j].findings, j)  # type: ignore[union-attr]
            self._unlinted -= end - i
            return end - i
        done = 0
        for j in range(i, end):
            if results[j] is None:
                r = self._linter.lint_line(self.lines, j)
                results[j] = r
                self._unlinted -= 1
                self._tallies.add(r, j, self._digest(j, r), self._prompt(j, r))
                if r.findings:
                    self._causes.add(r.findings, j)
                done += 1
        return done

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

    def _batchable(self) -> bool:
        # Loss-mask rules keep totals across rows: a shared checker would mix rows.
        return not self.settings.mask.tokenizer

    # --- results -------------------------------------------------------------------------

    def located(self, limit: int | None = None) -> tuple[list[Located], int]:
        """The first `limit` findings in file order, unbuilt (see `Located`: line numbers
        and UTF-16 columns, all a diagnostic needs, are right either way), and how many
        there are in all. With a lone CR in the text, built and on the editor's lines, as
        the engine gives them (`engine.editor_lines`)."""
        located, total = self._located(limit)
        if not self._lone_cr():
            return located, total
        lines = EditorLines(b"\n".join(self.lines))
        return [(0, self._build(line, f).mapped(lines.position)) for line, f in located], total

    def _lone_cr(self) -> bool:
        if self.lines[-1].endswith(b"\r"):
            return True
        if self._array is None:
            return self._tallies.lone > 0
        return self._array.has_lone_cr()  # kept line by line through edits

    def _located(self, limit: int | None) -> tuple[list[Located], int]:
        if self._array is not None:
            return self._array_located(limit)
        if self._unlinted:
            self.lint_all()
        file_findings = self._file_checks()
        externals = list(self._external.values())
        total = self._tallies.findings + self._mask.total + len(file_findings)
        total += sum(map(len, externals))
        merged = heapq.merge(
            self._row_stream(),
            self._mask_stream(),
            ((rel_key(f), None, f) for f in file_findings),
            *(((rel_key(f), None, f) for f in found) for found in externals),
            key=itemgetter(0),
        )
        taken = merged if limit is None else islice(merged, limit)
        return [(line, f) for _, line, f in taken], total

    def _array_index_ready(self) -> ArrayIndex:
        array = self._array
        assert array is not None
        array.relint()
        if not array.built:  # read the whole text here (the server does it in a thread)
            array.taken()
            array.install(self.read_array(b"\n".join(self.lines)))
        return array

    def _array_located(self, limit: int | None) -> tuple[list[Located], int]:
        array = self._array_index_ready()
        file_findings = array.file_findings()
        externals = list(self._external.values())
        total = array.count() + self._mask.total + len(file_findings)
        total += sum(map(len, externals))
        merged = heapq.merge(
            array.anchored(),
            chain.from_iterable(keyed(i, self._mask.by_line[i]) for i in self._mask.lines),
            *(((key_of(f), None, f) for f in found) for found in (file_findings, *externals)),
            key=itemgetter(0),
        )
        taken = merged if limit is None else islice(merged, limit)
        return [(line, f) for _, line, f in taken], total

    def groups(self) -> list[Group]:
        """The causes that hit many rows (`causes`) with their first finding, as `located`
        gives them: from the counts kept through edits, never a pass over the findings."""
        if self._unlinted:
            self.lint_all()
        externals = list(chain.from_iterable(self._external.values()))
        array = self._array
        if array is None:
            listed = [*self._file_checks(), *externals]
            rows = self._causes
        else:
            array = self._array_index_ready()
            listed = [*array.file_findings(), *externals]
            # The array's own findings as if on their line 0: on their own lines here.
            listed += [self._build(0, f) for f in array.head]
            listed += [self._build(array.tail_line, f) for f in array.tail]
            rows = array.causes
        out: list[Group] = []
        for key, findings, n, lines in many([rows, self._mask.causes, Causes.of(listed)]):
            at = lines[0]
            own = array.findings_at(at) if array is not None else self.results[at].findings  # type: ignore[union-attr]
            first = first_of(key, at, (*own, *self._mask.by_line[at]), listed)
            out.append((first, key, findings, n, [i + 1 for i in lines]))
        if self._lone_cr():
            text = EditorLines(b"\n".join(self.lines))
            out = [((0, self._build(*g[0]).mapped(text.position)), *g[1:]) for g in out]
        return out

    def _row_stream(self) -> Iterator[tuple[tuple[int, int, str], int, Finding]]:
        results = self.results
        for i in self._tallies.flines:
            for f in results[i].findings:  # type: ignore[union-attr]
                yield (i, f.range.start.offset, f.code), i, f

    def _mask_stream(self) -> Iterator[tuple[tuple[int, int, str], int, Finding]]:
        rows = self._mask.by_line
        for i in self._mask.lines:
            for f in rows[i]:
                yield (i, f.range.start.offset, f.code), i, f

    def findings(self, limit: int | None = None) -> tuple[list[Finding], int]:
        """(the findings sorted as the engine sorts them, at most `limit`; how many in all)."""
        located, total = self.located(limit)
        built = [self._build(line, f) for line, f in located]
        if self._array is not None:
            built.sort(key=attrgetter("sort_key"))  # ties as the engine orders them
        return built, total

    def _build(self, line: int | None, f: Finding) -> Finding:
        if line is None:
            return absolute(f, self._starts, self.path)
        return f.moved(line, self._starts[line])

    def findings_between(self, first: int, last: int) -> list[Finding]:
        """Findings whose range touches lines [first, last] (for hovers and code actions)."""

        def touches(f: Finding) -> bool:
            return f.range.start.line <= last and f.range.end.line >= first

        if self._unlinted:
            self.lint_all()
        if self._lone_cr():  # the client's lines are the editor's: the findings mapped
            return [f for f in self.findings()[0] if touches(f)]
        if self._array is not None:
            array = self._array_index_ready()
            near = [self._build(line, f) for line, f in array.between(first, last)]
            externals = [f for fs in self._external.values() for f in fs]
            rest = (*array.file_findings(), *externals)
            near += [self._build(None, f) for f in rest if touches(f)]
            mlines = self._mask.lines
            for i in mlines[bisect_left(mlines, first) : bisect_left(mlines, last + 1)]:
                near.extend(self._build(i, f) for f in self._mask.by_line[i])
            near = [f for f in near if touches(f)]
            near.sort(key=lambda f: f.sort_key)
            return near
        if self._unlinted:
            self.lint_all()
        externals = [f for fs in self._external.values() for f in fs]
        out = [self._build(None, f) for f in (*self._file_checks(), *externals) if touches(f)]
        lo = max(0, first)
        flines = self._tallies.flines
        for i in flines[bisect_left(flines, lo) : bisect_left(flines, last + 1)]:
            out.extend(self._build(i, f) for f in self.results[i].findings)  # type: ignore[union-attr]
        mlines = self._mask.lines
        for i in mlines[bisect_left(mlines, lo) : bisect_left(mlines, last + 1)]:
            out.extend(self._build(i, f) for f in self._mask.by_line[i])
        out.sort(key=lambda f: f.sort_key)
        return out

    def summaries(self) -> checks.Summaries:
        """Every row's summary, positioned where the row now is (as the engine gives them)."""
        if self._unlinted:
            self.lint_all()
        self._starts[len(self.lines)]  # sum every line start at once
        line_starts = self._starts.known
        lines, results = self.lines, self.results
        # Columns built at C speed: most rows are shape rows (their own fields: where their
        # line is, its length and their digest).
        summaries = list(map(_SUMMARY, results))
        rows = list(compress(range(len(results)), map(is_not, summaries, repeat(None))))
        shapes = list(map(summaries.__getitem__, rows))
        offsets = list(map(line_starts.__getitem__, rows))
        lengths = list(map(len, map(lines.__getitem__, rows)))
        digests = list(map(self._dig.__getitem__, rows))
        prompts = list(map(self._pdig.__getitem__, rows))
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
            prompts[k] = s.prompt
        return checks.Summaries.from_columns(rows, offsets, lengths, digests, prompts, shapes, own)

    def _file_checks(self) -> list[Finding]:
        file = self._file
        if (
            file.findings is not None
            and file.window_back(self._views)
            and self._unchanged_for_file_checks()
        ):
            file.changed.clear()
            return file.findings
        summaries = FileCheckSummaries(
            self.results,
            self._tallies,
            self.summaries,
            lambda: row_lengths(self.results, self.lines),
        )
        reporter = checks.Reporter(self.settings)
        ctx = checks.FileContext(
            self.path,
            summaries,
            reporter,
            partial(load_row, self.path, self.lines),
            self.settings.fields,
            buffer_info(self.lines, self._starts, self._tallies, self.results),
            read=partial(row_bytes, self.lines),
        )
        for check in checks.FILE_CHECKS:
            check(ctx)
        found = [relative(f, self._starts, self.path) for f in reporter.findings]
        found.sort(key=rel_key)
        file.keep(found, self.path, summaries.seen_lengths)
        return found

    def _views(self, i: int, j: int) -> list[View] | None:
        """What file checks see of lines [i, j) (None: one is not linted)."""
        return linted_views(self._linted[i:j])

    def _unchanged_for_file_checks(self) -> bool:
        for i, (signature, was_dup) in self._file.changed.items():
            r = self.results[i]
            if r is None or r.signature != signature:
                return False
            if r.crlf or r.lone or was_dup:
                return False
            if r.summary is None:
                continue
            if self._shared(self._digest(i, r), self._prompt(i, r)):
                return False
            # K004: its median, or a row over its bar, may have moved
            if not self._file.steady_length(i, row_length(self.lines, i, r)):
                return False
        return True


_SUMMARY, _SHAPE = attrgetter("summary"), attrgetter("shape")


def _zeros(n: int) -> array:
    return array("q", bytes(8 * n))
