"""Time `sftlint check` of a Parquet file against a bare pyarrow read of its rows.

    python benchmarks/bench_parquet.py [--rows 100000] [--repeat 3]

Writes benchmarks/data/messages-N.parquet from benchmarks/gen_dataset.py's rows (once),
and messages-N.parquet.jsonl: the same rows as Parquet gives them back (Arrow unifies the
message structs, so a message without `tool_calls` reads back with `"tool_calls": null`).
(a) bare: `iter_batches` + `to_pylist`, the floor any Parquet reader in Python pays;
(b) `converted.check_parquet` with every rule and default settings. Prints the best time
of each over the repeats and their ratio (target <= 2.5), checks that (b)'s findings are
those of the JSONL file (positions aside), and prints the peak RSS of (b) run alone in a
fresh subprocess next to that of (a).
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

import orjson
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
import gen_dataset
from _timing import child_rss, runs, timed

BATCH_ROWS = 2048


def write(rows: int) -> tuple[Path, Path]:
    parquet = gen_dataset.messages_parquet(rows)
    jsonl = parquet.with_name(parquet.name + ".jsonl")
    if not jsonl.exists():
        with open(jsonl, "wb") as f:
            for batch in pq.ParquetFile(parquet).iter_batches(batch_size=BATCH_ROWS):
                f.writelines(orjson.dumps(r) + b"\n" for r in batch.to_pylist())
    return parquet, jsonl


def bare(path: str) -> int:
    rows = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
        rows += len(batch.to_pylist())
    return rows


def check(path: str, jobs: int | None = None) -> list:
    from sftlint.engine import converted
    from sftlint.settings import Settings

    return converted.check_parquet(path, Settings(), jobs=jobs).findings


def processes(path: str) -> int:
    """How many processes (b) uses: 2 for a large file of several row groups."""
    from sftlint.engine import converted
    from sftlint.settings import Settings

    return 2 if converted.parquet_split(path, Settings()) else 1


def causes(findings: list) -> list[tuple[int, str, str]]:
    return sorted((f.range.start.line, f.code, f.message) for f in findings)


def child(mode: str, arg: str) -> None:
    """Run in a fresh interpreter: print the peak RSS in MiB after `mode` (with its
    worker's, if it started one)."""
    if mode == "write":
        write(int(arg))
    elif mode == "bare":
        bare(arg)
    else:
        check(arg)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak += resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # (b)'s worker
    print(f"{peak / 1024:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--single", action="store_true", help="also time (b) in 1 process")
    parser.add_argument("--child", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    # Written in a child: Linux carries a parent's peak RSS into its children's.
    child_rss(__file__, "write", str(args.rows))
    parquet, jsonl = write(args.rows)
    path = str(parquet)
    rss_bare = child_rss(__file__, "bare", path)
    rss_check = child_rss(__file__, "check", path)
    findings = check(path)  # warm up: imports, page cache
    bare_times, check_times, single_times = [], [], []
    rows = 0
    for _ in range(args.repeat):  # interleaved, so noise hits both alike
        t, rows = timed(bare, path)
        bare_times.append(t)
        t, findings = timed(check, path)
        check_times.append(t)
        if args.single:
            t, single = timed(check, path, 1)
            single_times.append(t)
            assert single == findings
    from sftlint.engine import engine
    from sftlint.settings import Settings

    as_jsonl = engine.check_path(jsonl, Settings(), jobs=1).findings
    same = causes(findings) == causes(as_jsonl)
    a, b = min(bare_times), min(check_times)
    size = parquet.stat().st_size / 2**20
    print(f"file: {parquet} ({size:.1f} MiB, {rows} rows, {len(findings)} findings)")
    print(f"(a) bare pyarrow rows: {a:.2f} s  (runs: {runs(bare_times)})")
    n = processes(path)
    print(f"(b) sftlint check:     {b:.2f} s  (runs: {runs(check_times)}), {n} process(es)")
    print(f"ratio (b)/(a): {b / a:.2f}  (target <= 2.5; (a) in 1 process, (b) in {n})")
    if single_times:
        c = min(single_times)
        print(f"(b) in 1 process:      {c:.2f} s  (runs: {runs(single_times)}), ratio {c / a:.2f}")
    print(f"findings equal to the same rows as JSONL ({len(as_jsonl)}): {same}")
    print(f"peak RSS: (b) {rss_check:.0f} MiB, (a) {rss_bare:.0f} MiB")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
