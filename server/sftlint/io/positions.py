"""Map byte offsets (inside a row's text, or of a whole file) to file positions."""

from __future__ import annotations

import bisect
import re

from sftlint.model import Position, Range

BOM = b"\xef\xbb\xbf"  # UTF-8 byte order mark: editors hide it, columns start after it
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


# --- positions in a whole file ----------------------------------------------------------


def text_start(data: bytes) -> int:
    """Where columns start counting: after the byte order mark, which editors hide."""
    return len(BOM) if data.startswith(BOM) else 0


def file_span(data: bytes, start: int, end: int) -> Range:
    """Range of the bytes [start, end) of a whole file (for the few file-level problems)."""

    def pos(offset: int) -> Position:
        line = data.count(b"\n", 0, offset)
        line_start = data.rfind(b"\n", 0, offset) + 1 or min(text_start(data), offset)
        cols, units = width(data[line_start:offset])
        return Position(line, cols, units, offset)

    return Range(pos(start), pos(end))


class LineColumns:
    """Width of the text before a byte offset on its line, moving forward only.

    Each byte is measured once, so a minified array (every row on one line) costs O(n).
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.line = 0
        self.line_start = 0
        self.at = text_start(data)
        self.width: Width = NO_WIDTH

    def advance(self, offset: int) -> tuple[int, Width]:
        """(line, width before `offset` on that line) for an offset >= the previous one."""
        data = self.data
        nl = data.rfind(b"\n", self.at, offset)
        if nl >= 0:
            self.line += data.count(b"\n", self.at, offset)
            self.line_start = self.at = nl + 1
            self.width = NO_WIDTH
        cols, units = width(data[self.at : offset])
        self.width = (self.width[0] + cols, self.width[1] + units)
        self.at = offset
        return self.line, self.width


# --- lines as an editor counts them -------------------------------------------------------

LONE_CR = re.compile(rb"\r(?!\n)")


class EditorLines:
    """Positions as editors (and LSP) count lines: a lone CR ("\\r" not before "\\n")
    breaks a line too. The reader splits rows at "\\n" only, as trainers do; its positions
    are mapped here, by byte offset, so the CLI and the server show the editor's lines."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.crs = [m.start() for m in LONE_CR.finditer(data)]

    def position(self, p: Position) -> Position:
        k = bisect.bisect_left(self.crs, p.offset)  # lone CRs before the position
        if not k:
            return p
        last = self.crs[k - 1]
        if self.data.find(b"\n", last, p.offset) >= 0:  # not on the line that CR began
            return Position(p.line + k, p.column, p.utf16, p.offset)
        cols, units = width(self.data[last + 1 : p.offset])
        return Position(p.line + k, cols, units, p.offset)
