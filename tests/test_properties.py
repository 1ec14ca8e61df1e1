"""Property tests: the reader never raises, never skips a line, and agrees with `json`."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sftlint.engine import engine
from sftlint.io import jsonscan, reader
from sftlint.io.reader import FileInfo
from sftlint.settings import Settings

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALL = Settings()

VALID_ROWS = [
    b'{"messages": [{"role": "user", "content": "hi \\u00e9 \\ud83d\\ude00"}, '
    b'{"role": "assistant", "content": "hello"}]}',
    b'{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}',
    b'{"instruction": "i", "input": "", "output": "o", "history": [["a", "b"]]}',
    b'{"input_ids": [1, 2, 3], "labels": [-100, 2, 3], "attention_mask": [1, 1, 1]}',
    '{"text": "日本語 😀", "weight": 1.5, "ok": true, "none": null}'.encode(),
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=5), kids, max_size=4)
    ),
    max_leaves=20,
)


def lines_accounted_for(name: str, data: bytes) -> None:
    """Every non-blank line holds a parsed row or is the place of a finding."""
    result = engine.check_bytes(name, data, ALL)
    info = FileInfo()
    rows = list(reader.read_bytes(name, data, info))
    covered = {f.range.start.line for f in result.findings}
    covered |= {f.row_line for f in result.findings if f.row_line is not None}
    for row in rows:
        if row.value is not None or row.problems:
            covered.update(range(row.line, row.end_line + 1))
    for i, line in enumerate(data.split(b"\n")):
        if line.strip(b" \t\r"):
            assert i in covered, (i, line)


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    lines_accounted_for("d.jsonl", data)
    engine.check_bytes("d.json", data, ALL)


@st.composite
def mutated_file(draw: st.DrawFn) -> bytes:
    rows = draw(st.lists(st.sampled_from(VALID_ROWS), min_size=1, max_size=4))
    data = bytearray(b"\n".join(rows) + b"\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["set", "insert", "delete"]))
        byte = draw(st.sampled_from(b'{}[]",:\\ \n\r\x00\xff\xe9ax0-'))
        if op == "set":
            data[at] = byte
        elif op == "insert":
            data.insert(at, byte)
        else:
            del data[at]
    return bytes(data)


@FAST
@given(mutated_file())
def test_mutated_rows_never_raise_and_every_line_is_accounted_for(data: bytes) -> None:
    lines_accounted_for("d.jsonl", data)
    array = b"[\n" + b",\n".join(line for line in data.split(b"\n") if line.strip()) + b"\n]"
    engine.check_bytes("d.json", array, ALL)


@FAST
@given(json_values)
def test_jsonscan_agrees_with_json_loads_on_valid_json(value: object) -> None:
    for text in (json.dumps(value), json.dumps(value, indent=1, ensure_ascii=False)):
        scan = jsonscan.scan(text)
        assert scan.error is None
        assert scan.value == json.loads(text)


@FAST
@given(st.text(alphabet='{}[]",:0123456789.-eE tfalsenru\\\n', max_size=25))
def test_jsonscan_rejects_what_json_rejects(text: str) -> None:
    scan = jsonscan.scan(text)
    try:
        expected = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        assert scan.error is not None
    else:
        assert scan.error is None
        assert scan.value == expected or (
            isinstance(expected, float) and math.isnan(expected) and math.isnan(scan.value)
        )


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


@FAST
@given(st.dictionaries(st.text(max_size=4), json_values, min_size=1, max_size=4), st.booleans())
def test_spans_map_back_to_the_value(value: dict, pretty: bool) -> None:
    if pretty:  # a pretty-printed JSON array: the row starts after "[ " on line 0
        data = b"[ " + json.dumps(value, indent=2, ensure_ascii=False).encode() + b"\n]\n"
    else:
        data = json.dumps(value, ensure_ascii=False).encode() + b"\n"
    (row,) = list(reader.read_bytes("d.json" if pretty else "d.jsonl", data, FileInfo()))
    for path in _paths(value):
        span = row.span(path)
        if path:  # the root may be trimmed to its first line; every other span is exact
            text = data[span.start.offset : span.end.offset].decode()
            assert json.loads(text) == _get(value, path)
            key = row.span(path, part="key")
            key_text = data[key.start.offset : key.end.offset].decode()
            if isinstance(path[-1], str):
                assert json.loads(key_text) == path[-1]
        for pos in (span.start, span.end):  # line, columns and byte offset agree
            before = data[: pos.offset].decode()
            line_text = before[before.rfind("\n") + 1 :]
            assert before.count("\n") == pos.line
            assert len(line_text) == pos.column
            assert len(line_text.encode("utf-16-le")) // 2 == pos.utf16


def _get(value: object, path: tuple) -> object:
    for step in path:
        value = value[step]  # type: ignore[index]
    return value
