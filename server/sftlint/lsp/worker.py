"""A helper process that lints part of a big buffer while the server lints the rest.

The language server runs threads, and a process with threads must not fork; so the helper
is forked once, before the server starts any (`LintWorker.fork`, Linux only: elsewhere the
server lints alone). Being a fork of the server it has the server's hash seed, so the row
digests it computes (duplicate detection) are the ones the server would compute.

A job is a run of a buffer's lines. They go to the helper piece by piece, through a memfd
made before the fork (written with `pwritev`, read back with `pread`, and its pages freed
then: neither process holds more than the pieces in between), so a job can start before
its text has all arrived: the server streams the first part of a big `didOpen` to the
helper as it decodes it (`lsp.early`). The results come back packed (`incremental.Packed`): most
rows are clean rows of a few shapes, sent as one shape number each.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import mmap
import os
import sys
import threading
import traceback
from multiprocessing.connection import Connection, Pipe
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sftlint.lsp.incremental import Packed
    from sftlint.settings import Settings

log = logging.getLogger("sftlint.lsp.worker")

MIN_BYTES = 16 << 20  # below this, handing lines over costs more than it saves
# A JSON array is checked whole after every edit: from this size on, in the helper.
ARRAY_MIN_BYTES = 1 << 20
_IOV = 512  # lines per pwritev call (each line and its newline: 1,024 buffers, IOV_MAX)
_NL = b"\n"


class Job:
    """Lines [first, stop) of one buffer, linted by the helper as they come."""

    def __init__(self, worker: LintWorker, path: str, settings: Settings) -> None:
        self.worker = worker
        self.path = path
        self.settings = settings
        self.first: int | None = None  # the first line sent
        self.stop = 0  # the line after the last one sent
        self.ended = False
        self._at = 0  # memfd offset of the next piece

    def add(self, first: int, lines: list[bytes]) -> None:
        """Lines [first, first + len(lines)) (each piece right after the one before)."""
        if self.ended or not lines or self.worker.busy is not self:
            return
        if self.first is None:
            self.first = first
        try:
            size = _write(self.worker.fd, lines, self._at)
            self.worker.conn.send(("lines", first, self._at, size))
        except (OSError, ValueError) as exc:
            self.worker.lost(f"cannot hand lines to the lint helper: {exc}")
            return
        self._at += size
        self.stop = first + len(lines)

    def end(self, total: int) -> None:
        """No more lines: the buffer has `total` lines."""
        if self.ended or self.worker.busy is not self:
            return
        self.ended = True
        try:
            self.worker.conn.send(("end", total if self.first is not None else -1))
        except (OSError, ValueError) as exc:
            self.worker.lost(f"the lint helper stopped: {exc}")

    @property
    def running(self) -> bool:
        """Whether a result is to come (not if the helper stopped or the job was dropped)."""
        return self.worker.busy is self and self.worker.alive

    def fileno(self) -> int:
        """Readable when the result is there (for an event loop's `add_reader`)."""
        return self.worker.conn.fileno()

    def result(self) -> Packed | None:
        """The packed results of lines [first, stop) (waits for them); None if there are
        none (the helper failed, or no line was sent)."""
        self.end(-1)  # no-op once ended
        return self.worker.collect(self)

    def abandon(self) -> None:
        """Not wanted any more: the result is read and dropped when the helper is next asked."""
        self.end(-1)
        if self.worker.busy is self:
            self.worker.abandoned = self


class LintWorker:
    """The server's end of the helper process."""

    def __init__(self, conn: Connection, fd: int, pid: int) -> None:
        self.conn = conn
        self.fd = fd  # the memfd the lines go through
        self.pid = pid
        self.min_bytes = MIN_BYTES
        self.array_min_bytes = ARRAY_MIN_BYTES
        self.busy: Job | None = None
        self.abandoned: Job | None = None
        self.alive = True
        self.jobs = 0  # jobs whose results were taken (tests check the helper worked)

    @classmethod
    def fork(cls) -> LintWorker | None:
        """Fork the helper; None where that is not safe or not possible (not Linux, or a
        thread already runs)."""
        if (
            sys.platform != "linux"
            or threading.active_count() != 1
            or not hasattr(os, "memfd_create")
        ):
            return None
        try:
            fd = os.memfd_create("sftlint-lines", os.MFD_CLOEXEC)
            ours, theirs = Pipe(duplex=True)
            gc.freeze()  # the helper's collections leave the server's pages shared
            pid = os.fork()
        except OSError as exc:
            log.warning("no lint helper process: %s", exc)
            return None
        if pid == 0:  # the helper
            code = 0
            try:
                ours.close()
                _quiet_stdio()
                _serve(theirs, fd)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        gc.unfreeze()
        theirs.close()
        return cls(ours, fd, pid)

    def available(self) -> bool:
        if not self.alive:
            return False
        stale = self.abandoned
        if stale is not None:  # drop an abandoned job's result once it is there
            if not self.conn.poll():
                return False
            self.collect(stale)
        return self.busy is None

    def job(self, path: str, settings: Settings) -> Job | None:
        """A new job, its lines to come (`Job.add`, `Job.end`); None if the helper is busy."""
        if not self.available():
            return None
        try:
            self.conn.send(("job", path, settings))
        except (OSError, ValueError) as exc:
            self.lost(f"cannot start the lint helper's job: {exc}")
            return None
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
        self.busy = Job(self, path, settings)
        return self.busy

    def check(self, path: str, settings: Settings, lines: list[bytes]) -> Job | None:
        """Check a whole buffer (a JSON array, whose rows span lines) with the engine in the
        helper; its `result()` is the findings. None if the helper is busy."""
        if not self.available():
            return None
        try:
            os.ftruncate(self.fd, 0)
            size = _write(self.fd, lines, 0)
            self.conn.send(("check", path, settings, size))
        except (OSError, ValueError) as exc:
            self.lost(f"cannot hand a buffer to the lint helper: {exc}")
            return None
        job = self.busy = Job(self, path, settings)
        job.first, job.stop, job.ended = 0, len(lines), True
        return job

    def collect(self, job: Job) -> Any:
        if job is not self.busy:
            return None
        self.busy = None
        if self.abandoned is job:
            self.abandoned = None
        try:
            status, payload = self.conn.recv()
        except (EOFError, OSError) as exc:
            self.lost(f"the lint helper stopped: {exc}")
            return None
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)  # the lines' pages go back to the system
        if status == "error":
            log.error("the lint helper failed; linting here instead:\n%s", payload)
            return None
        if payload is not None:
            self.jobs += 1
        return payload

    def lost(self, why: str) -> None:
        log.error("%s; linting in the server alone from now on", why)
        self.alive = False
        self.busy = None
        with contextlib.suppress(OSError):
            self.conn.close()

    def close(self) -> None:
        if self.alive:
            self.alive = False
            self.conn.close()  # the helper reads EOF and exits
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)


