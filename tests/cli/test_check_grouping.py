"""One finding per cause: text output prints a cause many rows share once, with the
count, the first rows and the fix; `--format json`/`sarif` keep every row and add the key."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import GOOD_ROW, run

F003 = (
    'F003 row matches no known format (keys found: "instruction", "input", "response"): '
    'Alpaca with "response" in place of "output": Axolotl reads it as type: gpteacher; for '
    'sftlint and LLaMA-Factory set columns = {prompt = "instruction", query = "input", '
    'response = "response"} in the config'
)


def _response_layout(n: int) -> bytes:
    rows = (
        json.dumps({"instruction": f"q{i}", "input": "", "response": f"a{i}"}) for i in range(n)
    )
    return "".join(r + "\n" for r in rows).encode()


def test_one_cause_on_many_rows_prints_one_line(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_bytes(_response_layout(12))
    r = run(["check", "d.jsonl", "--select", "F"], tmp_path)
    assert r.returncode == 1
    assert r.stdout == (
        f"d.jsonl:1:2: {F003} [12 findings in 12 rows: 1, 2, 3, 4, 5, …]\n"
        "Found 12 problems (12 errors) in 1 file, 12 rows.\n"
        "12 problems of 1 cause shown once per file, with their row counts "
        "(`--format json` lists every row).\n"
    )


def test_a_cause_on_few_rows_prints_each(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_bytes(_response_layout(4))
    r = run(["check", "d.jsonl", "--select", "F"], tmp_path)
    assert r.stdout.splitlines() == [
        *(f"d.jsonl:{n}:2: {F003}" for n in range(1, 5)),
        "Found 4 problems (4 errors) in 1 file, 4 rows.",
    ]


def test_grouped_line_names_the_fix(tmp_path: Path) -> None:
    # Six blank lines (J007, one safe fix each) between good rows: one cause.
    (tmp_path / "d.jsonl").write_bytes(GOOD_ROW + b"\n" * 6 + GOOD_ROW.replace(b"hi", b"yo"))
    r = run(["check", "d.jsonl", "--select", "J007"], tmp_path)
    lines = r.stdout.splitlines()
    assert lines[0] == (
        "d.jsonl:2:1: J007 [*] blank line: `json.loads` fails on it in line-by-line loaders "
        "[6 findings in 6 rows: 2, 3, 4, 5, 6, …; fix: Delete the blank line]"
    )
    assert lines[1:] == [
        "Found 6 problems (6 warnings) in 1 file, 2 rows.",
        "6 problems of 1 cause shown once per file, with their row counts "
        "(`--format json` lists every row).",
        "[*] 6 fixable with `sftlint check --fix`.",
    ]


def test_json_and_sarif_keep_every_row_with_the_group_key(tmp_path: Path) -> None:
    data = _response_layout(6) + b'{"prompt": "p", "output": "o", "extra": 1}\n'
    (tmp_path / "d.jsonl").write_bytes(data)
    found = json.loads(
        run(["check", "d.jsonl", "--select", "F003", "--format", "json"], tmp_path).stdout
    )
    assert [f["location"]["row"] for f in found] == [1, 2, 3, 4, 5, 6, 7]
    keys = [f["group"] for f in found]
    assert len(set(keys[:6])) == 1 and keys[6] != keys[0]
    assert keys[0].startswith("F003:") and len(keys[0]) == len("F003:") + 10
    sarif = json.loads(
        run(["check", "d.jsonl", "--select", "F003", "--format", "sarif"], tmp_path).stdout
    )
    prints = [x["partialFingerprints"]["sftlintGroup/v1"] for x in sarif["runs"][0]["results"]]
    assert prints == keys
