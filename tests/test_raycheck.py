"""`sftlint check --ray`: a JSON Lines file checked in chunks on a local Ray gives the
findings of the local run, row for row (Ray is the `ray` extra, installed by setup.sh)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from sftlint.engine import engine, raycheck
from sftlint.io.columnar import MissingDependency
from sftlint.settings import settings_for

pytest.importorskip("ray.data", reason="Ray Data is the `ray` extra: pip install -e '.[ray]'")


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
    return [(f.code, f.range, f.message, f.severity) for f in result.findings]


def test_chunks_on_a_local_ray_give_the_local_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rows.jsonl"
    _rows(path, 3000)
    settings = settings_for(path, {})
    monkeypatch.setattr(raycheck, "MIN_CHUNK", 1 << 12)  # several chunks of a small file
    stats: dict = {}
    with raycheck.session(None, progress=False):
        on_ray = raycheck.check_path(str(path), settings, stats)
    local = engine.check_path(path, settings, jobs=1)
    assert stats["chunks"] >= 2
    assert _key(on_ray) == _key(local)
    assert {f.code for f in on_ray.findings} == {"D001", "J001", "J007", "R005", "R009"}
    assert on_ray.info.rows == local.info.rows == 3001
    assert on_ray.formats == local.formats


def test_the_cli_prints_what_the_local_run_prints(tmp_path: Path) -> None:
    _rows(tmp_path / "rows.jsonl", 600)

    def check(*flags: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "sftlint", "check", "--format", "json", *flags]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)

    local = check("rows.jsonl")
    on_ray = check("--no-progress", "--ray", "rows.jsonl")  # --ray takes no path as address
    assert on_ray.returncode == local.returncode == 1
    assert on_ray.stdout == local.stdout
    # Ray itself may warn on stderr under load (a slow start); sftlint reports nothing there.
    assert "sftlint:" not in on_ray.stderr
    assert len(orjson.loads(local.stdout)) == 409


def test_without_ray_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependency) as err, raycheck.session(None, progress=False):
        pass
    assert str(err.value) == "--ray needs Ray Data: pip install 'sftlint[ray]'"
