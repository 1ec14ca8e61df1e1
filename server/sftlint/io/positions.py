"""Map offsets inside a row's text to file positions."""

from __future__ import annotations

import bisect

from sftlint.model import Position, Range

# (code points, UTF-16 units) of a piece of text: how far it moves a column.
Width = tuple[int, int]
NO_WIDTH: Width = (0, 0)


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units (astral characters count twice)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # C speed, no Python loop


def width(data: bytes) -> Width:
    """Width of UTF-8 bytes (invalid bytes count as one replacement character each)."""
    if data.isascii():
        return len(data), len(data)
    text = data.decode("utf-8", "replace")
    return len(text), utf16_len(text)


class RowText:
    """The decoded text of one row plus where it starts in the file.

    `prefix` is the width of the row's first line before the row (the `[` or `,` of a JSON
    array, usually nothing), needed for the columns of the first line.
    """

    __slots__ = ("_line_starts", "line", "offset", "prefix", "text")

    def __init__(self, text: str, line: int, offset: int, prefix: Width = NO_WIDTH) -> None:
        self.text = text
        self.line = line
        self.offset = offset
        self.prefix = prefix
        starts = [0]
        find = text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._line_starts = starts

    def position(self, index: int) -> Position:
        """File position of the code point at `index` of the row text."""
        index = max(0, min(index, len(self.text)))
        lo = bisect.bisect_right(self._line_starts, index) - 1  # last line start <= index
        start = self._line_starts[lo]
        before = self.text[start:index]
        column, utf16 = len(before), utf16_len(before)
        if lo == 0:
            column += self.prefix[0]
            utf16 += self.prefix[1]
        offset = self.offset + len(self.text[:index].encode("utf-8", "surrogatepass"))
        return Position(self.line + lo, column, utf16, offset)

    def range(self, start: int, end: int) -> Range:
        return Range(self.position(start), self.position(end))


def point(line: int, column: int, utf16: int, offset: int) -> Range:
    p = Position(line, column, utf16, offset)
    return Range(p, p)
