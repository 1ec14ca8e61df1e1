"""What the benchmarks share: best-of-N timing and the peak RSS of a run in a fresh process.

Each benchmark script re-runs itself as `SCRIPT --child MODE ARG` to measure one mode's
peak RSS alone (Linux carries a parent's peak RSS into its children's, so the children
run before the parent grows).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def child_rss(script: str, mode: str, arg: str) -> float:
    """The number `SCRIPT --child MODE ARG` prints last: its peak RSS in MiB."""
    out = subprocess.run(
        [sys.executable, script, "--child", mode, arg],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.split()[-1])


def timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """(seconds, result) of `fn(*args)`."""
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def runs(times: list[float]) -> str:
    """The times of every run, as printed beside the best one."""
    return ", ".join(f"{t:.2f}" for t in times)
