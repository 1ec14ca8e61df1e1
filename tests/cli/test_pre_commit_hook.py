"""`.pre-commit-hooks.yaml`: `pre-commit try-repo` installs this repository's hook into a
fresh environment and runs it on the staged files of a sample repository, offline.

Offline: pip is given no index (PIP_NO_INDEX) and the hook's virtualenv sees the
packages of the environment running the tests (VIRTUALENV_SYSTEM_SITE_PACKAGES), so the
install takes sftlint's dependencies and build backend from there. `--ref HEAD`: the
hook as committed, whatever else the working tree holds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is in the dev extra")

ROOT = Path(__file__).resolve().parents[2]
TWO_USERS = b'{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}\n'


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def test_the_hook_checks_staged_dataset_files(tmp_path: Path) -> None:
    assert shutil.which("git")
    sample = tmp_path / "sample"
    sample.mkdir()
    _git(sample, "init", "-q")
    (sample / "train.jsonl").write_bytes(TWO_USERS)
    (sample / "package.json").write_text('{"name": "not a dataset"}\n')  # not matched
    (sample / "unstaged.jsonl").write_bytes(TWO_USERS)
    _git(sample, "add", "train.jsonl", "package.json")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "VIRTUALENV_SYSTEM_SITE_PACKAGES": "1",
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",
        "HF_HUB_OFFLINE": "1",
    }
    proc = subprocess.run(
        ["pre-commit", "try-repo", str(ROOT), "sftlint", "--ref", "HEAD"],
        cwd=sample,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = proc.stdout.split("- exit code: 1\n\n", 1)[1]
    assert report == (
        "train.jsonl:1:2: R005 messages: no assistant turn: the row has nothing to train on\n"
        "train.jsonl:1:58: R009 turn 2 (messages[1].role): two user turns in a row "
        "(messages[0] and messages[1])\n"
        "Found 2 problems (2 errors) in 1 file, 1 row.\n\n"
    )
