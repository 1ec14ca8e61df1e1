"""`sftlint check` on `datasets.save_to_disk` folders (Arrow IPC shards), `.jsonl.zst`
files and dataset ids in the local Hugging Face hub cache (offline, never a download)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import orjson
import pytest

import sftlint
from cli_helpers import run
from sftlint.engine import converted, engine
from sftlint.io import columnar
from sftlint.settings import Settings

pa = pytest.importorskip("pyarrow", reason="pyarrow is the `parquet` extra")
zstandard = pytest.importorskip("zstandard", reason="zstandard is the `zstd` extra")

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
TWO_USERS = {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}
R005 = "R005 messages: no assistant turn: the row has nothing to train on"
R009 = "R009 turn 2 (messages[1].role): two user turns in a row (messages[0] and messages[1])"


def _jsonl(rows: list[dict]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def test_a_save_to_disk_folder_is_checked_row_by_row(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets", reason="datasets: the preflight-tests extra")
    datasets.disable_progress_bars()
    datasets.Dataset.from_list([GOOD, TWO_USERS, GOOD]).save_to_disk(str(tmp_path / "ds"))
    r = run(["check", "ds"], tmp_path)
    shard = "ds/data-00000-of-00001.arrow"
    assert r.stdout == (
        f"{shard}:2:1: {R005}\n"
        f"{shard}:2:1: {R009}\n"
        f"{shard}:3:1: D001 exact duplicate of the row at line 1\n"
        "Found 3 problems (2 errors, 1 warning) in 1 file, 3 rows.\n"
    )
    assert (r.returncode, r.stderr) == (1, "")


def test_a_dataset_dict_folder_checks_every_split(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets", reason="datasets: the preflight-tests extra")
    datasets.disable_progress_bars()
    splits = {"train": [GOOD], "test": [TWO_USERS]}
    dd = datasets.DatasetDict({k: datasets.Dataset.from_list(v) for k, v in splits.items()})
    dd.save_to_disk(str(tmp_path / "dd"))
    r = run(["check", "dd"], tmp_path)
    assert r.stdout == (
        f"dd/test/data-00000-of-00001.arrow:1:1: {R005}\n"
        f"dd/test/data-00000-of-00001.arrow:1:1: {R009}\n"
        "Found 2 problems (2 errors) in 2 files, 2 rows.\n"
    )


def test_arrow_findings_equal_the_same_rows_as_jsonl(tmp_path: Path) -> None:
    """An Arrow IPC file (file format, several batches) against the same rows as JSONL."""
    rows = [GOOD, TWO_USERS, GOOD, TWO_USERS, {"messages": [], "x": 1}]
    (tmp_path / "rows.jsonl").write_bytes(_jsonl(rows))
    table = pa.Table.from_pylist(rows)
    with pa.ipc.new_file(str(tmp_path / "rows.arrow"), table.schema) as writer:
        for batch in table.to_batches(max_chunksize=2):
            writer.write_batch(batch)
    plain = engine.check_path(tmp_path / "rows.jsonl", Settings(), jobs=1)
    arrow = converted.check_converted(tmp_path / "rows.arrow", Settings())

    def causes(result: engine.FileResult) -> list[tuple[int, str, str]]:
        return sorted((f.range.start.line, f.code, f.message) for f in result.findings)

    assert causes(arrow) == causes(plain)
    assert len(arrow.findings) == 7
    assert all(f.fixes == [] for f in arrow.findings)
    assert [(f.row, f.code) for f in sftlint.check(tmp_path / "rows.arrow")][:2] == [
        (1, "R005"),
        (1, "R009"),
    ]


def test_a_truncated_arrow_file_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "bad.arrow").write_bytes(b"\xff\xff\xff\xff\x10\x00\x00\x00trunc")
    r = run(["check", "bad.arrow"], tmp_path)
    assert r.returncode == 2
    error = "sftlint: error: bad.arrow: cannot read: not a readable Arrow file ("
    assert r.stderr.startswith(error)
    assert r.stderr.count("\n") == 1


def test_fix_on_arrow_and_parquet_says_it_cannot_rewrite_them(tmp_path: Path) -> None:
    table = pa.Table.from_pylist([TWO_USERS])
    with pa.ipc.new_stream(str(tmp_path / "a.arrow"), table.schema) as writer:
        writer.write_table(table)
    before = (tmp_path / "a.arrow").read_bytes()
    r = run(["check", "--fix", "a.arrow"], tmp_path)
    assert r.stderr == (
        "sftlint: warning: a.arrow: --fix cannot rewrite Arrow files; checked without fixing\n"
    )
    assert r.stdout == f"a.arrow:1:1: {R005}\na.arrow:1:1: {R009}\n" + (
        "Found 2 problems (2 errors) in 1 file, 1 row.\n"
    )
    assert (tmp_path / "a.arrow").read_bytes() == before


def _zst(data: bytes, frames: int = 1) -> bytes:
    """`frames` concatenated frames, as `cat a.zst b.zst` or `zstd` on several inputs."""
    cut = [len(data) * i // frames for i in range(frames + 1)]
    c = zstandard.ZstdCompressor()
    return b"".join(c.compress(data[a:b]) for a, b in itertools.pairwise(cut))


def test_zst_findings_equal_the_plain_file_with_positions(tmp_path: Path) -> None:
    data = _jsonl([GOOD, TWO_USERS, GOOD]) + b'{"messages": [1,}\n'
    (tmp_path / "rows.jsonl").write_bytes(data)
    (tmp_path / "rows.jsonl.zst").write_bytes(_zst(data, frames=3))
    plain = engine.check_path(tmp_path / "rows.jsonl", Settings(), jobs=1)
    packed = converted.check_converted(tmp_path / "rows.jsonl.zst", Settings())
    assert [(f.code, f.range, f.message) for f in packed.findings] == [
        (f.code, f.range, f.message) for f in plain.findings
    ]
    assert {f.code for f in packed.findings} == {"R005", "R009", "D001", "J001"}
    assert packed.info.rows == plain.info.rows == 4
    r = run(["check", "--fix", "rows.jsonl.zst"], tmp_path)
    assert r.stderr == (
        "sftlint: warning: rows.jsonl.zst: --fix cannot rewrite compressed files; "
        "checked without fixing\n"
    )


def test_a_corrupt_zst_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl.zst").write_bytes(b"\x28\xb5\x2f\xfd not zstd")
    r = run(["check", "bad.jsonl.zst"], tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith(
        "sftlint: error: bad.jsonl.zst: cannot read: not a readable zstd file ("
    )


def test_without_zstandard_the_error_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rows.jsonl.zst").write_bytes(_zst(_jsonl([GOOD])))
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(columnar.MissingDependency) as err:
        converted.check_converted(tmp_path / "rows.jsonl.zst", Settings())
    assert str(err.value) == "reading .zst files needs zstandard: pip install 'sftlint[zstd]'"


def _hub(tmp_path: Path) -> dict[str, str]:
    """A hub cache holding one dataset snapshot, laid out as huggingface_hub lays it."""
    repo = tmp_path / "hub" / "datasets--org--chat"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc123")
    data = repo / "snapshots" / "abc123" / "data"
    data.mkdir(parents=True)
    (data / "train.jsonl").write_bytes(_jsonl([GOOD, TWO_USERS]))
    return {"HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}


def test_a_dataset_id_in_the_hub_cache_is_checked_offline(tmp_path: Path) -> None:
    env = _hub(tmp_path)
    shard = tmp_path / "hub/datasets--org--chat/snapshots/abc123/data/train.jsonl"
    names = ("org/chat", "hf://org/chat", "hf://org/chat@main", "hf://datasets/org/chat")
    for name in (*names, "hf://datasets/org/chat@main"):
        r = run(["check", name], tmp_path, env=env)
        assert r.stdout == (
            f"{shard}:2:2: {R005}\n{shard}:2:52: {R009}\n"
            "Found 2 problems (2 errors) in 1 file, 2 rows.\n"
        ), name
        assert (r.returncode, r.stderr) == (1, "")


def test_a_dataset_id_not_in_the_cache_is_one_error(tmp_path: Path) -> None:
    env = {**_hub(tmp_path), "HF_DATASETS_CACHE": str(tmp_path / "datasets")}
    looked = (
        f"(looked for {tmp_path}/hub/datasets--org--other and {tmp_path}/datasets/org___other); "
        "sftlint never downloads: `hf download --repo-type dataset org/other` fetches it\n"
    )
    for name in ("hf://org/other", "hf://datasets/org/other"):
        r = run(["check", name], tmp_path, env=env)
        assert (r.returncode, r.stdout) == (2, ""), name
        assert r.stderr == (
            f"sftlint: error: {name}: no dataset org/other in the local Hugging Face cache {looked}"
        )
    r = run(["check", "org/other"], tmp_path, env=env)
    assert r.stderr == (
        "sftlint: error: org/other: no such file or directory, nor a dataset in the local "
        f"Hugging Face cache {looked}"
    )
    # A revision that is not cached: only the hub cache records revisions.
    r = run(["check", "hf://org/chat@v2"], tmp_path, env=env)
    assert r.stderr == (
        "sftlint: error: hf://org/chat@v2: no dataset org/chat in the local Hugging Face cache "
        f"(looked for {tmp_path}/hub/datasets--org--chat at revision v2); sftlint never "
        "downloads: `hf download --repo-type dataset org/chat` fetches it\n"
    )
    # A missing path with a file's suffix stays a missing file.
    r = run(["check", "data/train.jsonl"], tmp_path, env=env)
    assert r.stderr == "sftlint: error: data/train.jsonl: no such file or directory\n"


def test_an_hf_name_that_is_no_dataset_id_is_one_error(tmp_path: Path) -> None:
    env = _hub(tmp_path)
    for name in ("hf://chat", "hf://datasets/", "hf://org/chat/data/train.jsonl"):
        r = run(["check", name], tmp_path, env=env)
        assert (r.returncode, r.stdout) == (2, ""), name
        assert r.stderr == (
            f"sftlint: error: {name}: not a dataset id: write hf://ORG/NAME[@REVISION]\n"
        )


def test_the_api_takes_a_cached_dataset_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", _hub(tmp_path)["HF_HUB_CACHE"])
    for name in ("org/chat", "hf://org/chat", "hf://datasets/org/chat"):
        assert [(f.line, f.code) for f in sftlint.check(name)] == [(2, "R005"), (2, "R009")]
    with pytest.raises(FileNotFoundError, match=r"^org/none: no such file or directory, nor"):
        sftlint.check("org/none")


def test_dataset_files_listing_parquet_reads_it_as_parquet(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    sharegpt = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "x"}]}
    pq.write_table(pa.Table.from_pylist([GOOD]), tmp_path / "sft.parquet")
    (tmp_path / "dev.jsonl").write_bytes(_jsonl([sharegpt]))
    (tmp_path / "sftlint.toml").write_text('dataset-files = ["sft.parquet", "dev.jsonl"]\n')
    r = run(["check", "dev.jsonl"], tmp_path)
    assert r.stdout == (
        'dev.jsonl:1:1: D004 file format "sharegpt" where the first dataset file sft.parquet '
        'is "messages"\n'
        "Found 1 problem (1 error) in 1 file, 1 row.\n"
    )
