"""Agentic rows: tool definitions, tool calls with no content, tool results and the
Mistral built-ins' tool encoding, compared with mistral-common's own encoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mask_helpers import loaded, settings
from mistral_common.protocol.instruct.request import ChatCompletionRequest

from sftlint.io import formats
from sftlint.masking import analyze_conversation
from sftlint.masking.messages import NotRendered, row_tools, template_messages

DATA = Path(__file__).parents[1] / "data" / "llamafactory"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        },
    },
}


def call(cid: str, args: object, name: str = "get_weather") -> dict:
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}


# Rows in the shapes mistral-common accepts: OpenAI tool calls (content null or absent),
# several calls and results, arguments as compact JSON, as an object and as non-JSON text,
# results as JSON, plain text and empty, tools without a description.
GENERATED: list[tuple[list[dict], list | None]] = [
    (
        [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [call("a1b2c3d4e", '{"city":"Paris"}')],
            },
            {"role": "tool", "tool_call_id": "a1b2c3d4e", "content": '{"temp":21}'},
            {"role": "assistant", "content": "It is 21 °C."},
        ],
        [WEATHER],
    ),
    (
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
            {"role": "user", "content": "Paris and Rome?"},
            {
                "role": "assistant",
                "tool_calls": [call("aaaaaaaa1", {"city": "Paris"}), call("aaaaaaaa2", "Rome")],
            },
            {"role": "tool", "tool_call_id": "aaaaaaaa1", "content": "sunny"},
            {"role": "tool", "tool_call_id": "aaaaaaaa2", "content": ""},
            {"role": "assistant", "content": "Sunny in Paris; Rome did not answer."},
        ],
        [WEATHER, {"type": "function", "function": {"name": "noop", "parameters": {}}}],
    ),
    (
        [
            {"role": "user", "content": "東京の天気は?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [call("Z9y8X7w6V", '{"city": "東京"}')],
            },
            {"role": "tool", "tool_call_id": "Z9y8X7w6V", "content": '["晴れ", 21]'},
            {"role": "assistant", "content": "晴れ, 21 °C."},
        ],
        [WEATHER],
    ),
]


def public_rows() -> list[tuple[list[dict], list | None]]:
    """LLaMA-Factory's public tool-calling demos as sftlint hands them to the template,
    with the 9-character ids mistral-common requires (the files have none)."""
    glaive = json.loads((DATA / "glaive_toolcall_en_demo.json").read_text(encoding="utf-8"))
    lines = (DATA / "reason_tool_use_demo_50.jsonl").read_text(encoding="utf-8").splitlines()
    fields = formats.Fields()
    out = []
    for value in [*glaive, *map(json.loads, lines)]:
        fmt = formats.detect(value, fields)
        messages = template_messages(formats.turns(value, fmt, fields), fmt)
        tools = row_tools(value, fields)
        assert not isinstance(messages, NotRendered) and not isinstance(tools, NotRendered)
        n, open_ids, row = 0, [], []
        for m in messages:
            m = {k: v for k, v in m.items() if k != "reasoning_content"}
            if m.get("tool_calls"):
                calls = []
                for c in m["tool_calls"]:
                    n += 1
                    open_ids.append(f"call{n:05d}")
                    calls.append({**c, "id": open_ids[-1]})
                m["tool_calls"] = calls
            if m["role"] == "tool":
                m["tool_call_id"] = open_ids.pop(0) if open_ids else "unmatched"
            row.append(m)
        wrapped = [
            t if "function" in t else {"type": "function", "function": t} for t in tools or []
        ]
        out.append((row, wrapped or None))
    return out


def compare(name: str, rows: list[tuple[list[dict], list | None]]):
    """(rows equal, rows different, rows mistral-common refuses, our total, its total)."""
    s = settings(tokenizer=name, canonical_check="all")
    handle = loaded(name)
    encoder = handle.mistral_tokenizer()
    same, different, refused, ours, theirs = [], [], 0, 0, 0
    for messages, tools in rows:
        res = analyze_conversation(messages, handle, s, tools=tools)
        try:
            request = ChatCompletionRequest.from_openai(messages, tools=tools)
            canon = encoder.encode_chat_completion(request).tokens
        except Exception:  # an invalid tool schema in the data: mistral-common refuses it
            refused += 1
            continue
        ours += len(res.ids)
        theirs += len(canon)
        (same if res.ids == canon else different).append(res)
    return same, different, refused, ours, theirs


@pytest.mark.parametrize("name", ["mistral-v3", "mistral-tekken"])
def test_generated_tool_rows_equal_mistral_common(name):
    same, different, refused, ours, theirs = compare(name, GENERATED)
    assert (len(same), len(different), refused) == (len(GENERATED), 0, 0)
    assert ours == theirs
    assert "[AVAILABLE_TOOLS]" in same[0].rendered


def test_public_tool_rows_tekken_equal_mistral_common():
    same, different, refused, ours, theirs = compare("mistral-tekken", public_rows())
    assert (len(same), len(different), refused) == (324, 0, 26)
    assert (ours, theirs) == (173_596, 173_596)


def test_public_tool_rows_v3_differ_only_where_l009_says_so():
    """SentencePiece splits runs of spaces (indented tool descriptions) differently in the
    fast tokenizer the trainer uses: the five rows where ids differ carry L009."""
    same, different, refused, ours, theirs = compare("mistral-v3", public_rows())
    assert (len(same), len(different), refused) == (319, 5, 26)
    assert (ours, theirs) == (186_065, 186_058)
    for res in different:
        assert any(
            i.code == "L009" and "mistral-common's canonical encoding has" in i.message
            for i in res.issues
        )


def test_chatml_renders_tools_calls_and_results_like_qwen25(chatml):
    messages, tools = GENERATED[1]
    s = settings(tokenizer="chatml", chat_template="chatml")
    res = analyze_conversation(messages, chatml, s, tools=tools)
    tool_json = "\n".join(json.dumps(t) for t in tools)
    assert res.rendered == (
        "<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call one or more functions to "
        "assist with the user query.\n\nYou are provided with function signatures within "
        f"<tools></tools> XML tags:\n<tools>\n{tool_json}\n</tools>\n\nFor each function call, "
        "return a json object with function name and arguments within <tool_call></tool_call> "
        'XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n'
        "</tool_call><|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n"
        "<|im_start|>user\nParis and Rome?<|im_end|>\n"
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": '
        '{"city": "Paris"}}\n</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": '
        "Rome}\n</tool_call><|im_end|>\n"
        "<|im_start|>user\n<tool_response>\nsunny\n</tool_response>\n<tool_response>\n\n"
        "</tool_response><|im_end|>\n"
        "<|im_start|>assistant\nSunny in Paris; Rome did not answer.<|im_end|>\n"
    )
    trained = "".join(res.rendered[t.start : t.end] for t in res.tokens if t.trained)
    assert trained == (
        "Hello<|im_end|>"
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "get_weather", "arguments": Rome}\n</tool_call><|im_end|>'
        "Sunny in Paris; Rome did not answer.<|im_end|>"
    )
    assert [t.role for t in res.turns] == [m["role"] for m in messages]
    assert [i.code for i in res.issues] == []


def test_llama3_renders_tools_in_the_first_user_turn(llama3):
    messages, _ = GENERATED[0]
    s = settings(tokenizer="llama3", chat_template="llama3")
    res = analyze_conversation(messages, llama3, s, tools=[WEATHER])
    assert res.rendered == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython"
        "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, "
        "please respond with a JSON for a function call with its proper arguments that best "
        'answers the given prompt.\n\nRespond in the format {"name": function name, '
        '"parameters": dictionary of argument name and its value}.Do not use variables.\n\n'
        + json.dumps(WEATHER, indent=4)
        + "\n\nWeather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        '{"name": "get_weather", "parameters": {"city":"Paris"}}<|eot_id|>'
        '<|start_header_id|>ipython<|end_header_id|>\n\n{"temp":21}<|eot_id|>'
        "<|start_header_id|>assistant<|end_header_id|>\n\nIt is 21 °C.<|eot_id|>"
    )
    trained = "".join(res.rendered[t.start : t.end] for t in res.tokens if t.trained)
    assert trained == (
        '{"name": "get_weather", "parameters": {"city":"Paris"}}<|eot_id|>It is 21 °C.<|eot_id|>'
    )


@pytest.mark.parametrize("template", ["chatml", "llama3"])
def test_tool_result_turns_are_masked_but_trainable(chatml, llama3, template):
    """roles-to-train [assistant, tool] trains a result's content, not the template's
    <tool_response> wrapping (Axolotl's turn search finds the content only), and its
    end-of-turn token only where it follows the content (train-on-eos turn)."""
    handle = chatml if template == "chatml" else llama3
    messages, tools = GENERATED[0]
    s = settings(tokenizer=template, chat_template=template, roles_to_train=["assistant", "tool"])
    res = analyze_conversation(messages, handle, s, tools=tools)
    tool_text = "".join(
        res.rendered[t.start : t.end] for t in res.tokens if t.turn == 2 and t.trained
    )
    assert tool_text == {"chatml": '{"temp":21}', "llama3": '{"temp":21}<|eot_id|>'}[template]


def test_l014_mistral_common_tool_call_ids(mistral_v3):
    s = settings(tokenizer="mistral-v3")
    row = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [call("call_1", "{}")]},
        {"role": "tool", "tool_call_id": "call_1", "content": "21"},
        {"role": "assistant", "content": "21 °C."},
    ]
    res = analyze_conversation(row, mistral_v3, s)
    assert [(i.code, i.severity, i.turn, i.message) for i in res.issues if i.code == "L014"] == [
        (
            "L014",
            "error",
            1,
            "turn 2 (assistant): tool call id 'call_1' is not 9 letters and digits "
            "(and 1 more turn): mistral-common rejects the row",
        )
    ]
    no_ids = [
        row[0],
        {
            "role": "assistant",
            "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}],
        },
        {"role": "tool", "content": "21"},
        row[3],
    ]
    res = analyze_conversation(no_ids, mistral_v3, s)
    assert [(i.turn, i.message) for i in res.issues if i.code == "L014"] == [
        (
            1,
            "turn 2 (assistant): a tool call has no id (allowed only in the last message) "
            "(and 1 more turn): mistral-common rejects the row",
        )
    ]
    good = analyze_conversation(GENERATED[0][0], mistral_v3, s)
    assert [i for i in good.issues if i.code == "L014"] == []


def test_l014_applies_to_the_mistral_builtins_only(chatml):
    row = [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": None, "tool_calls": [call("call_1", "{}")]},
        {"role": "tool", "tool_call_id": "call_1", "content": "21"},
    ]
    res = analyze_conversation(row, chatml, settings(tokenizer="chatml"))
    assert [i.code for i in res.issues] == []


def test_sharegpt_function_call_and_observation_become_tool_turns():
    value = {
        "conversations": [
            {"from": "human", "value": "Weather in Paris?"},
            {
                "from": "function_call",
                "value": '{"name": "get_weather", "arguments": {"city": "Paris"}}',
            },
            {"from": "observation", "value": '{"temp": 21}'},
            {"from": "gpt", "value": "21 °C."},
        ],
        "tools": json.dumps([WEATHER["function"]]),
    }
    fields = formats.Fields()
    turns = formats.turns(value, formats.SHAREGPT, fields)
    assert template_messages(turns, formats.SHAREGPT) == [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": {"city": "Paris"}},
                }
            ],
            "content": None,
        },
        {"role": "tool", "content": '{"temp": 21}'},
        {"role": "assistant", "content": "21 °C."},
    ]
    assert row_tools(value, fields) == [WEATHER["function"]]
    value["conversations"][1]["value"] = "get_weather(Paris)"
    assert template_messages(formats.turns(value, formats.SHAREGPT, fields), formats.SHAREGPT) == (
        NotRendered("turn 2 (function_call): its value is not a JSON tool call", 1)
    )
    value["tools"] = "[{"
    assert row_tools(value, fields) == NotRendered(
        '"tools" is not valid JSON, so the tools cannot be rendered'
    )


def test_llamafactory_parts_become_reasoning_and_tool_calls():
    value = json.loads((DATA / "reason_tool_use_demo_50.jsonl").read_text().splitlines()[1])
    fields = formats.Fields()
    messages = template_messages(formats.turns(value, formats.MESSAGES, fields), formats.MESSAGES)
    assert not isinstance(messages, NotRendered)
    calls = [m for m in messages if m.get("tool_calls")]
    assert calls and all(m["content"] is None and m["reasoning_content"] for m in calls)
    assert all(
        c["type"] == "function" and c["function"]["name"] for m in calls for c in m["tool_calls"]
    )


# Rows mistral-finetune refuses: its build_instruct_sample runs mistral-common's V3
# validator (finetuning mode) over the messages and tools and raises.
SCHEMA_REFUSALS = [
    (
        {"type": "function", "function": {"name": "f", "parameters": {"properties": 5}}},
        "InvalidToolSchemaException: Invalid tool schema: 5 is not of type 'object'",
    ),
    (
        {"type": "function", "function": {"name": "bad name!", "parameters": {}}},
        "InvalidToolException: Function name was bad name! but must be a-z, A-Z, 0-9, or "
        "contain underscores and dashes, with a maximum length of 64.",
    ),
    (
        {"type": "function", "function": {"name": "f", "parameters": "not a dict"}},
        "Function.parameters: Input should be a valid dictionary",
    ),
]


@pytest.mark.parametrize(("tool", "error"), SCHEMA_REFUSALS)
def test_l016_mistral_common_rejects_the_tools(mistral_v3, tool, error):
    row = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    s = settings(tokenizer="mistral-v3", trainer="mistral-finetune")
    res = analyze_conversation(row, mistral_v3, s, tools=[tool])
    # At the index past the turns: the caller places it on the row's tools key.
    assert [(i.code, i.severity, i.turn, i.message) for i in res.issues] == [
        ("L016", "warning", 2, f"mistral-finetune refuses this row: mistral-common raises {error}")
    ]
    # The generic profile with the same tokenizer: mistral-finetune's refusal does not apply.
    generic = analyze_conversation(row, mistral_v3, settings(tokenizer="mistral-v3"), tools=[tool])
    assert [i.code for i in generic.issues] == []


def test_l016_mistral_finetune_ids_stay_l014_and_unmatched_results_pass(mistral_v3):
    s = settings(tokenizer="mistral-v3", trainer="mistral-finetune")
    bad_id = [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": None, "tool_calls": [call("call_1", "{}")]},
        {"role": "tool", "tool_call_id": "call_1", "content": "21"},
        {"role": "assistant", "content": "21 °C."},
    ]
    res = analyze_conversation(bad_id, mistral_v3, s, tools=[WEATHER])
    assert [i.code for i in res.issues] == ["L014"]  # one cause, one finding
    # mistral-common's V3 validator does not pair results with calls by id (R011 does).
    unmatched = [
        *bad_id[:1],
        GENERATED[0][0][1],
        {**GENERATED[0][0][2], "tool_call_id": "zzzzzzzzz"},
    ]
    res = analyze_conversation([*unmatched, bad_id[3]], mistral_v3, s, tools=[WEATHER])
    assert [i.code for i in res.issues] == []
    res = analyze_conversation(GENERATED[0][0], mistral_v3, s, tools=GENERATED[0][1])
    assert [i.code for i in res.issues] == []


def test_l016_mistral_finetune_validates_every_row(mistral_v3):
    s = settings(tokenizer="mistral-v3", trainer="mistral-finetune")
    user = {"role": "user", "content": "Hi"}
    rows = [
        [user, {"role": "assistant", "content": ""}],
        [user, {"role": "assistant", "content": "Hello"}, user],
        # mistral-finetune reads no reasoning field: no thinking chunk to refuse
        [user, {"role": "assistant", "content": "Hello", "reasoning_content": "Greet."}],
    ]
    got = [
        [
            (i.code, i.turn, i.message)
            for i in analyze_conversation(r, mistral_v3, s).issues
            if i.code == "L016"
        ]
        for r in rows
    ]
    why = "mistral-finetune refuses this row: mistral-common raises "
    assert got == [
        [
            (
                "L016",
                None,
                why + "InvalidAssistantMessageException: Assistant message must have either "
                "content or tool_calls, but not both.",
            )
        ],
        [
            (
                "L016",
                None,
                why + "InvalidMessageStructureException: Expected last role Assistant for "
                "finetuning but got user",
            )
        ],
        [],
    ]
