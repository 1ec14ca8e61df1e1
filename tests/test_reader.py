"""The reader turns every kind of bad input into a finding at the exact place.

Positions are asserted 1-based as the CLI prints them: (row, column, end row, end column),
columns in code points; `utf16` helpers check the columns the language server sends.
"""

from __future__ import annotations

import time

import pytest

from sftlint.engine import engine
from sftlint.io import reader
from sftlint.io.reader import FileInfo, Row
from sftlint.settings import Settings

J_ONLY = Settings(select=["J"])


def found(name: str, data: bytes) -> list[tuple[str, tuple[int, int, int, int], str]]:
    result = engine.check_bytes(name, data, J_ONLY)
    return [
        (
            f.code,
            (
                f.range.start.line + 1,
                f.range.start.column + 1,
                f.range.end.line + 1,
                f.range.end.column + 1,
            ),
            f.message,
        )
        for f in result.findings
    ]


def utf16(name: str, data: bytes) -> list[tuple[str, int, int]]:
    result = engine.check_bytes(name, data, J_ONLY)
    return [(f.code, f.range.start.utf16, f.range.end.utf16) for f in result.findings]


def rows(name: str, data: bytes) -> list[Row]:
    return list(reader.read_bytes(name, data, FileInfo()))


# --- JSON Lines ------------------------------------------------------------------------


def test_invalid_line_reports_the_column_and_goes_on() -> None:
    data = b'{"a": 1}\n{"a": 1,}\n{"b": x}\n{"c": 3}\n'
    assert found("d.jsonl", data) == [
        ("J001", (2, 9, 2, 10), "invalid JSON: trailing comma before '}'"),
        ("J001", (3, 7, 3, 8), "invalid JSON: expected a JSON value, found 'x'"),
    ]
    got = rows("d.jsonl", data)
    assert [r.value for r in got] == [{"a": 1}, None, None, {"c": 3}]
    assert [r.line for r in got] == [0, 1, 2, 3]


def test_single_quotes_and_raw_tab() -> None:
    assert found("d.jsonl", b"{'a': 1}\n") == [
        (
            "J001",
            (1, 2, 1, 3),
            'invalid JSON: expected a double-quoted key, found "\'" '
            "(JSON strings use double quotes)",
        )
    ]
    assert found("d.jsonl", b'{"a": "x\ty"}\n') == [
        (
            "J001",
            (1, 9, 1, 10),
            "invalid JSON: control character U+0009 inside a string (escape it)",
        )
    ]


def test_columns_after_astral_characters_code_points_and_utf16() -> None:
    data = '{"t": "é😀", "a": tru}\n'.encode()
    assert found("d.jsonl", data) == [
        ("J001", (1, 18, 1, 19), "invalid JSON: expected a JSON value, found 't'")
    ]
    assert utf16("d.jsonl", data) == [("J001", 18, 19)]  # the emoji is two UTF-16 units


def test_invalid_utf8_gives_the_byte_offset() -> None:
    data = b'{"a": 1}\n{"t": "caf\xe9"}\n'
    assert found("d.jsonl", data) == [
        ("J003", (2, 11, 2, 12), "invalid UTF-8 at byte 19 (0xe9): invalid continuation byte")
    ]
    assert engine.check_bytes("d.jsonl", data, J_ONLY).findings[0].range.start.offset == 19


def test_bom_crlf_and_blank_lines() -> None:
    data = b'\xef\xbb\xbf{"a": 1}\r\n{"a": 2}\r\n\r\n   \n{"a": 3}'
    assert found("d.jsonl", data) == [
        ("J006", (1, 1, 1, 1), "file starts with a UTF-8 byte order mark (json.loads rejects it)"),
        ("J011", (1, 9, 1, 9), "3 of 5 lines end with CRLF (\\r\\n)"),
        ("J007", (3, 1, 3, 1), "blank line: `json.loads` fails on it in line-by-line loaders"),
        ("J007", (4, 1, 4, 4), "blank line: `json.loads` fails on it in line-by-line loaders"),
    ]
    got = rows("d.jsonl", data)
    assert [(r.line, r.offset, r.raw) for r in got] == [
        (0, 3, b'{"a": 1}'),
        (1, 13, b'{"a": 2}'),
        (4, 29, b'{"a": 3}'),
    ]


