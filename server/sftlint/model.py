"""The values every face of sftlint exchanges: positions, edits, fixes and findings.

Positions are 0-based internally (lines, code-point columns, UTF-16 columns, byte offsets);
the CLI adds 1 when printing, the language server uses `line` and `utf16` as they are.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace


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

    def moved(self, lines: int, offset: int = 0) -> Position:
        return Position(self.line + lines, self.column, self.utf16, self.offset + offset)


# Where a position goes (a finding computed on a piece of a file, put where the piece is).
PositionMap = Callable[[Position], Position]


@dataclass(frozen=True, slots=True)
class Range:
    start: Position
    end: Position

    def moved(self, lines: int, offset: int = 0) -> Range:
        return Range(self.start.moved(lines, offset), self.end.moved(lines, offset))

    def mapped(self, move: PositionMap) -> Range:
        return Range(move(self.start), move(self.end))


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

    def mapped(self, path: str, move: PositionMap) -> Fix:
        """This fix with `move` applied to its edits of `path`."""
        edits = tuple(
            Edit(e.path, e.range.mapped(move), e.new_text) if e.path == path else e
            for e in self.edits
        )
        return Fix(self.title, edits, self.safe)


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
    # What makes rows share this finding, when the message says more than its cause
    # (findings of one code and one cause print once for a file: report/groups.py).
    cause: str | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.range.start.offset, self.code)

    def moved(self, lines: int, offset: int = 0) -> Finding:
        """This finding `lines` lines and `offset` bytes further down its file: a finding
        of a piece of the file (a row linted alone, a worker's half) put where the piece is."""
        if not lines and not offset:
            return self
        moved = self.mapped(lambda p: p.moved(lines, offset))
        if moved.row_line is not None:
            moved.row_line += lines
        return moved

    def mapped(self, move: PositionMap, path: str | None = None) -> Finding:
        """This finding with `move` applied to every position in `path` (its own file by
        default): its range, its fixes' edits and its related ranges. Positions in other
        files stay; `row_line` stays."""
        path = self.path if path is None else path
        return replace(
            self,
            range=self.range.mapped(move) if self.path == path else self.range,
            fixes=[x.mapped(path, move) for x in self.fixes],
            related=[
                Related(r.path, r.range.mapped(move), r.message) if r.path == path else r
                for r in self.related
            ],
        )
