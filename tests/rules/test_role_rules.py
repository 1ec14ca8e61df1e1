"""R rules: roles and the order of turns."""

from __future__ import annotations

import json

from lint_helpers import apply, col, findings, jsonl, lint
from sftlint.model import Severity
from sftlint.settings import MaskConfig, Settings, resolve

U = {"role": "user", "content": "hi"}
A = {"role": "assistant", "content": "hello"}
S = {"role": "system", "content": "Be brief."}


def one(messages: list, key: str = "messages") -> str:
    return jsonl({key: messages})


def test_clean_conversations_pass() -> None:
    call = {
        "role": "assistant",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}},
            {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "{}"}},
        ],
    }
    text = jsonl(
        {"messages": [S, U, A, U, A]},
        # Parallel calls: two tool results in a row are fine.
        {
            "messages": [
                U,
                call,
                {"role": "tool", "tool_call_id": "c1", "content": "1"},
                {"role": "tool", "tool_call_id": "c2", "content": "2"},
                A,
            ]
        },
        # ShareGPT function_call / observation pairs.
        {
            "conversations": [
                {"from": "human", "value": "hi"},
                {"from": "function_call", "value": '{"name": "f", "arguments": {}}'},
                {"from": "observation", "value": "{}"},
                {"from": "gpt", "value": "done"},
            ]
        },
    )
    assert lint(text, "R") == []


def test_r001_r002_r003_message_shape() -> None:
    text = one([{"content": "hi"}, {"role": "assistant"}, "hello"])
    line = text.splitlines()[0]
    assert lint(text, "R") == [
        ("R001", (1, 15), (1, 32), 'turn 1 (messages[0]): message has no "role" key'),
        (
            "R002",
            (1, col(line, '{"role": "assistant"}')),
            (1, col(line, '{"role": "assistant"}') + 21),
            'turn 2 (messages[1]): message has no "content" key',
        ),
        (
            "R003",
            (1, col(line, '"hello"')),
            (1, col(line, '"hello"') + 7),
            "turn 3 (messages[2]): message is a JSON string, not an object",
        ),
    ]


def test_r001_r002_sharegpt_key_names() -> None:
    text = one([{"value": "hi"}, {"from": "gpt"}], key="conversations")
    assert [m for *_, m in lint(text, "R")] == [
        'turn 1 (conversations[0]): message has no "from" key',
        'turn 2 (conversations[1]): message has no "value" key',
    ]


def test_r002_not_for_assistant_tool_calls() -> None:
    call = {
        "role": "assistant",
        "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": "{}"}}],
    }
    text = one([U, call, {"role": "tool", "tool_call_id": "c1", "content": "1"}, A])
    assert lint(text, "R") == []


def test_r004_unknown_role_with_fix() -> None:
    text = one([{"role": "human", "content": "hi"}, {"role": "bot", "content": "hello"}])
    line = text.splitlines()[0]
    got = findings(text, "R")
    assert [(f.code, f.message) for f in got] == [
        (
            "R004",
            'turn 1 (messages[0].role): unknown role "human" (a ShareGPT role name in a messages '
            'conversation); did you mean "user"?',
        ),
        ("R004", 'turn 2 (messages[1].role): unknown role "bot"; did you mean "assistant"?'),
    ]
    r = got[1].range
    assert (r.start.column + 1, r.end.column + 1) == (col(line, '"bot"'), col(line, '"bot"') + 5)
    data = text.encode()
    fixed = apply(apply(data, got[1].fixes[0]), got[0].fixes[0])  # later edit first
    assert fixed == one([U, A]).encode()
    assert got[0].fixes[0].title == 'Replace role "human" with "user"'
    assert got[0].fixes[0].safe


def test_r004_sharegpt_suggests_sharegpt_names_and_typos() -> None:
    text = one([{"from": "user", "value": "hi"}, {"from": "bot", "value": "x"}], "conversations")
    text += one([U, {"role": "asistant", "content": "x"}])
    got = findings(text, "R004")
    assert [f.message for f in got] == [
        'turn 2 (conversations[1].from): unknown role "bot"; did you mean "gpt"?',
        'turn 2 (messages[1].role): unknown role "asistant"; did you mean "assistant"?',
    ]
    assert not got[1].fixes[0].safe  # a fuzzy match is offered, not applied by --fix


