"""scripts/check_vsix.py refuses a .vsix that does not carry the wheel CI built (the
passing case, a real .vsix whose bundled wheel's server starts, runs in .ci/run after
`npm run package`: building one takes a wheel build and esbuild)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_vsix.py"


def _vsix(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in {"extension/package.json": b"{}", **files}.items():
            z.writestr(name, data)
    return path


def _check(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=60
    )


def test_a_vsix_without_the_wheel_fails(tmp_path: Path) -> None:
    # A wheel outside bundled/ is not the one the extension installs.
    vsix = _vsix(tmp_path / "x.vsix", {"extension/sftlint-0.1.0-py3-none-any.whl": b"w"})
    r = _check(vsix)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f"{vsix}: 0 sftlint wheels in extension/bundled/, not 1\n"


def test_a_vsix_with_another_wheel_than_dist_fails(tmp_path: Path) -> None:
    name = "sftlint-0.1.0-py3-none-any.whl"
    vsix = _vsix(tmp_path / "x.vsix", {f"extension/bundled/{name}": b"stale"})
    (tmp_path / name).write_bytes(b"fresh")
    r = _check(vsix, "--wheel", tmp_path / name)
    assert (r.returncode, r.stderr) == (1, f"{vsix}: the bundled {name} is not {tmp_path / name}\n")
