"""Arrow IPC files as JSON Lines: the `.arrow` shards `datasets.save_to_disk` writes (the
IPC stream format) and Arrow IPC files (the file format, magic `ARROW1`), read with
pyarrow one record batch at a time from a memory map, each row the JSON line of
`columnar.row_line`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from sftlint.io.columnar import BATCH_ROWS, MissingDependency, row_line

ARROW_SUFFIXES = (".arrow",)
FILE_MAGIC = b"ARROW1"
STREAM_MAGIC = b"\xff\xff\xff\xff"  # the continuation marker that opens an IPC stream
INSTALL_HINT = "reading Arrow files needs pyarrow: pip install 'sftlint[parquet]'"


def is_arrow(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path).lower().endswith(ARROW_SUFFIXES)


def _batches(path: str) -> Iterator[Any]:
    try:
        import pyarrow as pa
    except ImportError:
        raise MissingDependency(INSTALL_HINT) from None
    try:
        with pa.memory_map(path) as source:
            if source.read(len(FILE_MAGIC)) == FILE_MAGIC:
                source.seek(0)
                file = pa.ipc.open_file(source)
                batches: Iterator[Any] = (file.get_batch(i) for i in range(file.num_record_batches))
            else:
                source.seek(0)
                batches = iter(pa.ipc.open_stream(source))
            yield from batches
    except (pa.ArrowInvalid, ValueError) as err:  # a truncated or foreign file
        raise OSError(f"not a readable Arrow file ({err})") from None


def _rows(path: str, batch_rows: int, batches: range | None) -> Iterator[dict[str, Any]]:
    for i, batch in enumerate(_batches(path)):
        if batches is not None and i < batches.start:
            continue  # a batch of a memory-mapped file is skipped without being read
        if batches is not None and i >= batches.stop:
            return
        # A writer may put a whole shard in one batch: convert a slice at a time.
        for start in range(0, batch.num_rows, batch_rows):
            yield from batch.slice(start, batch_rows).to_pylist()


def arrow_lines(
    path: str, batch_rows: int = BATCH_ROWS, batches: range | None = None
) -> Iterator[bytes]:
    """The rows of an Arrow file (of its record `batches` only, when given) as JSON lines,
    a slice of one batch in memory at a time."""
    for row in _rows(path, batch_rows, batches):
        yield row_line(row)


def record_batch_rows(path: str) -> list[int]:
    """The number of rows of each record batch (how `check --ray` cuts a file into parts)."""
    return [batch.num_rows for batch in _batches(path)]


def read_row(path: str, index: int) -> dict[str, Any]:
    """Row `index` of an Arrow file (a file-level finding locates itself in it)."""
    for batch in _batches(path):
        if index < batch.num_rows:
            row: dict[str, Any] = batch.slice(index, 1).to_pylist()[0]
            return row
        index -= batch.num_rows
    raise IndexError(f"{path} has no row {index}")
