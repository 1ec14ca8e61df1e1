"""`sftlint check` on Parquet files, folders of shards and gzipped JSON Lines."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from cli_helpers import BAD, GOOD_ROW, run

pa = pytest.importorskip("pyarrow", reason="pyarrow is the `parquet` extra")
pq = pytest.importorskip("pyarrow.parquet")

TWO_USERS = {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}


def _shard(path: Path, rows: list[bytes | dict]) -> None:
    values = [orjson.loads(r) if isinstance(r, bytes) else r for r in rows]
    pq.write_table(pa.Table.from_pylist(values), path)


def test_findings_of_a_parquet_file_are_at_their_row(tmp_path: Path) -> None:
    _shard(tmp_path / "data.parquet", [GOOD_ROW, TWO_USERS, GOOD_ROW])
    r = run(["check", "data.parquet"], tmp_path)
    assert (r.returncode, r.stderr) == (1, "")
    assert r.stdout == (
        "data.parquet:2:1: R005 messages: no assistant turn: the row has nothing to train on\n"
        "data.parquet:2:1: R009 turn 2 (messages[1].role): two user turns in a row "
        "(messages[0] and messages[1])\n"
        "data.parquet:3:1: D001 exact duplicate of the row at line 1\n"
        "Found 3 problems (2 errors, 1 warning) in 1 file, 3 rows.\n"
    )


def test_a_folder_of_shards_is_checked_shard_by_shard(tmp_path: Path) -> None:
    shards = tmp_path / "data"
    shards.mkdir()
    _shard(shards / "train-00000-of-00002.parquet", [GOOD_ROW])
    _shard(shards / "train-00001-of-00002.parquet", [GOOD_ROW, TWO_USERS])
    r = run(["check", "--select", "R009", "data"], tmp_path)
    assert (r.returncode, r.stderr) == (1, "")
    assert r.stdout == (
        "data/train-00001-of-00002.parquet:2:1: R009 turn 2 (messages[1].role): two user "
        "turns in a row (messages[0] and messages[1])\n"
        "Found 1 problem (1 error) in 2 files, 3 rows.\n"
    )


def test_fix_says_it_cannot_rewrite_parquet_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    _shard(path, [GOOD_ROW, GOOD_ROW])
    before = path.read_bytes()
    r = run(["check", "--fix", "--unsafe-fixes", "data.parquet"], tmp_path)
    assert r.stderr == (
        "sftlint: warning: data.parquet: --fix cannot rewrite Parquet files; "
        "checked without fixing\n"
    )
    assert r.stdout == (
        "data.parquet:2:1: D001 exact duplicate of the row at line 1\n"
        "Found 1 problem (1 warning) in 1 file, 2 rows.\n"
    )
    assert (r.returncode, path.read_bytes()) == (1, before)


def test_a_broken_parquet_file_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "data.parquet").write_bytes(b"PAR1\x15\x04\x15")
    r = run(["check", "data.parquet"], tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith(
        "sftlint: error: data.parquet: cannot read: not a readable Parquet file ("
    )
    assert r.stderr.count("\n") == 1


def test_gzipped_jsonl_is_checked_with_its_lines_and_columns(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl.gz").write_bytes(gzip.compress(BAD))
    r = run(["check", "--fix", "bad.jsonl.gz"], tmp_path)
    assert r.stderr == (
        "sftlint: warning: bad.jsonl.gz: --fix cannot rewrite compressed files; "
        "checked without fixing\n"
    )
    # Where bad.jsonl has them, without the [*] of a fix.
    assert r.stdout == (
        "bad.jsonl.gz:2:1: J007 blank line: `json.loads` fails on it in line-by-line loaders\n"
        'bad.jsonl.gz:3:18: J004 duplicate key "messages" in the row: the last one silently '
        "wins, the earlier value is lost\n"
        "bad.jsonl.gz:4:17: J001 invalid JSON: expected a JSON value, found '}'\n"
        "Found 3 problems (2 errors, 1 warning) in 1 file, 3 rows.\n"
    )
    assert r.returncode == 1
