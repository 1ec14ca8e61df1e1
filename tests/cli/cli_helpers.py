"""Helpers for CLI tests: run the real `sftlint` executable in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# A JSONL file with one finding of each kind the reader reports, and nothing else:
# line 2 is blank (J007, safe fix), line 3 repeats a key (J004, unsafe fix),
# line 4 is not JSON (J001).
GOOD_ROW = (
    b'{"messages": [{"role": "user", "content": "hi"}, '
    b'{"role": "assistant", "content": "hello"}]}\n'
)
BAD = (
    GOOD_ROW + b"\n" + b'{"messages": [], "messages": [{"role": "user", "content": "a"}, '
    b'{"role": "assistant", "content": "b"}]}\n' + b'{"messages": [1,}\n'
)


def _command() -> list[str]:
    exe = shutil.which("sftlint")
    return [exe] if exe else [sys.executable, "-m", "sftlint"]


def run(
    args: Sequence[str],
    cwd: Path,
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`sftlint ARGS` in `cwd`, colors off unless `env` turns them on."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    base.update(env or {})
    proc = subprocess.run(
        [*_command(), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        env=base,
        timeout=120,
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8"),
        proc.stderr.decode("utf-8"),
    )


def good_rows(n: int) -> bytes:
    """`n` distinct clean conversation rows."""
    return b"".join(GOOD_ROW.replace(b'"hi"', f'"hi {i}"'.encode()) for i in range(n))
