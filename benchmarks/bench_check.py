"""Time sftlint's engine against a bare orjson loop on the same file, and its peak memory.

    python benchmarks/gen_dataset.py          # once: benchmarks/data/messages-100000.jsonl
    python benchmarks/bench_check.py [FILE] [--repeat 3]

(a) bare: read the file line by line and `orjson.loads` every line (the floor any JSONL
    tool pays); (b) engine: `engine.check_path` with every rule enabled and default
    settings (large JSON Lines files: 2 processes, as `sftlint check` runs them; the
    number is printed; `--single` also times 1 process). Prints the best time of each
    over the repeats and their ratio (target <= 2.5), then the peak RSS of (b) run alone
    in a fresh subprocess, its worker included (target <= 2x the file size), next to the
    RSS of a subprocess that only imports the engine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from _timing import child_rss, runs, timed

DEFAULT = Path(__file__).parent / "data" / "messages-100000.jsonl"


def bare(path: str) -> int:
    rows = 0
    with open(path, "rb", buffering=1 << 20) as f:
        for line in f:
            if line.strip():
                orjson.loads(line)
                rows += 1
    return rows


def engine_check(path: str, jobs: int | None = None) -> int:
    from sftlint.engine import engine
    from sftlint.settings import Settings

    return len(engine.check_path(path, Settings(), jobs=jobs).findings)


def processes(path: str) -> int:
    """How many processes `check_path` uses on this file (1, or 2 for large JSONL files)."""
    from sftlint.engine import parallel
    from sftlint.settings import Settings

    return 2 if parallel.usable(path, os.path.getsize(path), Settings()) else 1


def peak_rss_mb() -> float:
    """Peak RSS of this process plus the largest of its finished children (the worker)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024  # KiB on Linux


def child(mode: str, path: str) -> None:
    """Run in a fresh interpreter: print the peak RSS in MB after `mode`."""
    if mode == "engine":
        engine_check(path)
    elif mode == "engine-1":
        engine_check(path, jobs=1)
    else:
        from sftlint.engine import engine  # noqa: F401  (the import cost alone)
    print(f"{peak_rss_mb():.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--single", action="store_true", help="also time 1 process (jobs=1)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file)
        return
    path = args.file
    if not os.path.exists(path):
        sys.exit(f"{path} not found: run benchmarks/gen_dataset.py first")
    size_mb = os.path.getsize(path) / 2**20
    # Children first: Linux carries the parent's peak RSS into a child's ru_maxrss.
    rss = child_rss(__file__, "engine", path)
    base = child_rss(__file__, "import", path)
    engine_check(path)  # warm up: imports, page cache
    bare_times, engine_times, single_times = [], [], []
    findings = rows = 0
    for _ in range(args.repeat):  # interleaved, so noise hits both alike
        t, rows = timed(bare, path)
        bare_times.append(t)
        t, findings = timed(engine_check, path)
        engine_times.append(t)
        if args.single:
            t, _ = timed(lambda p: engine_check(p, jobs=1), path)
            single_times.append(t)
    a, b = min(bare_times), min(engine_times)
    n = processes(path)
    print(f"file: {path} ({size_mb:.1f} MiB, {rows} rows, {findings} findings)")
    print(f"(a) bare orjson loop: {a:.2f} s  (runs: {runs(bare_times)})")
    print(
        f"(b) sftlint engine:   {b:.2f} s  (runs: {runs(engine_times)};"
        f" {n} process{'es' if n > 1 else ''})"
    )
    print(f"ratio (b)/(a): {b / a:.2f}  (target <= 2.5)")
    if single_times:
        c = min(single_times)
        print(f"(b) in 1 process:     {c:.2f} s  (ratio {c / a:.2f})")
    print(
        f"peak RSS of (b): {rss:.0f} MiB = {rss / size_mb:.2f}x the file, all processes "
        f"(target <= 2x; importing the engine alone: {base:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
