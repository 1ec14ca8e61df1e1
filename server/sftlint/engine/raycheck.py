"""`sftlint check --ray [ADDRESS]`: a JSON Lines file checked in chunks on a Ray cluster.

What runs where: the driver (the `sftlint` process) cuts the file into byte ranges at
line boundaries, one or two per CPU of the cluster. Ray Data maps each range to a worker
task that runs the row checks over it (`parallel.check_half`, the code the local
two-process split runs) and sends back its findings and row summaries. The driver joins
them in file order (`parallel.merge`) and runs the file checks (duplicates, consistency)
over every summary, as a local run does: the same findings, row for row.

Workers read the file by its path: on a cluster it must be at the same path on every node
(shared storage), and sftlint installed there. Row digests (duplicates) hash with
Python's string hash, so every worker runs with one PYTHONHASHSEED. A file whose rules
keep state across rows (the loss-mask totals, with a tokenizer) is checked locally.
Ray is an optional extra: `pip install 'sftlint[ray]'`.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sftlint.engine import engine, parallel
from sftlint.io.columnar import MissingDependency
from sftlint.io.reader import FileInfo
from sftlint.io.regular import FileBytes, open_regular
from sftlint.settings import Settings

INSTALL_HINT = "--ray needs Ray Data: pip install 'sftlint[ray]'"
MIN_CHUNK = 4 << 20  # smaller ranges cost more in task start-up than they save
HASH_SEED = "0"  # one string hash on every worker: equal rows, equal digests


def _ray() -> Any:
    try:
        import ray
        import ray.data  # the Data library is the extra's point
    except ImportError:
        raise MissingDependency(INSTALL_HINT) from None
    return ray


@contextmanager
def session(address: str | None, progress: bool) -> Iterator[None]:
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
    context.enable_progress_bars = progress
    context.print_on_execution_start = False
    try:
        yield
    finally:
        ray.shutdown()


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


def _check_range(item: dict[str, Any]) -> dict[str, Any]:
    """A worker: the row checks of one byte range, pickled for the driver."""
    began = time.perf_counter()
    path, settings = item["path"], pickle.loads(item["settings"])
    with open_regular(path) as f:
        load = engine.loader_for_bytes(path, FileBytes(f.fileno(), path))
        checker = engine.FileChecker(path, settings, load)
        info = FileInfo(max_line=settings.max_line_bytes)
        parallel.check_half(checker, path, item["start"], item["end"], info)
    stateful = bool(checker.reporter.state or checker.reporter.stats)
    half = (checker.reporter.findings, checker.summaries, checker.formats, info, stateful)
    seconds = time.perf_counter() - began
    return {"index": item["index"], "half": pickle.dumps(half), "seconds": seconds}


def check_path(
    path: str, settings: Settings, stats: dict[str, Any] | None = None
) -> engine.FileResult:
    """Check a JSON Lines file on the Ray of the current `session`. `stats`, when given,
    gets `chunks` and `worker_seconds` (the tasks' own time, for per-worker throughput)."""
    ray = _ray()
    if settings.mask.tokenizer:  # the mask pass totals its figures across rows
        return engine.check_path(path, settings)
    with open_regular(path) as f:
        data = FileBytes(f.fileno(), path)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        ranges = _ranges(data, data.size, 2 * cpus)
        blob = pickle.dumps(settings)
        items = [
            {"index": i, "path": path, "start": a, "end": b, "settings": blob}
            for i, (a, b) in enumerate(ranges)
        ]
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        done = sorted(ds.map(_check_range, num_cpus=1).take_all(), key=lambda r: r["index"])
        halves = [pickle.loads(r["half"]) for r in done]
        if any(h[4] for h in halves):
            return engine.check_path(path, settings)
        load = engine.loader_for_bytes(path, data)
        checker = engine.FileChecker(path, settings, load)
        info = FileInfo(max_line=settings.max_line_bytes)
        for half in halves:
            parallel.merge(checker, info, half)
        result = checker.finish(info)
        data.check_unchanged()  # rows read from a file that moved under us mean nothing
    if stats is not None:
        stats["chunks"] = len(ranges)
        stats["worker_seconds"] = sum(r["seconds"] for r in done)
    return result


def is_ray_target(path: str | os.PathLike[str]) -> bool:
    """Files --ray splits over the cluster: plain JSON Lines (others are checked here)."""
    from sftlint.engine.converted import is_converted
    from sftlint.io import reader

    name = os.fspath(path).lower()
    return name.endswith(reader.JSONL_SUFFIXES) and not is_converted(name)
