"""`sftlint check` tokenizes JSON Lines rows in groups (engine.MASK_GROUP, prefetched by
mask_rules.prefetch): its findings and token totals are those of a row-by-row pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mask_helpers import FIXTURES

from sftlint.engine import engine
from sftlint.masking import clear_caches
from sftlint.settings import MaskConfig, Settings

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}


def rows() -> list[dict]:
    """Chat rows (some with tools, some repeated), rows that do not render, a preference
    row and a bad line, over more than two groups."""
    out: list[dict] = []
    for i in range(80):
        messages = [
            {"role": "user", "content": f"Question {i % 37}?"},
            {"role": "assistant", "content": f"Answer {i % 37}." if i % 11 else ""},
        ]
        row: dict = {"messages": messages}
        if i % 5 == 0:
            call = {"id": f"c{i}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            messages[1:] = [
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": f"c{i}", "content": "21"},
                {"role": "assistant", "content": "It is 21."},
            ]
            row["tools"] = [WEATHER]
        if i == 13:
            row = {"messages": [{"role": "user", "content": 5}]}
        if i == 40:
            row = {"prompt": [messages[0]], "chosen": [messages[1]], "rejected": [messages[1]]}
        out.append(row)
    return out


def findings_and_totals(path: Path) -> tuple[list, object]:
    clear_caches()  # each pass tokenizes every row
    settings = Settings(mask=MaskConfig(tokenizer=str(FIXTURES / "chatml"), chat_template="chatml"))
    result = engine.check_path(path, settings, jobs=1)
    found = [(f.code, f.range, f.message) for f in result.findings]
    return found, result.stats


def test_grouped_rows_give_the_findings_of_row_by_row(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "rows.jsonl"
    lines = [json.dumps(r) for r in rows()]
    lines.insert(50, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    grouped = findings_and_totals(path)
    monkeypatch.setattr(engine, "MASK_GROUP", 1)
    assert findings_and_totals(path) == grouped
    # The bad line (J001), content 5 (C003, not tokenized), the tool rows' system prompt
    # (L008), the preference row (F006), repeated rows (D001), and every row counted.
    assert {f[0] for f in grouped[0]} >= {"J001", "C003", "L008", "F006", "D001"}
    assert grouped[1]["mask"] == {
        "rows": 79,
        "tokens": 5617,
        "trained_tokens": 863,
        "rows_training_nothing": 0,
        "rows_not_tokenized": 1,
    }


@pytest.mark.parametrize("group", [2, 32])
def test_groups_share_one_tokenizer_call(tmp_path: Path, monkeypatch, group: int) -> None:
    from sftlint.masking import analysis

    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows()[:64]), encoding="utf-8")
    calls: list[int] = []
    real = analysis._finish_pending

    def counting(ctx, settings, handle, pending, out):  # type: ignore[no-untyped-def]
        calls.append(len(pending))
        return real(ctx, settings, handle, pending, out)

    monkeypatch.setattr(analysis, "_finish_pending", counting)
    monkeypatch.setattr(engine, "MASK_GROUP", group)
    findings_and_totals(path)
    # 49 distinct rows render (row 13 does not; later rows repeat earlier ones, found in
    # the cache); a group's rows take one call, the row that does not render aside.
    assert sum(calls) == 49
    assert calls == {2: [2] * 6 + [1] + [2] * 12 + [1, 2] + [1] * 9, 32: [31, 18]}[group]