def test_r004_no_suggestion_and_non_string() -> None:
    text = one([U, {"role": "narrator", "content": "x"}]) + one([U, {"role": 2, "content": "x"}])
    assert [(f[1][0], f[3]) for f in lint(text, "R")] == [
        (
            1,
            'turn 2 (messages[1].role): unknown role "narrator"; expected one of "system", '
            '"user", "assistant", "tool"',
        ),
        (2, "turn 2 (messages[1].role): role is a JSON number, not a string"),
    ]


def test_r004_config_roles_are_known() -> None:
    settings = resolve({"roles": {"assistant": ["bot"]}}, None)
    assert lint(one([U, {"role": "bot", "content": "x"}]), "R", settings=settings) == []
    # The suggestion uses the mapped name.
    assert lint(one([U, {"role": "Bot", "content": "x"}]), "R", settings=settings)[0][3] == (
        'turn 2 (messages[1].role): unknown role "Bot"; did you mean "bot"?'
    )


def test_r005_no_assistant_turn() -> None:
    assert lint(one([S, U]), "R") == [
        ("R005", (1, 2), (1, 12), "messages: no assistant turn: the row has nothing to train on")
    ]


def test_r006_last_turn_not_assistant() -> None:
    text = one([U, A, {"role": "user", "content": "thanks"}])
    line = text.splitlines()[0]
    at = col(line, '"user"', 1)
    assert lint(text, "R") == [
        (
            "R006",
            (1, at),
            (1, at + 6),
            'turn 3 (messages[2].role): the conversation ends with a "user" turn, not an '
            "assistant turn",
        )
    ]


def test_r007_too_few_turns() -> None:
    text = one([A]) + one([])
    assert lint(text, "R") == [
        (
            "R007",
            (1, 2),
            (1, 12),
            "messages: only 1 turn; a training conversation needs a prompt and a response",
        ),
        (
            "R007",
            (2, 2),
            (2, 12),
            "messages: the conversation is empty: the row has nothing to train on",
        ),
    ]


def test_r008_system_not_first() -> None:
    text = one([U, S, U, A])
    line = text.splitlines()[0]
    at = col(line, '"system"')
    assert lint(text, "R") == [
        (
            "R008",
            (1, at),
            (1, at + 8),
            "turn 2 (messages[1].role): system message is not the first turn",
        )
    ]


def test_r009_same_role_twice() -> None:
    text = one([U, U, A, A])
    line = text.splitlines()[0]
    assert lint(text, "R") == [
        (
            "R009",
            (1, col(line, '"user"', 1)),
            (1, col(line, '"user"', 1) + 6),
            "turn 2 (messages[1].role): two user turns in a row (messages[0] and messages[1])",
        ),
        (
            "R009",
            (1, col(line, '"assistant"', 1)),
            (1, col(line, '"assistant"', 1) + 11),
            "turn 4 (messages[3].role): two assistant turns in a row (messages[2] and messages[3])",
        ),
    ]


