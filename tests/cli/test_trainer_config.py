"""`check --trainer-config`, `show --trainer-config` and the `trainer-config` key: the
datasets an Axolotl config names, checked as that run prepares them, with the config's own
findings at its lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run

CHATML = Path(__file__).resolve().parents[1] / "fixtures" / "tokenizers" / "chatml"
OK = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
LONG = {"messages": [{"role": "user", "content": "word " * 80}, OK["messages"][1]]}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in (OK, LONG)), "utf-8")
    (tmp_path / "axolotl.yml").write_text(
        f"base_model: {CHATML}\n"
        "chat_template: chatml\n"
        "sequence_len: 40\n"
        "datasets:\n"
        "  - path: d.jsonl\n"
        "    type: chat_template\n"
        "    field_messsages: messages\n",
        "utf-8",
    )
    return tmp_path


def _lines(text: str, code: str) -> list[str]:
    return [line for line in text.splitlines() if f" {code} " in line]


def test_check_reads_the_datasets_from_the_config_and_reports_the_config(project: Path) -> None:
    proc = run(["check", "--trainer-config", "axolotl.yml", "--no-progress"], project)
    assert proc.returncode == 1
    assert _lines(proc.stdout, "G005") == [
        'axolotl.yml:7:5: G005 Axolotl\'s dataset entry does not read the key "field_messsages", '
        'so it is ignored; did you mean "field_messages"?'
    ]
    assert _lines(proc.stdout, "G008") == [
        "axolotl.yml:5:5: G008 axolotl drops 1 of 2 rows of d.jsonl (first at d.jsonl:2: "
        "Axolotl drops this row: 93 tokens, more than sequence_len 40)"
    ]
    assert _lines(proc.stdout, "L016") == [
        "d.jsonl:2:2: L016 Axolotl drops this row: 93 tokens, more than sequence_len 40"
    ]


def test_the_trainer_config_key_of_sftlint_toml(project: Path) -> None:
    (project / "sftlint.toml").write_text('trainer-config = "axolotl.yml"\n', "utf-8")
    proc = run(["check", "d.jsonl", "--no-progress"], project)
    assert _lines(proc.stdout, "L016") == [
        "d.jsonl:2:2: L016 Axolotl drops this row: 93 tokens, more than sequence_len 40"
    ]
    assert [line.split(": ")[0] for line in _lines(proc.stdout, "G008")] == [
        f"{project / 'axolotl.yml'}:5:5"
    ]


def test_show_a_row_as_the_config_trains_it(project: Path) -> None:
    proc = run(["show", "d.jsonl:1", "--json", "--trainer-config", "axolotl.yml"], project)
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    trained = "".join(t["text"] for t in row["tokens"] if t["trained"])
    assert trained == "yo<|im_end|>"
    flags = ["--tokenizer", str(CHATML), "--trainer", "axolotl", "--chat-template", "chatml"]
    same = run(["show", "d.jsonl:1", "--json", *flags], project)
    assert json.loads(same.stdout) == row


def test_show_a_file_the_config_does_not_name(project: Path) -> None:
    (project / "other.jsonl").write_text(json.dumps(OK) + "\n", "utf-8")
    proc = run(["show", "other.jsonl:1", "--trainer-config", "axolotl.yml"], project)
    assert proc.returncode == 2
    assert proc.stderr == (
        "sftlint: error: other.jsonl is not a dataset of axolotl.yml (its datasets: d.jsonl)\n"
    )
