"""The llama-factory profile mirrors LLaMA-Factory's sft stage; a preference row (its dpo
and rm stages) is counted as not tokenized, with one cause for the file's rows, not
"the completion is empty" (its chosen and rejected branches rendered as nothing)."""

from __future__ import annotations

import json
from pathlib import Path

from mask_helpers import described

from sftlint.engine import engine
from sftlint.report import groups
from sftlint.rules.mask_rules import LLAMAFACTORY_PREFERENCE_CAUSE
from sftlint.settings import MaskConfig, Settings

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"
ROW = {
    "conversations": [{"from": "human", "value": "Hi"}],
    "chosen": {"from": "gpt", "value": "Hello"},
    "rejected": {"from": "gpt", "value": "Go away"},
}
MESSAGE = (
    "the row is not tokenized: sftlint mirrors LLaMA-Factory's sft stage, not the preference "
    "stages (dpo, rm) that train this chosen/rejected row"
)


def check(tmp_path: Path, trainer: str, rows: list[dict]):
    path = tmp_path / "dpo.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    template = "qwen" if trainer == "llama-factory" else "chatml"  # its own templates
    mask = MaskConfig(tokenizer=str(CHATML), trainer=trainer, chat_template=template)
    return engine.check_path(path, Settings(mask=mask), jobs=1)


def test_preference_rows_are_one_cause_not_an_empty_completion(tmp_path: Path) -> None:
    rows = [{**ROW, "conversations": [{"from": "human", "value": f"Hi {i}"}]} for i in range(5)]
    result = check(tmp_path, "llama-factory", rows)
    key_end = len('{"conversations"') + 1
    got = described(result.findings)
    assert got == [
        ("L013", "info", (row, 2), (row, key_end), MESSAGE, LLAMAFACTORY_PREFERENCE_CAUSE)
        for row in range(5)
    ]
    assert [len(g) for g in groups.grouped(result.findings)] == [5]
    assert result.stats["mask"]["rows_not_tokenized"] == 5


def test_other_profiles_still_tokenize_preference_rows(tmp_path: Path) -> None:
    result = check(tmp_path, "trl", [ROW])
    assert [f.code for f in result.findings] == []
    assert result.stats["mask"]["rows_not_tokenized"] == 0
