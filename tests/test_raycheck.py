"""`sftlint check --ray`: JSON Lines, Parquet and Arrow files checked in parts on a local
Ray give the findings of the local run, row for row, with a tokenizer too (Ray is the `ray`
extra, installed by setup.sh)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from sftlint.engine import converted, engine, raycheck
from sftlint.io.columnar import MissingDependency
from sftlint.settings import settings_for

pytest.importorskip("ray.data", reason="Ray Data is the `ray` extra: pip install -e '.[ray]'")
pa = pytest.importorskip("pyarrow", reason="pyarrow is the `parquet` extra")
pq = pytest.importorskip("pyarrow.parquet")

DUPLICATE_OF_101 = "exact duplicate of the row at line 101"
CHATML = Path(__file__).parent / "fixtures" / "tokenizers" / "chatml"


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One local Ray for the tests of this module (starting one takes seconds)."""
    with raycheck.session(None):
        yield


def _rows(path: Path, n: int) -> None:
    """Rows with duplicates across chunks, bad roles, bad JSON and a blank line."""
    lines = []
    for i in range(n):
        row = {
            "messages": [
                {"role": "user", "content": f"q{i % (n // 3)}"},
                {"role": "assistant", "content": f"a{i % (n // 3)}"},
            ]
        }
        if i % 97 == 0:
            row["messages"][1]["role"] = "user"
        lines.append(orjson.dumps(row))
    lines.insert(n // 2, b'{"messages": [1,}')
    lines.insert(7, b"")
    path.write_bytes(b"\n".join(lines) + b"\n")


def _key(result: engine.FileResult) -> list[tuple]:
    return [(f.code, f.range, f.message, f.severity, f.fixes) for f in result.findings]


def _chat(n: int) -> list[dict]:
    """Chat rows with duplicates across parts and role errors."""
    rows: list[dict] = []
    for i in range(n):
        answer = {"role": "user" if i % 97 == 0 else "assistant", "content": f"a{i % (n // 3)}"}
        rows.append({"messages": [{"role": "user", "content": f"q{i % (n // 3)}"}, answer]})
    return rows


def _kto(n: int) -> list[dict]:
    """KTO rows that all have label true: F008, a tally kept across rows."""
    return [{"prompt": f"p{i}", "completion": f"c{i}", "label": True} for i in range(n)]


def test_chunks_on_a_local_ray_give_the_local_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    path = tmp_path / "rows.jsonl"
    _rows(path, 3000)
    settings = settings_for(path, {})
    monkeypatch.setattr(raycheck, "MIN_CHUNK", 1 << 12)  # several chunks of a small file
    stats: dict = {}
    on_ray = raycheck.check_path(str(path), settings, stats)
    local = engine.check_path(path, settings, jobs=1)
    assert stats["chunks"] >= 2
    assert _key(on_ray) == _key(local)
    assert {f.code for f in on_ray.findings} == {"D001", "J001", "J007", "R005", "R009"}
    assert on_ray.info.rows == local.info.rows == 3001
    assert on_ray.formats == local.formats


def test_parquet_row_groups_on_a_local_ray_give_the_local_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    monkeypatch.setattr(raycheck, "MIN_PART_ROWS", 100)
    found = {}
    for name, rows in (("chat", _chat(900)), ("kto", _kto(800))):
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=50)
        settings = settings_for(path, {})
        stats: dict = {}
        progress: list[tuple[int, float]] = []
        on_ray = raycheck.check_path(
            str(path), settings, stats, lambda *p, seen=progress: seen.append(p)
        )
        local = converted.check_converted(path, settings)
        assert stats["chunks"] == 8  # 4 parts a CPU of the module's Ray (2 CPUs)
        assert _key(on_ray) == _key(local)
        assert on_ray.info.rows == local.info.rows == len(rows)
        assert (on_ray.info.bytes, on_ray.formats) == (local.info.bytes, local.formats)
        assert progress[-1] == (len(rows), 1.0)
        found[name] = on_ray.findings
    assert {f.code for f in found["chat"]} == {"D001", "R005", "R009"}
    r009 = [f for f in found["chat"] if f.code == "R009"][-1]  # row 873, in the last part
    assert (r009.range.start.line, r009.range.start.column, r009.range.end.line) == (873, 0, 873)
    assert r009.message == (
        "turn 2 (messages[1].role): two user turns in a row (messages[0] and messages[1])"
    )
    [f008] = found["kto"]  # the parts' tallies joined: 800 rows, not 100
    assert (f008.code, f008.range.start.line, f008.message) == (
        "F008",
        0,
        "every one of the 800 rows has label true: there is no undesirable (false) example, "
        "so KTO learns only one direction (a label column never filled?)",
    )


def test_an_arrow_folder_on_a_local_ray_gives_the_local_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    datasets = pytest.importorskip("datasets", reason="datasets: the preflight-tests extra")
    datasets.disable_progress_bars()
    folder = tmp_path / "ds"
    datasets.Dataset.from_list(_chat(3000)).save_to_disk(str(folder), num_shards=2)
    monkeypatch.setattr(raycheck, "MIN_PART_ROWS", 500)
    shards = sorted(folder.glob("*.arrow"))
    assert [p.name for p in shards] == ["data-00000-of-00002.arrow", "data-00001-of-00002.arrow"]
    for shard in shards:
        settings = settings_for(shard, {})
        stats: dict = {}
        on_ray = raycheck.check_path(str(shard), settings, stats)
        local = converted.check_converted(shard, settings)
        assert stats["chunks"] == 2  # 1500 rows: record batches of 1000 and 500
        assert _key(on_ray) == _key(local)
        assert on_ray.info.rows == local.info.rows == 1500
        assert {f.code for f in on_ray.findings} == {"D001", "R005", "R009"}


