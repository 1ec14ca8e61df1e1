"""F rules: the row's format, the conversation field, unknown layouts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lint_helpers import apply, findings, jsonl, lint
from sftlint.engine import engine
from sftlint.settings import Settings, resolve

CHAT = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
SHAREGPT = [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]


def test_f001_row_in_another_format() -> None:
    text = jsonl(
        {"messages": CHAT}, {"messages": CHAT}, {"conversations": SHAREGPT}, {"messages": CHAT}
    )
    assert lint(text, "F") == [
        (
            "F001",
            (3, 2),
            (3, 17),
            'row format "sharegpt" (1 row) differs from the file\'s format "messages" '
            "(3 of 4 rows)",
        )
    ]


def test_f001_majority_counts_every_row_not_the_first() -> None:
    # The first row is the odd one out: trainers that look at row 1 only would get it wrong.
    text = jsonl({"prompt": "p", "completion": "c"}, {"messages": CHAT}, {"messages": CHAT})
    assert lint(text, "F001") == [
        (
            "F001",
            (1, 2),
            (1, 10),
            'row format "prompt-completion" (1 row) differs from the file\'s format '
            '"messages" (2 of 3 rows)',
        )
    ]


def test_f001_json_array_points_at_the_first_key() -> None:
    rows = [{"messages": CHAT}, {"messages": CHAT}, {"text": "plain"}]
    text = json.dumps(rows, indent=2)
    line = text.splitlines().index('    "text": "plain"') + 1
    assert lint(text, "F001", name="data.json") == [
        (
            "F001",
            (line, 5),
            (line, 11),
            'row format "text" (1 row) differs from the file\'s format "messages" (2 of 3 rows)',
        )
    ]


def test_f001_clean_file() -> None:
    assert lint(jsonl({"messages": CHAT}, {"messages": CHAT}), "F") == []
    # Unknown rows get F003, not F001 as well.
    assert [f[0] for f in lint(jsonl({"messages": CHAT}, {"id": 1}), "F")] == ["F003"]


def test_f002_misspelled_field_with_rename_fix() -> None:
    text = jsonl({"messages": CHAT}, {"mesages": CHAT})
    [f] = findings(text, "F")
    assert (f.code, f.message) == (
        "F002",
        'key "mesages" is not a conversation field; did you mean "messages"?',
    )
    r = f.range
    assert (r.start.line, r.start.column, r.end.line, r.end.column) == (1, 1, 1, 10)
    [fix] = f.fixes
    assert fix.safe
    assert fix.title == 'Rename "mesages" to "messages"'
    data = text.encode()
    assert apply(data, fix) == jsonl({"messages": CHAT}, {"messages": CHAT}).encode()


def test_f002_singular_conversation_and_case() -> None:
    text = jsonl({"conversation": SHAREGPT}, {"Messages": CHAT})
    assert lint(text, "F002") == [
        (
            "F002",
            (1, 2),
            (1, 16),
            'key "conversation" is not a conversation field; did you mean "conversations"?',
        ),
        (
            "F002",
            (2, 2),
            (2, 12),
            'key "Messages" is not a conversation field; did you mean "messages"?',
        ),
    ]


def test_f002_list_of_messages_under_another_name() -> None:
    text = jsonl({"dialog": CHAT})
    [f] = findings(text, "F")
    assert (f.code, f.message) == (
        "F002",
        'key "dialog" holds a conversation but is not a conversation field; rename it to '
        '"messages" or set field-messages = "dialog" in the config',
    )
    assert not f.fixes[0].safe
    assert apply(text.encode(), f.fixes[0]) == jsonl({"messages": CHAT}).encode()


def test_f002_respects_field_mappings() -> None:
    settings = resolve({"field-messages": "dialog"}, None)
    assert lint(jsonl({"dialog": CHAT}), "F", settings=settings) == []
    # The near-miss check uses the mapped name too.
    assert lint(jsonl({"dialgo": CHAT}), "F002", settings=settings) == [
        (
            "F002",
            (1, 2),
            (1, 10),
            'key "dialgo" is not a conversation field; did you mean "dialog"?',
        )
    ]


def test_f002_not_for_unrelated_keys() -> None:
    # A string "message" field or the right field present: nothing to rename.
    assert lint(jsonl({"messages": CHAT, "message_id": "x"}), "F") == []
    assert lint(jsonl({"text": "t", "message": "hello"}), "F") == []


def test_f003_unknown_format_names_the_keys() -> None:
    text = jsonl({"question": "q", "answer": "a"}, {})
    assert lint(text, "F") == [
        (
            "F003",
            (1, 2),
            (1, 12),
            'row matches no known format (keys found: "question", "answer"): a prompt/completion '
            'pair under other names: rename them "prompt" and "completion", or set '
            'columns = {prompt = "question", response = "answer"} in the config',
        ),
        ("F003", (2, 1), (2, 3), "row is an empty object: it matches no known format"),
    ]


def test_f003_gpteacher_layout_names_axolotl_type_and_the_columns() -> None:
    [f] = lint(jsonl({"instruction": "i", "input": "", "response": "r"}), "F")
    assert f == (
        "F003",
        (1, 2),
        (1, 15),
        'row matches no known format (keys found: "instruction", "input", "response"): Alpaca '
        'with "response" in place of "output": Axolotl reads it as type: gpteacher; for sftlint '
        'and LLaMA-Factory set columns = {prompt = "instruction", query = "input", '
        'response = "response"} in the config',
    )
    # Following the advice reads the row as Alpaca: nothing to report.
    columns = {"prompt": "instruction", "query": "input", "response": "response"}
    settings = resolve({"columns": columns}, None)
    row = jsonl({"instruction": "i", "input": "", "response": "r"})
    assert lint(row, "F", settings=settings) == []


def test_f003_ms_swift_query_response_layout() -> None:
    rows = [
        {"system": "s", "query": "q", "response": "r"},
        {"query": "q2", "response": "r2", "history": [["q1", "r1"]]},
    ]
    hint = (
        "ms-swift's query/response layout (LLaMA-Factory's Alpaca columns by other names): set "
        'columns = {prompt = "query", response = "response"} in the config; its "history" and '
        '"system" are then read too'
    )
    assert lint(jsonl(*rows), "F") == [
        ("F003", (1, 2), (1, 10), f'row matches no known format (keys found: "system", "query", '
         f'"response"): {hint}'),
        ("F003", (2, 2), (2, 9), f'row matches no known format (keys found: "query", "response", '
         f'"history"): {hint}'),
    ]  # fmt: skip
    # Following the advice reads both rows (as Alpaca rows, with the history): nothing to report.
    settings = resolve({"columns": {"prompt": "query", "response": "response"}}, None)
    assert lint(jsonl(*rows), "F", settings=settings) == []


def test_f003_ms_swift_pairs_are_not_renamed_to_conversations() -> None:
    # "conversation" is close to "conversations", but its items are {human, assistant}
    # pairs, not turns: renaming the key would not make a ShareGPT row.
    row = {"system": "s", "conversation": [{"human": "hi", "assistant": "hello"}]}
    assert lint(jsonl(row), "F") == [
        (
            "F003",
            (1, 2),
            (1, 10),
            'row matches no known format (keys found: "system", "conversation"): "conversation" '
            'holds {"human", "assistant"} pairs (ms-swift\'s layout): trainers that read ShareGPT '
            'want "conversations" of turns, [{"from": "human", "value": ...}, {"from": "gpt", '
            '"value": ...}]: write each pair as two turns',
        )
    ]
    # A misspelt field holding turns is still renamed.
    [f002] = lint(jsonl({"conversation": SHAREGPT}), "F")
    assert f002[0] == "F002" and f002[3].endswith('did you mean "conversations"?')


def test_f003_known_formats_pass() -> None:
    text = jsonl(
        {"instruction": "i", "input": "", "output": "o"},
        {"prompt": "p", "completion": "c"},
        {"prompt": "p", "chosen": "c", "rejected": "r"},
        {
            "chosen_messages": CHAT,
            "rejected_messages": [*CHAT[:-1], {"role": "assistant", "content": "no"}],
        },
        {"input_ids": [1, 2], "labels": [-100, 2]},
        {"text": "t"},
    )
    assert [f for f in lint(text, "F") if f[0] != "F001"] == []


def test_f003_columns_mapping() -> None:
    settings = resolve({"columns": {"prompt": "question", "response": "answer"}}, None)
    assert lint(jsonl({"question": "q", "answer": "a"}), "F", settings=settings) == []


def test_f004_conversation_serialized_twice() -> None:
    text = jsonl({"messages": json.dumps(CHAT)}, {"conversations": None})
    assert lint(text, "F") == [
        (
            "F004",
            (1, 14),
            (1, 14 + len(json.dumps(json.dumps(CHAT)))),
            "messages: the conversation is a JSON string, not an array of messages "
            "(it holds JSON text: the list was serialized twice)",
        ),
        (
            "F004",
            (2, 19),
            (2, 23),
            "conversations: the conversation is a JSON null, not an array of messages",
        ),
    ]


def test_f005_incomplete_preference_pair() -> None:
    text = jsonl({"prompt": "p", "chosen": "c"}, {"rejected_messages": CHAT})
    assert lint(text, "F") == [
        (
            "F005",
            (1, 17),
            (1, 25),
            'row has "chosen" but no "rejected": a preference pair needs both',
        ),
        (
            "F005",
            (2, 2),
            (2, 21),
            'row has "rejected_messages" but no "chosen_messages": a preference pair needs both',
        ),
    ]
    assert lint(jsonl({"prompt": "p", "chosen": "c", "rejected": "r"}), "F") == []


def test_f006_chosen_equals_rejected() -> None:
    text = jsonl(
        {"prompt": "p", "chosen": "c", "rejected": "c"},
        {"chosen_messages": CHAT, "rejected_messages": CHAT},
        {"prompt": "p", "chosen": "c", "rejected": "c "},
    )
    assert lint(text, "F") == [
        (
            "F006",
            (1, 32),
            (1, 42),
            '"rejected" is the same as "chosen": the pair teaches no preference',
        ),
        (
            "F006",
            (2, text.splitlines()[1].index('"rejected_messages"') + 1),
            (2, text.splitlines()[1].index('"rejected_messages"') + 20),
            '"rejected_messages" is the same as "chosen_messages": the pair teaches no preference',
        ),
    ]


def openai_row(preferred: object, non_preferred: object, **extra: object) -> dict:
    """An OpenAI preference fine-tuning row (input.messages, two outputs)."""
    row: dict = {"input": {"messages": [{"role": "user", "content": "Capital of France?"}]}}
    row.update(preferred_output=preferred, non_preferred_output=non_preferred, **extra)
    return row


PARIS = [{"role": "assistant", "content": "Paris."}]
LYON = [{"role": "assistant", "content": "Lyon."}]


def test_openai_preference_layout_is_a_format() -> None:
    text = jsonl(openai_row(PARIS, LYON), openai_row(LYON, PARIS))
    result = engine.check_bytes("data.jsonl", text.encode(), Settings())
    assert result.findings == [] and result.formats == {"openai-preference": 2}


def test_f007_openai_preference_outputs_hold_one_assistant_message() -> None:
    text = jsonl(openai_row([], LYON), openai_row(PARIS, "Lyon."), openai_row(PARIS, PARIS + LYON))
    lines = text.splitlines()
    key = '"non_preferred_output": '
    at = [line.index(key) + len(key) + 1 for line in lines]  # 1-based column of its value
    assert lint(text, "F") == [
        (
            "F007",
            (1, lines[0].index("[]") + 1),
            (1, lines[0].index("[]") + 3),
            '"preferred_output" is an empty list: it must be a list of exactly one assistant '
            "message",
        ),
        (
            "F007",
            (2, at[1]),
            (2, at[1] + 7),
            '"non_preferred_output" is a JSON string, not a list: it must be a list of exactly '
            "one assistant message",
        ),
        (
            "F007",
            (3, at[2]),
            (3, len(lines[2])),
            '"non_preferred_output" holds 2 messages: it must be a list of exactly one '
            "assistant message",
        ),
    ]


def test_f007_openai_preference_without_input_messages() -> None:
    row = {"input": {"prompt": "x"}, "preferred_output": PARIS, "non_preferred_output": LYON}
    assert lint(jsonl(row), "F") == [
        (
            "F007",
            (1, 2),
            (1, 9),
            '"input" has no messages list: the preference pair has no prompt conversation '
            "(input.messages)",
        )
    ]


def test_f006_openai_outputs_equal() -> None:
    text = jsonl(openai_row(PARIS, PARIS))
    start = text.index('"non_preferred_output"') + 1
    assert lint(text, "F") == [
        (
            "F006",
            (1, start),
            (1, start + 22),
            '"non_preferred_output" is the same as "preferred_output": the pair teaches no '
            "preference",
        )
    ]


def test_cli_json_output(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text(jsonl({"messages": CHAT}, {"mesages": CHAT}), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "sftlint", "check", "--format", "json", "--select", "F", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    [item] = json.loads(proc.stdout)
    assert item["code"] == "F002"
    assert item["severity"] == "error"
    assert item["message"] == 'key "mesages" is not a conversation field; did you mean "messages"?'
    assert item["location"] == {"row": 2, "column": 2}
    assert item["end_location"] == {"row": 2, "column": 11}
    assert item["fix"]["edits"][0]["content"] == '"messages"'


def test_f002_missing_field_with_configured_format() -> None:
    settings = resolve({"format": "sharegpt"}, None)
    text = jsonl({"conversations": SHAREGPT}, {"text": "t"})
    assert lint(text, "F", settings=settings) == [
        (
            "F002",
            (2, 2),
            (2, 8),
            'row has no "conversations" field: the configured format is "sharegpt"',
        )
    ]


def kto(n: int, label: object = True) -> list[dict]:
    return [{"prompt": f"q{i}", "completion": f"a{i}", "label": label} for i in range(n)]


def test_f008_constant_kto_label() -> None:
    text = jsonl(*kto(12))
    start = text.index("true") + 1
    assert lint(text, "F") == [
        (
            "F008",
            (1, start),
            (1, start + 4),
            "every one of the 12 rows has label true: there is no undesirable (false) example, "
            "so KTO learns only one direction (a label column never filled?)",
        )
    ]
    messages = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    rows = [{"messages": messages, "label": False}] * 10
    [f] = lint(jsonl(*rows), "F008")
    assert f[3].startswith("every one of the 10 rows has label false: there is no desirable")


def test_f008_not_on_mixed_labels_or_small_files() -> None:
    assert lint(jsonl(*kto(11), *kto(1, False)), "F") == []
    assert lint(jsonl(*kto(9)), "F") == []
