"""Layouts the llama-factory profile does not tokenize, each one info with one cause for a
file's rows (not an L001 error "the completion is empty" on every row): conversational
prompt/completion rows, which none of LLaMA-Factory's converters reads (its goldens: alpaca
raises on the message lists, alpaca/default rows 8-15; openai reads the prompt alone and
drops it, openai_prompt rows 8-15), text rows, which its sft stage drops
(alpaca_text) and its pt stage trains, and, with no trainer config, rows in its v1 layout."""

from __future__ import annotations

import json
from pathlib import Path

from mask_helpers import described

from sftlint.engine import engine, rowview
from sftlint.io.reader import FileInfo
from sftlint.report import groups
from sftlint.rules.mask_rules import (
    LLAMAFACTORY_CHAT_COMPLETION_CAUSE,
    LLAMAFACTORY_TEXT_CAUSE,
    LLAMAFACTORY_V1_CAUSE,
)
from sftlint.settings import MaskConfig, Settings, resolve

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"
CHAT_PC = (
    "the row is not tokenized: LLaMA-Factory reads no conversational prompt/completion row "
    "(its alpaca formatting raises on the message lists; its openai formatting reads one list, "
    'and the prompt alone is dropped): put the turns in one "messages" list'
)
TEXT = (
    "the row is not tokenized: LLaMA-Factory's sft stage, which sftlint mirrors, drops a text "
    "row (it has no response); its pretraining stage (pt) trains it"
)


def settings(trainer: str = "llama-factory") -> Settings:
    template = "qwen" if trainer == "llama-factory" else None  # its own templates
    return Settings(mask=MaskConfig(tokenizer=str(CHATML), trainer=trainer, chat_template=template))


def check(tmp_path: Path, rows: list[dict], trainer: str = "llama-factory"):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return engine.check_path(path, settings(trainer), jobs=1)


def found(result) -> list[tuple]:
    return described(result.findings)


def chat_pc(i: int) -> dict:
    return {
        "prompt": [{"role": "user", "content": f"Name prime {i}."}],
        "completion": [{"role": "assistant", "content": "2"}],
    }


def test_conversational_prompt_completion_rows_are_one_cause(tmp_path: Path) -> None:
    result = check(tmp_path, [chat_pc(i) for i in range(5)])
    key = len('{"prompt"') + 1
    assert found(result) == [
        ("L013", "info", (row, 2), (row, key), CHAT_PC, LLAMAFACTORY_CHAT_COMPLETION_CAUSE)
        for row in range(5)
    ]
    assert [len(g) for g in groups.grouped(result.findings)] == [5]
    assert result.stats["mask"]["rows_not_tokenized"] == 5


def test_a_prompt_string_with_a_completion_list_is_the_same_cause(tmp_path: Path) -> None:
    row = {"prompt": "Name a prime.", "completion": [{"role": "assistant", "content": "2"}]}
    assert [f for f in found(check(tmp_path, [row])) if f[0].startswith("L")] == [
        ("L013", "info", (0, 2), (0, 10), CHAT_PC, LLAMAFACTORY_CHAT_COMPLETION_CAUSE)
    ]


def test_text_rows_are_one_cause(tmp_path: Path) -> None:
    rows = [{"text": f"Paris is the capital of France. {i}"} for i in range(5)]
    result = check(tmp_path, rows)
    assert found(result) == [
        ("L013", "info", (row, 2), (row, 8), TEXT, LLAMAFACTORY_TEXT_CAUSE) for row in range(5)
    ]
    assert [len(g) for g in groups.grouped(result.findings)] == [5]
    assert result.stats["mask"]["rows_not_tokenized"] == 5


def test_the_preview_shows_no_tokens_for_them(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(chat_pc(0)) + "\n" + json.dumps({"text": "Hi"}) + "\n")
    for row in engine.iter_file_rows(str(path), FileInfo()):
        view = rowview.inspect_row(row, settings())
        assert view.result is None
        assert [f.code for f in view.findings] == ["L013"]


def test_the_trl_profile_still_tokenizes_them(tmp_path: Path) -> None:
    for row in (chat_pc(0), {"text": "Hi there."}):
        result = check(tmp_path, [row], trainer="trl")
        assert found(result) == []
        assert result.stats["mask"]["rows_not_tokenized"] == 0


V1 = (
    'the row is not tokenized: its {"type", "value"} content parts are LLaMA-Factory v1\'s '
    "layout (USE_V1=1), which sftlint does not mirror; the sft stage it mirrors raises on them "
    '("Expected a string")'
)


def v1_row(i: int) -> dict:
    return {
        "messages": [
            {"role": "user", "content": [{"type": "text", "value": f"hi {i}"}]},
            {"role": "assistant", "content": [{"type": "text", "value": "Hello!"}]},
        ]
    }


def test_v1_content_parts_without_a_trainer_config_are_one_cause(tmp_path: Path) -> None:
    """It was an L016 warning "LLaMA-Factory raises on this row" on every row of its own
    v1_sft_demo.jsonl, a file for its v1 data engine."""
    result = check(tmp_path, [v1_row(i) for i in range(5)])
    key = len('{"messages"') + 1
    assert found(result) == [
        ("L013", "info", (row, 2), (row, key), V1, LLAMAFACTORY_V1_CAUSE) for row in range(5)
    ]
    assert [len(g) for g in groups.grouped(result.findings)] == [5]


def test_v1_content_parts_under_a_dataset_info_entry_raise(tmp_path: Path) -> None:
    """With columns and tags (a trainer config's dataset_info), the sft stage reads the row
    and raises on the parts: the L016 warning stays."""
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(v1_row(0)) + "\n")
    table = {
        "tokenizer": str(CHATML),
        "trainer": "llama-factory",
        "chat-template": "qwen",
        "format": "messages",
        "columns": {"messages": "messages"},
        "tags": {
            "role_tag": "role",
            "content_tag": "content",
            "user_tag": "user",
            "assistant_tag": "assistant",
        },
    }
    result = engine.check_path(path, resolve(table, None), jobs=1)
    assert [(f.code, f.severity.label, f.message) for f in result.findings] == [
        (
            "L016",
            "warning",
            "LLaMA-Factory raises on this row: turn 1's content is not a string "
            '("Expected a string")',
        )
    ]
