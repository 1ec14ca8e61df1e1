"""Folder mode says what it skipped: one line per data-like file it did not check, and why."""

from __future__ import annotations

import os
from pathlib import Path

from cli_helpers import GOOD_ROW, run

JSON_NO_ROWS = (
    "a .json file holding no rows (one JSON document, not an array of rows or JSON Lines); "
    "add it to `include` in the config to check it anyway"
)


def test_skipped_files_are_named_in_the_summary(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_bytes(GOOD_ROW)
    (tmp_path / "export.json").write_text('{"name": "demo", "rows": 1}\n')
    (tmp_path / "dataset_info.json").write_text("{}\n")  # known metadata: nothing to say
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "export.csv").write_text("prompt,completion\nq,a\n")
    os.mkfifo(tmp_path / "pipe.jsonl")
    (tmp_path / "notes.txt").write_text("not data\n")  # not data-like: nothing to say
    r = run(["check", "."], tmp_path)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == (
        f"Skipped export.json: {JSON_NO_ROWS}\n"
        "Skipped pipe.jsonl: not a regular file (a FIFO, device or socket)\n"
        "Skipped raw/export.csv: .csv files are not read: convert it to JSON Lines or Parquet\n"
        "All checks passed! (1 file, 1 row)\n"
    )


def test_included_json_is_checked_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_bytes(GOOD_ROW)
    (tmp_path / "meta.json").write_text('{"name": "demo"}\n')
    (tmp_path / "sftlint.toml").write_text('include = ["meta.json"]\n')
    r = run(["check", "."], tmp_path)
    assert "Skipped" not in r.stdout
    # Machine formats carry findings only.
    r = run(["check", ".", "--format", "json", "--select", "J"], tmp_path)
    assert "Skipped" not in r.stdout
