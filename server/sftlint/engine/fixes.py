"""Applying fixes: edits replace byte ranges of a file; every other byte stays as it was.

`check --fix` takes the first safe fix of each finding whose edits all stay in the
finding's own file, drops fixes that overlap one already taken, applies the rest in
one pass, and writes the file atomically (a temporary file in the same folder, then
`os.replace`) only if it is still byte for byte what was read, keeping its mode, owner,
group and user xattrs (SECURITY.md says what else it guards against).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

from sftlint.io.regular import FileChangedError
from sftlint.model import Edit, Finding, Fix


@dataclass(frozen=True, slots=True)
class Applied:
    data: bytes
    fixed: int  # findings whose fix was applied


def _same_file(a: str, b: str) -> bool:
    return a == b or os.path.normpath(os.path.abspath(a)) == os.path.normpath(os.path.abspath(b))


def safe_fix(finding: Finding, unsafe: bool = False) -> Fix | None:
    """The fix `--fix` applies for a finding: its first safe fix (or first fix at all with
    `unsafe`, `--unsafe-fixes`) confined to its own file."""
    for fix in finding.fixes:
        if (
            (fix.safe or unsafe)
            and fix.edits
            and all(_same_file(e.path, finding.path) for e in fix.edits)
        ):
            return fix
    return None


def _span(edit: Edit) -> tuple[int, int]:
    return edit.range.start.offset, edit.range.end.offset


def choose(findings: Iterable[Finding], unsafe: bool = False) -> list[Fix]:
    """Safe fixes (any fix with `unsafe`) that do not overlap one another, in file order.

    Two insertions at the same offset also count as overlapping: their order would be
    arbitrary. A fix skipped here may apply on the next pass, after a re-check.
    """
    taken: list[tuple[int, int]] = []
    chosen: list[Fix] = []
    candidates = [f for f in (safe_fix(x, unsafe) for x in findings) if f is not None]
    candidates.sort(key=lambda fix: min(_span(e) for e in fix.edits))
    for fix in candidates:
        spans = sorted(_span(e) for e in fix.edits)
        if any(a > b for a, b in spans) or _overlaps_self(spans):
            continue
        if any(_overlap(s, t) for s in spans for t in taken):
            continue
        taken.extend(spans)
        chosen.append(fix)
    return chosen


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    if a == b:
        return True
    return a[0] < b[1] and b[0] < a[1]


def _overlaps_self(spans: list[tuple[int, int]]) -> bool:
    return any(_overlap(spans[i], spans[i + 1]) for i in range(len(spans) - 1))


def apply(data: bytes, fixes: Iterable[Fix]) -> bytes:
    """`data` with the edits of non-overlapping `fixes` applied (offsets index `data`)."""
    edits = sorted((e for fix in fixes for e in fix.edits), key=_span)
    out: list[bytes] = []
    pos = 0
    for edit in edits:
        start, end = _span(edit)
        if start < pos or end > len(data):
            raise ValueError(f"edit [{start}, {end}) overlaps another or is out of range")
        out.append(data[pos:start])
        out.append(edit.new_text.encode("utf-8"))
        pos = end
    out.append(data[pos:])
    return b"".join(out)


def fix_bytes(data: bytes, findings: Iterable[Finding], unsafe: bool = False) -> Applied:
    fixes = choose(findings, unsafe)
    return Applied(apply(data, fixes), len(fixes))


class FixRefused(OSError):
    """A file `--fix` will not write (read-only, hard-linked); the message says why."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a file was when it was read for fixing: compared again right before the write."""

    size: int
    mtime_ns: int
    ino: int
    digest: bytes


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino


def read_for_fix(path: str | os.PathLike[str]) -> tuple[bytes, Snapshot]:
    """The file's bytes and a snapshot of them; also removes temporary files a killed
    `--fix` left in its folder."""
    remove_stale_temps(os.path.dirname(os.path.realpath(path)) or ".")
    with open(path, "rb") as f:
        before = os.fstat(f.fileno())
        data = f.read()
        if _stamp(os.fstat(f.fileno())) != _stamp(before) or len(data) != before.st_size:
            raise FileChangedError(os.fspath(path))
    return data, Snapshot(*_stamp(before), hashlib.sha256(data).digest())


TEMP_NAME = re.compile(r"^\..+\.sftlint-(\d+)-[A-Za-z0-9_]+\.tmp$")


def _temp_prefix(name: str) -> str:
    return f".{name}.sftlint-{os.getpid()}-"


def remove_stale_temps(folder: str) -> None:
    """Remove our temporary files whose process is gone (a kill -9 during a write)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        m = TEMP_NAME.match(name)
        if m is None or _alive(int(m.group(1))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def write_fixed(path: str | os.PathLike[str], read: Snapshot, data: bytes) -> None:
    """Replace the file's contents with `data` in one step, if it is still as `read`.

    A temporary file in the same folder gets the file's mode, owner, group and user
    xattrs, then replaces it; a crash leaves the old or the new file. Raises
    FileChangedError when the file changed since it was read (it is left alone), and
    FixRefused for a read-only or hard-linked file.
    """
    path = os.fspath(path)
    real = os.path.realpath(path)  # write through a symlink, keep the link
    st = os.stat(real)
    if not st.st_mode & 0o222:
        raise FixRefused(errno.EACCES, "read-only file, not fixed", path)
    if st.st_nlink > 1:
        raise FixRefused(
            errno.EMLINK,
            f"has {st.st_nlink} hard links; replacing it would split them, not fixed",
            path,
        )
    folder = os.path.dirname(real) or "."
    fd, tmp = tempfile.mkstemp(
        prefix=_temp_prefix(os.path.basename(real)), suffix=".tmp", dir=folder
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            _copy_metadata(st, real, f.fileno())
            os.fsync(f.fileno())
        with open(real, "rb") as old:
            # Last look before the replace: the same size, time and bytes as when read.
            now = os.fstat(old.fileno())
            if _stamp(now) != (read.size, read.mtime_ns, read.ino) or (
                hashlib.sha256(old.read()).digest() != read.digest
            ):
                raise FileChangedError(path)
            os.replace(tmp, real)
            # A writer that appended in the instant between that look and the replace
            # wrote to the old file: carry its bytes over.
            grown = os.fstat(old.fileno()).st_size
            if grown > read.size:
                with open(real, "ab") as new:
                    new.write(os.pread(old.fileno(), grown - read.size, read.size))
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _copy_metadata(st: os.stat_result, source: str, fd: int) -> None:
    os.fchmod(fd, stat.S_IMODE(st.st_mode))
    with contextlib.suppress(PermissionError):  # only root may give a file away
        os.fchown(fd, st.st_uid, st.st_gid)
    if not hasattr(os, "listxattr"):
        return
    with contextlib.suppress(OSError):  # a file system without xattrs
        for name in os.listxattr(source):
            if name.startswith("user."):
                os.setxattr(fd, name, os.getxattr(source, name))
