"""Open documents kept as a list of lines, edited in place.

pygls's TextDocument rebuilds the whole text on every incremental change (about a second
per keystroke on a 100 MB file). Here a document is a list of UTF-8 lines (split on
"\\n" exactly as the reader splits, "\\r" kept at the end of CRLF lines), and an edit
replaces only the lines it spans. Positions are LSP's: line and UTF-16 column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import repeat
from operator import contains

_LSP_BREAK = re.compile(r"\r\n|\r|\n")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def utf16_to_index(text: str, col: int) -> int:
    """Code-point index of UTF-16 column `col` in `text` (clamped; never inside a pair)."""
    if col <= 0:
        return 0
    if text.isascii():
        return min(col, len(text))
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > col:
            return i
    return len(text)


def index_to_utf16(text: str, index: int) -> int:
    head = text[:index]
    if head.isascii():
        return len(head)
    return len(head) + sum(1 for ch in head if ord(ch) > 0xFFFF)


@dataclass(frozen=True, slots=True)
class Splice:
    """Lines [start, stop) were replaced by `count` lines."""

    start: int
    stop: int
    count: int


@dataclass(slots=True)
class LineDocument:
    uri: str
    path: str
    language_id: str
    version: int
    lines: list[bytes]
    _interior_cr: int = field(default=0)  # lines holding a "\r" not right before "\n"

    @classmethod
    def from_text(cls, uri: str, path: str, language_id: str, version: int, text: str):
        lines = encode(text).split(b"\n")
        return cls(uri, path, language_id, version, lines, _interior_crs(lines))

    @property
    def source(self) -> bytes:
        return b"\n".join(self.lines)

    def line_text(self, line: int) -> str:
        return decode(self.lines[line]) if 0 <= line < len(self.lines) else ""

    def _lone_cr(self) -> bool:
        """LSP also breaks lines at a lone "\\r": then line numbers differ from ours."""
        return bool(self._interior_cr) or self.lines[-1].endswith(b"\r")

    def replace_all(self, text: str) -> Splice:
        old = len(self.lines)
        self.lines[:] = encode(text).split(b"\n")
        self._interior_cr = _interior_crs(self.lines)
        return Splice(0, old, len(self.lines))

    def apply(self, start: tuple[int, int], end: tuple[int, int], text: str) -> Splice:
        """Replace the text between two (line, UTF-16 column) positions."""
        if self._lone_cr():
            return self._apply_slow(start, end, text)
        lines = self.lines
        (sl, sc), (el, ec) = _order(start, end)
        if sl >= len(lines):
            sl, sc = len(lines) - 1, 1 << 62
        if el >= len(lines):
            el, ec = len(lines) - 1, 1 << 62
        first = decode(lines[sl])
        last = first if el == sl else decode(lines[el])
        head = first[: utf16_to_index(_content(first, sl, lines), sc)]
        tail = last[utf16_to_index(_content(last, el, lines), ec) :]
        new = [encode(part) for part in (head + text + tail).split("\n")]
        return self._splice(sl, el + 1, new)

    def _splice(self, start: int, stop: int, new: list[bytes]) -> Splice:
        removed = sum(map(_has_interior_cr, self.lines[start:stop]))
        added = sum(map(_has_interior_cr, new))
        self.lines[start:stop] = new
        self._interior_cr += added - removed
        return Splice(start, stop, len(new))

    def _apply_slow(self, start: tuple[int, int], end: tuple[int, int], text: str) -> Splice:
        """Edit with LSP's own line breaks (\\r\\n, \\r, \\n) over the whole text."""
        whole = decode(self.source)
        starts = [0] + [m.end() for m in _LSP_BREAK.finditer(whole)]

        def index(pos: tuple[int, int]) -> int:
            line, col = pos
            if line >= len(starts):
                return len(whole)
            begin = starts[line]
            stop = len(whole) if line + 1 >= len(starts) else starts[line + 1]
            content = _LSP_BREAK.sub("", whole[begin:stop])
            return begin + utf16_to_index(content, col)

        a, b = sorted((index(start), index(end)))
        new_lines = encode(whole[:a] + text + whole[b:]).split(b"\n")
        old = self.lines
        lo = 0
        while lo < min(len(old), len(new_lines)) and old[lo] == new_lines[lo]:
            lo += 1
        hi = 0
        while hi < min(len(old), len(new_lines)) - lo and old[-1 - hi] == new_lines[-1 - hi]:
            hi += 1
        return self._splice(lo, len(old) - hi, new_lines[lo : len(new_lines) - hi])


def _order(a: tuple[int, int], b: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    return (a, b) if a <= b else (b, a)


def _content(line: str, index: int, lines: list[bytes]) -> str:
    """The line without its "\\r" terminator (a column past the end clamps before it)."""
    if line.endswith("\r") and index < len(lines) - 1:
        return line[:-1]
    return line


def _interior_crs(lines: list[bytes]) -> int:
    """How many lines hold an interior "\\r" (most files have no "\\r" at all: one C pass)."""
    if not any(map(contains, lines, repeat(b"\r"))):
        return 0
    return sum(map(_has_interior_cr, lines))


def _has_interior_cr(line: bytes) -> bool:
    """A "\\r" that is not the line's last byte (LSP ends a line there; we do not)."""
    return line.find(b"\r", 0, len(line) - 1) >= 0
