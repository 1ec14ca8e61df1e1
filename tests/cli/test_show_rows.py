"""`sftlint show` on several rows (JSON Lines, text), and rows with tool calls through
`sftlint check`: counted in the token totals, or not tokenized with the reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"
TOOL_ROW = {
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "a1b2c3d4e",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "a1b2c3d4e", "content": '{"temp": 21}'},
        {"role": "assistant", "content": "It is 21 degrees."},
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}],
}
PLAIN_ROW = {
    "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
}
OTHER_ROW = {
    "messages": [{"role": "user", "content": "Hey"}, {"role": "assistant", "content": "Hi!"}]
}
BAD_TOOLS = {**TOOL_ROW, "tools": "[{not json"}


def sftlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sftlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rows = [PLAIN_ROW, TOOL_ROW, BAD_TOOLS, OTHER_ROW]
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_show_every_row_as_json_lines_equals_show_of_each_row(data: Path) -> None:
    proc = sftlint("show", str(data), "--json", "--tokenizer", str(CHATML), cwd=data.parent)
    assert proc.returncode == 1, proc.stderr  # row 3 has a warning
    lines = proc.stdout.splitlines()
    assert len(lines) == 4
    for n, line in enumerate(lines, 1):
        one = sftlint("show", f"{data}:{n}", "--json", "--tokenizer", str(CHATML), cwd=data.parent)
        assert json.loads(line) == json.loads(one.stdout)
    rows = [json.loads(line) for line in lines]
    assert [r["row"] for r in rows] == [1, 2, 3, 4]
    assert [r["totals"] for r in rows] == [
        {"tokens": 15, "trained": 4},
        {"tokens": 73, "trained": 44},
        {"tokens": 0, "trained": 0},
        {"tokens": 16, "trained": 4},
    ]
    assert rows[2]["message"] == (
        'the row is not tokenized: "tools" is not valid JSON, so the tools cannot be rendered'
    )
    assert "message" not in rows[1]


def test_show_a_range_of_lines(data: Path) -> None:
    proc = sftlint("show", f"{data}:2-3", "--json", "--tokenizer", str(CHATML), cwd=data.parent)
    assert [json.loads(x)["row"] for x in proc.stdout.splitlines()] == [2, 3]
    text = sftlint("show", f"{data}:2-3", "--tokenizer", str(CHATML), cwd=data.parent).stdout
    assert text.count("chat.jsonl:2  messages") == 1 and text.count("chat.jsonl:3  messages") == 1
    assert (
        "0 tokens, 0 trained (0%)\nNo tokens: the row is not tokenized: "
        '"tools" is not valid JSON, so the tools cannot be rendered\n'
    ) in text
    empty = sftlint("show", f"{data}:9-12", "--json", "--tokenizer", str(CHATML), cwd=data.parent)
    assert (empty.returncode, empty.stdout) == (2, "")
    assert empty.stderr == f"sftlint: error: {data}: no row in lines 9-12\n"


def test_check_counts_tool_rows_and_says_which_are_not_tokenized(data: Path) -> None:
    proc = sftlint(
        "check", str(data), "--tokenizer", str(CHATML), "--format", "json", cwd=data.parent
    )
    got = [
        (f["code"], f["location"]["row"], f["location"]["column"], f["message"])
        for f in json.loads(proc.stdout)
    ]
    column = json.dumps(BAD_TOOLS).index('"[{not json"') + 1
    assert got == [
        (
            "L013",
            3,
            column,
            'the row is not tokenized: "tools" is not valid JSON, so the tools cannot be rendered',
        )
    ]
    text = sftlint("check", str(data), "--tokenizer", str(CHATML), cwd=data.parent).stdout
    assert (
        "Tokens: 3 rows tokenized, 104 tokens, 52 trained (50.0%), 0 rows training nothing, "
        "1 row not tokenized.\n"
    ) in text
