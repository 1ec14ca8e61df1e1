"""LLaMA-Factory reads an alpaca dataset through DatasetAttr's default columns
(instruction, input, output) when dataset_info gives no `columns` (data/parser.py); with
`columns`, a key it leaves out reads nothing."""

from __future__ import annotations

import json
from pathlib import Path

from sftlint.engine import engine
from sftlint.masking.llamafactory import ASSISTANT, USER, Example, convert
from sftlint.settings import MaskConfig, Settings

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"
ROW = {"instruction": "Add.", "input": "2 + 2", "output": "4"}


def test_no_columns_read_the_default_ones() -> None:
    assert convert(ROW, "alpaca", {}, {}) == Example(
        ((USER, "Add.\n2 + 2", 0), (ASSISTANT, "4", 1))
    )


def test_columns_that_leave_the_response_out_read_none() -> None:
    got = convert(ROW, "alpaca", {"prompt": "instruction"}, {})
    assert got == "LLaMA-Factory drops this row: it has no response string"


def test_an_alpaca_file_checked_without_dataset_info_is_not_dropped(tmp_path: Path) -> None:
    """It was: L016 "LLaMA-Factory drops this row: it has no response string" on every row
    of LLaMA-Factory's own alpaca_en_demo.json."""
    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps([ROW, {**ROW, "input": ""}]))
    mask = MaskConfig(tokenizer=str(CHATML), trainer="llama-factory", chat_template="qwen")
    result = engine.check_path(path, Settings(mask=mask), jobs=1)
    assert [(f.code, f.message) for f in result.findings] == []
    assert result.stats["mask"]["rows"] == 2 and result.stats["mask"]["rows_not_tokenized"] == 0
