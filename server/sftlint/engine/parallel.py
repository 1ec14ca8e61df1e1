"""Check a large JSON Lines or Parquet file in two processes, each over one half of it.

A JSON Lines file is split at the line boundary nearest its middle, a Parquet file at the
row group nearest its middle row. A forked worker checks the
second half's rows while this process checks the first; the worker's findings and row
summaries come back with line numbers and row indices counted from its half's start, are
shifted, and joined to ours; the file checks then run here over every summary. The result
is the one a single pass gives: same findings, same order (findings are sorted), same
summaries. Rules that keep per-file state across rows (the loss-mask totals) make the
second half run here too, after the first.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from sftlint.io import reader
from sftlint.io.lines import bounded_chunks
from sftlint.io.reader import FileInfo, Problem
from sftlint.io.regular import FileBytes
from sftlint.model import Finding
from sftlint.rules import checks

if TYPE_CHECKING:  # engine imports this module: FileChecker is only named here
    from sftlint.engine.engine import FileChecker
    from sftlint.settings import Settings

MIN_SIZE = 16 << 20  # below this, starting a process costs more than it saves
Half = tuple[list[Finding], checks.Summaries, FileInfo, bool]


def split_point(data: bytes | FileBytes, size: int) -> int | None:
    """Offset of the first line after the middle of the file, or None if there is none."""
    nl = data.find(b"\n", size // 2)
    if nl < 0 or nl + 1 >= size:
        return None
    return nl + 1


def split_groups(rows: list[int]) -> int | None:
    """The first row group at or after a Parquet file's middle row (of `rows` per group),
    or None when the file has no second half to give a worker."""
    half, done = sum(rows) // 2, 0
    for i, n in enumerate(rows[:-1]):
        done += n
        if done >= half:
            return i + 1
    return None


def usable(path: str, size: int, settings: Settings) -> bool:
    """Worth two processes: a large JSON Lines or Parquet file, 2+ CPUs, and a process safe
    to fork.

    Not with a tokenizer configured: the loss-mask rules total their figures across rows.
    """
    return (
        size >= MIN_SIZE
        and not settings.mask.tokenizer
        and not path.lower().endswith(reader.JSON_SUFFIXES)
        and (os.cpu_count() or 1) >= 2
        and threading.active_count() == 1  # forking a threaded process can deadlock
        and "fork" in multiprocessing.get_all_start_methods()
    )


def check_half(
    checker: FileChecker,
    path: str,
    start: int,
    end: int,
    info: FileInfo,
    progress: Callable[[int, int], None] | None = None,
    total: int = 0,
) -> None:
    """Feed the rows of bytes [start, end) of `path` to `checker`.

    `progress` gets the share of [start, end) done, scaled to `total` (the worker keeps
    pace with this process on the other half).
    """
    report = None
    if progress is not None:
        report = lambda done: progress((done - start) * total // (end - start), total)  # noqa: E731
    with open(path, "rb", buffering=1 << 20) as f:
        f.seek(start)
        chunks = bounded_chunks(f, checker.settings.max_line_bytes, end - start)
        checker.check_chunks(chunks, info, offset=start, progress=report)


Feed = Callable[["FileChecker", FileInfo], None]  # reads a half's rows into the checker


def _worker(conn: Connection, make_checker: Callable[[], FileChecker], feed: Feed) -> None:
    try:
        checker = make_checker()
        info = FileInfo(max_line=checker.settings.max_line_bytes)
        feed(checker, info)
        stateful = bool(checker.reporter.state or checker.reporter.stats)
        packed = checks.Summaries() if stateful else checker.summaries
        findings = [] if stateful else checker.reporter.findings
        conn.send(("ok", (findings, packed, info, stateful)))
    except BaseException:  # the parent checks the half itself
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def start_worker(make_checker: Callable[[], FileChecker], feed: Feed) -> Callable[[], Half | None]:
    """Fork a worker that checks the rows `feed` gives its checker (the second half);
    returns a function awaiting its result."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_worker, args=(send, make_checker, feed))
    process.start()
    send.close()

    def result() -> Half | None:
        try:
            status, payload = receive.recv()
        except EOFError:  # the worker died
            status, payload = "error", None
        finally:
            receive.close()
            process.join()
        return payload if status == "ok" else None

    return result


def merge(checker: FileChecker, info: FileInfo, half: Half) -> None:
    """Join a worker's half (counted from its start) to `checker` and `info` (first half)."""
    findings, summaries, other, _ = half
    lines = info.lines
    checker.reporter.findings.extend(f.moved(lines) for f in findings)
    checker.summaries.extend_shifted(summaries, lines)
    info.rows += other.rows
    info.lines += other.lines
    info.bytes = other.bytes
    if info.longest_line is not None and other.longest_line is not None:
        info.longest_line = max(info.longest_line, other.longest_line)
    else:
        info.longest_line = None
    if info.first_crlf is None and other.first_crlf is not None:
        info.first_crlf = other.first_crlf.moved(lines)
    info.crlf_lines += other.crlf_lines
    if info.first_lone_cr is None and other.first_lone_cr is not None:
        info.first_lone_cr = other.first_lone_cr.moved(lines)
    info.lone_cr += other.lone_cr
    info.problems.extend(_moved_problem(p, checker.path, lines) for p in other.problems)


def _moved_problem(p: Problem, path: str, lines: int) -> Problem:
    """A reader problem of the second half, moved down past the first half's lines."""
    fixes = [x.mapped(path, lambda pos: pos.moved(lines)) for x in p.fixes]
    related = [(r.moved(lines), m) for r, m in p.related]
    return Problem(p.code, p.message, p.range.moved(lines), fixes, related)
