"""Axolotl's message_field_training_detail: a message's character spans, snapped to whole
tokens of its content tokenized alone (chat_template.py: get_offsets_for_train_detail,
adjust_train_details); a token is trained only when it lies wholly inside a trained span.
The row as a whole is proven against Axolotl by tests/parity/test_trainer_config_goldens.py
(fine-grained-train-flags, row 0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sftlint import trainerconfig
from sftlint.engine import engine, rowview
from sftlint.io.reader import FileInfo
from sftlint.settings import Settings
from sftlint.trainerconfig import checks

CHATML = str(Path(__file__).resolve().parents[1] / "fixtures" / "tokenizers" / "chatml")
ANSWER = "I'm doing very well, thank you!"


def _setup(tmp_path: Path, detail: Any) -> tuple[Path, Settings]:
    row = {
        "conversations": [
            {"from": "human", "value": "How are you?"},
            {"from": "gpt", "value": ANSWER, "train_detail": detail},
        ]
    }
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps(row) + "\n", "utf-8")
    (tmp_path / "a.yml").write_text(
        f"base_model: {CHATML}\n"
        "chat_template: chatml\n"
        "datasets:\n"
        "  - path: d.jsonl\n"
        "    type: chat_template\n"
        "    field_messages: conversations\n"
        "    message_property_mappings: {role: from, content: value}\n"
        "    roles_to_train: []\n"
        "    message_field_training_detail: train_detail\n",
        "utf-8",
    )
    config = trainerconfig.load(tmp_path / "a.yml")
    return data, checks.run_settings(config.runs[0], data)


def _trained(tmp_path: Path, detail: Any) -> str:
    data, settings = _setup(tmp_path, detail)
    [row] = list(engine.iter_file_rows(str(data), FileInfo()))
    result = rowview.inspect_row(row, settings).result
    assert result is not None
    return "".join(t.text for t in result.tokens if t.trained)  # ␣: a space


def test_only_the_trained_span_and_the_turn_end_train(tmp_path: Path) -> None:
    # The documented sample: [9, 18] starts at the space before "very", a token of its own.
    detail = [
        {"begin_offset": 0, "end_offset": 8, "train": False},
        {"begin_offset": 9, "end_offset": 18, "train": True},
        {"begin_offset": 19, "end_offset": 30, "train": False},
    ]
    assert _trained(tmp_path, detail) == "␣very␣well<|im_end|>"


def test_a_token_the_span_only_overlaps_is_not_trained(tmp_path: Path) -> None:
    # Characters 11-12 are "er" of "very", tokenized "ve" "r" "y": "ve" straddles the
    # span's start and stays masked; "r" alone lies inside it.
    assert _trained(tmp_path, [{"begin_offset": 11, "end_offset": 12, "train": True}]) == (
        "r<|im_end|>"
    )


def test_empty_spans_train_nothing(tmp_path: Path) -> None:
    # Axolotl: should_train = bool(train_detail) when the message has no train flag.
    assert _trained(tmp_path, []) == ""


def test_malformed_spans_are_one_finding_on_the_turn(tmp_path: Path) -> None:
    data, settings = _setup(tmp_path, [{"begin_offset": 0}])
    raw = data.read_bytes()
    result = engine.check_bytes(str(data), raw, settings)
    [f] = [f for f in result.findings if f.code == "L013"]
    assert f.message == (
        "the row is not tokenized: train_detail must be a list of "
        "{begin_offset, end_offset, train} objects"
    )
    assert (f.range.start.line, f.range.end.line) == (0, 0)
    assert raw[f.range.start.offset : f.range.end.offset] == json.dumps(ANSWER).encode()


def test_a_null_train_flag_leaves_the_spans_in_charge(tmp_path: Path) -> None:
    # get_conversation_thread keeps a flag only when it is not None.
    data, _ = _setup(tmp_path, [{"begin_offset": 9, "end_offset": 18, "train": True}])
    row = json.loads(data.read_text("utf-8"))
    row["conversations"][1]["train"] = None
    data.write_text(json.dumps(row) + "\n", "utf-8")
    (tmp_path / "a.yml").write_text(
        (tmp_path / "a.yml").read_text("utf-8") + "    message_field_training: train\n", "utf-8"
    )
    settings = checks.run_settings(trainerconfig.load(tmp_path / "a.yml").runs[0], data)
    [parsed] = list(engine.iter_file_rows(str(data), FileInfo()))
    result = rowview.inspect_row(parsed, settings).result
    assert result is not None
    assert "".join(t.text for t in result.tokens if t.trained) == "␣very␣well<|im_end|>"
