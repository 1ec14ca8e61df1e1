"""Axolotl's per-message training flags on ShareGPT-style turns mapped by
message_property_mappings: the flag is read from the raw message (get_conversation_thread),
so with `roles_to_train: []` only flagged turns train, whatever their role."""

from __future__ import annotations

import json
from pathlib import Path

from sftlint import trainerconfig
from sftlint.engine import engine, rowview
from sftlint.io.reader import FileInfo
from sftlint.trainerconfig import checks

CHATML = str(Path(__file__).resolve().parents[1] / "fixtures" / "tokenizers" / "chatml")


def test_flagged_turns_train_and_unflagged_do_not(tmp_path: Path) -> None:
    row = {
        "conversations": [
            {"from": "human", "value": "Repeat: hello.", "train": True},
            {"from": "gpt", "value": "hello."},
            {"from": "human", "value": "Again?", "train": False},
            {"from": "gpt", "value": "hello.", "train": True},
        ]
    }
    data = tmp_path / "flags.jsonl"
    data.write_text(json.dumps(row) + "\n", "utf-8")
    (tmp_path / "a.yml").write_text(
        f"base_model: {CHATML}\n"
        "chat_template: chatml\n"
        "datasets:\n"
        "  - path: flags.jsonl\n"
        "    type: chat_template\n"
        "    field_messages: conversations\n"
        "    message_property_mappings: {role: from, content: value}\n"
        "    roles_to_train: []\n"
        "    message_field_training: train\n",
        "utf-8",
    )
    config = trainerconfig.load(tmp_path / "a.yml")
    settings = checks.run_settings(config.runs[0], data)
    [first] = list(engine.iter_file_rows(str(data), FileInfo()))
    result = rowview.inspect_row(first, settings).result
    assert result is not None
    trained = [t.text for t in result.tokens if t.trained]
    assert "".join(trained) == "Repeat:␣hello.<|im_end|>hello.<|im_end|>"  # ␣: a space
