"""Check files whose rows are not their bytes on disk: Parquet (rows of record batches)
and gzip-compressed JSON Lines. Both stream through `FileChecker.check_lines`, so their
findings are those of the same rows as JSONL. Their bytes cannot be rewritten exactly,
so their findings offer no fixes.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import IO, Any, cast

from sftlint.engine.engine import FileChecker, FileResult
from sftlint.io import columnar, reader
from sftlint.io.lines import bounded_lines
from sftlint.io.reader import FileInfo, Row
from sftlint.model import Finding, Position
from sftlint.rules import checks
from sftlint.settings import Settings

GZIP_SUFFIXES = tuple(s + ".gz" for s in reader.JSONL_SUFFIXES)


def is_gzip_jsonl(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path).lower().endswith(GZIP_SUFFIXES)


def is_converted(path: str | os.PathLike[str]) -> bool:
    """A file this module checks (and `--fix` cannot rewrite)."""
    return columnar.is_parquet(path) or is_gzip_jsonl(path)


def check_converted(path: str | os.PathLike[str], settings: Settings) -> FileResult:
    name = os.fspath(path)
    if columnar.is_parquet(name):
        return check_parquet(name, settings)
    return check_gzip(name, settings)


def check_parquet(path: str, settings: Settings) -> FileResult:
    """Findings located as row `i` of the file: line `i`, column 0 (Parquet has no text)."""
    return check_values(
        path, columnar.parquet_lines(path), lambda i: columnar.read_row(path, i), settings
    )


def check_values(
    path: str,
    lines: Iterable[bytes],
    fetch: Callable[[int], Any],
    settings: Settings,
) -> FileResult:
    """Check rows that are values, not text: `lines` holds one `columnar.row_line` per
    row, `fetch(i)` gives row `i` again (a file-level finding locates itself in it).
    Findings sit at line `i`, column 0, and offer no fix."""

    def load(s: checks.RowSummary) -> Row:
        raw = columnar.row_line(fetch(s.line))
        row = Row(path, s.index, s.line, s.line, s.offset, raw)
        reader.parse_row(row)
        return row

    info = FileInfo(max_line=settings.max_line_bytes)
    checker = FileChecker(path, settings, load)
    checker.check_lines(lines, info)
    result = checker.finish(info)
    result.findings = sorted((_at_row(f) for f in result.findings), key=lambda f: f.sort_key)
    return result


def _at_row(finding: Finding) -> Finding:
    # The offset is the row index too, so findings sort in row order.
    return replace(finding.mapped(lambda p: Position(p.line, 0, 0, p.line)), fixes=[])


def check_gzip(path: str, settings: Settings) -> FileResult:
    """Lines, columns and offsets are those of the decompressed text."""

    def load(s: checks.RowSummary) -> Row:
        with gzip.open(path, "rb") as f:
            f.seek(s.offset)  # decompresses up to the row: only for file-level findings
            raw = f.read(s.length)
        row = Row(path, s.index, s.line, s.end_line, s.offset, raw, s.prefix)
        reader.parse_row(row)
        return row

    info = FileInfo(max_line=settings.max_line_bytes)
    checker = FileChecker(path, settings, load)
    try:
        with gzip.open(path, "rb") as f:
            lines = bounded_lines(cast(IO[bytes], f), settings.max_line_bytes)
            checker.check_lines(lines, info)
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise OSError(f"not a readable gzip file ({err})") from None
    result = checker.finish(info)
    result.findings = [replace(f, fixes=[]) for f in result.findings]
    return result
