"""Offsets in a row's text map to lines, code-point and UTF-16 columns and byte offsets."""

from __future__ import annotations

from sftlint.io.positions import RowText, utf16_len, width
from sftlint.model import Position


def test_utf16_len_counts_astral_characters_twice() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("é中") == 2
    assert utf16_len("a😀b") == 4
    assert utf16_len("\ud800") == 1  # a lone surrogate is one unit


def test_width_of_bytes() -> None:
    assert width(b"[ ") == (2, 2)
    assert width("é😀".encode()) == (2, 3)
    assert width(b"\xff") == (1, 1)  # shown as one replacement character


def test_positions_on_the_first_and_later_lines() -> None:
    text = '{"a": "😀",\n  "b": 1}'
    rt = RowText(text, line=4, offset=100, prefix=(3, 4))
    i = text.index('",')  # after the emoji, first line: prefix counts
    assert rt.position(i) == Position(4, 3 + i, 4 + i + 1, 100 + len(text[:i].encode()))
    j = text.index('"b"')
    assert rt.position(j) == Position(5, 2, 2, 100 + len(text[:j].encode()))
    assert rt.position(len(text) + 10) == rt.position(len(text))  # clamped


def test_range_is_start_and_end() -> None:
    rt = RowText('{"k": 1}', 0, 0)
    r = rt.range(1, 4)
    assert (r.start.column, r.end.column, r.end.offset) == (1, 4, 4)
