"""Parquet and gzipped JSON Lines: the same rows give the same findings as JSONL."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import orjson
import pytest

from sftlint.engine import converted, engine, parallel
from sftlint.io import columnar
from sftlint.model import Finding
from sftlint.settings import Settings

pa = pytest.importorskip("pyarrow", reason="pyarrow is the `parquet` extra")
pq = pytest.importorskip("pyarrow.parquet")


def _turns(*pairs: tuple[str, str]) -> dict:
    return {"messages": [{"role": r, "content": c} for r, c in pairs]}


ROWS = [
    _turns(("user", "hi"), ("assistant", "hello")),
    _turns(("user", "hi"), ("user", "again")),  # R005, R009
    _turns(("user", "hi"), ("assistant", "hello")),  # D001: row 0 again
    _turns(("system", ""), ("assistant", "x")),  # C002, R015
    _turns(("user", "q"), ("assistant", "a")),
]


def _write(tmp_path: Path, rows: list[dict]) -> tuple[Path, Path]:
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    parquet = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=2)
    return jsonl, parquet


def _causes(findings: list[Finding]) -> list[tuple[int, str, str]]:
    """What was found in which row (in a row, JSONL sorts by column; Parquet has none)."""
    return sorted((f.range.start.line, f.code, f.message) for f in findings)


def test_parquet_findings_are_those_of_the_same_rows_as_jsonl(tmp_path: Path) -> None:
    jsonl, parquet = _write(tmp_path, ROWS)
    settings = Settings()
    as_jsonl = engine.check_path(jsonl, settings, jobs=1)
    as_parquet = converted.check_converted(parquet, settings)
    assert _causes(as_parquet.findings) == _causes(as_jsonl.findings)
    assert [(f.code, f.range.start.line) for f in as_parquet.findings] == [
        ("R005", 1),
        ("R009", 1),
        ("D001", 2),
        ("C002", 3),
        ("R015", 3),
    ]
    assert as_parquet.info.rows == 5


def test_a_parquet_file_in_two_processes_gives_the_single_pass_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = ROWS * 4  # row groups of 2 rows: the worker's half starts at row 10
    jsonl, parquet = _write(tmp_path, rows)
    single = converted.check_parquet(str(parquet), Settings(), jobs=1)
    monkeypatch.setattr(parallel, "MIN_SIZE", 0)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)  # see test_fastpath
    assert converted.parquet_split(str(parquet), Settings()) == (5, 10)
    both = converted._check_parquet_halves(str(parquet), Settings(), 5, 10)
    assert both is not None  # the worker's half came back and was joined
    assert converted.check_parquet(str(parquet), Settings()).findings == single.findings
    assert both.findings == single.findings
    assert both.info == single.info and both.formats == single.formats
    assert [(s.index, s.line, s.digest) for s in both.summaries] == [
        (s.index, s.line, s.digest) for s in single.summaries
    ]
    # Rows 10 and 11 (the worker's) are copies of rows 0 and 1 (this process's): found by
    # the file check over both halves' summaries. Lines count from 1, as the CLI shows them.
    d001 = [(f.range.start.line, f.message) for f in both.findings if f.code == "D001"]
    assert d001[3:6] == [
        (7, "exact duplicate of the row at line 1"),
        (8, "exact duplicate of the row at line 4"),
        (9, "exact duplicate of the row at line 5"),
    ]
    assert d001[6:8] == [
        (10, "exact duplicate of the row at line 1"),
        (11, "exact duplicate of the row at line 2"),
    ]
    assert _causes(both.findings) == _causes(engine.check_path(jsonl, Settings(), jobs=1).findings)


def test_a_parquet_file_of_one_row_group_has_no_second_half() -> None:
    assert parallel.split_groups([100_000]) is None
    assert parallel.split_groups([3, 3, 4]) == 2


def test_parquet_findings_sit_at_column_0_of_their_row_and_offer_no_fix(tmp_path: Path) -> None:
    rows = [*ROWS, {"messages": [{"role": "user", "content": "hi"}], "extra": " x"}]
    _, parquet = _write(tmp_path, rows)
    result = converted.check_converted(parquet, Settings())
    for f in result.findings:
        start, end = f.range.start, f.range.end
        assert (start.column, start.utf16, end.line, end.column) == (0, 0, start.line, 0)
        assert start.offset == start.line  # row order
        assert f.fixes == []
        assert f.path == str(parquet)


def test_a_file_level_finding_reads_its_row_back_from_the_right_row_group(
    tmp_path: Path,
) -> None:
    rows = [_turns(("user", f"q{i}"), ("assistant", f"a{i}")) for i in range(5)]
    rows.append(rows[3])
    _, parquet = _write(tmp_path, rows)
    result = converted.check_converted(parquet, Settings())
    dup = [f for f in result.findings if f.code == "D001"]
    assert [(f.range.start.line, f.message) for f in dup] == [
        (5, "exact duplicate of the row at line 4")
    ]
    assert columnar.read_row(str(parquet), 3) == rows[3]


def test_parquet_batches_stream_every_row(tmp_path: Path) -> None:
    rows = [_turns(("user", f"q{i}"), ("assistant", "a")) for i in range(7)]
    _, parquet = _write(tmp_path, rows)
    got = list(columnar.parquet_rows(str(parquet), batch_rows=3))
    assert got == [(r, orjson.dumps(r)) for r in rows]


def test_binary_cells_are_base64_text(tmp_path: Path) -> None:
    assert columnar.row_line({"image": b"\x00\xff"}) == b'{"image":"AP8="}\n'


def test_not_parquet_is_an_os_error_that_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(OSError, match=r"^not a readable Parquet file \("):
        converted.check_converted(bad, Settings())


def test_without_pyarrow_the_error_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, parquet = _write(tmp_path, ROWS)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(columnar.MissingDependency) as err:
        converted.check_converted(parquet, Settings())
    assert str(err.value) == "reading Parquet needs pyarrow: pip install 'sftlint[parquet]'"


def test_gzipped_jsonl_findings_equal_the_plain_file_with_positions(tmp_path: Path) -> None:
    jsonl, _ = _write(tmp_path, ROWS)
    data = jsonl.read_bytes() + b'{"messages": [1,}\n'
    jsonl.write_bytes(data)
    gz = tmp_path / "rows.jsonl.gz"
    gz.write_bytes(gzip.compress(data))
    plain = engine.check_path(jsonl, Settings(), jobs=1)
    packed = converted.check_converted(gz, Settings())
    assert [(f.code, f.range, f.message) for f in packed.findings] == [
        (f.code, f.range, f.message) for f in plain.findings
    ]
    assert any(f.fixes for f in plain.findings)
    assert all(f.fixes == [] for f in packed.findings)
    assert packed.info.rows == plain.info.rows == 6


def test_a_corrupt_gzip_is_an_os_error_that_says_so(tmp_path: Path) -> None:
    gz = tmp_path / "rows.jsonl.gz"
    gz.write_bytes(b"\x1f\x8b\x08\x00not gzip at all")
    with pytest.raises(OSError, match=r"^not a readable gzip file \("):
        converted.check_converted(gz, Settings())


def test_parquet_rows_of_other_types_are_their_json(tmp_path: Path) -> None:
    # Floats (NaN is written null) and bytes (base64) are not JSON values as pyarrow gives
    # them: such rows are the JSON of `row_line`, parsed back.
    parquet = tmp_path / "rows.parquet"
    rows = [{"score": float("nan"), "image": b"\x00\xff", "n": 1}]
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    got = list(columnar.parquet_rows(str(parquet)))
    assert got == [
        ({"score": None, "image": "AP8=", "n": 1}, b'{"score":null,"image":"AP8=","n":1}')
    ]
