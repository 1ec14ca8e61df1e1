"""Read JSONL and JSON-array files into rows that know where they are.

Rows are parsed with orjson (fast path). Positions are computed lazily, only for rows that
need them, by the locating parser in `jsonscan`. Problems of the input itself (bad JSON,
bad UTF-8, BOM, blank lines, NUL bytes, duplicate keys, NaN, ...) are attached to the
row (or to the file) as `Problem`s for the engine to report: nothing is skipped silently.

Over 600 lines: both layouts share the row, its problems and their positions here; the
line splitting lives in `lines`, the locating parser in `jsonscan`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from sftlint.io import jsonscan
from sftlint.io.jsonscan import json_type
from sftlint.io.lines import DEFAULT_MAX_LINE_BYTES, LongLine, bounded_lines, line_length
from sftlint.io.positions import (
    BOM,
    NO_WIDTH,
    LineColumns,
    RowText,
    Width,
    file_span,
    utf16_len,
)
from sftlint.model import Edit, Fix, Position, Range

JSONL_SUFFIXES = (".jsonl", ".jsonlines", ".ndjson")
JSON_SUFFIXES = (".json",)

# Keys and indices from the row value down to a value: ("messages", 2, "content").
JsonPath = tuple[str | int, ...]


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
        prefix: Width = NO_WIDTH,
    ) -> None:
        self.path = path
        self.index = index  # 0-based position among the file's rows
        self.line = line  # 0-based line where the row starts
        self.end_line = end_line
        self.offset = offset  # byte offset of raw[0] in the file
        self.raw = raw
        self.prefix = prefix  # width of the first line's text before the row (JSON arrays)
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

    def span(self, path: JsonPath = (), part: str = "value") -> Range:
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


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "UTF-32 BE"),
    (b"\xff\xfe", "UTF-16 LE"),
    (b"\xfe\xff", "UTF-16 BE"),
)


def _text_phase(sample: bytes, width: int) -> int | None:
    """The phase of `sample` whose bytes (every `width`-th) are text while all the others
    are NUL: where ASCII sits in UTF-16 (width 2) or UTF-32 (width 4) code units."""
    for phase in range(width):
        text = sample[phase::width]
        rest = bytes(b for i, b in enumerate(sample) if i % width != phase)
        if text and b"\x00" not in text and rest.count(0) == len(rest):
            return phase
    return None


def wide_encoding(raw: bytes) -> str | None:
    """UTF-16 or UTF-32 text (by its BOM, or by NULs in every 2nd or all but every 4th
    byte): JSON in those encodings is all NULs to a UTF-8 reader, not binary junk."""
    for bom, name in _WIDE_BOMS:
        if raw.startswith(bom):
            return name
    # Lines split at the 0x0A byte, so a row can start mid code unit: look at each phase.
    # What follows a little-endian file's last newline is that newline's 1 or 3 NULs.
    if raw in (b"\x00", b"\x00" * 3):
        return "UTF-16" if len(raw) == 1 else "UTF-32"
    sample = raw[:256].rstrip(b"\r\x00")
    if len(sample) < 8:
        return None
    for width, name in ((4, "UTF-32"), (2, "UTF-16")):
        if _text_phase(sample, width) is not None:
            return name
    return None


def wide_file(head: bytes) -> str | None:
    """The encoding of a file whose first bytes are UTF-16 or UTF-32 ("UTF-16 LE"), by its
    BOM or, at the start of the file where code units are aligned, by where its NULs are."""
    for bom, name in _WIDE_BOMS:
        if head.startswith(bom):
            return name
    sample = head[:256]
    sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) < 8:
        return None
    for width, name in ((4, "UTF-32"), (2, "UTF-16")):
        phase = _text_phase(sample, width)
        if phase is not None:  # ASCII's byte first: little-endian
            return f"{name} {'LE' if phase == 0 else 'BE'}"
    return None


def _wide_problem(info: FileInfo, encoding: str) -> None:
    """One finding for a UTF-16/32 file: every row of it would be a NUL byte (J008)."""
    info.wide = encoding
    here = Position(0, 0, 0, 0)
    message = f"file is {encoding}; sftlint reads UTF-8: re-save as UTF-8"
    info.problems.append(Problem("J008", message, Range(here, here)))


def parse_row(row: Row) -> None:
    """Parse `row.raw` into `row.value`, recording every problem of the JSON itself."""
    raw = row.raw
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        encoding = wide_encoding(raw)
        message = (
            f"NUL byte in the row: the file looks {encoding} encoded; re-save it as UTF-8"
            if encoding
            else "NUL byte in the row: the file is binary or corrupted here"
        )
        row.problems.append(
            Problem("J008", message, _line_range(row.line, row.offset, raw, at, at + 1))
        )
        return
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        _diagnose(row, err)
        return
    row.value = value
    if type(value) is not dict:
        row.problems.append(
            Problem("J002", f"row is a JSON {json_type(value)}, not an object", row.whole())
        )
        return
    try:
        again = orjson.dumps(value)
    except orjson.JSONEncodeError:  # deeper than orjson.dumps goes (255 levels)
        _locate_problems(row)
        return
    # Compact rows (orjson, `json.dumps(separators=(",", ":"))`) come back byte for byte:
    # then no key was lost. Otherwise: a key given twice leaves at least one string (two
    # quotes) fewer after a round trip; an escaped quote is `\"` both ways, except
    # `\u0022`, which gains a quote.
    if again != raw and (
        raw.count(b'"') != again.count(b'"') or (b"\\" in raw and b"\\u0022" in raw)
    ):
        _locate_problems(row)


def _locate_problems(row: Row) -> None:
    """Duplicate keys and excessive depth of a row orjson accepted (located scan)."""
    scan = row.scan
    if scan.too_deep:
        row.value = None  # like rows orjson rejects: reported, not linted further
        row.problems.append(_too_deep(row, scan))
    elif scan.root is not None and jsonscan.duplicates(scan.root):
        _report_duplicates(row)


def _too_deep(row: Row, scan: jsonscan.Scan) -> Problem:
    return Problem(
        "J009",
        f"JSON {scan.error}: trainers' JSON readers fail on it",
        row.rowtext.range(scan.error_at, scan.error_end),
    )


def _diagnose(row: Row, err: orjson.JSONDecodeError) -> None:
    """Say where and why orjson rejected the row; keep its value if only NaN-like."""
    try:
        row.raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        row.problems.append(
            Problem(
                "J003",
                f"invalid UTF-8 at byte {row.offset + bad.start} "
                f"(0x{row.raw[bad.start]:02x}): {bad.reason}",
                _line_range(row.line, row.offset, row.raw, bad.start, bad.end),
            )
        )
        return
    scan = jsonscan.scan(row.rowtext.text)
    if scan.error is not None:
        if scan.too_deep:
            row.problems.append(_too_deep(row, scan))
        else:
            row.problems.append(
                Problem(
                    "J001",
                    f"invalid JSON: {scan.error}",
                    row.rowtext.range(scan.error_at, scan.error_end),
                )
            )
        return
    # Valid for Python's json module but not for orjson (NaN, overflow, lone surrogates).
    text = row.rowtext.text
    problems = row.problems
    for path, node in scan.nonfinite:
        word = text[node.start : node.end]
        problems.append(
            Problem(
                "J005",
                f"{word} at {format_path(path)} is not valid JSON (most loaders reject it)",
                row.rowtext.range(node.start, node.end),
            )
        )
    for path, node in scan.overflow:
        problems.append(
            Problem(
                "J005",
                f"number at {format_path(path)} is too large for a 64-bit float "
                "(orjson rejects it, Python's json reads it as Infinity)",
                row.rowtext.range(node.start, node.end),
            )
        )
    for path, start, end in scan.surrogates:
        problems.append(
            Problem(
                "J003",
                f"{text[start:end]} at {format_path(path)} is a lone UTF-16 surrogate: "
                "not a character, UTF-8 cannot encode it (orjson and tokenizers reject it)",
                row.rowtext.range(start, end),
            )
        )
    if scan.surrogates:
        return  # its strings would crash whatever encodes them: not linted further
    if not (scan.nonfinite or scan.overflow):
        # orjson saw a problem the located parser does not know: report orjson's words.
        at = min(max(err.pos, 0), len(text))
        problems.append(Problem("J001", f"invalid JSON: {err.msg}", row.rowtext.range(at, at + 1)))
        return
    row._scan = scan
    row.value = scan.value
    if not isinstance(row.value, dict):
        problems.append(
            Problem("J002", f"row is a JSON {json_type(row.value)}, not an object", row.whole())
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
            f'Delete the earlier "{dup.first.key}" member (keep what trainers see)',
            (row.edit(*_member_cut(row.rowtext.text, dup.first)),),
        )
        row.problems.append(
            Problem(
                "J004",
                f'duplicate key "{dup.again.key}" in {where}: the last one silently wins, '
                "the earlier value is lost",
                row.rowtext.range(dup.again.key_start, dup.again.key_end),
                fixes=[keep_first],
                related=[(first, f'first "{dup.first.key}" here')],
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


def format_path(path: JsonPath) -> str:
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
    lone_cr: int = 0  # "\r" not before "\n": a line break to editors (LSP), not to readers
    first_lone_cr: Range | None = None
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)
    max_line: int = DEFAULT_MAX_LINE_BYTES  # longer lines are J013, not read
    wide: str | None = None  # a UTF-16/32 file: one J008, no rows read
    # The longest line read, in bytes (no row is longer: K004 rules out a file of short
    # lines by it); None when the reader did not measure its lines.
    longest_line: int | None = None


def read_jsonl(
    path: str, lines: Iterable[bytes], info: FileInfo, *, offset: int = 0
) -> Iterator[Row]:
    """Rows of a JSON Lines file, given its lines (with or without their b"\\n").

    `offset`: byte offset of the first line in the file, when reading a part of it (line
    numbers and row indices then count from that part's start).
    """
    index = 0
    line_no = -1
    longest = 0
    for line_no, line in enumerate(lines):
        start = offset
        offset += len(line)
        if len(line) > longest:
            longest = len(line)
        if line.__class__ is LongLine:
            offset += long_line(info, line, line_no, start)
            continue
        row = read_jsonl_line(path, line, line_no, start, index, info)
        if row is not None:
            index += 1
            yield row
    info.rows = index
    info.lines = line_no + 1
    info.bytes = offset
    info.longest_line = longest


def long_line(info: FileInfo, line: bytes, line_no: int, start: int) -> int:
    """Record a line too long to read (J013); returns its length in bytes."""
    length, here = line_length(line), Position(line_no, 0, 0, start)
    if info.wide:
        return length
    limit = f"longer than max-line-bytes ({info.max_line:,}): not read"
    info.problems.append(Problem("J013", f"line of {length:,} bytes is {limit}", Range(here, here)))
    return length


def _lone_cr(info: FileInfo, line_no: int, start: int, raw: bytes, last_cr: bool) -> None:
    """Count the lone CRs of a JSON Lines line: those in `raw` (its text without its line
    ending) and, with `last_cr`, the one after it that ends the file."""
    if info.first_lone_cr is None:
        first = raw.find(b"\r")
        first = len(raw) if first < 0 else first
        info.first_lone_cr = _line_range(line_no, start, raw, first, first)
    info.lone_cr += raw.count(b"\r") + last_cr


def read_jsonl_line(
    path: str, line: bytes, line_no: int, start: int, index: int, info: FileInfo
) -> Row | None:
    """The row `index` of a JSON Lines file from its line at byte `start`; None for a blank
    line (reported in `info`, like a BOM or a CRLF ending).
    """
    if info.wide:  # the file's one J008 stands for every line
        return None
    if start == 0 and (encoding := wide_file(line)):
        _wide_problem(info, encoding)
        return None
    raw = line[:-1] if line.endswith(b"\n") else line
    next_line = start + len(line)
    if start == 0 and raw.startswith(BOM):
        raw = raw[3:]
        start += 3
        _bom_problem(path, info, "json.loads")
    last_cr = False  # the file's last byte is "\r": no "\n" follows, not CRLF
    if raw.endswith(b"\r"):
        raw = raw[:-1]
        last_cr = not line.endswith(b"\n")
        if not last_cr:
            info.crlf_lines += 1
            if info.first_crlf is None:
                info.first_crlf = _line_range(line_no, start, raw, len(raw), len(raw))
    if last_cr or b"\r" in raw:  # inside the row, a CR is JSON whitespace
        _lone_cr(info, line_no, start, raw, last_cr)
    if not raw.strip():
        end = Position(line_no + 1, 0, 0, next_line) if line.endswith(b"\n") else None
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
        return None
    row = Row(path, index, line_no, line_no, start, raw)
    parse_row(row)
    return row


# --- JSON arrays -------------------------------------------------------------------------

_LONE_CR = re.compile(rb"\r(?!\n)")
_SKIP = re.compile(rb'[^"\[\]{},]*')
# A string ends on its line: JSON strings hold no raw newline, so an unclosed quote breaks
# its own line only, not the quoting of every line after it.
_BSTRING = re.compile(rb'"[^"\\\n]*(?:\\[^\n][^"\\\n]*)*"')
_BWS = re.compile(rb"[ \t\r\n]*")


def _match_end(pattern: re.Pattern[bytes], data: bytes, pos: int) -> int:
    """End of `pattern`'s match at `pos`, for patterns that also match nothing."""
    m = pattern.match(data, pos)
    assert m is not None
    return m.end()


def _ws_end(data: bytes, pos: int) -> int:
    return _match_end(_BWS, data, pos)


def looks_like_jsonl(data: bytes) -> bool:
    """A `.json` file that really holds JSON Lines (one object per line)."""
    head = data.lstrip(BOM).lstrip()
    if not head.startswith(b"{"):
        return False
    first, _, rest = head.partition(b"\n")
    if not rest.strip():
        return False  # a single object: a JSON document, not a dataset
    # A pretty-printed object's first line is `{` alone; a JSON Lines file's first line is
    # a whole row (valid or not) and the next non-blank line starts another.
    return first.rstrip().endswith(b"}") and rest.lstrip().startswith(b"{")


def _bom_problem(path: str, info: FileInfo, loader: str) -> None:
    bom = Range(Position(0, 0, 0, 0), Position(0, 0, 0, 3))
    info.problems.append(
        Problem(
            "J006",
            f"file starts with a UTF-8 byte order mark ({loader} rejects it)",
            bom,
            fixes=[Fix("Remove the byte order mark", (Edit(path, bom, ""),), safe=True)],
        )
    )


def _element_end(data: bytes, pos: int) -> tuple[int, bool]:
    """(end, cut) of the array element at `pos`: the `,` or `]` that closes it at depth 0
    (cut False); or, for an element still open there, the start of a line that begins
    as the element's own line does (its indentation, then `{`) where no valid JSON could
    have that `{` (cut True: the next element starts there, as an unclosed bracket or
    string left it). Valid JSON is never cut.

    Strings are jumped over by a regular expression; brackets are only counted, so a
    broken element still ends at the right place and its own parse says what is wrong.
    """
    start = pos
    open_: list[int] = []  # the brackets open, innermost last
    n = len(data)
    while pos < n:
        pos = _match_end(_SKIP, data, pos)
        if pos >= n:
            break
        ch = data[pos]
        if ch == 0x22:  # "
            m = _BSTRING.match(data, pos)
            if m:
                pos = m.end()
            else:  # unclosed on its line
                eol = data.find(b"\n", pos)
                pos = n if eol < 0 else eol
        elif ch in (0x5B, 0x7B):  # [ {
            if ch == 0x7B and open_ and (cut := _cut(data, start, pos, open_[-1])) is not None:
                return cut, True
            open_.append(ch)
            pos += 1
        elif ch == 0x5D and not open_:  # ] closes the array
            break
        elif ch in (0x5D, 0x7D):  # ] }  (a stray `}` at depth 0 stays in the element)
            if open_:
                open_.pop()
            pos += 1
        elif not open_:  # ,
            break
        else:
            pos += 1
    return pos, False


def _cut(data: bytes, start: int, brace: int, inner: int) -> int | None:
    """The start of the line of the `{` at `brace` if it begins that line as the element at
    `start` begins its own (same indentation) and no valid JSON has a `{` there: after a
    `,` in an object (`inner`, the innermost bracket open), or after a value."""
    nl = data.rfind(b"\n", start, brace)
    if nl < 0 or data[nl + 1 : brace].strip(b" \t"):
        return None
    own = data.rfind(b"\n", 0, start) + 1
    if data[own:start] != data[nl + 1 : brace]:
        return None
    before = data[start:nl].rstrip(b" \t\r\n")[-1:]
    if before in (b"[", b":") or (before == b"," and inner == 0x5B):
        return None  # where a `{` may be
    return nl + 1


def read_json_array(path: str, data: bytes, info: FileInfo) -> Iterator[Row]:
    """Rows of a JSON file holding an array of objects; each element is parsed alone."""
    info.layout = "json-array"
    info.bytes = len(data)
    info.lines = data.count(b"\n") + 1
    if encoding := wide_file(data[:256]):
        _wide_problem(info, encoding)
        return
    info.crlf_lines = data.count(b"\r\n")
    info.lone_cr = data.count(b"\r") - info.crlf_lines
    if info.lone_cr:
        lone = _LONE_CR.search(data)
        assert lone is not None
        info.first_lone_cr = file_span(data, lone.start(), lone.start())
    if info.crlf_lines:
        cr = data.index(b"\r\n")
        info.first_crlf = file_span(data, cr, cr)
    start = 0
    if data.startswith(BOM):
        start = 3
        _bom_problem(path, info, "json.load")
    pos = _ws_end(data, start)
    if pos >= len(data):
        return  # no rows: the file check reports the empty file
    if data[pos : pos + 1] != b"[":
        info.problems.append(
            Problem(
                "J002", "top-level value is not an array of rows", file_span(data, pos, pos + 1)
            )
        )
        return
    columns = LineColumns(data)
    index = 0
    for _lead, el_start, el_end in array_elements(
        path, data, _ws_end(data, pos + 1), info.problems
    ):
        line, prefix = columns.advance(el_start)
        end_line = line + data.count(b"\n", el_start, el_end)
        row = Row(path, index, line, end_line, el_start, data[el_start:el_end], prefix)
        parse_row(row)
        index += 1
        yield row
    info.rows = index


def array_elements(
    path: str, data: bytes, pos: int, problems: list[Problem], *, after: bool = False
) -> Iterator[tuple[int, int, int]]:
    """(lead, start, end) of the elements of an array from `pos` on: `pos` just after the
    `[` and its blanks, or (`after`) just after an element; `lead` is where the reader
    began to look for the element (stray commas before it are its problems). Problems of
    the array itself go to `problems` as they are met (a stray comma before the element it
    precedes); the array's end (unclosed, data after it) once the elements are done.

    Resumable: the server re-reads an edited stretch from the element before it on, and
    stops where the reading meets an element it already has (`lsp/arrayrows.py`).
    """
    n = len(data)
    seen = after
    closed = False
    if after:
        pos = _ws_end(data, pos)
        if pos < n and data[pos : pos + 1] == b"]":
            pos += 1
            closed = True
        elif data[pos : pos + 1] == b",":
            pos = _ws_end(data, pos + 1)
        # else the element was cut (`_element_end`): the next one starts here
    lead = pos
    while not closed and pos < n:
        if data[pos : pos + 1] == b"]":
            if seen:  # `[..., ]`
                problems.append(
                    Problem(
                        "J001",
                        "invalid JSON: trailing comma before ']'",
                        file_span(data, pos, pos + 1),
                    )
                )
            pos += 1
            closed = True
            break
        if data[pos : pos + 1] == b",":  # `[,` or `, ,`
            problems.append(
                Problem(
                    "J001", "invalid JSON: expected a row, found ','", file_span(data, pos, pos + 1)
                )
            )
            pos = _ws_end(data, pos + 1)
            continue
        el_start = pos
        pos, cut = _element_end(data, pos)
        el_end = pos
        while el_end > el_start and data[el_end - 1] in b" \t\r\n":
            el_end -= 1
        yield lead, el_start, el_end
        seen = True
        if cut:  # no comma: the next element starts its line
            pos = lead = _ws_end(data, pos)
            continue
        if pos >= n:
            break
        if data[pos : pos + 1] == b"]":
            pos += 1
            closed = True
            break
        pos = lead = _ws_end(data, pos + 1)  # after the comma
    if not closed:
        problems.append(
            Problem(
                "J001",
                "invalid JSON: the array is never closed with ']'",
                file_span(data, n, n),
            )
        )
        return
    tail = _ws_end(data, pos)
    if tail < n:
        problems.append(
            Problem(
                "J010",
                "unexpected data after the closing ']' of the array",
                file_span(data, tail, n),
                fixes=[
                    Fix(
                        "Delete everything after the array",
                        (Edit(path, file_span(data, pos, n), "\n"),),
                    )
                ],
            )
        )


def read_bytes(path: str, data: bytes, info: FileInfo) -> Iterator[Row]:
    """Rows of an in-memory file, picking the layout from the name and the content
    (standard input, `-`, has no name: an array there is read as one)."""
    lower = path.lower()
    if lower.endswith(JSON_SUFFIXES) and not looks_like_jsonl(data):
        return read_json_array(path, data, info)
    if path == "-" and data.lstrip(BOM).lstrip().startswith(b"["):
        return read_json_array(path, data, info)
    lines = bounded_lines(io.BytesIO(data), info.max_line)  # on b"\n" only, like trainers
    return read_jsonl(path, lines, info)
