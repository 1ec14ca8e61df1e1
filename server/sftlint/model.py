"""The values every face of sftlint exchanges: positions, edits, fixes and findings.

Positions are 0-based internally (lines, code-point columns, UTF-16 columns, byte offsets);
the CLI adds 1 when printing, the language server uses `line` and `utf16` as they are.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Ordered so that `max()` picks the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.strip().upper()]


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int  # code points from the start of the line
    utf16: int  # UTF-16 code units from the start of the line (LSP's default)
    offset: int  # byte offset in the file


@dataclass(frozen=True, slots=True)
class Range:
    start: Position
    end: Position


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the bytes [range.start.offset, range.end.offset) of `path` with `new_text`."""

    path: str
    range: Range
    new_text: str


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    safe: bool = False  # applied by `check --fix` only when safe


@dataclass(frozen=True, slots=True)
class Related:
    path: str
    range: Range
    message: str


@dataclass(slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    path: str
    range: Range
    fixes: list[Fix] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    row_line: int | None = None  # first line of the row the finding belongs to (0-based)

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.range.start.offset, self.code)
