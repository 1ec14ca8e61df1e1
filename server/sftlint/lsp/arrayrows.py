"""Where the rows of a JSON array document are, for lookups by line.

A JSON array's rows span many lines, so finding the row at a line means reading the array
from its start. Each check of the document keeps its rows' summaries (first and last line,
byte span) and the text it checked: a lookup is then a bisect and the parse of that one row.
The index is for one version of the text: an edit makes it stale until the next check.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from sftlint.engine.engine import loader_for_bytes
from sftlint.io.reader import Row
from sftlint.rules.checks import RowSummary


class ArrayRows:
    def __init__(self, path: str, text: bytes, summaries: Iterable[RowSummary]) -> None:
        self._load = loader_for_bytes(path, text)  # the text checked (bytes: a snapshot)
        self.summaries = list(summaries)
        self.first_lines = [s.line for s in self.summaries]  # ascending

    def at(self, line: int) -> Row | None:
        """The row spanning `line`, parsed; None between rows."""
        k = bisect_right(self.first_lines, line) - 1
        if k < 0 or self.summaries[k].end_line < line:
            return None
        return self._load(self.summaries[k])

    def starting(self, start: int, stop: int | None = None) -> Iterable[Row]:
        """The rows that start on lines [start, stop), parsed one by one."""
        k = bisect_right(self.first_lines, start - 1)
        end = len(self.summaries) if stop is None else bisect_right(self.first_lines, stop - 1)
        return (self._load(s) for s in self.summaries[k:end])
