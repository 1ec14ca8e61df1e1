"""A trainer config with values of the wrong type is findings (G001), never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from sftlint import trainerconfig
from sftlint.trainerconfig import checks

CASES = {
    "base_model: x\nsequence_len: abc\ndatasets:\n  - path: d.jsonl\n    type: chat_template\n": (
        "G001",
        "sequence_len must be a positive integer, not 'abc'; using 512",
    ),
    "base_model: x\ndatasets:\n  - path: d.jsonl\n    type: chat_template\n"
    "    message_property_mappings: [1]\n    roles_to_train: 5\n": (
        "G001",
        "message_property_mappings must be a mapping, not [1]",
    ),
    "base_model: [1]\ndatasets:\n  - path: [d.jsonl]\n    type: 5\n": (
        "G001",
        "the dataset entry has no `path`",
    ),
    "model_name_or_path: x\ndataset: d\ntemplate: qwen\ncutoff_len: big\n": (
        "G001",
        "cutoff_len must be a positive integer, not 'big'; using 2048",
    ),
    "model_name_or_path: x\ndataset_name: d.jsonl\nmax_length: -3\n": (
        "G001",
        "max_length must be a positive integer, not -3; using 1024",
    ),
    "model_name_or_path: x\ndatasets: [{path: d.jsonl, data_files: 3}]\n": (
        "G002",
        "dataset 'd.jsonl' is neither a local file or folder nor a Hub dataset in the local cache",
    ),
    "model_id_or_path: 3\ndata: {instruct_data: 5}\n": (
        "G002",
        "the config names no `data.instruct_data`",
    ),
}


@pytest.mark.parametrize("text", list(CASES))
def test_wrong_types_are_findings(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.jsonl").write_text('{"messages": []}\n', "utf-8")
    (tmp_path / "c.yml").write_text(text, "utf-8")
    config = trainerconfig.load(tmp_path / "c.yml")
    for run in config.runs:
        checks.mapping_issues(config, run)
    found = [(i.code, i.message) for i in config.issues if i.code != "G003"]
    assert CASES[text] in found
