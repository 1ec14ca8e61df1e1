"""Check a file: read rows, run row checks, then file checks over the rows' summaries.

Rows stream through: only a small `RowSummary` of each row is kept, and a row is read
again (by its byte offset) only when a file-level finding must be located in it.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sftlint import checks, formats, reader, registry
from sftlint.model import Finding, Severity
from sftlint.reader import FileInfo, Row
from sftlint.settings import Settings

registry.all_rules()  # import the rule families: they register their checks


@dataclass(slots=True)
class FileResult:
    path: str
    findings: list[Finding]
    info: FileInfo
    summaries: list[checks.RowSummary] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)

    @property
    def format(self) -> str | None:
        return max(self.formats, key=self.formats.__getitem__) if self.formats else None

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def summarize(row: Row, fmt: str | None, fields: formats.Fields) -> checks.RowSummary:
    s = checks.RowSummary(
        row.index, row.line, row.end_line, row.offset, len(row.raw), row.prefix, fmt
    )
    s.digest = hash(row.raw.strip())
    value = row.value
    if not isinstance(value, dict):
        return s
    s.keys = tuple(value)
    types = {("row", k, _type_name(v)) for k, v in value.items()}
    key = formats.messages_key(value, fields)
    if key is not None:
        mkeys: set[str] = set()
        for m in value[key]:
            if isinstance(m, dict):
                mkeys.update(m)
                for k, v in m.items():
                    types.add(("message", k, _type_name(v)))
        s.message_keys = frozenset(mkeys)
    s.types = frozenset(types)
    return s


class FileChecker:
    """Checks the rows of one file as they stream by, then the file as a whole."""

    def __init__(
        self, path: str, settings: Settings, load: Callable[[checks.RowSummary], Row]
    ) -> None:
        self.path = path
        self.settings = settings
        self.reporter = checks.Reporter(settings)
        self.summaries: list[checks.RowSummary] = []
        self.formats: dict[str, int] = {}
        self.load = load

    def check_row(self, row: Row) -> None:
        fields = self.settings.fields
        for p in row.problems:
            self.reporter.add(
                p.code,
                p.message,
                row.path,
                p.range,
                fixes=p.fixes,
                related=_related(row.path, p.related),
                row_line=row.line,
            )
        fmt = None
        if row.ok:
            fmt = formats.detect(row.value, fields)
            self.formats[fmt] = self.formats.get(fmt, 0) + 1
            ctx = checks.RowContext(row, fmt, fields, self.reporter)
            for check in checks.ROW_CHECKS:
                check(ctx)
        self.summaries.append(summarize(row, fmt, fields))

    def finish(self, info: FileInfo) -> FileResult:
        for p in info.problems:
            self.reporter.add(
                p.code,
                p.message,
                self.path,
                p.range,
                fixes=p.fixes,
                related=_related(self.path, p.related),
            )
        ctx = checks.FileContext(
            self.path, self.summaries, self.reporter, self.load, self.settings.fields, info
        )
        for check in checks.FILE_CHECKS:
            check(ctx)
        findings = sorted(self.reporter.findings, key=lambda f: f.sort_key)
        return FileResult(self.path, findings, info, self.summaries, self.formats)


def _related(path: str, related: list) -> list:
    from sftlint.model import Related

    return [Related(path, r, msg) for r, msg in related]


def loader_for_bytes(path: str, data: bytes | mmap.mmap) -> Callable[[checks.RowSummary], Row]:
    def load(s: checks.RowSummary) -> Row:
        row = Row(
            path,
            s.index,
            s.line,
            s.end_line,
            s.offset,
            bytes(data[s.offset : s.offset + s.length]),
            s.prefix,
        )
        reader.parse_row(row)
        return row

    return load


def check_bytes(path: str, data: bytes, settings: Settings) -> FileResult:
    """Check an in-memory file (stdin, an editor buffer)."""
    info = FileInfo()
    checker = FileChecker(path, settings, loader_for_bytes(path, data))
    for row in reader.read_bytes(path, data, info):
        checker.check_row(row)
    return checker.finish(info)


def iter_file_rows(path: str, info: FileInfo) -> Iterator[Row]:
    """Rows of a file on disk, streamed: JSONL line by line, JSON arrays from an mmap."""
    if path.lower().endswith(reader.JSON_SUFFIXES):
        with open(path, "rb") as f:
            data = f.read()
        yield from reader.read_bytes(path, data, info)
        return
    with open(path, "rb", buffering=1 << 20) as f:
        yield from reader.read_jsonl(path, f, info)


def check_path(
    path: str | os.PathLike[str],
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
) -> FileResult:
    """Check a file on disk. `progress(bytes_done, bytes_total)` is called now and then."""
    name = os.fspath(path)
    size = os.path.getsize(name)
    info = FileInfo()
    with open(name, "rb") as f:
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        checker = FileChecker(name, settings, loader_for_bytes(name, data))
        step = 0
        for row in iter_file_rows(name, info):
            checker.check_row(row)
            if progress is not None and row.offset >= step:
                progress(row.offset, size)
                step = row.offset + (1 << 22)
        result = checker.finish(info)
        if progress is not None:
            progress(size, size)
    return result


def is_dataset_file(path: Path) -> bool:
    """Files a folder walk checks: JSON Lines always; .json when it holds rows."""
    name = path.name.lower()
    if name.endswith(reader.JSONL_SUFFIXES):
        return True
    if not name.endswith(reader.JSON_SUFFIXES):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return True  # let the check report why it cannot be read
    stripped = head.lstrip(reader.BOM).lstrip()
    return stripped.startswith(b"[") or reader.looks_like_jsonl(head)
