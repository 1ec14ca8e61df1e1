"""A JSON parser that remembers where everything is.

orjson parses every row (fast); this parser runs only for rows that need positions: rows
with a finding to locate, rows orjson rejects (to say exactly where and why), rows with
duplicate keys or NaN. It is iterative (10,000-deep nesting is a finding, not a
RecursionError) and jumps over strings and numbers with regular expressions, so a 10 MB
line costs C-speed scanning, not a Python loop per character.

Offsets are code-point indexes into the text given.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field
from typing import Any

MAX_DEPTH = 512  # deeper rows are reported and not linted further (trainers' parsers fail)

_WS = re.compile(r"[ \t\n\r]*")


def _ws_end(text: str, pos: int) -> int:
    """Where the JSON whitespace at `pos` ends (`_WS` also matches nothing: it never fails)."""
    m = _WS.match(text, pos)
    assert m is not None
    return m.end()


_STRING = re.compile(r'"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"')
_STRING_PREFIX = re.compile(
    r'"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*'
)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_INT_DIGITS = 4000  # below Python's int-from-str limit (4300); larger overflows a float
# Scalars that need no checking (no NaN, no overflow, no \\u escapes), each followed by the
# end of its token; a run is two or more of them separated by commas.
_PLAIN = (
    r'(?:"[^"\\\x00-\x1f]*(?:\\["\\/bfnrt][^"\\\x00-\x1f]*)*"'
    r"|-?(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,17})?(?:[eE][+-]?[0-9]{1,2})?|true|false|null)"
    r"(?=[ \t\n\r,\]])"
)
_PLAIN_TOKEN = re.compile(_PLAIN)
_RUN = re.compile(_PLAIN + r"(?:[ \t\n\r]*,[ \t\n\r]*" + _PLAIN + r")+")
_KINDS = {'"': "string", "t": "literal", "f": "literal", "n": "literal"}
_LITERALS = {"true": True, "false": False, "null": None}
_NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


# The JSON name of each type a parsed row holds (orjson and json give these types).
JSON_TYPES: dict[type, str] = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
    list: "array",
    dict: "object",
}


def json_type(value: Any) -> str:
    """`"array"`, `"number"`, ...: how a message names a value's type for JSON users."""
    return JSON_TYPES.get(type(value), "object")


class Node:
    """A located JSON value. Objects keep every member, duplicates included, in order."""

    __slots__ = ("end", "items", "kind", "start")

    def __init__(self, kind: str, start: int) -> None:
        self.kind = kind  # "object", "array", "string", "number", "literal"
        self.start = start
        self.end = start
        # object: list of Member; array: list of Node; scalars: None
        self.items: list[Any] | None = [] if kind in ("object", "array") else None

    def member(self, key: str) -> Member | None:
        """The member a trainer sees for `key`: the last one (as every JSON loader keeps)."""
        if self.kind != "object":
            return None
        found = None
        for m in self.items:  # type: ignore[union-attr]
            if m.key == key:
                found = m
        return found

    def child(self, step: str | int) -> Node | None:
        if isinstance(step, int):
            if self.kind == "array" and 0 <= step < len(self.items):  # type: ignore[arg-type]
                return self.items[step]  # type: ignore[index]
            return None
        m = self.member(step)
        return m.value if m else None


@dataclass(slots=True)
class Member:
    key: str
    key_start: int
    key_end: int
    value: Node


@dataclass(slots=True)
class Duplicate:
    path: tuple[str | int, ...]  # path of the object holding the key
    first: Member
    again: Member


@dataclass(slots=True)
class Scan:
    value: Any = None
    root: Node | None = None
    error: str | None = None  # None when the text is one valid JSON value (NaN allowed)
    error_at: int = 0
    error_end: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)
    # NaN/Infinity literals, and numbers too large for a 64-bit float (orjson rejects both)
    nonfinite: list[tuple[tuple[str | int, ...], Node]] = field(default_factory=list)
    overflow: list[tuple[tuple[str | int, ...], Node]] = field(default_factory=list)
    # (path, start, end) of `\\uD800`-style escapes that decode to a lone surrogate
    surrogates: list[tuple[tuple[str | int, ...], int, int]] = field(default_factory=list)
    too_deep: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