TEXT_THEN_CALLS = [
    U,
    {"role": "assistant", "content": "Let me look."},
    {
        "role": "assistant",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": "12"},
    A,
]


def test_r009_text_then_tool_calls_is_the_openai_layout() -> None:
    assert lint(one(TEXT_THEN_CALLS), "R") == []


def test_r009_text_then_tool_calls_warns_under_gemma() -> None:
    text = one(TEXT_THEN_CALLS)
    line = text.splitlines()[0]
    at = col(line, '"assistant"', 1)
    settings = Settings(mask=MaskConfig(chat_template="gemma3"))
    [f] = findings(text, "R", settings=settings)
    assert (f.code, f.severity, f.range.start.column + 1, f.range.end.column + 1, f.message) == (
        "R009",
        Severity.WARNING,
        at,
        at + 11,
        "turn 3 (messages[2].role): two assistant turns in a row (messages[1] and messages[2]): "
        "Gemma's template raises on an assistant message followed by its tool calls; merge "
        "the calls into the text turn",
    )


def test_r010_tool_result_without_call() -> None:
    text = one([U, {"role": "tool", "content": "12"}, A])
    line = text.splitlines()[0]
    at = col(line, '"tool"')
    assert lint(text, "R") == [
        (
            "R010",
            (1, at),
            (1, at + 6),
            "turn 2 (messages[1].role): tool result without a preceding tool call",
        )
    ]
    sharegpt = one(
        [
            {"from": "human", "value": "q"},
            {"from": "observation", "value": "{}"},
            {"from": "gpt", "value": "a"},
        ],
        "conversations",
    )
    assert [f[3] for f in lint(sharegpt, "R")] == [
        "turn 2 (conversations[1].from): tool result without a preceding tool call"
    ]


def test_r011_unknown_tool_call_id() -> None:
    call = {
        "role": "assistant",
        "tool_calls": [{"id": "call_1", "function": {"name": "f", "arguments": "{}"}}],
    }
    text = one([U, call, {"role": "tool", "tool_call_id": "call_2", "content": "1"}, A])
    line = text.splitlines()[0]
    at = col(line, '"call_2"')
    assert lint(text, "R") == [
        (
            "R011",
            (1, at),
            (1, at + 8),
            'turn 3 (messages[2].tool_call_id): tool_call_id "call_2" matches no earlier tool call '
            '(ids: "call_1")',
        )
    ]


def test_r012_first_turn_not_user() -> None:
    text = one([S, A, U, A])
    line = text.splitlines()[0]
    at = col(line, '"assistant"')
    assert lint(text, "R") == [
        (
            "R012",
            (1, at),
            (1, at + 11),
            "turn 2 (messages[1].role): the conversation starts with an assistant turn, "
            "not a user turn",
        )
    ]


def test_r013_alpaca_history_pairs() -> None:
    text = jsonl(
        {
            "instruction": "i",
            "input": "",
            "output": "o",
            "history": [["q", "a"], ["q", "a", "x"], "q"],
        },
        {"instruction": "i", "input": "", "output": "o", "history": [["q", "a"]]},
    )
    line = text.splitlines()[0]
    assert lint(text, "R") == [
        (
            "R013",
            (1, col(line, '["q", "a", "x"]')),
            (1, col(line, '["q", "a", "x"]') + 15),
            "history[1]: history entry is an array of 3, not a [prompt, response] pair",
        ),
        (
            "R013",
            (1, col(line, '"q"]}')),
            (1, col(line, '"q"]}') + 3),
            "history[2]: history entry is a JSON string, not a [prompt, response] pair",
        ),
    ]


def test_preference_sides_are_conversations() -> None:
    good = {"prompt": [U], "chosen": [A], "rejected": [{"role": "assistant", "content": "no"}]}
    bad = {"prompt": [U], "chosen": [A], "rejected": [{"role": "user", "content": "no"}]}
    text = jsonl(good, bad)
    assert [(f[0], f[1][0], f[3]) for f in lint(text, "R")] == [
        ("R005", 2, "rejected: no assistant turn: the row has nothing to train on"),
        (
            "R009",
            2,
            "turn 1 (rejected[0].role): two user turns in a row (prompt[0] and rejected[0])",
        ),
    ]


def test_llamafactory_sharegpt_preference() -> None:
    row = {
        "conversations": [{"from": "human", "value": "q"}],
        "chosen": {"from": "gpt", "value": "a"},
        "rejected": {"from": "human", "value": "b"},
    }
    assert [f[3] for f in lint(jsonl(row), "R")] == [
        "rejected: no assistant turn: the row has nothing to train on",
        "turn 1 (rejected.from): two user turns in a row (conversations[0] and rejected)",
    ]


def test_unpaired_preference_and_prompt_completion_lists() -> None:
    text = jsonl(
        {"messages": [U, U], "label": True},
        {"prompt": [U], "completion": [{"role": "bot", "content": "x"}]},
    )
    assert [(f[0], f[3]) for f in lint(text, "R")] == [
        ("R005", "messages: no assistant turn: the row has nothing to train on"),
        (
            "R009",
            "turn 2 (messages[1].role): two user turns in a row (messages[0] and messages[1])",
        ),
        ("R004", 'turn 1 (completion[0].role): unknown role "bot"; did you mean "assistant"?'),
    ]


def test_pretty_printed_json_array_positions() -> None:
    rows = [{"conversations": [{"from": "human", "value": "q"}, {"from": "bot", "value": "a"}]}]
    text = json.dumps(rows, indent=2)
    lines = text.splitlines()
    line = lines.index('        "from": "bot",') + 1
    assert lint(text, "R", name="data.json") == [
        (
            "R004",
            (line, 17),
            (line, 22),
            'turn 2 (conversations[1].from): unknown role "bot"; did you mean "gpt"?',
        )
    ]


def test_r014_malformed_tool_calls() -> None:
    text = one([U, {"role": "assistant", "content": None, "tool_calls": {"name": "f"}}, A])
    text += one([U, {"role": "assistant", "tool_calls": ["f", {"function": {"name": "g"}}]}, A])
    text += one([U, {"role": "assistant", "content": "x", "tool_calls": None}, A])
    text += one([U, {"role": "assistant", "tool_calls": [{"name": "f", "arguments": {}}]}, A])
    lines = text.splitlines()
    assert lint(text, "R014") == [
        (
            "R014",
            (1, col(lines[0], '{"name": "f"}')),
            (1, col(lines[0], '{"name": "f"}') + 13),
            "turn 2 (messages[1].tool_calls): tool_calls is a JSON object, not an array of calls",
        ),
        (
            "R014",
            (2, col(lines[1], '"f"')),
            (2, col(lines[1], '"f"') + 3),
            'turn 2 (messages[1].tool_calls[0]): tool call has no "function" object with a "name"',
        ),
    ]


def test_r015_no_user_turn() -> None:
    text = one([S, A]) + one([U, A])
    line = text.splitlines()[0]
    at = col(line, '"messages"')
    assert lint(text, "R") == [
        (
            "R015",
            (1, at),
            (1, at + 10),
            "messages: no user turn: the assistant answers a prompt the row does not hold",
        )
    ]


def test_r016_duplicate_tool_call_id() -> None:
    def call(cid: str, name: str) -> dict:
        return {"id": cid, "type": "function", "function": {"name": name, "arguments": "{}"}}

    text = one(
        [
            U,
            {"role": "assistant", "content": "", "tool_calls": [call("c1", "f"), call("c1", "g")]},
            {"role": "tool", "tool_call_id": "c1", "content": "1"},
            A,
        ]
    )
    line = text.splitlines()[0]
    at = col(line, '"c1"', 1)
    assert lint(text, "R") == [
        (
            "R016",
            (1, at),
            (1, at + 4),
            'turn 2 (messages[1].tool_calls[1].id): tool call id "c1" is already the id of '
            "messages[1].tool_calls[0]",
        )
    ]


def _call(cid: str) -> dict:
    return {"id": cid, "type": "function", "function": {"name": "f", "arguments": "{}"}}


def test_r017_unanswered_tool_call() -> None:
    calls = {"role": "assistant", "content": "", "tool_calls": [_call("c1"), _call("c2")]}
    text = one([U, calls, {"role": "tool", "tool_call_id": "c1", "content": "1"}, A, U, A])
    line = text.splitlines()[0]
    at = col(line, '"c2"')
    assert lint(text, "R") == [
        (
            "R017",
            (1, at),
            (1, at + 4),
            'turn 2 (messages[1].tool_calls[1].id): tool call "c2" is never answered: no tool '
            'message with tool_call_id "c2" before the next user turn (turn 5)',
        )
    ]


def test_r017_answer_after_the_next_user_turn_is_too_late() -> None:
    calls = {"role": "assistant", "content": "", "tool_calls": [_call("c1")]}
    text = one([U, calls, A, U, {"role": "tool", "tool_call_id": "c1", "content": "1"}, A])
    line = text.splitlines()[0]
    assert lint(text, "R017") == [
        (
            "R017",
            (1, col(line, '"c1"')),
            (1, col(line, '"c1"') + 4),
            'turn 2 (messages[1].tool_calls[0].id): tool call "c1" is never answered: no tool '
            'message with tool_call_id "c1" before the next user turn (turn 4)',
        )
    ]
    text = one([U, calls, A])
    assert lint(text, "R017") == [
        (
            "R017",
            (1, col(text, '"c1"')),
            (1, col(text, '"c1"') + 4),
            'turn 2 (messages[1].tool_calls[0].id): tool call "c1" is never answered: no tool '
            'message with tool_call_id "c1" before the conversation ends',
        )
    ]


def test_r017_a_list_as_a_call_id_is_no_crash() -> None:
    """An id that is not a string (hypothesis found `"id": []`) was put in a set: TypeError
    out of the engine. It matches no result, so the result pairs by position: no R017."""
    calls = {"role": "assistant", "content": "", "tool_calls": [{**_call("c1"), "id": []}]}
    text = one([U, calls, {"role": "tool", "tool_call_id": "c1", "content": "1"}, A])
    assert lint(text, "R017") == []


def test_r017_quiet_on_a_final_call_and_on_positional_results() -> None:
    calls = {"role": "assistant", "content": "", "tool_calls": [_call("c1"), _call("c2")]}
    text = jsonl(
        {"messages": [U, calls]},  # the row trains the calls themselves
        {"messages": [U, calls, {"role": "tool", "content": "1"}, A]},  # paired by position
        {
            "messages": [
                U,
                calls,
                {"role": "tool", "tool_call_id": "c2", "content": "2"},
                {"role": "tool", "tool_call_id": "c1", "content": "1"},
                A,
            ]
        },
    )
    assert lint(text, "R017") == []
