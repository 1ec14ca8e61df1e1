"""Byte offsets kept relative to their line, so that edits of other lines leave them right.

A buffer's line start offsets (`LineStarts`) are summed lazily and an edit invalidates them
from its first line on; findings kept between edits (file checks, split checks, the
loss-mask pass) store each byte offset relative to its line's start and are made absolute
again when shown.
"""

from __future__ import annotations

from itertools import accumulate, repeat
from operator import add

from sftlint.model import Finding, Position, Range


class LineStarts:
    """starts[i] = byte offset of line i in b"\\n".join(lines), summed on first use; an
    edit invalidates only the starts after its first line."""

    __slots__ = ("_lines", "known")

    def __init__(self, lines: list[bytes]) -> None:
        self._lines = lines
        self.known = [0]  # the starts summed so far

    def invalidate(self, line: int) -> None:
        if len(self.known) > line + 1:
            del self.known[line + 1 :]

    def __getitem__(self, i: int) -> int:
        s = self.known
        if i >= len(s):
            done = len(s) - 1
            more = accumulate(map(add, map(len, self._lines[done:i]), repeat(1)), initial=s[-1])
            next(more)
            s.extend(more)
        return s[i]


def rel_key(f: Finding) -> tuple[int, int, str]:
    """Sort key of a finding whose offsets are relative to its line's start: the engine's
    (offset, code) order, since line starts only grow."""
    start = f.range.start
    return (start.line, start.offset, f.code)


def relative(f: Finding, starts: LineStarts, path: str) -> Finding:
    """`f` with its byte offsets in `path` made relative to their line's start."""
    return f.mapped(lambda p: Position(p.line, p.column, p.utf16, p.offset - starts[p.line]), path)


def absolute(f: Finding, starts: LineStarts, path: str) -> Finding:
    """The inverse of `relative`."""
    return f.mapped(lambda p: Position(p.line, p.column, p.utf16, p.offset + starts[p.line]), path)


def move_lines(f: Finding, path: str, start: int, stop: int, delta: int) -> Finding | None:
    """A relative finding after lines [start, stop) became `stop - start + delta` lines:
    None when it names one of those lines, else moved with the lines after them."""
    lines = [f.range.start.line, f.range.end.line] if f.path == path else []
    lines += [n for x in f.fixes for e in x.edits if e.path == path for n in range_lines(e.range)]
    lines += [n for r in f.related if r.path == path for n in range_lines(r.range)]
    if any(start <= n < stop for n in lines):
        return None
    if not delta or not any(n >= stop for n in lines):
        return f
    return f.mapped(lambda p: p.moved(delta) if p.line >= stop else p, path)


def range_lines(r: Range) -> tuple[int, int]:
    return (r.start.line, r.end.line)