class _Fail(Exception):
    def __init__(self, message: str, at: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.at = at
        self.end = at + 1 if end is None else end


def _describe(ch: str) -> str:
    if ch == "":
        return "end of row"
    if ch == "'":
        return '"\'" (JSON strings use double quotes)'
    if ord(ch) < 0x20 or ch == "\x7f":
        return f"control character U+{ord(ch):04X}"
    return repr(ch)


def _string_error(text: str, at: int) -> _Fail:
    m = _STRING_PREFIX.match(text, at)
    stop = m.end() if m else at + 1
    if stop >= len(text):
        return _Fail("unterminated string", at, len(text))
    ch = text[stop]
    if ch == "\\":
        return _Fail(f"invalid escape {text[stop : stop + 2]!r} in string", stop, stop + 2)
    return _Fail(f"{_describe(ch)} inside a string (escape it)", stop)


def _decode_string(raw: str, start: int, path: list[str | int], result: Scan) -> str:
    """Decode a matched string literal that starts at `start` of the text."""
    if "\\" not in raw:
        return raw[1:-1]
    value = json.loads(raw)
    if "\\u" in raw and _SURROGATE.search(value):
        at = _lone_surrogate(raw)
        result.surrogates.append((tuple(path), start + at, start + at + 6))
    return value


def _lone_surrogate(raw: str) -> int:
    """Index in `raw` of the first `\\uXXXX` escape that is half of no surrogate pair."""
    high = -1  # index of a high-surrogate escape waiting for its low half
    for m in _ESCAPE.finditer(raw):
        code = int(m.group(1), 16) if m.group(1) else -1
        if high >= 0:
            if 0xDC00 <= code <= 0xDFFF and m.start() == high + 6:
                high = -1
                continue
            return high
        if 0xD800 <= code <= 0xDBFF:
            high = m.start()
        elif 0xDC00 <= code <= 0xDFFF:
            return m.start()
    return high


def _number(s: str) -> tuple[int | float, bool]:
    """The value of a JSON number literal, and whether it overflows a 64-bit float."""
    if s.lstrip("-").isdigit():
        if len(s) > _MAX_INT_DIGITS:
            return (-math.inf if s[0] == "-" else math.inf), True
        n = int(s)
        return n, abs(n) > _FLOAT_MAX
    f = float(s)
    return f, math.isinf(f)


_FLOAT_MAX = int(sys.float_info.max)


def scan(text: str, *, build_value: bool = True) -> Scan:
    """Parse `text` as exactly one JSON value, recording positions and problems."""
    result = Scan()
    try:
        root, value, end = _parse(text, result, build_value)
        end = _ws_end(text, end)
        if end < len(text):
            raise _Fail(f"unexpected {_describe(text[end])} after the JSON value", end, len(text))
        result.root = root
        result.value = value
    except _Fail as fail:
        result.error = fail.message
        result.error_at = fail.at
        result.error_end = max(fail.end, fail.at)
    return result


def _parse(text: str, result: Scan, build: bool) -> tuple[Node, Any, int]:
    # Each stack frame: [node, python value, unused, pending (key, start, end) for objects]
    stack: list[list[Any]] = []
    path: list[str | int] = []
    pos = _ws_end(text, 0)
    n = len(text)
    root_node: Node | None = None
    root_value: Any = None

    while True:
        # --- a run of plain scalars in an array (ids, numbers, strings): one regex --------
        frame = stack[-1] if stack else None
        run = None
        if frame is not None and frame[0].kind == "array":
            run = _RUN.match(text, pos)
        if run is not None:
            pos = _attach_run(text, pos, run.end(), frame, path, build)  # type: ignore[arg-type]
        else:
            # --- parse one value at `pos` -------------------------------------------------
            if pos >= n:
                raise _Fail("expected a JSON value, found end of row", pos, pos)
            ch = text[pos]
            node: Node
            value: Any
            container = False
            if ch == '"':
                m = _STRING.match(text, pos)
                if not m:
                    raise _string_error(text, pos)
                node = Node("string", pos)
                node.end = m.end()
                value = _decode_string(m.group(), pos, path, result) if build else None
            elif ch == "{" or ch == "[":
                node = Node("object" if ch == "{" else "array", pos)
                value = ({} if ch == "{" else []) if build else None
                container = True
            elif ch == "-" or "0" <= ch <= "9":
                m = _NUMBER.match(text, pos)
                if m and m.end() > pos:
                    node = Node("number", pos)
                    node.end = m.end()
                    value = None
                    if build:
                        value, overflow = _number(m.group())
                        if overflow:
                            result.overflow.append((tuple(path), node))
                elif text.startswith("-Infinity", pos):
                    node = Node("number", pos)
                    node.end = pos + 9
                    value = -math.inf
                    result.nonfinite.append((tuple(path), node))
                else:
                    raise _Fail(f"invalid number starting with {_describe(ch)}", pos)
            else:
                for word, lit in _LITERALS.items():
                    if text.startswith(word, pos):
                        node = Node("literal", pos)
                        node.end = pos + len(word)
                        value = lit
                        break
                else:
                    for word, number in _NONFINITE.items():
                        if text.startswith(word, pos):
                            node = Node("number", pos)
                            node.end = pos + len(word)
                            value = number
                            result.nonfinite.append((tuple(path), node))
                            break
                    else:
                        raise _Fail(f"expected a JSON value, found {_describe(ch)}", pos)

            # --- attach it to its parent ----------------------------------------------------
            if stack:
                frame = stack[-1]
                parent: Node = frame[0]
                if parent.kind == "object":
                    key, kstart, kend = frame[3]
                    member = Member(key, kstart, kend, node)
                    if build:
                        frame[1][key] = value
                    parent.items.append(member)  # type: ignore[union-attr]
                else:
                    if build:
                        frame[1].append(value)
                    parent.items.append(node)  # type: ignore[union-attr]
            else:
                root_node, root_value = node, value

            if container:
                if len(stack) >= MAX_DEPTH:
                    result.too_deep = True
                    raise _Fail(f"nested more than {MAX_DEPTH} levels deep", pos)
                stack.append([node, value, None, None])
                pos = _ws_end(text, pos + 1)
                close = "}" if node.kind == "object" else "]"
                if pos < n and text[pos] == close:
                    node.end = pos + 1
                    stack.pop()
                    pos += 1
                    # fall through to "after a value" handling below
                else:
                    if node.kind == "object":
                        pos = _read_key(text, pos, stack[-1], path, result)
                    else:
                        path.append(0)
                    continue
            else:
                pos = node.end

        # --- after a value: close containers, or move to the next member/element --------
        while True:
            if not stack:
                return root_node, root_value, pos  # type: ignore[return-value]
            frame = stack[-1]
            parent = frame[0]
            pos = _ws_end(text, pos)
            close = "}" if parent.kind == "object" else "]"
            if pos < n and text[pos] == ",":
                pos = _ws_end(text, pos + 1)
                if parent.kind == "object":
                    path.pop()
                    if pos < n and text[pos] == "}":
                        raise _Fail("trailing comma before '}'", pos)
                    pos = _read_key(text, pos, frame, path, result)
                else:
                    if pos < n and text[pos] == "]":
                        raise _Fail("trailing comma before ']'", pos)
                    path[-1] += 1  # type: ignore[operator]
                break
            if pos < n and text[pos] == close:
                parent.end = pos + 1
                pos += 1
                stack.pop()
                path.pop()
                continue
            what = "object member" if parent.kind == "object" else "array element"
            found = _describe(text[pos] if pos < n else "")
            raise _Fail(f"expected ',' or '{close}' after {what}, found {found}", pos)


def _attach_run(
    text: str, start: int, end: int, frame: list[Any], path: list[str | int], build: bool
) -> int:
    """Add the plain scalars text[start:end] to the array of `frame`; return `end`."""
    items = frame[0].items
    count = 0
    for m in _PLAIN_TOKEN.finditer(text, start, end + 1):  # + 1: the lookahead's character
        node = Node(_KINDS.get(text[m.start()], "number"), m.start())
        node.end = m.end()
        items.append(node)
        count += 1
    if build:  # C speed: the run is valid JSON with nothing to check
        frame[1].extend(json.loads(f"[{text[start:end]}]"))
    path[-1] += count - 1  # type: ignore[operator]
    return end


def _read_key(text: str, pos: int, frame: list[Any], path: list[str | int], result: Scan) -> int:
    """Read `"key" :` at `pos`; remember it in the frame; return the value's position."""
    n = len(text)
    if pos >= n or text[pos] != '"':
        found = _describe(text[pos] if pos < n else "")
        raise _Fail(f"expected a double-quoted key, found {found}", pos)
    m = _STRING.match(text, pos)
    if not m:
        raise _string_error(text, pos)
    key = _decode_string(m.group(), pos, path, result)
    frame[3] = (key, pos, m.end())
    pos = _ws_end(text, m.end())
    if pos >= n or text[pos] != ":":
        found = _describe(text[pos] if pos < n else "")
        raise _Fail(f"expected ':' after key {key!r}, found {found}", pos)
    path.append(key)
    return _ws_end(text, pos + 1)


def duplicates(root: Node) -> list[Duplicate]:
    """Every key that occurs twice in one object, anywhere in the tree (iteratively)."""
    found: list[Duplicate] = []
    todo: list[tuple[Node, tuple[str | int, ...]]] = [(root, ())]
    while todo:
        node, path = todo.pop()
        if node.kind == "object":
            seen: dict[str, Member] = {}
            for m in node.items:  # type: ignore[union-attr]
                if m.key in seen:
                    found.append(Duplicate(path, seen[m.key], m))
                seen[m.key] = m
                todo.append((m.value, (*path, m.key)))
        elif node.kind == "array":
            for i, child in enumerate(node.items):  # type: ignore[arg-type]
                todo.append((child, (*path, i)))
    found.sort(key=lambda d: d.again.key_start)
    return found


def locate(root: Node, path: tuple[str | int, ...]) -> Node | None:
    node: Node | None = root
    for step in path:
        if node is None:
            return None
        node = node.child(step)
    return node


def locate_key(root: Node, path: tuple[str | int, ...]) -> tuple[int, int] | None:
    """Span of the key (quotes included) of the member at `path` (last step a key)."""
    if not path or not isinstance(path[-1], str):
        return None
    parent = locate(root, path[:-1])
    if parent is None:
        return None
    m = parent.member(path[-1])
    return (m.key_start, m.key_end) if m else None