def _write(fd: int, lines: list[bytes], at: int) -> int:
    """Write `lines` to `fd` at offset `at`, each followed by a newline; returns the size."""
    start = at
    for b in range(0, len(lines), _IOV):
        buffers = [x for line in lines[b : b + _IOV] for x in (line, _NL)]
        want = sum(map(len, buffers))
        done = os.pwritev(fd, buffers, at)
        if done < want:  # short write: the rest in one piece
            os.pwrite(fd, b"".join(buffers)[done:], at + done)
        at += want
    return at - start


def _read(fd: int, at: int, size: int) -> list[bytes]:
    """The lines `_write` wrote at `at` (their memory is given back once read)."""
    data = _pread(fd, at, size)
    _punch(fd, at, size)
    lines = data.split(_NL)
    del lines[-1]  # after the last newline
    return lines


def _pread(fd: int, at: int, size: int) -> bytes:
    """`size` bytes of `fd` at `at` (a read may return fewer)."""
    data = os.pread(fd, size, at)
    while len(data) < size:
        more = os.pread(fd, size - len(data), at + len(data))
        if not more:
            raise EOFError("the lines of a job are cut short")
        data += more
    return data


def _punch(fd: int, at: int, size: int) -> None:
    """Free the memfd's whole pages in [at, at + size) (its size stays): the lines there
    are read. Pages shared with the next piece are kept. Linux's fallocate, via libc."""
    page = mmap.PAGESIZE
    start, stop = -(-at // page) * page, (at + size) // page * page
    if stop > start and _fallocate is not None:
        _fallocate(fd, _PUNCH_HOLE | _KEEP_SIZE, start, stop - start)


def _libc_fallocate() -> Any:
    try:
        fallocate = ctypes.CDLL(None, use_errno=True).fallocate
    except (OSError, AttributeError):
        return None
    fallocate.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64)
    fallocate.restype = ctypes.c_int
    return fallocate


_KEEP_SIZE, _PUNCH_HOLE = 0x01, 0x02  # FALLOC_FL_* (linux/falloc.h)
_fallocate = _libc_fallocate() if sys.platform == "linux" else None


def _serve(conn: Connection, fd: int) -> None:
    """The helper's loop: lint each job's lines as they come, send the packed results when
    it ends, until the server hangs up."""
    from sftlint.engine.engine import check_bytes
    from sftlint.lsp.incremental import PieceLinter

    linter: PieceLinter | None = None
    failure: str | None = None
    while True:
        try:
            message: Any = conn.recv()
        except (EOFError, OSError):
            return
        kind = message[0]
        if kind == "check":
            _, path, settings, size = message
            try:
                data = _pread(fd, 0, size)[:-1]  # without the newline after the last line
                reply: tuple[str, Any] = ("ok", check_bytes(path, data, settings).findings)
            except Exception:
                reply = ("error", traceback.format_exc())
            conn.send(reply)
            continue
        if kind == "job":
            _, path, settings = message
            linter, failure = PieceLinter(path, settings), None
            continue
        try:
            if failure is None and linter is not None:
                if kind == "lines":
                    _, first, at, size = message
                    linter.add(first, _read(fd, at, size))
                    continue
                total = message[1]
                conn.send(("ok", linter.finish(total) if total >= 0 else None))
            elif kind == "end":
                conn.send(("error", failure))
            linter = None
        except Exception:
            failure, linter = traceback.format_exc(), None
            if kind == "end":
                conn.send(("error", failure))


def _quiet_stdio() -> None:
    """The helper never reads or writes the server's stdio (the LSP streams)."""
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