def test_the_mask_pass_on_a_local_ray_gives_the_local_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    """With a tokenizer: the workers' loss-mask findings and totals (L001's count of rows
    that train nothing, the headers its advice names) joined as one pass counts them."""
    rows = []
    for i in range(400):
        turns = [{"role": "user", "content": f"question {i}"}]
        if i % 5:  # every fifth row has no answer: it trains nothing
            turns.append({"role": "assistant", "content": f"answer {i}"})
        rows.append({"messages": turns})
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    parquet = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=25)
    monkeypatch.setattr(raycheck, "MIN_CHUNK", 1 << 12)
    monkeypatch.setattr(raycheck, "MIN_PART_ROWS", 50)
    advice = "use instruction-part '<|im_start|>user\\n' and response-part "
    advice += "'<|im_start|>assistant\\n' as the rows render them"
    cases = [
        ({}, f"80 of 400 rows train on nothing: the trainer drops them or computes no loss on "
         f"them; {advice}"),
        ({"instruction-part": "<|user|>", "response-part": "<|assistant|>"},
         "400 of 400 rows train on nothing: the trainer will stop with 'All labels in your "
         f"dataset are -100'; {advice}"),
    ]  # fmt: skip
    for markers, verdict in cases:
        overrides = {"tokenizer": str(CHATML), "trainer": "unsloth", **markers}
        for path, check_here in ((jsonl, engine.check_path), (parquet, converted.check_converted)):
            settings = settings_for(path, overrides)
            stats: dict = {}
            on_ray = raycheck.check_path(str(path), settings, stats)
            local = check_here(path, settings)
            assert stats["chunks"] >= 4
            assert _key(on_ray) == _key(local)
            assert on_ray.stats == local.stats
            assert {f.code for f in on_ray.findings} == {"L001", "R007"}
            [file_level] = [f for f in on_ray.findings if "rows train on nothing" in f.message]
            assert (file_level.code, file_level.range.start.line) == ("L001", 0)
            assert file_level.message == verdict


def test_files_a_part_boundary_must_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    """UTF-16 (one finding from its first line), a lone CR (a line break to editors, not
    to trainers) past the first part, empty files: as the local run reports them."""
    monkeypatch.setattr(raycheck, "MIN_CHUNK", 1 << 10)
    row = orjson.dumps(_chat(3)[1]) + b"\n"
    lone_cr = row.replace(b'{"messages":', b'{"messages":\r')
    (tmp_path / "wide.jsonl").write_bytes((row * 200).decode().encode("utf-16"))
    (tmp_path / "cr.jsonl").write_bytes(row * 100 + lone_cr + row * 100)
    (tmp_path / "empty.jsonl").write_bytes(b"")
    pq.write_table(pa.Table.from_pylist(_chat(3)).slice(0, 0), tmp_path / "empty.parquet")
    expected = {
        "wide.jsonl": {"J008"},
        "cr.jsonl": {"D001", "J011"},
        "empty.jsonl": {"J012"},
        "empty.parquet": {"J012"},
    }
    for name, codes in expected.items():
        path = tmp_path / name
        settings = settings_for(path, {})
        on_ray = raycheck.check_path(str(path), settings)
        if name.endswith(".parquet"):
            local = converted.check_converted(path, settings)
        else:
            local = engine.check_path(path, settings, jobs=1)
        assert _key(on_ray) == _key(local), name
        assert {f.code for f in on_ray.findings} == codes, name
        assert on_ray.info.rows == local.info.rows, name


def test_a_part_that_fails_on_its_worker_is_checked_on_the_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    """A row group that cannot be decoded fails its worker's task: the file is checked on
    the driver, which fails as a local run does (one error, not Ray's traceback)."""
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.Table.from_pylist(_chat(3000)), path, row_group_size=500)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2  # the pages of a middle row group, not the footer's metadata
    data[middle : middle + 200] = bytes(b ^ 0x5A for b in data[middle : middle + 200])
    path.write_bytes(data)
    monkeypatch.setattr(raycheck, "MIN_PART_ROWS", 500)
    with pytest.raises(OSError) as local:
        converted.check_converted(path, settings_for(path, {}))
    with pytest.raises(OSError) as on_ray:
        raycheck.check_path(str(path), settings_for(path, {}))
    assert str(on_ray.value) == str(local.value) == "Corrupt snappy compressed data."


def test_the_cli_prints_what_the_local_run_prints(tmp_path: Path) -> None:
    _rows(tmp_path / "rows.jsonl", 600)
    (tmp_path / "shards").mkdir()  # a folder of Parquet shards, located as file:row
    for k in range(2):
        table = pa.Table.from_pylist(_chat(300 + k))
        pq.write_table(table, tmp_path / "shards" / f"part-{k}.parquet", row_group_size=50)

    def check(*flags: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "sftlint", "check", "--format", "json", *flags]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)

    local = check("rows.jsonl", "shards")
    on_ray = check("--ray", "rows.jsonl", "shards")  # --ray takes no path as address
    assert on_ray.returncode == local.returncode == 1
    assert on_ray.stdout == local.stdout
    # Ray itself may warn on stderr under load (a slow start); sftlint reports nothing there,
    # and draws no progress bar outside a terminal.
    assert "sftlint:" not in on_ray.stderr and "\r" not in on_ray.stderr
    found = orjson.loads(local.stdout)
    assert len(found) == 818
    last = (found[-1]["filename"], found[-1]["location"], found[-1]["message"])
    assert last == ("shards/part-1.parquet", {"row": 301, "column": 1}, DUPLICATE_OF_101)


def test_without_ray_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependency) as err, raycheck.session(None):
        pass
    assert str(err.value) == "--ray needs Ray Data: pip install 'sftlint[ray]'"
