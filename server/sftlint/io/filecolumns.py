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
from itertools import compress, repeat
from operator import is_
from typing import cast

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


class BufferColumns:
    """The columns of an edited buffer, pass after pass, equal to `of_bytes` of its text.
    JSON Lines: each line's keys kept by the line's bytes, so a pass parses only the lines
    an edit changed (an editor's mask pass would otherwise parse every row again on every
    keystroke); a `.json` buffer (an array's rows span lines): read again only when its
    text changed. Not thread-safe: one owner, one pass at a time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lines: dict[bytes, frozenset[str]] = {}
        self._text: tuple[bytes, frozenset[str]] | None = None

    def of(self, lines: list[bytes]) -> frozenset[str]:
        if self.path.lower().endswith(JSON_SUFFIXES):
            data = b"\n".join(lines)
            if self._text is None or self._text[0] != data:
                self._text = (data, of_bytes(self.path, data))
            return self._text[1]
        keys = self._lines
        found = list(map(keys.get, lines))  # C loops: this runs on every keystroke's pass
        for i in compress(range(len(found)), map(is_, found, repeat(None))):
            got = keys.get(lines[i])  # a line an edit wrote (or its twin, read just now)
            if got is None:
                got = keys[lines[i]] = of_lines((lines[i],))
            found[i] = got
        read = cast("list[frozenset[str]]", found)  # no None left
        if len(keys) > 2 * len(lines) + 64:  # let edited-away lines go, now and then
            self._lines = dict(zip(lines, read, strict=True))
        return frozenset().union(*set(read))


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
