"""How rules report: the per-row context and the registry of check functions.

Row checks run once per row on its parsed value and report through `RowContext.report`;
file checks see every row's `RowSummary` at the end of the file (format majority, key
consistency, duplicates) and report through `FileContext`. Positions are resolved only
when something is reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from sftlint import formats
from sftlint.model import Finding, Fix, Range, Related, Severity
from sftlint.reader import FileInfo, Row

if TYPE_CHECKING:
    from sftlint.settings import Settings

RowCheck = Callable[["RowContext"], None]
FileCheck = Callable[["FileContext"], None]

ROW_CHECKS: list[RowCheck] = []
FILE_CHECKS: list[FileCheck] = []


def row_check(fn: RowCheck) -> RowCheck:
    ROW_CHECKS.append(fn)
    return fn


def file_check(fn: FileCheck) -> FileCheck:
    FILE_CHECKS.append(fn)
    return fn


class Reporter:
    """Turns (code, message, range) into Findings, honouring select/ignore/severity."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.findings: list[Finding] = []
        # Per-file state of checks that accumulate across rows (e.g. mask totals), and
        # figures they publish for the faces (FileResult.stats).
        self.state: dict[str, Any] = {}
        self.stats: dict[str, Any] = {}

    def enabled(self, code: str) -> bool:
        return self.settings.enabled(code)

    def add(
        self,
        code: str,
        message: str,
        path: str,
        range_: Range,
        *,
        fixes: Iterable[Fix] = (),
        related: Iterable[Related] = (),
        row_line: int | None = None,
        severity: Severity | None = None,
    ) -> Finding | None:
        """`severity`, when given, replaces the rule's default (a user override wins)."""
        if not self.settings.enabled(code):
            return None
        if severity is None or code in self.settings.severity_overrides:
            severity = self.settings.severity(code)
        finding = Finding(
            code,
            severity,
            message,
            path,
            range_,
            list(fixes),
            list(related),
            row_line,
        )
        self.findings.append(finding)
        return finding


@dataclass(slots=True)
class RowSummary:
    """What file-level checks need to know of a row, without keeping the row."""

    index: int
    line: int
    end_line: int
    offset: int
    length: int
    prefix: tuple[int, int]  # code points and UTF-16 units before the row on its line
    format: str | None  # None: not an object
    keys: tuple[str, ...] = ()
    message_keys: frozenset[str] = frozenset()
    types: frozenset[tuple[str, str, str]] = frozenset()  # (context, key, type)
    digest: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class RowContext:
    __slots__ = ("_turns", "fields", "format", "reporter", "row", "summary", "value")

    def __init__(self, row: Row, fmt: str, fields: formats.Fields, reporter: Reporter) -> None:
        self.row = row
        self.value: dict[str, Any] = row.value
        self.format = fmt
        self.fields = fields
        self.reporter = reporter
        self._turns: list[formats.Turn] | None = None

    @property
    def turns(self) -> list[formats.Turn]:
        if self._turns is None:
            self._turns = formats.turns(self.value, self.format, self.fields)
        return self._turns

    def enabled(self, code: str) -> bool:
        return self.reporter.enabled(code)

    def report(
        self,
        code: str,
        message: str,
        path: tuple[str | int, ...] = (),
        part: str = "value",
        *,
        fixes: Iterable[Fix] = (),
        related: Iterable[Related] = (),
        severity: Severity | None = None,
    ) -> None:
        if not self.reporter.enabled(code):
            return
        self.reporter.add(
            code,
            message,
            self.row.path,
            self.row.span(path, part),
            fixes=fixes,
            related=related,
            row_line=self.row.line,
            severity=severity,
        )


class FileContext:
    """What a file check sees: every row's summary and a way to load a row again."""

    def __init__(
        self,
        path: str,
        summaries: list[RowSummary],
        reporter: Reporter,
        load: Callable[[RowSummary], Row],
        fields: formats.Fields,
        info: FileInfo,
    ) -> None:
        self.path = path
        self.info = info
        self.summaries = summaries
        self.reporter = reporter
        self.load = load
        self.fields = fields
        self._counts: dict[str, Counter[Any]] = {}

    def count(self, attr: str) -> Counter[Any]:
        """How many rows have each value of a summary field ("format", "keys", ...).

        Values in order of first appearance. Rows of one shape share their key and type
        sets, so counting them first and their members after is fast on large files.
        """
        counts = self._counts.get(attr)
        if counts is None:
            counts = self._counts[attr] = Counter(map(attrgetter(attr), self.summaries))
        return counts

    @property
    def settings(self) -> Settings:
        return self.reporter.settings

    def enabled(self, code: str) -> bool:
        return self.reporter.enabled(code)

    def report(
        self,
        code: str,
        message: str,
        row: Row,
        path: tuple[str | int, ...] = (),
        part: str = "value",
        *,
        fixes: Iterable[Fix] = (),
        related: Iterable[Related] = (),
    ) -> None:
        self.reporter.add(
            code,
            message,
            row.path,
            row.span(path, part),
            fixes=fixes,
            related=related,
            row_line=row.line,
        )
