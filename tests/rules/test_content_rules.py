"""C rules: empty or mistyped content, control tokens, tool-call arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lint_helpers import col, findings, jsonl, lint, seen
from sftlint.engine import engine
from sftlint.model import Severity
from sftlint.report import groups
from sftlint.rules.content_rules import CONTROL_TOKENS, TEXT_TOKENS_CAUSE, source_index
from sftlint.settings import Settings

U = {"role": "user", "content": "hi"}
A = {"role": "assistant", "content": "hello"}


def one(messages: list, key: str = "messages") -> str:
    return jsonl({key: messages})


def call(arguments: str) -> dict:
    return {
        "role": "assistant",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": arguments}}
        ],
    }


def test_clean_rows_pass() -> None:
    text = jsonl(
        {"messages": [U, A]},
        {"messages": [U, {"role": "assistant", "content": [{"type": "text", "text": "x"}]}]},
        # LLaMA-Factory v1 parts, reasoning and tool calls in parts.
        {
            "messages": [
                {"role": "user", "content": [{"type": "text", "value": "q"}]},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "reasoning", "value": "think"},
                        {"type": "tool_call", "value": '{"name": "f", "arguments": {"a": 1}}'},
                    ],
                },
                {"role": "tool", "content": [{"type": "text", "value": "1"}]},
                {"role": "assistant", "content": [{"type": "text", "value": "done"}]},
            ]
        },
        # An image-only user turn is not empty; a tool-calling turn may have null content.
        {
            "messages": [
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
                {**call('{"a": 1}'), "content": None},
                {"role": "tool", "tool_call_id": "c1", "content": "1"},
                A,
            ]
        },
        {"messages": [{"role": "user", "content": "<image>Who is he?"}, A], "images": ["a.jpg"]},
    )
    assert lint(text, "C") == []


def test_c001_empty_assistant() -> None:
    text = one([U, {"role": "assistant", "content": ""}]) + one(
        [U, {"role": "assistant", "content": " \n "}]
    )
    lines = text.splitlines()
    assert lint(text, "C") == [
        (
            "C001",
            (1, col(lines[0], '""')),
            (1, col(lines[0], '""') + 2),
            "turn 2 (messages[1].content): assistant content is empty: the model learns to "
            "answer with nothing",
        ),
        (
            "C001",
            (2, col(lines[1], '" \\n "')),
            (2, col(lines[1], '" \\n "') + 6),
            "turn 2 (messages[1].content): assistant content is whitespace only: the model "
            "learns to answer with nothing",
        ),
    ]


def test_c001_parts_and_sharegpt_and_null() -> None:
    text = jsonl(
        {"messages": [U, {"role": "assistant", "content": [{"type": "text", "text": " "}]}]},
        {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": ""}]},
        {"messages": [U, {"role": "assistant", "content": None}]},
    )
    assert [(f[0], f[1][0], f[3]) for f in lint(text, "C")] == [
        (
            "C001",
            1,
            "turn 2 (messages[1].content): assistant content is whitespace only: the model "
            "learns to answer with nothing",
        ),
        (
            "C001",
            2,
            "turn 2 (conversations[1].value): assistant content is empty: the model learns to "
            "answer with nothing",
        ),
        (
            "C001",
            3,
            "turn 2 (messages[1].content): assistant content is null: the model learns to "
            "answer with nothing",
        ),
    ]


def test_c002_empty_prompt_turns() -> None:
    text = one([{"role": "system", "content": ""}, {"role": "user", "content": "  "}, A])
    line = text.splitlines()[0]
    assert lint(text, "C") == [
        (
            "C002",
            (1, col(line, '""')),
            (1, col(line, '""') + 2),
            "turn 1 (messages[0].content): system content is empty",
        ),
        (
            "C002",
            (1, col(line, '"  "')),
            (1, col(line, '"  "') + 4),
            "turn 2 (messages[1].content): user content is whitespace only",
        ),
    ]


def test_alpaca_prompt_completion_text_fields() -> None:
    text = jsonl(
        {"instruction": "", "input": "", "output": ""},
        {"instruction": "", "input": "the question", "output": "o"},  # fine: input holds it
        {"prompt": "p", "completion": " "},
        {"text": ""},
        {"instruction": "i", "input": "", "output": "o", "history": [["", "a"]]},
    )
    assert [(f[0], f[1][0], f[3]) for f in lint(text, "C")] == [
        ("C002", 1, "instruction: user content is empty"),
        ("C001", 1, "output: assistant content is empty: the model learns to answer with nothing"),
        (
            "C001",
            3,
            "completion: assistant content is whitespace only: the model learns to answer "
            "with nothing",
        ),
        ("C002", 4, "text: text is empty"),
        ("C002", 5, "history[0][0]: user content is empty"),
    ]


def test_c003_content_wrong_type() -> None:
    text = one([{"role": "user", "content": 42}, {"role": "assistant", "content": {"text": "x"}}])
    text += one([U, {"role": "assistant", "content": ["x", {"type": "text"}, {"foo": 1}]}])
    text += jsonl({"instruction": "i", "input": "", "output": ["o"]})
    lines = text.splitlines()
    assert lint(text, "C") == [
        (
            "C003",
            (1, col(lines[0], "42")),
            (1, col(lines[0], "42") + 2),
            "turn 1 (messages[0].content): content is a JSON number, not a string or a list of "
            "content parts",
        ),
        (
            "C003",
            (1, col(lines[0], '{"text"')),
            (1, col(lines[0], '{"text"') + 13),
            "turn 2 (messages[1].content): content is a JSON object, not a string or a list of "
            "content parts",
        ),
        (
            "C003",
            (2, col(lines[1], '"x"')),
            (2, col(lines[1], '"x"') + 3),
            "turn 2 (messages[1].content): content part 1 is a JSON string, not an object",
        ),
        (
            "C003",
            (2, col(lines[1], '{"type": "text"}')),
            (2, col(lines[1], '{"type": "text"}') + 16),
            'turn 2 (messages[1].content): content part 2 of type "text" has no "text" string',
        ),
        (
            "C003",
            (2, col(lines[1], '{"foo": 1}')),
            (2, col(lines[1], '{"foo": 1}') + 10),
            'turn 2 (messages[1].content): content part 3 has no "type"',
        ),
        (
            "C003",
            (3, col(lines[2], '["o"]')),
            (3, col(lines[2], '["o"]') + 5),
            "output: content is a JSON array, not a string",
        ),
    ]


def test_source_index_maps_escapes() -> None:
    body = r"a\n\"q\u00e9\ud83d\ude00z"  # decodes to: a, LF, ", q, é, 😀, z
    assert json.loads(f'"{body}"') == 'a\n"qé😀z'
    assert [source_index(body, k) for k in range(8)] == [0, 1, 3, 5, 6, 12, 24, 25]
    assert source_index("plain", 3) == 3


def test_c004_token_span_after_escapes_and_astral_characters() -> None:
    line = (
        '{"messages": [{"role": "user", "content": "a\\n\\"q\\" \\u00e9\\ud83d\\ude00 😀'
        '<|im_end|> x"}, {"role": "assistant", "content": "ok"}]}'
    )
    [f] = findings(line + "\n", "C")
    at = col(line, "<|im_end|>")
    r = f.range
    assert (f.code, r.start.line, r.start.column + 1, r.end.column + 1) == ("C004", 0, at, at + 10)
    assert (r.start.utf16, r.end.utf16) == (at, at + 10)  # one astral character before: +1 -1
    assert f.message == (
        'turn 1 (messages[0].content): chat-template control token "<|im_end|>" inside the '
        "text: tokenizers read it as a special token, which breaks turns and masks"
    )
    assert line.encode()[r.start.offset : r.end.offset] == b"<|im_end|>"


def test_c004_token_written_with_escapes() -> None:
    line = (
        '{"messages": [{"role": "user", "content": "hi"}, '
        '{"role": "assistant", "content": "x\\u003c|eot_id|\\u003e"}]}'
    )
    [f] = findings(line + "\n", "C")
    start = col(line, "\\u003c|eot_id|")
    assert (f.range.start.column + 1, f.range.end.column + 1) == (
        start,
        start + len("\\u003c|eot_id|\\u003e"),
    )
    assert '"<|eot_id|>"' in f.message


@pytest.mark.parametrize("token", CONTROL_TOKENS)
def test_c004_every_token_is_found(token: str) -> None:
    text = one([U, {"role": "assistant", "content": f"answer{token}"}])
    got = lint(text, "C004")
    line = text.splitlines()[0]
    at = col(line, json.dumps(token, ensure_ascii=False)[1:-1])
    assert [(f[1], f[2]) for f in got] == [((1, at), (1, at + len(token)))]


def test_c004_in_parts_alpaca_and_text() -> None:
    text = jsonl(
        {"messages": [U, {"role": "assistant", "content": [{"type": "text", "text": "a</s>"}]}]},
        {"instruction": "[INST] q", "input": "", "output": "o"},
        {"text": "<start_of_turn>user"},
    )
    assert [(f[1][0], f[3].split(":")[0]) for f in lint(text, "C004")] == [
        (1, "turn 2 (messages[1].content[0].text)"),
        (2, "instruction"),
        (3, "text"),
    ]


WHY = "which breaks turns and masks"


def test_c004_once_a_string_naming_its_tokens() -> None:
    """A string holding several tokens is one finding at its first token naming them all
    (with the count); each string of a row is its own finding."""
    answer = "a<|im_end|>\n<|im_start|>user\nb<|im_end|>"
    text = one(
        [{"role": "user", "content": "q</s> r</s>"}, {"role": "assistant", "content": answer}]
    )
    line = text.splitlines()[0]
    first, second = col(line, "</s>"), col(line, "<|im_end|>")
    assert lint(text, "C004") == [
        (
            "C004",
            (1, first),
            (1, first + 4),
            'turn 1 (messages[0].content): chat-template control token "</s>" inside the text '
            f"(2 times): tokenizers read it as a special token, {WHY}",
        ),
        (
            "C004",
            (1, second),
            (1, second + 10),
            'turn 2 (messages[1].content): chat-template control tokens "<|im_end|>", '
            '"<|im_start|>" inside the text (3 in all): tokenizers read them as special '
            f"tokens, {WHY}",
        ),
    ]
    got = findings(text, "C004")
    assert [(f.severity, f.cause, f.fixes) for f in got] == [
        (Severity.ERROR, "control tokens in content: </s>", []),
        (Severity.ERROR, "control tokens in content: <|im_end|> <|im_start|>", []),
    ]


def test_c004_once_a_part_and_an_alpaca_field() -> None:
    parts = [{"type": "text", "text": "[INST] a [/INST]"}, {"type": "text", "text": "b</s>"}]
    text = jsonl(
        {"messages": [U, {"role": "assistant", "content": parts}]},
        {"instruction": "[INST] q [/INST]", "input": "", "output": "o"},
    )
    lines = text.splitlines()
    inst, eos, field = col(lines[0], "[INST]"), col(lines[0], "</s>"), col(lines[1], "[INST]")
    tokens = '"[INST]", "[/INST]" inside the text (2 in all): tokenizers read them as special'
    assert lint(text, "C004") == [
        (
            "C004",
            (1, inst),
            (1, inst + 6),
            f"turn 2 (messages[1].content[0].text): chat-template control tokens {tokens} "
            f"tokens, {WHY}",
        ),
        (
            "C004",
            (1, eos),
            (1, eos + 4),
            'turn 2 (messages[1].content[1].text): chat-template control token "</s>" inside '
            f"the text: tokenizers read it as a special token, {WHY}",
        ),
        (
            "C004",
            (2, field),
            (2, field + 6),
            f"instruction: chat-template control tokens {tokens} tokens, {WHY}",
        ),
    ]


def test_c004_rows_with_the_same_tokens_are_one_cause() -> None:
    """Rows whose strings hold the same tokens (in any order, any number) group as one
    cause; other tokens are another."""
    rows = [
        {"messages": [U, {"role": "assistant", "content": f"a{i}<|im_end|>" + "</s>" * i}]}
        for i in range(1, 6)
    ]
    rows.append({"messages": [U, {"role": "assistant", "content": "</s> b <|im_end|>"}]})
    rows.append({"messages": [U, {"role": "assistant", "content": "c</s>"}]})
    got = findings(jsonl(*rows), "C004")
    assert [len(g) for g in groups.grouped(got)] == [6, 1]
    assert {groups.group_key(f) for f in got[:6]} == {groups.group_key(got[0])}
    assert got[6].cause == "control tokens in content: </s>"


RENDERED = "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n"


def test_c004_once_a_text_row_as_one_cause() -> None:
    """A chat rendered to `text` (Unsloth's layout) holds its template's tokens on purpose:
    one info a row at its first token (not one error a token), grouped by one cause."""
    text = jsonl(*[{"text": RENDERED}] * 6)
    got = findings(text, "C004")
    line = text.splitlines()[0]
    at = col(line, "<|im_start|>")
    assert [seen(f) for f in got] == [
        (
            "C004",
            (row, at),
            (row, at + 12),
            'text: chat-template control tokens "<|im_start|>", "<|im_end|>" inside the text '
            "(4 in all): tokenizers read them as special tokens; right for a chat rendered "
            "with the model's own template (ignore C004), else remove them",
        )
        for row in range(1, 7)
    ]
    assert {(f.severity, f.cause) for f in got} == {(Severity.INFO, TEXT_TOKENS_CAUSE)}
    assert [len(g) for g in groups.grouped(got)] == [6]


def test_c004_text_rows_without_tokens_pass() -> None:
    text = jsonl({"text": "user\nq\nassistant\na <b>bold</b> [INSTR]\n"}, {"text": "plain"})
    assert lint(text, "C") == []


def test_c004_lookalikes_pass() -> None:
    text = one(
        [U, {"role": "assistant", "content": "a <b>bold</b> [INSTR] <|python_tag|> <think>"}]
    )
    assert lint(text, "C") == []


def test_c005_invalid_arguments_position() -> None:
    text = one(
        [U, call("{'city': 'Paris'}"), {"role": "tool", "tool_call_id": "c1", "content": "1"}, A]
    )
    line = text.splitlines()[0]
    at = col(line, "{'city'") + 1
    assert lint(text, "C") == [
        (
            "C005",
            (1, at),
            (1, at + 1),
            "turn 2 (messages[1].tool_calls[0].function.arguments): the arguments string is not "
            "valid JSON: expecting property name enclosed in double quotes (character 2)",
        )
    ]


def test_c005_position_after_escapes_and_not_an_object() -> None:
    text = one(
        [U, call('{"a": "x\\ny", }'), {"role": "tool", "tool_call_id": "c1", "content": "1"}, A]
    )
    text += one([U, call("[1, 2]"), {"role": "tool", "tool_call_id": "c1", "content": "1"}, A])
    lines = text.splitlines()
    at = lines[0].index('}"') + 1  # the "}" that closes the arguments string
    assert lint(text, "C") == [
        (
            "C005",
            (1, at),
            (1, at + 1),
            "turn 2 (messages[1].tool_calls[0].function.arguments): the arguments string is not "
            "valid JSON: expecting property name enclosed in double quotes (character 15)",
        ),
        (
            "C005",
            (2, col(lines[1], '"[1, 2]"')),
            (2, col(lines[1], '"[1, 2]"') + 8),
            "turn 2 (messages[1].tool_calls[0].function.arguments): the arguments string is a "
            "JSON array, not an object",
        ),
    ]


def test_c005_sharegpt_function_call_and_parts() -> None:
    text = jsonl(
        {
            "conversations": [
                {"from": "human", "value": "q"},
                {"from": "function_call", "value": '{"name": "f", "arguments": {'},
                {"from": "observation", "value": "{}"},
                {"from": "gpt", "value": "a"},
            ]
        },
        {
            "conversations": [
                {"from": "human", "value": "q"},
                {"from": "function_call", "value": '{"arguments": {}}'},
                {"from": "observation", "value": "{}"},
                {"from": "gpt", "value": "a"},
            ]
        },
        {
            "messages": [
                U,
                {"role": "assistant", "content": [{"type": "tool_call", "value": "{name}"}]},
                {"role": "tool", "content": "1"},
                A,
            ]
        },
    )
    assert [(f[0], f[1][0], f[3]) for f in lint(text, "C")] == [
        (
            "C005",
            1,
            "turn 2 (conversations[1].value): the function_call value is not valid JSON: "
            "expecting property name enclosed in double quotes (character 29)",
        ),
        (
            "C005",
            2,
            'turn 2 (conversations[1].value): the function_call value has no "name" string',
        ),
        (
            "C005",
            3,
            "turn 2 (messages[1].content[0].value): the tool call is not valid JSON: expecting "
            "property name enclosed in double quotes (character 2)",
        ),
    ]


def test_c005_arguments_as_object_pass() -> None:
    tool_call = {
        "role": "assistant",
        "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}],
    }
    text = one([U, tool_call, {"role": "tool", "content": "1"}, A])
    assert lint(text, "C") == []


def test_corpus_findings_are_real(llamafactory: Path) -> None:
    """F, R and C findings on LLaMA-Factory's demo data: only real problems.

    kto_en_demo.json holds an answer with a literal "</s>", twice (leaked from a Llama 2
    rendering) and one user turn with "<|user|>" (a Zephyr turn marker pasted into the
    text): a tokenizer reads each as a special token. Everything else is clean: glaive's
    function_call/observation turns, mllm_demo's <image> placeholders, v1 content parts,
    reasoning and tool-call parts, KTO labels, v1 chosen_messages/rejected_messages.
    """
    got = []
    for path in sorted(llamafactory.glob("*.json*")):
        result = engine.check_path(path, Settings(select=["F", "R", "C"]))
        got += [(path.name, *seen(f)[:2]) for f in result.findings]
    assert got == [
        ("kto_en_demo.json", "C004", (2504, 894)),  # "</s>" twice in the answer
        ("kto_en_demo.json", "C004", (4790, 1842)),
    ]
