"""The llama-factory profile's reading of layouts with no format or columns configured,
against LLaMA-Factory's own goldens.

`--trainer llama-factory` on prompt/completion string rows, with no format or columns
configured, reads them as LLaMA-Factory's alpaca formatting with dataset_info columns
prompt -> prompt and response -> completion: the ids and labels LLaMA-Factory's own code
gave with that entry (the goldens' alpaca cases). It was TRL's reading: prompt and
completion joined as one text, the eos appended, and an L009 warning on the boundary."""

from __future__ import annotations

import json
from typing import Any

import pytest
from parity_cases import GOLDENS, config_for
from test_parity import _rows, ids_and_labels, recorded_day

from sftlint.engine import rowview
from sftlint.masking import llamafactory
from sftlint.model import Severity
from sftlint.rules.mask_rules import (
    LLAMAFACTORY_CHAT_COMPLETION_CAUSE,
    LLAMAFACTORY_PROMPT_COMPLETION,
    LLAMAFACTORY_TEXT_CAUSE,
)
from sftlint.settings import resolve


def _goldens() -> list[dict[str, Any]]:
    lines = (GOLDENS / "llamafactory-0.9.5.jsonl").read_text(encoding="utf-8").splitlines()
    return [
        g for g in map(json.loads, lines) if g["case"].startswith("alpaca/") and g["status"] == "ok"
    ]


GOLDENS_OK = _goldens()


def test_the_goldens_are_string_rows_read_with_those_columns() -> None:
    assert len(GOLDENS_OK) == 16  # rows 0-7 of prompt_completion.jsonl, qwen and llama3
    for golden in GOLDENS_OK:
        assert golden["settings"]["dataset_info"]["columns"] == LLAMAFACTORY_PROMPT_COMPLETION
        row = _rows(golden["rows_file"])[golden["row"]]
        assert isinstance(row.value["prompt"], str) and isinstance(row.value["completion"], str)


@pytest.mark.parametrize("golden", GOLDENS_OK, ids=lambda g: f"{g['case']}:{g['row']}")
def test_prompt_completion_rows_without_columns(golden: dict[str, Any]) -> None:
    table = config_for(golden)
    del table["format"], table["columns"]  # what `check --trainer llama-factory` is given
    view = rowview.inspect_row(_rows(golden["rows_file"])[golden["row"]], resolve(table, None))
    assert view.format == "prompt-completion"
    assert [f.code for f in view.findings if f.code.startswith("L")] == []
    assert view.result is not None
    assert ids_and_labels(view.result) == (golden["input_ids"], golden["labels"])


def _unread() -> list[dict[str, Any]]:
    lines = (GOLDENS / "llamafactory-0.9.5.jsonl").read_text(encoding="utf-8").splitlines()
    return [
        g
        for g in map(json.loads, lines)
        if g["case"] == "alpaca_text/default/qwen"
        or (g["case"] == "openai_prompt/default/qwen" and g["row"] >= 8)
    ]


@pytest.mark.parametrize("golden", _unread(), ids=lambda g: f"{g['case']}:{g['row']}")
def test_rows_its_sft_stage_drops_are_one_info_without_columns(golden: dict[str, Any]) -> None:
    """Text rows (the pt stage's dataset_info entry) and conversational prompt/completion
    rows (their prompt list read by the openai formatting) are dropped by LLaMA-Factory's
    sft stage; checked with no format or columns, each is the one L013 info of its cause."""
    assert golden["status"] == "dropped"
    table = config_for(golden)
    del table["format"], table["columns"]
    table.pop("tags", None)
    view = rowview.inspect_row(_rows(golden["rows_file"])[golden["row"]], resolve(table, None))
    causes = {
        "text": LLAMAFACTORY_TEXT_CAUSE,
        "prompt-completion": LLAMAFACTORY_CHAT_COMPLETION_CAUSE,
    }
    masks = [(f.code, f.severity, f.cause) for f in view.findings if f.code.startswith("L")]
    assert masks == [("L013", Severity.INFO, causes[view.format])]
    assert view.result is None


def _chat() -> list[dict[str, Any]]:
    lines = (GOLDENS / "llamafactory-0.9.5.jsonl").read_text(encoding="utf-8").splitlines()
    return [g for g in map(json.loads, lines) if g["case"].split("/")[0] in ("openai", "sharegpt")]


@pytest.mark.parametrize("golden", _chat(), ids=lambda g: f"{g['case']}:{g['row']}")
def test_chat_rows_without_dataset_info(
    golden: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """OpenAI `messages` rows and ShareGPT rows checked with no format, columns or tags read
    as the goldens' openai and sharegpt entries do (it was L016 on every messages row: the
    turns read from DatasetAttr's default `conversations` column, with from/value tags)."""
    if day := recorded_day(golden):
        monkeypatch.setattr(llamafactory, "today", lambda: day)
    table = config_for(golden)
    for key in ("format", "columns", "tags"):
        table.pop(key, None)
    view = rowview.inspect_row(_rows(golden["rows_file"])[golden["row"]], resolve(table, None))
    if golden["status"] != "ok":
        assert [f for f in view.findings if f.severity >= Severity.WARNING], golden["reason"]
        return
    assert view.result is not None, [f.message for f in view.findings]
    assert ids_and_labels(view.result) == (golden["input_ids"], golden["labels"])
