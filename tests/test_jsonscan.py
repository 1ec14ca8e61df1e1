"""The locating parser: same values as `json.loads`, exact spans, no recursion."""

from __future__ import annotations

import json
import math

import pytest

from sftlint.io import jsonscan


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, -2.5e3, "x\\n\\u00e9", true, false, null, {}, []]}',
        '[1, "x", true, 7 ]',
        '  {"k": {"n": [[1, 2], [3, 4]], "s": "\\ud83d\\ude00"}}  ',
        "[12345678901234567890123, 1e5, 1E-2, -0, 0.5]",
        '"just a string"',
    ],
)
def test_values_match_json_loads(text: str) -> None:
    scan = jsonscan.scan(text)
    assert scan.error is None
    assert scan.value == json.loads(text)


def test_spans_of_members_and_elements() -> None:
    text = '{"a": [1, "x", true, 7], "b": {"c": null}}'
    root = jsonscan.scan(text).root
    assert root is not None
    a = jsonscan.locate(root, ("a",))
    assert a is not None
    assert [(n.kind, text[n.start : n.end]) for n in a.items] == [
        ("number", "1"),
        ("string", '"x"'),
        ("literal", "true"),
        ("number", "7"),
    ]
    c = jsonscan.locate(root, ("b", "c"))
    assert c is not None and text[c.start : c.end] == "null"
    span = jsonscan.locate_key(root, ("b", "c"))
    assert span is not None and text[span[0] : span[1]] == '"c"'
    assert jsonscan.locate(root, ("a", 9)) is None


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ('{"a": 1,}', "trailing comma before '}'", 8),
        ("[1, 2 3]", "expected ',' or ']' after array element, found '3'", 6),
        ('{"a" 1}', "expected ':' after key 'a', found '1'", 5),
        ('{"a": "x', "unterminated string", 6),
        ('{"a": "\\q"}', "invalid escape '\\\\q' in string", 7),
        ("[1, 2", "expected ',' or ']' after array element, found end of row", 5),
        ("[01]", "expected ',' or ']' after array element, found '1'", 2),
        ('{"a": 1} x', "unexpected 'x' after the JSON value", 9),
        ("", "expected a JSON value, found end of row", 0),
    ],
)
def test_errors_say_where_and_why(text: str, message: str, at: int) -> None:
    scan = jsonscan.scan(text)
    assert (scan.error, scan.error_at) == (message, at)
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_nonfinite_overflow_and_surrogates_are_recorded() -> None:
    scan = jsonscan.scan('{"a": NaN, "b": [Infinity, 1e400], "c": "\\udc00"}')
    assert scan.error is None
    assert [(p, n.start) for p, n in scan.nonfinite] == [(("a",), 6), (("b", 0), 17)]
    assert [(p, n.start) for p, n in scan.overflow] == [(("b", 1), 27)]
    assert scan.surrogates == [(("c",), 41, 47)]
    assert math.isnan(scan.value["a"])


def test_deep_nesting_is_an_error_not_a_recursion_error() -> None:
    scan = jsonscan.scan("[" * 100_000 + "]" * 100_000)
    assert scan.too_deep
    assert (scan.error, scan.error_at) == ("nested more than 512 levels deep", 512)


def test_duplicates_everywhere_in_order() -> None:
    text = '{"a": 1, "l": [{"x": 1, "x": 2}], "a": 2}'
    root = jsonscan.scan(text, build_value=False).root
    assert root is not None
    dups = jsonscan.duplicates(root)
    assert [(d.path, d.again.key, d.first.key_start, d.again.key_start) for d in dups] == [
        (("l", 0), "x", 16, 24),
        ((), "a", 1, 34),
    ]
    # What trainers see is the last member.
    assert root.member("a") is dups[1].again
