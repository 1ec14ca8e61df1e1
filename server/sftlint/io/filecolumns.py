"""A file's columns: the union of its rows' top-level keys.

Axolotl loads a dataset file whole (`datasets.load_dataset("json")`), as one Arrow table:
every row has every column of the file, null where the row lacks it. Its chat_template
strategy then finds the file's `system` column in a row that never had one and opens that
conversation with an empty system turn (`get_conversation_thread`). The axolotl profile
reads the file's columns before its rows; no other profile pays for this pass.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable

import orjson

from .lines import DEFAULT_MAX_LINE_BYTES, bounded_lines
from .reader import JSON_SUFFIXES, looks_like_jsonl
from .regular import open_regular

_CACHE: OrderedDict[tuple, frozenset[str]] = OrderedDict()
_CACHE_MAX = 8  # files whose columns are kept (`show` asks once per row)
_LOCK = threading.Lock()


def of_lines(lines: Iterable[bytes]) -> frozenset[str]:
    """The top-level keys of the JSON objects among `lines` (other lines add none)."""
    keys: set[str] = set()
    for line in lines:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict):
            keys.update(value)
    return frozenset(keys)


def of_bytes(path: str, data: bytes) -> frozenset[str]:
    """The columns of a file's bytes: a JSON array's objects, or JSON Lines."""
    if path.lower().endswith(JSON_SUFFIXES) and not looks_like_jsonl(data[: 1 << 16]):
        try:
            rows = orjson.loads(data)
        except orjson.JSONDecodeError:
            return frozenset()
        rows = rows if isinstance(rows, list) else [rows]
        return frozenset(k for r in rows if isinstance(r, dict) for k in r)
    return of_lines(data.split(b"\n"))


def of_path(path: str, max_line: int = DEFAULT_MAX_LINE_BYTES) -> frozenset[str] | None:
    """The columns of the file at `path` (None when it cannot be read: a stream, a buffer
    with no file), kept for the last few files by size and modification time."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    key = (path, st.st_size, st.st_mtime_ns)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    try:
        with open_regular(path) as f:
            if path.lower().endswith(JSON_SUFFIXES):
                columns = of_bytes(path, f.read())
            else:
                columns = of_lines(bounded_lines(f, max_line))
    except OSError:
        return None
    with _LOCK:
        _CACHE[key] = columns
        if len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)
    return columns
