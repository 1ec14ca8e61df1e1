"""`sftlint.check`: the CLI's findings as values, for notebooks and training scripts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import sftlint

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
TWO_USERS = {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}


def test_rows_as_values_are_located_by_row_index() -> None:
    found = sftlint.check([GOOD, TWO_USERS, [1, 2], GOOD], select=["R009", "J002", "D001"])
    assert [f.to_dict() for f in found] == [
        {
            "code": "R009",
            "severity": "error",
            "message": "turn 2 (messages[1].role): two user turns in a row "
            "(messages[0] and messages[1])",
            "filename": "<rows>",
            "line": 2,
            "column": 1,
            "row": 1,
            "name": "consecutive-same-role",
            "fixable": False,
        },
        {
            "code": "J002",
            "severity": "error",
            "message": "row is a JSON array, not an object",
            "filename": "<rows>",
            "line": 3,
            "column": 1,
            "row": 2,
            "name": "not-an-object",
            "fixable": False,
        },
        {
            "code": "D001",
            "severity": "warning",
            "message": "exact duplicate of the row at line 1",
            "filename": "<rows>",
            "line": 4,
            "column": 1,
            "row": 3,
            "name": "duplicate-row",
            "fixable": False,
        },
    ]
    orjson.dumps([f.to_dict() for f in found])  # JSON-able


def test_a_path_gives_the_findings_of_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(orjson.dumps(GOOD) + b"\n" + orjson.dumps(TWO_USERS) + b"\n\n")
    found = sftlint.check(path, ignore=["R005"])
    assert [(f.code, f.filename, f.line, f.column, f.row, f.fixable) for f in found] == [
        ("R009", str(path), 2, 52, None, False),
        ("J007", str(path), 3, 1, None, True),
    ]


def test_a_parquet_path_gives_row_indexes(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow", reason="pyarrow is the `parquet` extra")
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist([GOOD, TWO_USERS]), tmp_path / "d.parquet")
    found = sftlint.check(str(tmp_path), select=["R009"])
    assert [(f.code, Path(f.filename).name, f.line, f.column, f.row) for f in found] == [
        ("R009", "d.parquet", 2, 1, 1)
    ]


def test_a_missing_path_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        sftlint.check(tmp_path / "nope.jsonl")


def test_import_sftlint_loads_no_engine() -> None:
    code = "import sys, sftlint; print('sftlint.engine.engine' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout == "False\n"


def test_a_user_script_type_checks(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(
        "import sftlint\n"
        "rows = [{'messages': [{'role': 'user', 'content': 'hi'}]}]\n"
        "found: list[sftlint.api.Finding] = sftlint.check(rows, select=['R'])\n"
        "codes: list[str] = [f.code for f in found]\n"
        "row: int | None = found[0].row\n"
        "as_json: dict[str, object] = found[0].to_dict()\n"
        "bad: int = found[0].message\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--python-version", "3.11", "train.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.stdout.splitlines()[0] == (
        "train.py:7: error: Incompatible types in assignment "
        '(expression has type "str", variable has type "int")  [assignment]'
    )
    assert out.stdout.splitlines()[-1] == "Found 1 error in 1 file (checked 1 source file)"
