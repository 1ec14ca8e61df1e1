"""Check files whose rows are not their bytes on disk: Parquet and Arrow (rows of record
batches), gzip- and zstd-compressed JSON Lines. All stream through
`FileChecker.check_lines`, so their findings are those of the same rows as JSONL. Their
bytes cannot be rewritten exactly, so their findings offer no fixes.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import IO, Any, cast

from sftlint.engine import parallel
from sftlint.engine.engine import FileChecker, FileResult
from sftlint.io import arrowipc, columnar, reader, zstjsonl
from sftlint.io.lines import bounded_chunks
from sftlint.io.reader import FileInfo, Row
from sftlint.model import Finding, Position
from sftlint.rules import checks
from sftlint.settings import Settings

GZIP_SUFFIXES = tuple(s + ".gz" for s in reader.JSONL_SUFFIXES)
_SKIP_CHUNK = 1 << 20


def is_gzip_jsonl(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path).lower().endswith(GZIP_SUFFIXES)


def is_converted(path: str | os.PathLike[str]) -> bool:
    """A file this module checks (and `--fix` cannot rewrite)."""
    return kind(path) is not None


def kind(path: str | os.PathLike[str]) -> str | None:
    """What a converted file is, as messages name it ("Parquet", ...); None for the rest."""
    if columnar.is_parquet(path):
        return "Parquet"
    if arrowipc.is_arrow(path):
        return "Arrow"
    if is_gzip_jsonl(path) or zstjsonl.is_zst_jsonl(path):
        return "compressed"
    return None


def check_converted(path: str | os.PathLike[str], settings: Settings) -> FileResult:
    name = os.fspath(path)
    if columnar.is_parquet(name):
        return check_parquet(name, settings)
    if arrowipc.is_arrow(name):
        return check_values(
            name, arrowipc.arrow_lines(name), lambda i: arrowipc.read_row(name, i), settings
        )
    if zstjsonl.is_zst_jsonl(name):
        return _check_stream(name, settings, zstjsonl.open_zst, zstjsonl.errors(), "zstd")
    return check_gzip(name, settings)


def loader(path: str) -> Callable[[checks.RowSummary], Row]:
    """Read a row of a converted file again by its summary (the checks across files)."""
    if columnar.is_parquet(path):
        return _parquet_loader(path)
    if arrowipc.is_arrow(path):
        return _value_loader(path, lambda i: arrowipc.read_row(path, i))
    if zstjsonl.is_zst_jsonl(path):
        return _stream_loader(path, zstjsonl.open_zst)
    return _stream_loader(path, _open_gzip)


def check_parquet(path: str, settings: Settings, *, jobs: int | None = None) -> FileResult:
    """Findings located as row `i` of the file: line `i`, column 0 (Parquet has no text).

    `jobs`: None checks a large file of several row groups in 2 processes (`parallel`)."""
    halves = parquet_split(path, settings) if jobs != 1 else None
    if halves is not None:
        result = _check_parquet_halves(path, settings, *halves)
        if result is not None:
            return result
    info = FileInfo(max_line=settings.max_line_bytes)
    checker = FileChecker(path, settings, _parquet_loader(path))
    checker.check_compact(columnar.parquet_rows(path), info)
    return finish_values(checker, info)


def parquet_split(path: str, settings: Settings) -> tuple[int, int] | None:
    """(the worker's first row group, the row groups) when the file is worth 2 processes;
    the metadata is read only then."""
    if not parallel.usable(path, os.path.getsize(path), settings):
        return None
    groups = columnar.row_group_rows(path)
    split = parallel.split_groups(groups)
    return None if split is None else (split, len(groups))


def _check_parquet_halves(
    path: str, settings: Settings, split: int, groups: int
) -> FileResult | None:
    """Row groups [0, split) here, [split, groups) in a worker; None if that did not work."""
    wait = parallel.start_worker(
        lambda: FileChecker(path, settings, _parquet_loader(path)),
        lambda checker, info: checker.check_compact(
            columnar.parquet_rows(path, row_groups=range(split, groups)), info
        ),
    )
    info = FileInfo(max_line=settings.max_line_bytes)
    checker = FileChecker(path, settings, _parquet_loader(path))
    checker.check_compact(columnar.parquet_rows(path, row_groups=range(split)), info)
    checker.summaries.note_prompts()  # while the worker finishes
    half = wait()
    if half is None or checker.reporter.state or checker.reporter.stats:
        return None
    size = info.bytes
    parallel.merge(checker, info, half)
    info.bytes = size + half[2].bytes  # the worker counted its rows' bytes from 0
    return finish_values(checker, info)


def _parquet_loader(path: str) -> Callable[[checks.RowSummary], Row]:
    return _value_loader(path, lambda i: columnar.read_row(path, i))


def check_values(
    path: str,
    lines: Iterable[bytes],
    fetch: Callable[[int], Any],
    settings: Settings,
) -> FileResult:
    """Check rows that are values, not text: `lines` holds one `columnar.row_line` per
    row, `fetch(i)` gives row `i` again (a file-level finding locates itself in it).
    Findings sit at line `i`, column 0, and offer no fix."""
    info = FileInfo(max_line=settings.max_line_bytes)
    checker = FileChecker(path, settings, _value_loader(path, fetch))
    checker.check_lines(lines, info)
    return finish_values(checker, info)


def finish_values(checker: FileChecker, info: FileInfo) -> FileResult:
    result = checker.finish(info)
    result.findings = sorted((_at_row(f) for f in result.findings), key=lambda f: f.sort_key)
    return result


def _value_loader(path: str, fetch: Callable[[int], Any]) -> Callable[[checks.RowSummary], Row]:
    def load(s: checks.RowSummary) -> Row:
        raw = columnar.row_line(fetch(s.line))
        row = Row(path, s.index, s.line, s.line, s.offset, raw)
        reader.parse_row(row)
        return row

    return load


def _at_row(finding: Finding) -> Finding:
    # The offset is the row index too, so findings sort in row order.
    return replace(finding.mapped(lambda p: Position(p.line, 0, 0, p.line)), fixes=[])


def _open_gzip(path: str) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb"))


def check_gzip(path: str, settings: Settings) -> FileResult:
    errors = (gzip.BadGzipFile, EOFError, zlib.error)
    return _check_stream(path, settings, _open_gzip, errors, "gzip")


def _stream_loader(
    path: str, open_stream: Callable[[str], IO[bytes]]
) -> Callable[[checks.RowSummary], Row]:
    def load(s: checks.RowSummary) -> Row:
        with open_stream(path) as f:
            _skip(f, s.offset)  # decompresses up to the row: file-level findings only
            raw = f.read(s.length)
        row = Row(path, s.index, s.line, s.end_line, s.offset, raw, s.prefix)
        reader.parse_row(row)
        return row

    return load


def _skip(f: IO[bytes], count: int) -> None:
    """Move `count` bytes forward: a compressed stream seeks by decompressing anyway."""
    while count > 0 and (chunk := f.read(min(count, _SKIP_CHUNK))):
        count -= len(chunk)


def _check_stream(
    path: str,
    settings: Settings,
    open_stream: Callable[[str], IO[bytes]],
    errors: tuple[type[Exception], ...],
    what: str,
) -> FileResult:
    """Lines, columns and offsets are those of the decompressed text."""
    info = FileInfo(max_line=settings.max_line_bytes)
    checker = FileChecker(path, settings, _stream_loader(path, open_stream))
    try:
        with open_stream(path) as f:
            checker.check_chunks(bounded_chunks(f, settings.max_line_bytes), info)
    except errors as err:
        raise OSError(f"not a readable {what} file ({err})") from None
    result = checker.finish(info)
    result.findings = [replace(f, fixes=[]) for f in result.findings]
    return result
