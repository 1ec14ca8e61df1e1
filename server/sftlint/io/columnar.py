"""Parquet rows as JSON: record batches read with pyarrow, each row with the compact JSON
orjson makes of it, so that the JSONL engine checks it unchanged.

pyarrow is an optional dependency (`pip install 'sftlint[parquet]'`): a large wheel that
JSON-only users do not need. Memory stays bounded by one record batch.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from typing import Any

import orjson

PARQUET_SUFFIXES = (".parquet",)
PARQUET_MAGIC = b"PAR1"
BATCH_ROWS = 2048  # rows per record batch: a few MB of chat rows at most
INSTALL_HINT = "reading Parquet needs pyarrow: pip install 'sftlint[parquet]'"


class MissingDependency(OSError):
    """An optional library a file type needs is not installed (the message says how)."""


def is_parquet(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path).lower().endswith(PARQUET_SUFFIXES)


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependency(INSTALL_HINT) from None
    return pq


def _jsonable(value: Any) -> Any:
    """What orjson cannot write: binary cells as base64 (what `datasets` JSON export does),
    decimals and other scalars as their text."""
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def row_line(row: Any) -> bytes:
    """The JSON line of one row given as a value (compact, as `compact_object` expects)."""
    return orjson.dumps(row, default=_jsonable, option=orjson.OPT_NON_STR_KEYS) + b"\n"


def _open(path: str) -> Any:
    pq = _pyarrow_parquet()
    try:
        return pq.ParquetFile(path)
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise OSError(f"not a readable Parquet file ({err})") from None


def row_group_rows(path: str) -> list[int]:
    """The number of rows of each row group (how `check --ray` cuts a file into parts)."""
    with _open(path) as file:
        meta = file.metadata
        return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def parquet_rows(
    path: str, batch_rows: int = BATCH_ROWS, row_groups: range | None = None
) -> Iterator[tuple[dict[str, Any], bytes]]:
    """The rows of a Parquet file (of `row_groups` only, when given) as (JSON value, its
    compact JSON bytes without the newline of `row_line`), one record batch in memory at
    a time."""
    with _open(path) as file:
        native = all(_native(field.type) for field in file.schema_arrow)
        groups = None if row_groups is None else list(row_groups)
        for batch in file.iter_batches(batch_size=batch_rows, row_groups=groups):
            rows = batch.to_pylist()
            if native:  # the Python values are the JSON values: no parse back
                yield from zip(rows, map(orjson.dumps, rows), strict=True)
            else:
                raws = [row_line(row)[:-1] for row in rows]
                yield from zip(map(orjson.loads, raws), raws, strict=True)


def _native(arrow_type: Any) -> bool:
    """Whether pyarrow gives this type's cells as JSON values that orjson writes and reads
    back unchanged: strings, integers, booleans, nulls, and lists and structs of them
    (not floats, whose NaN orjson writes as null; not bytes, dates, decimals, maps)."""
    import pyarrow as pa

    types = pa.types
    if types.is_list(arrow_type) or types.is_large_list(arrow_type):
        return _native(arrow_type.value_type)
    if types.is_struct(arrow_type):
        return all(_native(arrow_type.field(i).type) for i in range(arrow_type.num_fields))
    return bool(
        types.is_string(arrow_type)
        or types.is_large_string(arrow_type)
        or types.is_integer(arrow_type)
        or types.is_boolean(arrow_type)
        or types.is_null(arrow_type)
    )


def read_row(path: str, index: int) -> dict[str, Any]:
    """Row `index` of a Parquet file (a file-level finding locates itself in it)."""
    pq = _pyarrow_parquet()
    with pq.ParquetFile(path) as file:
        meta = file.metadata
        for group in range(meta.num_row_groups):
            rows = meta.row_group(group).num_rows
            if index < rows:
                table = file.read_row_group(group)
                return table.slice(index, 1).to_pylist()[0]
            index -= rows
    raise IndexError(f"{path} has no row {index}")
