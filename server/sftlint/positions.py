"""Map offsets inside a row's text to file positions."""

from __future__ import annotations

from sftlint.model import Position, Range


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units (astral characters count twice)."""
    n = len(text)
    if text.isascii():
        return n
    return n + sum(1 for ch in text if ord(ch) > 0xFFFF)


class RowText:
    """The decoded text of one row plus where it starts in the file.

    `prefix` is the text of the row's first line before the row (the `[` or `,` of a JSON
    array, usually empty), needed for the columns of the first line.
    """

    __slots__ = ("_line_starts", "line", "offset", "prefix", "text")

    def __init__(self, text: str, line: int, offset: int, prefix: str = "") -> None:
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
        lo, hi = 0, len(self._line_starts) - 1
        while lo < hi:  # last line start <= index
            mid = (lo + hi + 1) // 2
            if self._line_starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        start = self._line_starts[lo]
        before = self.text[start:index]
        if lo == 0:
            before = self.prefix + before
        offset = self.offset + len(self.text[:index].encode("utf-8", "surrogatepass"))
        return Position(self.line + lo, len(before), utf16_len(before), offset)

    def range(self, start: int, end: int) -> Range:
        return Range(self.position(start), self.position(end))


def point(line: int, column: int, utf16: int, offset: int) -> Range:
    p = Position(line, column, utf16, offset)
    return Range(p, p)
