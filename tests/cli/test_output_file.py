"""`sftlint check --output-file PATH`: the report goes to PATH, the exit status is the same."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import BAD, run


def test_the_report_goes_to_the_file_and_stdout_stays_empty(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_bytes(BAD)
    plain = run(["check", "data.jsonl", "--color", "always"], tmp_path)
    r = run(["check", "data.jsonl", "--color", "always", "--output-file", "report.txt"], tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (plain.returncode, "", "")
    assert plain.returncode == 1
    # Never colored: a file is read by tools, not a terminal.
    assert (tmp_path / "report.txt").read_text() == run(["check", "data.jsonl"], tmp_path).stdout


def test_sarif_into_a_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_bytes(BAD)
    r = run(["check", "--format", "sarif", "--output-file", "out/sftlint.sarif", "."], tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "")
    sarif = json.loads((tmp_path / "out" / "sftlint.sarif").read_text())
    assert [x["ruleId"] for x in sarif["runs"][0]["results"]] == ["J007", "J004", "J001"]


def test_fixed_standard_input_stays_on_stdout(tmp_path: Path) -> None:
    r = run(["check", "--fix", "--output-file", "r.txt", "-"], tmp_path, stdin=BAD)
    assert r.stdout.encode() == BAD.replace(b"\n\n", b"\n")  # the blank line removed
    assert r.stderr == ""
    assert (tmp_path / "r.txt").read_text() == (
        '-:2:18: J004 duplicate key "messages" in the row: the last one silently wins, the '
        "earlier value is lost\n"
        "-:3:17: J001 invalid JSON: expected a JSON value, found '}'\n"
        "Fixed 1 problem.\n"
        "Found 2 problems (2 errors) in 1 file, 3 rows.\n"
        "1 fixable with `sftlint check --fix --unsafe-fixes`.\n"
    )


def test_a_file_that_cannot_be_written_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_bytes(BAD)
    (tmp_path / "taken").write_text("a file, not a folder")
    r = run(["check", "data.jsonl", "--output-file", "taken/report.txt"], tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "sftlint: error: taken/report.txt: cannot write: File exists\n"