def test_nul_byte() -> None:
    assert found("d.jsonl", b'{"a": "x\x00y"}\n') == [
        ("J008", (1, 9, 1, 10), "NUL byte in the row: the file is binary or corrupted here")
    ]


@pytest.mark.parametrize(
    ("encoding", "named"),
    [
        ("utf-16", "UTF-16 LE"),  # Python writes the BOM, little-endian
        ("utf-16-le", "UTF-16 LE"),  # no BOM: by where the NULs are
        ("utf-16-be", "UTF-16 BE"),
        ("utf-32", "UTF-32 LE"),
        ("utf-32-le", "UTF-32 LE"),
        ("utf-32-be", "UTF-32 BE"),
    ],
)
@pytest.mark.parametrize("name", ["d.jsonl", "d.json"])
def test_a_utf16_or_utf32_file_is_one_finding_naming_the_encoding(
    encoding: str, named: str, name: str
) -> None:
    """Every row of a UTF-16/32 file has NULs: one finding for the file, not one a row."""
    text = '{"a": 1}\n{"a": 2}\n{"a": 3}\n' if name.endswith("l") else '[{"a": 1}, {"a": 2}]'
    assert found(name, text.encode(encoding)) == [
        ("J008", (1, 1, 1, 1), f"file is {named}; sftlint reads UTF-8: re-save as UTF-8")
    ]


