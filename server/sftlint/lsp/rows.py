"""The rows of an open document, as the engine's `Row`s, found by line.

A JSON array's rows are found through its index (`ArrayIndex`: a bisect) when the caller
has one for the current text; else by reading the array from its start.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import accumulate

from sftlint.io import reader
from sftlint.io.reader import FileInfo, Row
from sftlint.lsp.arrayrows import ArrayIndex
from sftlint.lsp.documents import LineDocument


def is_array(doc: LineDocument) -> bool:
    if not doc.path.lower().endswith(reader.JSON_SUFFIXES):
        return False
    return not reader.looks_like_jsonl(b"\n".join(doc.lines[:50]))


def _line_row(doc: LineDocument, line: int, offset: int, index: int) -> Row | None:
    raw = doc.lines[line]
    if line == 0 and raw.startswith(reader.BOM):
        raw, offset = raw[3:], 3
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    if not raw.strip():
        return None
    row = Row(doc.path, index, line, line, offset, raw)
    reader.parse_row(row)
    return row


def row_at(doc: LineDocument, line: int, index: ArrayIndex | None = None) -> Row | None:
    """The row that spans `line` (None: a blank line, or outside every row); `index`: the
    document's array index for its current text, if there is one."""
    if not 0 <= line < len(doc.lines):
        return None
    if index is not None:
        return index.at(line)
    if is_array(doc):
        for row in iter_rows(doc):
            if row.line <= line <= row.end_line:
                return row
            if row.line > line:
                return None
        return None
    offset = sum(map(len, doc.lines[:line])) + line
    return _line_row(doc, line, offset, line)


def iter_rows(
    doc: LineDocument, start: int = 0, stop: int | None = None, index: ArrayIndex | None = None
) -> Iterator[Row]:
    """Rows starting on lines [start, stop) (`index`: as for `row_at`)."""
    stop = len(doc.lines) if stop is None else stop
    if index is not None:
        yield from index.starting(start, stop)
        return
    if is_array(doc):
        for row in reader.read_json_array(doc.path, doc.source, FileInfo()):
            if start <= row.line < stop:
                yield row
            elif row.line >= stop:
                return
        return
    sums = list(accumulate(map(len, doc.lines[:stop]), initial=0))
    n = 0
    for line in range(max(0, start), min(stop, len(doc.lines))):
        found = _line_row(doc, line, sums[line] + line, n)
        if found is not None:
            n += 1
            yield found
