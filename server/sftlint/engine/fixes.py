"""Applying fixes: edits replace byte ranges of a file; every other byte stays as it was.

`check --fix` takes the first safe fix of each finding whose edits all stay in the
finding's own file, drops fixes that overlap one already taken, applies the rest in
one pass, and writes the file atomically (a temporary file in the same folder, then
`os.replace`), keeping its permissions.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

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


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the file's contents in one step; a crash leaves the old or the new file."""
    path = os.fspath(path)
    real = os.path.realpath(path)  # write through a symlink, keep the link
    folder = os.path.dirname(real) or "."
    mode = stat.S_IMODE(os.stat(real).st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
