"""Axolotl gives a row without its file's `system` column an empty system turn (it reads
the file as one table): one cause, named as such, for every such row; an empty system
prompt the row holds itself is not "text the template injects"."""

from __future__ import annotations

import json
from pathlib import Path

from mask_helpers import described

from sftlint.engine import engine
from sftlint.model import Finding
from sftlint.report import groups
from sftlint.rules.mask_rules import NULL_SYSTEM_CAUSE
from sftlint.settings import MaskConfig, Settings

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"
TURNS = [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]
PLAIN = {"conversations": TURNS}
SYSTEM = {"conversations": TURNS, "system": "Be brief."}
NULL_SYSTEM = (
    "the row has no `system` column, which other rows of the file have: Axolotl reads the "
    "file as one table and gives the row an empty system turn; add its system prompt, or "
    "move every row's system prompt into its messages"
)


def mask_findings(tmp_path: Path, rows: list[dict]) -> list[Finding]:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    mask = MaskConfig(tokenizer=str(CHATML), trainer="axolotl")
    found = engine.check_path(path, Settings(mask=mask), jobs=1).findings
    return [f for f in found if f.code.startswith("L")]


def test_rows_without_the_system_column_are_one_cause(tmp_path: Path) -> None:
    """Each such row says why it has an empty system turn (it said "the template injects
    text the row does not hold before turn 0: 'system'"), and they share one cause, so
    the text output prints one line for them."""
    got = mask_findings(tmp_path, [SYSTEM, *[PLAIN] * 6])
    key_end = len('{"conversations"') + 1
    assert described(got) == [
        ("L008", "info", (row, 2), (row, key_end), NULL_SYSTEM, NULL_SYSTEM_CAUSE)
        for row in range(1, 7)
    ]
    assert [len(g) for g in groups.grouped(got)] == [6]


def test_no_finding_when_every_row_has_the_column(tmp_path: Path) -> None:
    assert mask_findings(tmp_path, [SYSTEM, {**SYSTEM, "system": "Be kind."}]) == []


def test_an_empty_system_prompt_of_the_row_is_not_injected_text(tmp_path: Path) -> None:
    """The row's own empty system prompt (`"system": null`, or an empty system message)
    renders a bare header, which is the row's own turn: no L008."""
    assert mask_findings(tmp_path, [SYSTEM, {**SYSTEM, "system": None}]) == []
    own = {
        "messages": [
            {"role": "system", "content": ""},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
        ]
    }
    assert mask_findings(tmp_path, [own]) == []
