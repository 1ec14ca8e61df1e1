"""Time `sftlint check --ray` on a local Ray against the local run of the same rows.

    python benchmarks/bench_ray.py [--rows 1000000] [--repeat 1]

Writes benchmarks/data/messages-N.jsonl and messages-N.parquet (row groups of 10,000) from
benchmarks/gen_dataset.py's rows (once). For each file: (a) the local check, as `sftlint
check` runs it (`engine.check_path`: two processes on a large JSON Lines file; Parquet in
one), (b) `raycheck.check_path` on a local Ray (`ray.init()`), started once beforehand; its
start-up is printed apart. Prints the best time of each over the repeats, their ratio
(target <= 1.5 on 2 cores: the cost of the engine on Ray, not a speed-up), the rows per
second of one worker (rows / the tasks' summed time: what each added CPU brings), and
whether (b)'s findings equal (a)'s (code, range, message), row for row.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import gen_dataset
from _timing import runs, timed


def key(findings: list) -> list[tuple]:
    return [(f.code, f.range, f.message) for f in findings]


def compare(path: Path, local_check: Callable[..., Any], repeat: int, startup: float) -> bool:
    """Time the local check and the Ray check of `path`, print them; True if equal."""
    from sftlint.engine import raycheck
    from sftlint.settings import settings_for

    settings = settings_for(path, {})
    local_times, ray_times = [], []
    stats: dict = {}
    for _ in range(repeat):  # interleaved, so noise hits both alike
        t, local = timed(local_check, path, settings)
        local_times.append(t)
        t, on_ray = timed(raycheck.check_path, str(path), settings, stats)
        ray_times.append(t)
    same = key(on_ray.findings) == key(local.findings) and on_ray.info.rows == local.info.rows
    a, b = min(local_times), min(ray_times)
    size = path.stat().st_size / 2**20
    rows = local.info.rows
    print(f"file: {path.name} ({size:.0f} MiB, {rows} rows, {len(local.findings)} findings)")
    print(f"  (a) local check:  {a:.2f} s  (runs: {runs(local_times)})")
    print(f"  (b) Ray check:    {b:.2f} s  (runs: {runs(ray_times)}; {stats['chunks']} parts)")
    print(f"  ratio (b)/(a): {b / a:.2f}  (target <= 1.5); with start-up: {(b + startup) / a:.2f}")
    print(f"  one worker: {rows / stats['worker_seconds']:,.0f} rows/s")
    print(f"  findings equal, row for row: {same}")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from sftlint.engine import converted, engine, raycheck

    files = [
        (gen_dataset.messages_jsonl(args.rows), engine.check_path),
        (gen_dataset.messages_parquet(args.rows), converted.check_converted),
    ]
    start = time.perf_counter()
    with raycheck.session(None):
        startup = time.perf_counter() - start
        cpus = int(__import__("ray").cluster_resources().get("CPU", 1))
        print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; Ray: {cpus} CPUs")
        print(f"Ray start-up: {startup:.1f} s")
        same = [compare(path, check, args.repeat, startup) for path, check in files]
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if not all(same):
        sys.exit(1)


if __name__ == "__main__":
    main()
