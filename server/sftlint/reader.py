"""Read JSONL and JSON-array files into rows that know where they are.

Rows are parsed with orjson (fast path). Positions are computed lazily, only for rows that
need them, by the locating parser in `jsonscan`. Problems of the input itself (bad JSON,
bad UTF-8, BOM, blank lines, NUL bytes, duplicate keys, NaN, ...) are attached to the
row (or to the file) as `Problem`s for the engine to report: nothing is skipped silently.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from sftlint import jsonscan
from sftlint.model import Edit, Fix, Position, Range
from sftlint.positions import RowText, utf16_len

JSONL_SUFFIXES = (".jsonl", ".jsonlines", ".ndjson")
JSON_SUFFIXES = (".json",)
BOM = b"\xef\xbb\xbf"

_ESCAPES = re.compile(rb"\\.", re.DOTALL)
Path_ = tuple[str | int, ...]


@dataclass(slots=True)
class Problem:
    """A finding about the input itself, before any rule looked at the row's meaning."""

    code: str
    message: str
    range: Range
    fixes: list[Fix] = field(default_factory=list)
    related: list[tuple[Range, str]] = field(default_factory=list)


class Row:
    """One record of the dataset: a JSONL line or one element of a JSON array."""

    __slots__ = (
        "_rowtext",
        "_scan",
        "end_line",
        "index",
        "line",
        "offset",
        "path",
        "prefix",
        "problems",
        "raw",
        "value",
    )

    def __init__(
        self,
        path: str,
        index: int,
        line: int,
        end_line: int,
        offset: int,
        raw: bytes,
        prefix: str = "",
    ) -> None:
        self.path = path
        self.index = index  # 0-based position among the file's rows
        self.line = line  # 0-based line where the row starts
        self.end_line = end_line
        self.offset = offset  # byte offset of raw[0] in the file
        self.raw = raw
        self.prefix = prefix  # text of the first line before the row (JSON arrays)
        self.value: Any = None  # parsed value; None when the row is not valid JSON
        self.problems: list[Problem] = []
        self._rowtext: RowText | None = None
        self._scan: jsonscan.Scan | None = None

    @property
    def ok(self) -> bool:
        """Parsed to an object that rules can look at."""
        return isinstance(self.value, dict)

    @property
    def rowtext(self) -> RowText:
        if self._rowtext is None:
            text = self.raw.decode("utf-8", "replace")
            self._rowtext = RowText(text, self.line, self.offset, self.prefix)
        return self._rowtext

    @property
    def scan(self) -> jsonscan.Scan:
        if self._scan is None:
            self._scan = jsonscan.scan(self.rowtext.text, build_value=False)
        return self._scan

    def whole(self) -> Range:
        """The row's span, trimmed to its first line when it spans several."""
        text = self.rowtext.text
        nl = text.find("\n")
        return self.rowtext.range(0, len(text) if nl < 0 else nl)

    def span(self, path: Path_ = (), part: str = "value") -> Range:
        """Range of the value (or with part="key", the key) at `path`.

        A path that does not exist falls back to the deepest part of it that does, so a
        finding about a missing key sits on the object that lacks it.
        """
        root = self.scan.root
        if root is None:
            return self.whole()
        if part == "key" and path:
            span = jsonscan.locate_key(root, path)
            if span:
                return self.rowtext.range(*span)
        depth = len(path)
        while depth >= 0:
            node = jsonscan.locate(root, path[:depth])
            if node is not None:
                if depth < len(path) and depth > 0 and isinstance(path[depth - 1], str):
                    key = jsonscan.locate_key(root, path[:depth])
                    if key:
                        return self.rowtext.range(*key)
                if node is root and node.end - node.start > 200:
                    return self.whole()
                return self.rowtext.range(node.start, node.end)
            depth -= 1
        return self.whole()

    def edit(self, start: int, end: int, new_text: str) -> Edit:
        """An edit of the row text's code points [start, end)."""
        return Edit(self.path, self.rowtext.range(start, end), new_text)


