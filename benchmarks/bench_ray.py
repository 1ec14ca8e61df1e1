"""Time `sftlint check --ray` on a local Ray against the local run of the same file.

    python benchmarks/bench_ray.py [--rows 1000000] [--repeat 1]

Writes benchmarks/data/messages-N.jsonl from benchmarks/gen_dataset.py's rows (once).
(a) local: `engine.check_path`, as `sftlint check` runs it (two processes on a large file);
(b) Ray: `raycheck.check_path` on a local Ray (`ray.init()`), started once beforehand; its
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import gen_dataset
from _timing import runs, timed


def write(rows: int) -> Path:
    path = gen_dataset.DATA_DIR / f"messages-{rows}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.writelines(r + b"\n" for r in gen_dataset.rows("messages", rows, 1234))
    return path


def key(findings: list) -> list[tuple]:
    return [(f.code, f.range, f.message) for f in findings]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from sftlint.engine import engine, raycheck
    from sftlint.settings import settings_for

    path = write(args.rows)
    settings = settings_for(path, {})
    local_times, ray_times = [], []
    start = time.perf_counter()
    with raycheck.session(None):
        startup = time.perf_counter() - start
        cpus = int(__import__("ray").cluster_resources().get("CPU", 1))
        stats: dict = {}
        for _ in range(args.repeat):  # interleaved, so noise hits both alike
            t, local = timed(engine.check_path, path, settings)
            local_times.append(t)
            t, on_ray = timed(raycheck.check_path, str(path), settings, stats)
            ray_times.append(t)
    same = key(on_ray.findings) == key(local.findings) and on_ray.info.rows == local.info.rows
    a, b = min(local_times), min(ray_times)
    size = path.stat().st_size / 2**20
    rows = local.info.rows
    print(f"file: {path} ({size:.0f} MiB, {rows} rows, {len(local.findings)} findings)")
    print(f"machine: {os.cpu_count()} CPUs; Ray: {cpus} CPUs, {stats['chunks']} chunks")
    print(f"(a) local check:  {a:.2f} s  (runs: {runs(local_times)})")
    print(f"(b) Ray check:    {b:.2f} s  (runs: {runs(ray_times)}; Ray start-up {startup:.1f} s)")
    print(f"ratio (b)/(a): {b / a:.2f}  (target <= 1.5); with start-up: {(b + startup) / a:.2f}")
    print(f"one worker: {rows / stats['worker_seconds']:,.0f} rows/s")
    print(f"findings equal, row for row: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
