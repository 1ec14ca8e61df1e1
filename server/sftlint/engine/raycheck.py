"""`sftlint check --ray [ADDRESS]`: a file checked in parts on a Ray cluster.

What runs where: the driver (the `sftlint` process) cuts the file into parts, a few per
CPU of the cluster: a JSON Lines file into byte ranges at line boundaries, a Parquet file
into runs of row groups, an Arrow file (a `save_to_disk` shard) into runs of record
batches. Ray Data maps each part to a worker task that reads it with the local reader
(`parallel.check_half`, `columnar.parquet_rows`, `arrowipc.arrow_lines`), runs the row
checks, and with a tokenizer the mask pass (the tokenizer loads once per worker process:
`masking.load_tokenizer` caches it), and sends back its findings, row summaries and the
totals the file checks need (mask totals, F008's label tally). The driver joins them in
file order (`parallel.merge`, `MaskTotals.extend`) and runs the file checks (duplicates,
consistency, the mask verdict) itself, as a local run does: the same findings, row for
row, Parquet and Arrow rows located as `file:row`.

Parts are read by the local reader, not by Ray Data's `read_parquet` / `read_json`: each
worker then knows where its rows sit in the file (a finding's `file:row`, its line) and
sees them exactly as the local run does. Workers read the file by its path: on a cluster
it must be at the same path on every node (shared storage), with sftlint, and a
tokenizer's folder, installed there. Row digests (duplicates) hash with Python's string
hash, so every worker runs with one PYTHONHASHSEED. Compressed JSON Lines cannot be cut
without decompressing it, and a UTF-16 file is one finding: such files are checked on the
driver. Ray is an optional extra: `pip install 'sftlint[ray]'`.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sftlint.engine import converted, engine, parallel
from sftlint.io import arrowipc, columnar, reader
from sftlint.io.columnar import MissingDependency
from sftlint.io.reader import FileInfo
from sftlint.io.regular import FileBytes, open_regular
from sftlint.rules import checks, mask_rules
from sftlint.settings import Settings

INSTALL_HINT = "--ray needs Ray Data: pip install 'sftlint[ray]'"
# Smaller parts cost more in task start-up than they save.
MIN_CHUNK = 4 << 20  # bytes of a JSON Lines part
MIN_PART_ROWS = 4096  # rows of a Parquet or Arrow part
# Parts per CPU: a worker done early takes another part, and progress moves in steps.
PARTS_PER_CPU = 4
HASH_SEED = "0"  # one string hash on every worker: equal rows, equal digests


def _ray() -> Any:
    try:
        import ray
        import ray.data  # the Data library is the extra's point
    except ImportError:
        raise MissingDependency(INSTALL_HINT) from None
    return ray


@contextmanager
def session(address: str | None) -> Iterator[None]:
    """Ray for one run: a local Ray started and stopped here (`address` None), or an
    existing cluster joined ("auto", "HOST:PORT", "ray://HOST:PORT")."""
    ray = _ray()
    # Ray logs to stderr at INFO (cluster start, each Dataset's plan): the report is ours.
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    env: dict[str, Any] = {}
    saved = os.environ.get("PYTHONHASHSEED")
    if address is None:  # a local Ray's processes inherit this environment: no per-task env
        os.environ["PYTHONHASHSEED"] = HASH_SEED
    else:
        env = {"runtime_env": {"env_vars": {"PYTHONHASHSEED": HASH_SEED}}}
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            logging_level=logging.ERROR,
            log_to_driver=False,
            **env,
        )
    finally:
        if saved is None:
            os.environ.pop("PYTHONHASHSEED", None)
        else:
            os.environ["PYTHONHASHSEED"] = saved
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the CLI draws one bar of rows, not Ray's per operator
    context.print_on_execution_start = False
    try:
        yield
    finally:
        ray.shutdown()


# The file's rows done so far and the share of it they are (of its bytes or its rows).
Progress = Callable[[int, float], None]


def kind(path: str | os.PathLike[str]) -> str | None:
    """How --ray cuts a file: "jsonl", "parquet", "arrow"; None for files checked here."""
    name = os.fspath(path).lower()
    if columnar.is_parquet(name):
        return "parquet"
    if arrowipc.is_arrow(name):
        return "arrow"
    if name.endswith(reader.JSONL_SUFFIXES) and not converted.is_converted(name):
        return "jsonl"
    return None


def is_ray_target(path: str | os.PathLike[str]) -> bool:
    return kind(path) is not None


def _ranges(data: FileBytes, size: int, parts: int) -> list[tuple[int, int]]:
    """[start, end) byte ranges that begin at line starts, about size/parts each."""
    parts = max(1, min(parts, size // MIN_CHUNK))
    cuts = [0]
    for k in range(1, parts):
        nl = data.find(b"\n", max(cuts[-1], size * k // parts))
        if nl < 0 or nl + 1 >= size:
            break
        cuts.append(nl + 1)
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if a < b]


def _groups(sizes: list[int], parts: int) -> list[tuple[int, int]]:
    """[start, end) runs of row groups (or record batches) of `sizes` rows each, about
    sum/parts rows a run."""
    total = sum(sizes)
    parts = max(1, min(parts, total // MIN_PART_ROWS))
    cuts = [0]
    done = 0
    for i, rows in enumerate(sizes[:-1]):
        done += rows
        if done * parts >= total * len(cuts):
            cuts.append(i + 1)
    cuts.append(len(sizes))
    return [(a, b) for a, b in itertools.pairwise(cuts) if a < b]


def _driver_only(summary: checks.RowSummary) -> reader.Row:
    raise AssertionError("file checks run on the driver, not on a worker")


def _check_part(item: dict[str, Any]) -> dict[str, Any]:
    """A worker: the row checks of one part, pickled for the driver (`part` None when they
    failed: the driver then checks the file itself, and reports what a local run does)."""
    try:
        return _checked_part(item)
    except Exception:  # a file that changed or broke under the worker, a node without it
        return {"index": item["index"], "part": None, "rows": 0, "seconds": 0.0}


def _checked_part(item: dict[str, Any]) -> dict[str, Any]:
    began = time.perf_counter()
    path, part_kind, start, end = item["path"], item["kind"], item["start"], item["end"]
    settings = pickle.loads(item["settings"])
    checker = engine.FileChecker(path, settings, _driver_only)
    info = FileInfo(max_line=settings.max_line_bytes)
    if part_kind == "jsonl":
        parallel.check_half(checker, path, start, end, info)
    elif part_kind == "parquet":
        checker.check_compact(columnar.parquet_rows(path, row_groups=range(start, end)), info)
    else:
        checker.check_lines(arrowipc.arrow_lines(path, batches=range(start, end)), info)
    state = dict(checker.reporter.state)
    if "mask" in state:  # its totals go back; the tokenizer stays loaded on the worker
        state["mask"] = state["mask"] and state["mask"].totals
    part = (checker.reporter.findings, checker.summaries, info, state)
    seconds = time.perf_counter() - began
    return {
        "index": item["index"],
        "part": pickle.dumps(part),
        "rows": info.rows,
        "seconds": seconds,
    }


def _join_state(
    mine: dict[str, Any], theirs: dict[str, Any], rows: int, mask: mask_rules.MaskState | None
) -> bool:
    """Add a part's state (its rows counted from `rows`) to the driver's; False when the
    part holds state it cannot be joined by (the file is then checked on the driver)."""
    for key, value in theirs.items():
        if key == "mask":
            if value is None or mask is None:  # the tokenizer did not load on the worker
                return False
            mine.setdefault("mask", mask).totals.extend(value)
        elif key == "F008":  # label -> (rows with it, index of the first)
            seen = mine.setdefault("F008", {})
            for label, (count, first) in value.items():
                before, at = seen.get(label, (0, first + rows))
                seen[label] = (before + count, at)
        else:
            return False
    return True


def _run(
    checker: engine.FileChecker,
    info: FileInfo,
    part_kind: str,
    parts: list[tuple[int, int]],
    weights: list[int],
    progress: Progress | None,
    stats: dict[str, Any] | None,
) -> bool:
    """Check `parts` of the file on the cluster and join them to `checker` and `info`;
    False when they cannot be joined (see `_join_state`)."""
    ray = _ray()
    mask = None
    if checker.settings.mask.tokenizer:
        got = mask_rules.mask_state(checker.settings)  # cached: loaded once in this process
        if isinstance(got, str):  # the local run reports why, once (L012)
            return False
        mask = got
    blob = pickle.dumps(checker.settings)
    items = [
        {
            "index": i,
            "path": checker.path,
            "kind": part_kind,
            "start": a,
            "end": b,
            "settings": blob,
        }
        for i, (a, b) in enumerate(parts)
    ]
    done: list[dict[str, Any]] = []
    if items:
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        total, share, rows = sum(weights) or 1, 0, 0
        for r in ds.map(_check_part, num_cpus=1).iter_rows():
            done.append(r)
            share += weights[r["index"]]
            rows += r["rows"]
            if progress is not None:
                progress(rows, share / total)
    done.sort(key=lambda r: r["index"])
    if any(r["part"] is None for r in done):
        return False
    for r in done:
        findings, summaries, other, state = pickle.loads(r["part"])
        if not _join_state(checker.reporter.state, state, info.rows, mask):
            return False
        size = info.bytes
        parallel.merge(checker, info, (findings, summaries, other, False))
        if part_kind != "jsonl":  # a part's rows count their bytes from 0
            info.bytes = size + other.bytes
    if stats is not None:
        stats["chunks"] = len(parts)
        stats["worker_seconds"] = sum(r["seconds"] for r in done)
    return True


def check_path(
    path: str,
    settings: Settings,
    stats: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> engine.FileResult:
    """Check a JSON Lines, Parquet or Arrow file on the Ray of the current `session`.
    `stats`, when given, gets `chunks` (the parts) and `worker_seconds` (the tasks' own
    time, for per-worker throughput)."""
    part_kind = kind(path)
    cpus = int(_ray().cluster_resources().get("CPU", 1))
    info = FileInfo(max_line=settings.max_line_bytes)
    if part_kind == "jsonl":
        with open_regular(path) as f:
            data = FileBytes(f.fileno(), path)
            if reader.wide_file(data[:256]):  # UTF-16/32: one finding from its first line
                return engine.check_path(path, settings)
            ranges = _ranges(data, data.size, PARTS_PER_CPU * cpus)
            checker = engine.FileChecker(
                path, settings, engine.loader_for_bytes(path, data), engine.reader_for_bytes(data)
            )
            weights = [b - a for a, b in ranges]
            if not _run(checker, info, part_kind, ranges, weights, progress, stats):
                return engine.check_path(path, settings)
            result = engine.editor_lines(checker.finish(info), data)
            data.check_unchanged()  # rows read from a file that moved under us mean nothing
        return result
    if part_kind is None:
        raise ValueError(f"{path}: not a file --ray checks")
    sizes = (
        columnar.row_group_rows(path)
        if part_kind == "parquet"
        else arrowipc.record_batch_rows(path)
    )
    runs = _groups(sizes, PARTS_PER_CPU * cpus)
    checker = engine.FileChecker(path, settings, converted.loader(path))
    weights = [sum(sizes[a:b]) for a, b in runs]
    if not _run(checker, info, part_kind, runs, weights, progress, stats):
        return converted.check_converted(path, settings)
    return converted.finish_values(checker, info)