def test_a_utf16_file_on_disk_is_one_finding(tmp_path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes('{"a": 1}\n{"a": 2}\n'.encode("utf-16"))
    result = engine.check_path(path, J_ONLY)
    assert [(f.code, f.message) for f in result.findings] == [
        ("J008", "file is UTF-16 LE; sftlint reads UTF-8: re-save as UTF-8")
    ]


def test_a_nul_in_one_row_of_a_utf8_file_is_still_that_row(tmp_path) -> None:
    data = b'{"a": 1}\n{"a": "x\x00"}\n'
    assert found("d.jsonl", data) == [
        ("J008", (2, 9, 2, 10), "NUL byte in the row: the file is binary or corrupted here")
    ]


def test_duplicate_keys_nested_and_in_arrays() -> None:
    data = b'{"a": 1, "b": {"c": 1, "c": 2}, "l": [{"x": 1, "x": 2}], "a": 3}\n'
    dup = "the last one silently wins, the earlier value is lost"
    assert found("d.jsonl", data) == [
        ("J004", (1, 24, 1, 27), f'duplicate key "c" in b: {dup}'),
        ("J004", (1, 48, 1, 51), f'duplicate key "x" in l[0]: {dup}'),
        ("J004", (1, 58, 1, 61), f'duplicate key "a" in the row: {dup}'),
    ]
    # What trainers see: the last value.
    assert rows("d.jsonl", data)[0].value["a"] == 3


def test_duplicate_key_written_with_an_escape() -> None:
    data = b'{"ab": 1, "\\u0061b": 2}\n'
    assert [f[0] for f in found("d.jsonl", data)] == ["J004"]


def test_escaped_quotes_are_not_duplicates() -> None:
    data = b'{"a": "say \\"hi\\" \\\\", "b": "\\u0022"}\n'
    assert found("d.jsonl", data) == []


def test_duplicate_fix_removes_only_the_earlier_member() -> None:
    data = b'{"role": "user", "content": "first", "content": "second"}\n'
    result = engine.check_bytes("d.jsonl", data, J_ONLY)
    (edit,) = result.findings[0].fixes[0].edits
    fixed = data[: edit.range.start.offset] + edit.new_text.encode() + data[edit.range.end.offset :]
    assert fixed == b'{"role": "user", "content": "second"}\n'


def test_nan_and_infinity() -> None:
    assert found("d.jsonl", b'{"a": NaN, "b": [1, -Infinity]}\n') == [
        ("J005", (1, 7, 1, 10), "NaN at a is not valid JSON (most loaders reject it)"),
        ("J005", (1, 21, 1, 30), "-Infinity at b[1] is not valid JSON (most loaders reject it)"),
    ]


def test_numbers_too_large_for_a_float() -> None:
    msg = "is too large for a 64-bit float (orjson rejects it, Python's json reads it as Infinity)"
    assert found("d.jsonl", b'{"a": 1e999}\n') == [("J005", (1, 7, 1, 12), f"number at a {msg}")]
    huge = b"9" * 5000  # more digits than Python's int() accepts: no crash
    assert found("d.jsonl", b'{"a": [' + huge + b"]}\n") == [
        ("J005", (1, 8, 1, 5008), f"number at a[0] {msg}")
    ]


def test_big_integers_orjson_accepts_are_not_findings() -> None:
    assert found("d.jsonl", b'{"a": 123456789012345678901234567890}\n') == []


def test_lone_surrogate() -> None:
    data = b'{"a": "ok \\ud83d\\ude00", "b": "x\\ud800y"}\n'
    assert found("d.jsonl", data) == [
        (
            "J003",
            (1, 33, 1, 39),
            "\\ud800 at b is a lone UTF-16 surrogate: not a character, UTF-8 cannot encode it "
            "(orjson and tokenizers reject it)",
        )
    ]
    assert rows("d.jsonl", data)[0].value is None  # not linted further


def test_not_an_object() -> None:
    assert found("d.jsonl", b'[1, 2]\n"s"\nnull\n') == [
        ("J002", (1, 1, 1, 7), "row is a JSON array, not an object"),
        ("J002", (2, 1, 2, 4), "row is a JSON string, not an object"),
        ("J002", (3, 1, 3, 5), "row is a JSON null, not an object"),
    ]


@pytest.mark.parametrize("depth", [300, 700, 10_000])
def test_deep_nesting_never_raises(depth: int) -> None:
    data = b'{"a": ' + b"[" * depth + b"]" * depth + b"}\n"
    expected = []
    if depth > 512:  # the row object is level 1: the 512th "[" is level 513
        expected = [
            (
                "J009",
                (1, 518, 1, 519),
                "JSON nested more than 512 levels deep: trainers' JSON readers fail on it",
            )
        ]
    assert found("d.jsonl", data) == expected


def test_ten_megabyte_lines_are_fast() -> None:
    body = "é😀x".encode() * 1_200_000
    start = time.perf_counter()
    assert found("d.jsonl", b'{"text": "' + body + b'"}\n') == []
    assert found("d.jsonl", b'{"text": "' + body + b'", }\n') == [
        ("J001", (1, 3_600_014, 1, 3_600_015), "invalid JSON: trailing comma before '}'")
    ]
    assert time.perf_counter() - start < 5


def test_empty_and_whitespace_only_files() -> None:
    assert found("d.jsonl", b"") == [("J012", (1, 1, 1, 1), "file holds no rows")]
    assert found("d.json", b"") == [("J012", (1, 1, 1, 1), "file holds no rows")]
    assert found("d.json", b" \n\t") == [("J012", (1, 1, 1, 1), "file holds no rows")]
    blank = "blank line: `json.loads` fails on it in line-by-line loaders"
    assert found("d.jsonl", b" \n") == [
        ("J007", (1, 1, 1, 2), blank),
        ("J012", (1, 1, 1, 1), "file holds no rows"),
    ]


# --- JSON arrays -----------------------------------------------------------------------


def test_pretty_printed_array_rows_span_lines() -> None:
    data = b'[\n  {\n    "a": 1,\n    "a": 2\n  },\n  {"b": x}\n]\n'
    assert found("d.json", data) == [
        (
            "J004",
            (4, 5, 4, 8),
            'duplicate key "a" in the row: the last one silently wins, the earlier value is lost',
        ),
        ("J001", (6, 9, 6, 10), "invalid JSON: expected a JSON value, found 'x'"),
    ]
    got = rows("d.json", data)
    assert [(r.line, r.end_line) for r in got] == [(1, 4), (5, 5)]


def test_minified_array_columns_on_one_line() -> None:
    data = '[{"t": "😀"}, {"t": "é"}, {"b": x}]'.encode()
    assert found("d.json", data) == [
        ("J001", (1, 32, 1, 33), "invalid JSON: expected a JSON value, found 'x'")
    ]
    assert utf16("d.json", data) == [("J001", 32, 33)]
    got = rows("d.json", data)
    assert [r.prefix for r in got] == [(1, 1), (13, 14), (25, 26)]


def test_trailing_garbage_after_the_array() -> None:
    data = b'[{"a": 1}]\nextra'
    assert found("d.json", data) == [
        ("J010", (2, 1, 2, 6), "unexpected data after the closing ']' of the array")
    ]
    fix = engine.check_bytes("d.json", data, J_ONLY).findings[0].fixes[0]
    (edit,) = fix.edits
    assert data[: edit.range.start.offset] + edit.new_text.encode() == b'[{"a": 1}]\n'


def test_unclosed_array_and_stray_brackets() -> None:
    assert found("d.json", b'[{"a": 1}, {"a": 2}') == [
        ("J001", (1, 20, 1, 20), "invalid JSON: the array is never closed with ']'")
    ]
    assert found("d.json", b'[{"a": 1}}, {"a": 2}]') == [
        ("J001", (1, 10, 1, 11), "invalid JSON: unexpected '}' after the JSON value")
    ]
    assert found("d.json", b'[{"a": 1},, {"a": 2},]') == [
        ("J001", (1, 11, 1, 12), "invalid JSON: expected a row, found ','"),
        ("J001", (1, 22, 1, 23), "invalid JSON: trailing comma before ']'"),
    ]
    assert len(rows("d.json", b'[{"a": 1},, {"a": 2},]')) == 2


def test_top_level_not_an_array() -> None:
    assert found("d.json", b'{\n  "a": 1\n}\n') == [
        ("J002", (1, 1, 1, 2), "top-level value is not an array of rows")
    ]


def test_json_file_that_is_really_jsonl() -> None:
    data = b'{"a": 1}\n{"a": 2,}\n'
    assert found("d.json", data) == [
        ("J001", (2, 9, 2, 10), "invalid JSON: trailing comma before '}'")
    ]
    # Even when its first line is broken.
    assert [f[0] for f in found("d.json", b'{"a": 1,}\n{"a": 2}\n')] == ["J001"]


def test_bom_and_crlf_in_a_json_array() -> None:
    data = b'\xef\xbb\xbf[\r\n  {"a": 1}\r\n]\r\n'
    assert found("d.json", data) == [
        ("J006", (1, 1, 1, 1), "file starts with a UTF-8 byte order mark (json.load rejects it)"),
        ("J011", (1, 2, 1, 2), "3 of 4 lines end with CRLF (\\r\\n)"),
    ]


LONE = "a line break to editors, not to JSON Lines readers"


@pytest.mark.parametrize(
    ("name", "data", "j011"),
    [
        # A lone CR inside a row (JSON whitespace) and one ending the file: not CRLF.
        (
            "d.jsonl",
            b'{"a": 1}\r\n{"a":\r 2}\n{"a": 3}\r',
            ((1, 9, 1, 9), f"1 of 3 lines end with CRLF (\\r\\n); 2 lone CR (\\r): {LONE}"),
        ),
        ("d.jsonl", b'{"a":\r 1}\n{"a": 2}\n', ((1, 6, 1, 6), f"1 lone CR (\\r): {LONE}")),
        ("d.jsonl", b'{"a": 1}\n{"a": 2}\r', ((2, 9, 2, 9), f"1 lone CR (\\r): {LONE}")),
        ("d.jsonl", b'{"a": 1}\n{"a":\r2}\r', ((2, 6, 2, 6), f"2 lone CR (\\r): {LONE}")),
        (
            "d.json",
            b'[\r\n{"a":\r 1}\r\n]',
            ((1, 2, 1, 2), f"2 of 3 lines end with CRLF (\\r\\n); 1 lone CR (\\r): {LONE}"),
        ),
    ],
)
def test_a_lone_cr_is_its_own_kind_in_j011(name: str, data: bytes, j011) -> None:
    got = [f for f in found(name, data) if f[0] == "J011"]
    assert got == [("J011", *j011)]


def test_positions_after_a_lone_cr_are_the_editors() -> None:
    """A lone CR is a line break to an editor: positions after it count it as one."""
    data = b'{"a": 1,\r "a": 2}\n{"b": 1,}\n'
    dup = 'duplicate key "a" in the row: the last one silently wins, the earlier value is lost'
    assert found("d.jsonl", data) == [
        ("J011", (1, 9, 1, 9), f"1 lone CR (\\r): {LONE}"),
        ("J004", (2, 2, 2, 5), dup),
        ("J001", (3, 9, 3, 10), "invalid JSON: trailing comma before '}'"),
    ]
