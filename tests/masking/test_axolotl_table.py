"""The axolotl profile reads a file as Axolotl does: one table (datasets' `load_dataset`),
so a row without the file's `system` column gets an empty system turn; and roles outside
Axolotl's role map (ShareGPT's function_call, observation) reach the template as they are.
(Row-by-row agreement with Axolotl's own output is tests/parity, sharegpt_mapping.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mask_helpers import FIXTURES

from sftlint.io import filecolumns

CALL = '{"name": "f", "arguments": {}}'
TOOL_ROW = {
    "conversations": [
        {"from": "human", "value": "Hi"},
        {"from": "function_call", "value": CALL},
        {"from": "observation", "value": "1"},
        {"from": "gpt", "value": "Done."},
    ]
}
SYSTEM_ROW = {
    "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}],
    "system": "Be brief.",
}


def shown(tmp_path: Path, rows: list[dict], trainer: str = "axolotl") -> list[str]:
    """The rendered text of each row, as `sftlint show PATH --json` prints it."""
    chatml = FIXTURES / "chatml"
    (tmp_path / "sftlint.toml").write_text(f'tokenizer = "{chatml}"\ntrainer = "{trainer}"\n')
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = subprocess.run(
        [sys.executable, "-m", "sftlint", "show", "train.jsonl", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line)["rendered"] for line in proc.stdout.splitlines()]


def test_a_row_without_the_files_system_column_gets_an_empty_system_turn(tmp_path):
    first, second = shown(tmp_path, [TOOL_ROW, SYSTEM_ROW])
    assert first == (
        "<|im_start|>system\n<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        f"<|im_start|>function_call\n{CALL}<|im_end|>\n"
        "<|im_start|>observation\n1<|im_end|>\n"
        "<|im_start|>assistant\nDone.<|im_end|>\n"
    )
    assert second == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello<|im_end|>\n"
    )


def test_no_system_turn_when_no_row_has_the_column(tmp_path):
    (only,) = shown(tmp_path, [TOOL_ROW])
    assert only.startswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>function_call\n")


def test_other_profiles_read_function_call_turns_as_tool_calls(tmp_path):
    first, _ = shown(tmp_path, [TOOL_ROW, SYSTEM_ROW], trainer="generic")
    assert first.startswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<tool_call>")


def test_file_columns_are_the_union_of_top_level_keys(tmp_path):
    lines = [b'{"a": 1}', b"not json", b'{"b": {"c": 2}}', b"[1]", b""]
    assert filecolumns.of_lines(lines) == {"a", "b"}
    assert filecolumns.of_bytes("x.json", b'[{"a": 1}, 3, {"system": null}]') == {"a", "system"}
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b"\n".join(lines))
    assert filecolumns.of_path(str(path)) == {"a", "b"}
    assert filecolumns.of_path(str(tmp_path / "absent.jsonl")) is None


def test_rows_from_stdin_take_the_columns_of_those_bytes(tmp_path):
    """Not the columns of the file on disk that --stdin-filename names (an editor's buffer
    may hold rows the saved file does not)."""
    plain = {"conversations": SYSTEM_ROW["conversations"]}
    chatml = FIXTURES / "chatml"
    (tmp_path / "sftlint.toml").write_text(f'tokenizer = "{chatml}"\ntrainer = "axolotl"\n')
    (tmp_path / "train.jsonl").write_text(json.dumps(plain) + "\n")
    command = ["check", "-", "--stdin-filename", "train.jsonl", "--format", "json", "--select", "L"]
    proc = subprocess.run(
        [sys.executable, "-m", "sftlint", *command],
        cwd=tmp_path,
        input=json.dumps(plain) + "\n" + json.dumps(SYSTEM_ROW) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    got = [(f["code"], f["location"]) for f in json.loads(proc.stdout)]
    # The empty system turn Axolotl gives row 1 is text the row does not hold.
    assert got == [("L008", {"row": 1, "column": 2})]