def _line_range(line: int, offset: int, raw: bytes, start: int, end: int) -> Range:
    """Range of the bytes [start, end) of a raw line (columns from a decoded prefix)."""

    def pos(b: int) -> Position:
        before = raw[:b].decode("utf-8", "replace")
        return Position(line, len(before), utf16_len(before), offset + b)

    return Range(pos(start), pos(end))


def parse_row(row: Row) -> None:
    """Parse `row.raw` into `row.value`, recording every problem of the JSON itself."""
    raw = row.raw
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        row.problems.append(
            Problem(
                "J008",
                "NUL byte in the row: the file is binary or corrupted here",
                _line_range(row.line, row.offset, raw, at, at + 1),
            )
        )
        return
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        _diagnose(row)
        return
    row.value = value
    if not isinstance(value, dict):
        row.problems.append(
            Problem("J002", f"row is a JSON {_kind(value)}, not an object", row.whole())
        )
        return
    if _quote_count(raw) != _quote_count(orjson.dumps(value)):
        # Some strings vanished in parsing: the only way is a key given twice.
        _report_duplicates(row)


def _diagnose(row: Row) -> None:
    try:
        row.raw.decode("utf-8")
    except UnicodeDecodeError as err:
        row.problems.append(
            Problem(
                "J003",
                f"invalid UTF-8 at byte {row.offset + err.start} "
                f"(0x{row.raw[err.start]:02x}): {err.reason}",
                _line_range(row.line, row.offset, row.raw, err.start, err.end),
            )
        )
        return
    scan = jsonscan.scan(row.rowtext.text)
    row._scan = scan
    if scan.error is not None:
        code = "J009" if scan.too_deep else "J001"
        message = (
            f"JSON {scan.error}: trainers' JSON readers fail on it"
            if scan.too_deep
            else f"invalid JSON: {scan.error}"
        )
        row.problems.append(
            Problem(code, message, row.rowtext.range(scan.error_at, scan.error_end))
        )
        return
    # Valid for Python's json module but not strict JSON (NaN, huge numbers, ...).
    row.value = scan.value
    for path, node in scan.nonfinite:
        word = row.rowtext.text[node.start : node.end]
        row.problems.append(
            Problem(
                "J005",
                f"{word} at {format_path(path)} is not valid JSON (most loaders reject it)",
                row.rowtext.range(node.start, node.end),
            )
        )
    if not isinstance(row.value, dict):
        row.problems.append(
            Problem("J002", f"row is a JSON {_kind(row.value)}, not an object", row.whole())
        )
        return
    if scan.root is not None and jsonscan.duplicates(scan.root):
        _report_duplicates(row)


def _report_duplicates(row: Row) -> None:
    root = row.scan.root
    if root is None:
        return
    for dup in jsonscan.duplicates(root):
        where = format_path(dup.path)
        first = row.rowtext.range(dup.first.key_start, dup.first.key_end)
        keep_first = Fix(
            f"Delete the earlier {dup.first.key!r} member (keep what trainers see)",
            (row.edit(*_member_cut(row.rowtext.text, dup.first)),),
        )
        row.problems.append(
            Problem(
                "J004",
                f"duplicate key {dup.again.key!r} in {where}: the last one silently wins, "
                "the earlier value is lost",
                row.rowtext.range(dup.again.key_start, dup.again.key_end),
                fixes=[keep_first],
                related=[(first, f"first {dup.first.key!r} here")],
            )
        )


def _member_cut(text: str, member: jsonscan.Member) -> tuple[int, int, str]:
    """Code-point span that removes `member` and the comma that separates it."""
    end = member.value.end
    rest = text[end:]
    stripped = rest.lstrip(" \t\r\n")
    if stripped.startswith(","):
        comma = end + len(rest) - len(stripped)
        after = text[comma + 1 :]
        return member.key_start, comma + 1 + len(after) - len(after.lstrip(" \t")), ""
    # Last member: remove the comma before it instead.
    before = text[: member.key_start].rstrip(" \t\r\n")
    if before.endswith(","):
        return len(before) - 1, end, ""
    return member.key_start, end, ""


