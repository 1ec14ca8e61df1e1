"""Rows longer than max-seq-length are one cause, whichever turns each loses: the L005 /
L006 messages name the row's turns, and the rows of a file print as one line."""

from __future__ import annotations

import json
from pathlib import Path

from sftlint.engine import engine
from sftlint.report import groups
from sftlint.settings import MaskConfig, Settings

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"


def exchange(i: int) -> list[dict]:
    return [
        {"role": "user", "content": f"Question {i}?"},
        {"role": "assistant", "content": " ".join(["answer"] * 12)},
    ]


def test_rows_cut_in_different_turns_share_one_cause(tmp_path: Path) -> None:
    rows = [{"messages": exchange(i) * (1 + i % 2)} for i in range(6)]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    mask = MaskConfig(tokenizer=str(CHATML), chat_template="chatml", max_seq_length=16)
    found = [
        f for f in engine.check_path(path, Settings(mask=mask), jobs=1).findings if f.code == "L006"
    ]
    assert [(f.range.start.line, f.message) for f in found] == [
        (row, message)
        for row, message in enumerate(
            [
                "max-seq-length 16 cuts 11 of 27 tokens (turn 2), 10 of 13 trained tokens",
                "max-seq-length 16 cuts 38 of 54 tokens (turns 2-4), 23 of 26 trained tokens",
            ]
            * 3
        )
    ]
    assert {f.cause for f in found} == {"max-seq-length 16 cuts trained tokens"}
    assert [len(g) for g in groups.grouped(found)] == [6]
