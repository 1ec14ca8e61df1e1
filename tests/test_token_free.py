"""Control tokens looked for in a chunk of rows at once (`fastpath.token_free`)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from sftlint.engine import engine, fastpath
from sftlint.rules.content_rules import CONTROL_TOKENS
from sftlint.settings import Settings


def _line(text: str) -> bytes:
    row = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": text}]}
    return orjson.dumps(row) + b"\n"


def test_rows_before_the_first_candidate_are_cleared() -> None:
    rows = [_line("a [b] c"), _line("x < y"), _line("[INST]")]
    assert fastpath.token_free(rows) == 1  # "<" in the second row
    assert fastpath.token_free([rows[0], rows[2]]) == 1  # "[I" in the second
    assert fastpath.token_free([rows[0], rows[0]]) == 2  # "[b" starts no token
    assert fastpath.token_free([]) == 0


def test_a_candidate_on_a_row_boundary_belongs_to_its_row() -> None:
    assert fastpath.token_free([b"ab", b"<c"]) == 1
    assert fastpath.token_free([b"a<", b"bc"]) == 0


@pytest.mark.parametrize("token", CONTROL_TOKENS)
def test_every_token_stops_the_clearing(token: str) -> None:
    assert fastpath.token_free([_line("plain"), _line(f"a {token} b"), _line("plain")]) == 1


def test_a_token_late_in_a_chunk_is_still_reported(tmp_path: Path) -> None:
    # Rows 0-599: the first chunk (512 lines) clears the lines before the token only.
    lines = [_line(f"answer {i}") for i in range(600)]
    lines[300] = _line("ends <|im_end|> early")
    lines[550] = _line("[INST] again")
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b"".join(lines))
    found = engine.check_path(path, Settings(), jobs=1).findings
    why = "inside the text: tokenizers read it as a special token, which breaks turns and masks"
    assert [
        (f.code, f.range.start.line, f.range.start.column, f.range.end.column, f.message)
        for f in found
        if f.code == "C004"
    ] == [
        ("C004", 300, 79, 89, f'{TURN}: chat-template control token "<|im_end|>" {why}'),
        ("C004", 550, 74, 80, f'{TURN}: chat-template control token "[INST]" {why}'),
    ]


TURN = "turn 2 (messages[1].content)"


def test_chunks_are_bounded_by_bytes_as_well_as_lines() -> None:
    long = b"x" * (engine.CHUNK_BYTES // 2) + b"\n"
    assert [len(c) for c in engine._chunks([long] * 5)] == [2, 2, 1]
    short = [b"{}\n"] * (engine.CHUNK_LINES + 1)
    assert [len(c) for c in engine._chunks(short)] == [engine.CHUNK_LINES, 1]
    assert list(engine._chunks([])) == []
