"""The clean-row fast path and the two-process split change no finding and no summary."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sftlint.engine import engine, fastpath, parallel
from sftlint.io.reader import Row
from sftlint.rules import answer_rules
from sftlint.rules.content_rules import CONTROL_TOKENS, TOKEN_RE
from sftlint.settings import Settings

TOOL_CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
CLEAN = [
    {"role": "user", "content": "hi"},
    {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]},
    {"role": "tool", "tool_call_id": "c1", "content": "12"},
    {"role": "assistant", "content": "done"},
]


def _rows() -> list[str]:
    """Clean rows, and rows one value away from a finding the fast path must not hide."""
    out = []
    for _ in range(3):
        out.append(json.dumps({"messages": CLEAN}, separators=(",", ":")))
    variants = [
        (1, "content", " "),  # whitespace: fine only because the turn calls a tool
        (3, "content", " \u3000"),  # C001
        (3, "content", "a <|im_end|>"),  # C004
        (2, "tool_call_id", "c9"),  # R011
        (2, "tool_call_id", 5),
        (1, "tool_calls", []),  # R010: the call list is empty
        (1, "tool_calls", [{"id": "c1", "function": {"name": "f", "arguments": "{x"}}]),
        (1, "tool_calls", [{"id": "c1", "function": {"arguments": "{}"}}]),  # R014
        (0, "role", "human"),  # R004
        (3, "role", "user"),  # R006
        (0, "content", 3),  # C003
        (3, "tool_calls", None),  # no calls (as Parquet gives an absent key back)
        (1, "tool_calls", None),  # empty content and no calls: C001
    ]
    for turn, key, value in variants:
        messages = [dict(m) for m in CLEAN]
        messages[turn][key] = value
        out.append(json.dumps({"messages": messages}))
    out.append(
        json.dumps(
            {
                "conversations": [
                    {"from": "human", "value": "q"},
                    {"from": "function_call", "value": '{"name": "f", "arguments": {}}'},
                    {"from": "observation", "value": "r"},
                    {"from": "gpt", "value": "a"},
                ]
            }
        )
    )
    out.append(
        json.dumps(
            {
                "conversations": [
                    {"from": "human", "value": "q"},
                    {"from": "function_call", "value": "{bad"},
                    {"from": "observation", "value": "r"},
                    {"from": "gpt", "value": "a"},
                ]
            }
        )
    )
    for row in (
        {"instruction": "q", "input": "", "output": "a", "history": [["h", "i"]]},
        {"instruction": "", "input": "x", "output": "a"},  # empty prompt: the input holds it
        {"instruction": "", "input": " ", "output": "a"},  # C002
        {"instruction": "q", "input": "", "output": "a", "history": [["h", " "]]},  # C001
        {"instruction": "q", "input": "", "output": "a", "history": [["h"]]},  # R013
        {"instruction": "q [INST]", "input": "", "output": "a"},  # C004
    ):
        out.append(json.dumps(row))
    # K005: a system column's string type is the shape's, whether it is blank the row's;
    # each shape's first row gives its template (filled first, then blank first).
    short = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    turns = [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]
    alpaca = {"instruction": "q", "input": "", "output": "a"}
    for row in (
        {"system": "Be brief.", "messages": CLEAN},
        {"system": "", "messages": CLEAN},
        {"system": " \n", "messages": CLEAN},
        {"system": "Be brief.", "messages": CLEAN},
        {"system": "", "messages": [{"role": "system", "content": "s"}, *short]},
        {"system": "", "messages": [{"role": "user", "content": "s"}, *short]},
        {"system": None, "messages": short},
        {"system": "", "conversations": turns},
        {"system": "Be brief.", "conversations": turns},
        {**alpaca, "system": "Be brief."},
        {**alpaca, "system": ""},
        {**alpaca, "system": "\t"},
        {"system": "", **alpaca},
        {"system": "Be brief.", **alpaca},
        {"system": 3, **alpaca},
    ):
        out.append(json.dumps(row))
    out.append(out[0])  # D001
    return out


def _snapshot(result: engine.FileResult) -> tuple[list[str], list[tuple]]:
    summaries = [
        (
            s.index,
            s.line,
            s.offset,
            s.length,
            s.format,
            s.keys,
            s.message_keys,
            s.types,
            s.digest,
            s.system,
            s.label,
            s.prompt,
        )
        for s in result.summaries
    ]
    return [repr(f) for f in result.findings], summaries


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(_rows() * 3) + "\n\n", encoding="utf-8")
    return path


def test_fast_path_changes_no_finding(data: Path) -> None:
    fast = engine.check_path(data, Settings(), jobs=1)
    checker = engine.FileChecker(str(data), Settings(), engine.loader_for_bytes(str(data), b""))
    checker.fast.active = False  # every row through every check
    info = engine.FileInfo()
    for row in engine.iter_file_rows(str(data), info):
        checker.check_row(row)
    checker.load = engine.loader_for_bytes(str(data), data.read_bytes())
    slow = checker.finish(info)
    assert _snapshot(fast) == _snapshot(slow)
    codes = {f.code for f in fast.findings}
    assert {"C001", "C002", "C003", "C004", "C005", "R004", "R010", "R011", "R013"} <= codes
    assert {"R006", "R014", "D001", "J007", "K006"} <= codes


def test_shape_templates_are_the_rows_own_summaries() -> None:
    """A row's template (its shape's, or the one for the other K005 or KTO flag) holds the
    shape parts the engine gives the row alone."""
    fields = Settings().fields
    fast = fastpath.FastPath(fields, engine.shape_template)
    flags = []
    for line in _rows():
        value = json.loads(line)
        fmt, template, _, _ = fast.check(value)
        row = Row("rows.jsonl", 0, 0, 0, 0, line.encode())
        row.value = value
        own = engine.summarize(row, fmt, fields)
        parts = ("format", "keys", "message_keys", "types", "system", "label")
        assert template is not None
        assert [getattr(template, p) for p in parts] == [getattr(own, p) for p in parts], line
        flags.append(own.system)
    # The K005 rows, in order: both flags within each shape.
    assert flags[-16:-1] == [
        True, False, False, True,  # messages and a system column: filled, blank, filled
        True, False, False,  # a system turn (the blank column aside), a user turn, null
        False, True,  # ShareGPT
        True, False, False, False, True, False,  # Alpaca (a number is no prompt)
    ]  # fmt: skip


def test_two_processes_give_the_single_pass_result(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = engine.check_path(data, Settings(), jobs=1)
    monkeypatch.setattr(parallel, "MIN_SIZE", 0)
    # Earlier tests of the suite leave idle helper threads in this process (asyncio's
    # executor, progress monitors); the split refuses to fork beside them, as it should in
    # a user's process, so they are not counted here.
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    split = parallel.split_point(data.read_bytes(), data.stat().st_size)
    assert split is not None and parallel.usable(str(data), data.stat().st_size, Settings())
    both = engine.check_path(data, Settings())
    assert _snapshot(both) == _snapshot(single)
    assert both.info == single.info and both.formats == single.formats


@given(st.lists(st.sampled_from(["a", "é", "😀", "<", "[", "|", "\\", '"', "\n", *CONTROL_TOKENS])))
def test_control_tokens_are_found_in_the_bytes_orjson_writes(pieces: list[str]) -> None:
    # The lean loop looks for tokens in the row's compact bytes, not in its joined texts.
    text = "".join(pieces)
    raw = orjson.dumps({"messages": [{"role": "user", "content": text}]})
    if TOKEN_RE.search(text):
        assert fastpath._may_hold_token(raw)
    if not any(t in text for t in CONTROL_TOKENS):
        assert not fastpath._may_hold_token(raw) or "<" in text


def test_rows_with_arrow_null_keys_are_proved_clean() -> None:
    # Parquet gives every message every key of its column, absent ones as null; R014 reads
    # `"tool_calls": null` as no calls, so such rows stay on the fast path.
    messages = [{"tool_calls": None, "tool_call_id": None, **m} for m in CLEAN]
    value = {"messages": messages}
    fast = fastpath.FastPath(Settings().fields, engine.shape_template)
    fmt, template, clean, prompt = fast.check(value, orjson.dumps(value))
    assert (fmt, template, clean) == ("messages", fast.check(value)[1], True)
    row = Row("-", 0, 0, 0, 0, orjson.dumps(value))
    row.value = value
    slow = engine.summarize(row, fmt, fast.fields)  # K006's digest the slow way
    assert prompt == slow.prompt != 0
    messages[3]["content"] = ""  # no calls, no content: not proved clean
    assert fast.check(value, orjson.dumps(value))[2] is False


def _primitive(n: int, salt: int) -> str:
    """n letters with no shorter period (a loop's unit as loop_tail finds it)."""
    return "".join(chr(97 + (i * i + salt * i) % 26) for i in range(n - 1)) + "#"


@pytest.mark.parametrize("period", [32, 33, 47, 64, 100, 257])
@pytest.mark.parametrize("head_units", [0, 1, 16])
def test_answer_pretest_refuses_every_loop(period: int, head_units: int) -> None:
    # The pre-test looks for the tail only near the end: a loop of MIN_REPEATS units of the
    # longest period (no head, the period a sixteenth of the text) must still be refused.
    unit = _primitive(period, 3)
    text = _primitive(period * head_units, 5) * bool(head_units) + unit * answer_rules.MIN_REPEATS
    assert answer_rules.loop_tail(text) == (unit, answer_rules.MIN_REPEATS)
    assert not fastpath._plain_answers(("fine", text))
    assert fastpath._plain_answers(("fine", _primitive(len(text), 7)))