def _quote_count(raw: bytes) -> int:
    if b"\\" in raw:
        raw = _ESCAPES.sub(b"", raw)
    return raw.count(b'"')


def _kind(value: Any) -> str:
    return {
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def format_path(path: Path_) -> str:
    """`("messages", 2, "role")` -> `messages[2].role` (the way users write it)."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out or "the row"


# --- JSON Lines -----------------------------------------------------------------------


@dataclass(slots=True)
class FileInfo:
    """What the reader learnt about the file as a whole."""

    layout: str = "jsonl"  # or "json-array"
    rows: int = 0
    lines: int = 0
    crlf_lines: int = 0
    first_crlf: Range | None = None
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)


def read_jsonl(path: str, lines: Iterable[bytes], info: FileInfo) -> Iterator[Row]:
    """Rows of a JSON Lines file, given its lines (with or without their b"\\n")."""
    offset = 0
    index = 0
    line_no = -1
    for line_no, line in enumerate(lines):
        size = len(line)
        raw = line[:-1] if line.endswith(b"\n") else line
        start = offset
        offset += size
        if line_no == 0 and raw.startswith(BOM):
            raw = raw[3:]
            start += 3
            p = Position(0, 0, 0, 0)
            bom = Range(p, Position(0, 0, 0, 3))
            info.problems.append(
                Problem(
                    "J006",
                    "file starts with a UTF-8 byte order mark (json.loads rejects it)",
                    bom,
                    fixes=[Fix("Remove the byte order mark", (Edit(path, bom, ""),), safe=True)],
                )
            )
        if raw.endswith(b"\r"):
            raw = raw[:-1]
            info.crlf_lines += 1
            if info.first_crlf is None:
                info.first_crlf = _line_range(line_no, start, raw, len(raw), len(raw))
        if not raw.strip():
            end = Position(line_no + 1, 0, 0, offset) if line.endswith(b"\n") else None
            here = _line_range(line_no, start, raw, 0, len(raw))
            fixes = []
            if end is not None:
                fixes.append(
                    Fix(
                        "Delete the blank line",
                        (Edit(path, Range(here.start, end), ""),),
                        safe=True,
                    )
                )
            info.problems.append(
                Problem(
                    "J007",
                    "blank line: `json.loads` fails on it in line-by-line loaders",
                    here,
                    fixes=fixes,
                )
            )
            continue
        row = Row(path, index, line_no, line_no, start, raw)
        parse_row(row)
        index += 1
        yield row
    info.rows = index
    info.lines = line_no + 1
    info.bytes = offset


# --- JSON arrays -------------------------------------------------------------------------

_SKIP = re.compile(rb'[^"\[\]{},]*')
_BSTRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BWS = re.compile(rb"[ \t\r\n]*")


def looks_like_jsonl(data: bytes) -> bool:
    """A `.json` file that really holds JSON Lines (one object per line)."""
    head = data.lstrip(BOM).lstrip()
    if not head.startswith(b"{"):
        return False
    first, _, rest = head.partition(b"\n")
    if not rest.strip():
        return False  # a single object: a JSON document, not a dataset
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return rest.lstrip().startswith(b"{")


def read_json_array(path: str, data: bytes, info: FileInfo) -> Iterator[Row]:
    """Rows of a JSON file holding an array of objects; each element is parsed alone."""
    info.layout = "json-array"
    info.bytes = len(data)
    start = 0
    if data.startswith(BOM):
        start = 3
        bom = Range(Position(0, 0, 0, 0), Position(0, 0, 0, 3))
        info.problems.append(
            Problem(
                "J006",
                "file starts with a UTF-8 byte order mark (json.load rejects it)",
                bom,
                fixes=[Fix("Remove the byte order mark", (Edit(path, bom, ""),), safe=True)],
            )
        )
    info.lines = data.count(b"\n") + 1
    pos = _BWS.match(data, start).end()
    if pos >= len(data) or data[pos : pos + 1] != b"[":
        whole = _span(data, pos, len(data))
        if pos >= len(data):
            info.problems.append(Problem("J012", "file is empty: no rows", whole))
        else:
            info.problems.append(
                Problem(
                    "J002", "top-level value is not an array of rows", _span(data, pos, pos + 1)
                )
            )
        return
    line, line_start = _line_at(data, 0, 0, pos)
    pos += 1
    index = 0
    closed = False
    while True:
        pos = _BWS.match(data, pos).end()
        if pos >= len(data):
            break
        if data[pos : pos + 1] == b"]" and index == 0:
            pos += 1
            closed = True
            break
        # One element: scan to the comma or bracket that ends it at depth 0.
        el_start = pos
        depth = 0
        while pos < len(data):
            pos = _SKIP.match(data, pos).end()
            if pos >= len(data):
                break
            ch = data[pos]
            if ch == 0x22:  # "
                m = _BSTRING.match(data, pos)
                pos = m.end() if m else len(data)
            elif ch in (0x5B, 0x7B):  # [ {
                depth += 1
                pos += 1
            elif ch in (0x5D, 0x7D):  # ] }
                if depth == 0:
                    break
                depth -= 1
                pos += 1
            else:  # ,
                if depth == 0:
                    break
                pos += 1
        el_end = pos
        while el_end > el_start and data[el_end - 1] in b" \t\r\n":
            el_end -= 1
        line, line_start = _line_at(data, line, line_start, el_start)
        end_line = line + data.count(b"\n", el_start, el_end)
        prefix = data[line_start:el_start].decode("utf-8", "replace")
        row = Row(path, index, line, end_line, el_start, data[el_start:el_end], prefix)
        if el_end == el_start:
            row.problems.append(
                Problem(
                    "J001", "invalid JSON: empty array element", _span(data, el_start, el_start + 1)
                )
            )
        else:
            parse_row(row)
        index += 1
        yield row
        if pos >= len(data):
            break
        if data[pos : pos + 1] == b"]":
            pos += 1
            closed = True
            break
        pos += 1  # the comma
    info.rows = index
    if not closed:
        info.problems.append(
            Problem(
                "J001",
                "invalid JSON: the array is never closed with ']'",
                _span(data, len(data), len(data)),
            )
        )
        return
    tail = _BWS.match(data, pos).end()
    if tail < len(data):
        info.problems.append(
            Problem(
                "J010",
                "unexpected data after the closing ']' of the array",
                _span(data, tail, len(data)),
                fixes=[
                    Fix(
                        "Delete everything after the array",
                        (Edit(path, _span(data, pos, len(data)), "\n"),),
                    )
                ],
            )
        )


def _line_at(data: bytes, line: int, line_start: int, offset: int) -> tuple[int, int]:
    """Advance (line, line_start) from a known earlier point to `offset`."""
    line += data.count(b"\n", line_start, offset)
    nl = data.rfind(b"\n", 0, offset)
    return line, (nl + 1 if nl >= 0 else 0)


def _span(data: bytes, start: int, end: int) -> Range:
    def pos(offset: int) -> Position:
        line, line_start = _line_at(data, 0, 0, offset)
        before = data[line_start:offset].decode("utf-8", "replace")
        return Position(line, len(before), utf16_len(before), offset)

    return Range(pos(start), pos(end))


def read_bytes(path: str, data: bytes, info: FileInfo) -> Iterator[Row]:
    """Rows of an in-memory file, picking the layout from the name and the content."""
    lower = path.lower()
    if lower.endswith(JSON_SUFFIXES) and not looks_like_jsonl(data):
        return read_json_array(path, data, info)
    return read_jsonl(path, io.BytesIO(data), info)  # splits on b"\n" only, like trainers
