"""Run the real `sftlint` executable within fixed time and memory limits.

A hang fails the test at `TIMEOUT` seconds (subprocess.TimeoutExpired), a run that would
take more than `MEMORY` bytes of address space fails to allocate instead of taking the
machine: every probe here must finish well inside both.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

TIMEOUT = 60
MEMORY = 768 << 20

GOOD_ROW = (
    b'{"messages": [{"role": "user", "content": "hi"}, '
    b'{"role": "assistant", "content": "hello"}]}\n'
)


def command() -> list[str]:
    exe = shutil.which("sftlint")
    return [exe] if exe else [sys.executable, "-m", "sftlint"]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(
    args: Sequence[str],
    cwd: Path,
    *,
    stdin: bytes | IO[bytes] = b"",
    prefix: Sequence[str] = (),
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """`PREFIX sftlint ARGS` in `cwd`, bounded; stdout and stderr decoded."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["HF_HUB_OFFLINE"] = "1"
    feed = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin}
    proc = subprocess.run(
        [*prefix, *command(), *args, "--no-progress"],
        cwd=cwd,
        capture_output=True,
        env=env,
        timeout=timeout,
        preexec_fn=_limit_memory,
        **feed,  # type: ignore[arg-type]
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def popen(args: Sequence[str], cwd: Path) -> subprocess.Popen[bytes]:
    """`sftlint ARGS` started in the background, memory bounded."""
    return subprocess.Popen(
        [*command(), *args, "--no-progress"],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_memory,
    )


def no_traceback(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode in (0, 1, 2), (r.returncode, r.stderr)
