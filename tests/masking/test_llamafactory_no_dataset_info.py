"""`check --trainer llama-factory` with no trainer config (no dataset_info entry) reads a
chat row with the entry that reads its layout: an OpenAI `messages` row as the openai
formatting with role/content tags, a ShareGPT row with its `system` and `tools` columns.
It was an L016 warning on every messages row: the turns read from DatasetAttr's default
`conversations` column."""

from __future__ import annotations

import json
from pathlib import Path

from sftlint.engine import engine
from sftlint.settings import MaskConfig, Settings

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"


def check(tmp_path: Path, rows: list[dict]):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    mask = MaskConfig(tokenizer=str(CHATML), trainer="llama-factory", chat_template="qwen")
    return engine.check_path(path, Settings(mask=mask), jobs=1)


def test_messages_rows_are_read_from_their_own_key(tmp_path: Path) -> None:
    row = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    }
    result = check(tmp_path, [row])
    assert [(f.code, f.message) for f in result.findings] == []
    assert result.stats["mask"]["rows"] == 1 and result.stats["mask"]["rows_not_tokenized"] == 0


def test_a_row_its_converter_drops_is_still_reported(tmp_path: Path) -> None:
    row = {"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hello"}]}
    result = check(tmp_path, [row])
    got = [
        (f.code, f.severity.label, (f.range.start.column + 1, f.range.end.column + 1), f.message)
        for f in result.findings
        if f.code.startswith("L")
    ]
    assert got == [
        (
            "L016",
            "warning",
            (2, 12),
            "LLaMA-Factory drops this row (Invalid role tag): turn 2 has a role its converter "
            "does not accept at that place (turns must alternate user/observation and "
            "assistant/function)",
        )
    ]
