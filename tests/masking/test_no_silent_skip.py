"""Property: every row of a chat file is either counted in the token totals or carries a
finding that says why it is not (generated rows: random roles, tool calls, null or absent
contents, content parts, tools as lists or JSON strings, reasoning fields)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mask_helpers import FIXTURES

from sftlint.engine import engine, rowview
from sftlint.io.reader import FileInfo, read_bytes
from sftlint.model import Severity
from sftlint.settings import MaskConfig, Settings

EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
MASKS = {
    "chatml": MaskConfig(tokenizer=str(FIXTURES / "chatml"), chat_template="chatml"),
    "mistral-v3": MaskConfig(tokenizer="mistral-v3"),
}
ABSENT = object()
CALL = {"id": "a1b2c3d4e", "type": "function", "function": {"name": "f", "arguments": "{}"}}
# One row of each outcome: counted, and not tokenized with L013 saying why.
TWO_OUTCOMES = [
    {
        "messages": [
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": None, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "a1b2c3d4e", "content": "21"},
        ]
    },
    {"messages": [{"role": "user", "content": "Hi"}], "tools": "[{"},
]

words = st.text(alphabet='abc xyz{}"[]:,\n', max_size=12)
ids = st.one_of(st.none(), st.sampled_from(["a1b2c3d4e", "call_1", "", "zzzzzzzzz"]))
arguments = st.one_of(
    words, st.just('{"city": "Paris"}'), st.dictionaries(words, words, max_size=2)
)
tool_call = st.fixed_dictionaries(
    {
        "type": st.just("function"),
        "function": st.fixed_dictionaries({"name": words, "arguments": arguments}),
    },
    optional={"id": ids},
)
part = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": words}),
    st.fixed_dictionaries({"type": st.just("reasoning"), "value": words}),
    st.fixed_dictionaries(
        {
            "type": st.just("tool_call"),
            "value": st.one_of(words, st.just('{"name": "f", "arguments": {}}')),
        }
    ),
)
content = st.one_of(words, st.none(), st.just(ABSENT), st.lists(part, max_size=3), st.integers())
message = st.builds(
    lambda role, body, calls, ref, reasoning, thinking: {
        k: v
        for k, v in {
            "role": role,
            "content": body,
            "tool_calls": calls,
            "tool_call_id": ref,
            "reasoning_content": reasoning,
            "thinking": thinking,
        }.items()
        if v is not ABSENT
    },
    st.one_of(st.sampled_from(["system", "user", "assistant", "tool", "bot"]), st.just(ABSENT)),
    content,
    st.one_of(st.just(ABSENT), st.none(), st.lists(tool_call, max_size=2)),
    st.one_of(st.just(ABSENT), ids),
    st.one_of(st.just(ABSENT), words),
    st.one_of(st.just(ABSENT), words),
)
tool_def = st.fixed_dictionaries(
    {
        "type": st.just("function"),
        "function": st.fixed_dictionaries({"name": words, "parameters": st.just({})}),
    }
)
tools = st.one_of(
    st.just(ABSENT),
    st.none(),
    st.lists(tool_def, max_size=2),
    st.just("[{"),
    st.lists(tool_def, max_size=2).map(json.dumps),
)
sharegpt_turn = st.fixed_dictionaries(
    {
        "from": st.sampled_from(["human", "gpt", "function_call", "observation", "system"]),
        "value": st.one_of(words, st.just('{"name": "f", "arguments": {"a": 1}}')),
    }
)
row = st.one_of(
    st.builds(
        lambda m, t: {"messages": m} | ({} if t is ABSENT else {"tools": t}),
        st.lists(message, max_size=5),
        tools,
    ),
    st.builds(
        lambda c, t: {"conversations": c} | ({} if t is ABSENT else {"tools": t}),
        st.lists(sharegpt_turn, min_size=1, max_size=4),
        tools,
    ),
)


@pytest.mark.parametrize("mask", sorted(MASKS))
@EXAMPLES
@given(rows=st.lists(row, min_size=1, max_size=6))
@example(rows=TWO_OUTCOMES)
def test_every_row_is_counted_or_says_why(mask: str, rows: list[dict]) -> None:
    cfg = Settings(mask=MASKS[mask])
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    result = engine.check_bytes("d.jsonl", data, cfg)
    stats = result.stats["mask"]
    assert stats["rows"] + stats["rows_not_tokenized"] == len(rows)
    not_tokenized = 0
    for parsed in read_bytes("d.jsonl", data, FileInfo()):
        view = rowview.inspect_row(parsed, cfg)
        if view.result is not None and view.result.ids:
            continue
        not_tokenized += 1
        why = [
            f
            for f in result.findings
            if f.row_line == parsed.line and f.severity >= Severity.WARNING
        ]
        assert why, (parsed.value, view.result and view.result.issues)
    assert not_tokenized == stats["rows_not_tokenized"]


@pytest.mark.parametrize("mask", sorted(MASKS))
def test_a_tool_call_row_is_counted_and_a_bad_tools_row_says_why(mask: str) -> None:
    data = "".join(json.dumps(r) + "\n" for r in TWO_OUTCOMES).encode()
    result = engine.check_bytes("d.jsonl", data, Settings(mask=MASKS[mask]))
    assert (result.stats["mask"]["rows"], result.stats["mask"]["rows_not_tokenized"]) == (1, 1)
    assert [(f.code, f.row_line) for f in result.findings if f.code == "L013"] == [("L013", 1)]
