"""`--fix` never loses a byte: concurrent writers, kill -9, metadata, links, read-only."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from bounded import GOOD_ROW, popen, run

# A blank line (J007, a safe fix) between two rows: --fix removes one byte.
FIXABLE = GOOD_ROW + b"\n" + GOOD_ROW.replace(b"hi", b"yo")
FIXED = GOOD_ROW + GOOD_ROW.replace(b"hi", b"yo")


def rows(n: int, blank: bytes = b"\n") -> bytes:
    """`n` distinct rows, each followed by `blank` (a blank line: J007, fixable)."""
    return b"".join(GOOD_ROW.replace(b'"hi"', f'"row {i}"'.encode()) + blank for i in range(n))


def test_a_file_appended_to_during_fix_loses_no_row(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(rows(500))
    appended: list[bytes] = []
    stop = threading.Event()

    def append() -> None:  # another process's `echo ROW >> d.jsonl`, again and again
        n = 0
        while not stop.is_set():
            row = GOOD_ROW.replace(b'"hi"', f'"appended {n}"'.encode())
            with open(path, "ab") as f:
                f.write(row)
            appended.append(row)
            n += 1
            stop.wait(0.001)

    writer = threading.Thread(target=append)
    writer.start()
    try:
        codes = [run(["check", "--fix", "d.jsonl"], tmp_path).returncode for _ in range(4)]
    finally:
        stop.set()
        writer.join()
    data = path.read_bytes()
    lost = [row for row in appended if row not in data]
    assert lost == [] and len(appended) > 0
    assert set(codes) <= {0, 1, 2}


def test_a_file_that_changed_is_left_alone_with_exit_2(tmp_path: Path) -> None:
    from sftlint.engine import fixes
    from sftlint.io.regular import FileChangedError

    path = tmp_path / "d.jsonl"
    path.write_bytes(FIXABLE)
    _, snapshot = fixes.read_for_fix(path)
    with open(path, "r+b") as f:  # same size, other bytes
        f.write(b"[")
    os.utime(path, ns=(snapshot.mtime_ns, snapshot.mtime_ns))  # even the same time
    with pytest.raises(FileChangedError):
        fixes.write_fixed(path, snapshot, FIXED)
    assert path.read_bytes() == b"[" + FIXABLE[1:]
    assert [p.name for p in tmp_path.iterdir()] == ["d.jsonl"]


def test_kill_9_during_fix_leaves_old_or_new_and_no_litter(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    original = rows(2000)
    fixed = rows(2000, blank=b"")
    for i in range(6):
        path.write_bytes(original)
        proc = popen(["check", "--fix", "d.jsonl"], tmp_path)
        time.sleep(0.2 + 0.25 * i)  # from before the read to after the write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert path.read_bytes() in (original, fixed)
    # The next run removes what a killed one left behind (its process is gone).
    r = run(["check", "--fix", "d.jsonl"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl"]
    assert path.read_bytes() == fixed


def test_a_stale_temp_file_of_ours_is_removed_and_others_are_not(tmp_path: Path) -> None:
    dead = 2**22 + 12345  # above the default pid_max: no such process
    ours = tmp_path / f".d.jsonl.sftlint-{dead}-abc123.tmp"
    live = tmp_path / f".d.jsonl.sftlint-{os.getpid()}-abc123.tmp"
    other = tmp_path / ".d.jsonl.12345.tmp"
    for p in (ours, live, other):
        p.write_bytes(b"x")
    (tmp_path / "d.jsonl").write_bytes(FIXABLE)
    run(["check", "--fix", "d.jsonl"], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "d.jsonl"])


def test_fix_keeps_mode_owner_group_and_xattrs(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(FIXABLE)
    path.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(path, 1234, 5678)  # another user's file, fixed by root
    try:
        os.setxattr(path, "user.origin", b"hub")
        xattrs = True
    except OSError:
        xattrs = False  # a file system without user xattrs
    before = path.stat()
    r = run(["check", "--fix", "d.jsonl"], tmp_path)
    assert r.returncode == 0, r.stderr
    after = path.stat()
    assert path.read_bytes() == FIXED
    assert after.st_ino != before.st_ino  # replaced, not rewritten in place
    assert (after.st_mode, after.st_uid, after.st_gid) == (
        before.st_mode,
        before.st_uid,
        before.st_gid,
    )
    if xattrs:
        assert os.getxattr(path, "user.origin") == b"hub"


def test_a_read_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(FIXABLE)
    path.chmod(0o444)
    r = run(["check", "--fix", "d.jsonl"], tmp_path)
    assert r.returncode == 2
    assert r.stderr == "sftlint: error: d.jsonl: read-only file, not fixed\n"
    assert path.read_bytes() == FIXABLE


def test_a_hard_linked_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(FIXABLE)
    os.link(path, tmp_path / "other-name")
    r = run(["check", "--fix", "d.jsonl"], tmp_path)
    assert r.returncode == 2
    assert r.stderr == (
        "sftlint: error: d.jsonl: has 2 hard links; replacing it would split them, not fixed\n"
    )
    assert path.read_bytes() == FIXABLE == (tmp_path / "other-name").read_bytes()


def test_a_symlink_is_fixed_through_and_kept(tmp_path: Path) -> None:
    (tmp_path / "real.jsonl").write_bytes(FIXABLE)
    (tmp_path / "link.jsonl").symlink_to("real.jsonl")
    r = run(["check", "--fix", "link.jsonl"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "link.jsonl").is_symlink()
    assert (tmp_path / "real.jsonl").read_bytes() == FIXED


def _apply_json_edits(text: str, edits: list[dict]) -> str:
    """Apply `--format json` edits the way a consumer does: rows and columns 1-based,
    columns in characters of the file read as UTF-8."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def at(loc: dict) -> int:
        return starts[loc["row"] - 1] + loc["column"] - 1

    for e in sorted(edits, key=lambda e: at(e["location"]), reverse=True):
        text = text[: at(e["location"])] + e["content"] + text[at(e["end_location"]) :]
    return text


def test_json_fix_edits_are_exactly_what_fix_applies(tmp_path: Path) -> None:
    # A BOM (J006) and a blank line (J007): both safe fixes.
    original = b"\xef\xbb\xbf" + FIXABLE
    (tmp_path / "d.jsonl").write_bytes(original)
    r = run(["check", "--format", "json", "--select", "J", "d.jsonl"], tmp_path)
    findings = json.loads(r.stdout)
    assert [f["code"] for f in findings] == ["J006", "J007"]
    edits = [e for f in findings for e in f["fix"]["edits"]]
    by_json = _apply_json_edits(original.decode("utf-8"), edits).encode("utf-8")
    r = run(["check", "--fix", "--select", "J", "d.jsonl"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "d.jsonl").read_bytes() == by_json == FIXED


def test_a_write_failure_says_cannot_write_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(FIXABLE)
    # A file-size limit below the fixed file: the write fails (EFBIG) as a full disk would.
    r = run(["check", "--fix", "d.jsonl"], tmp_path, prefix=["prlimit", "--fsize=64"])
    assert r.returncode == 2
    assert r.stderr == "sftlint: error: d.jsonl: cannot write: File too large\n"
    assert path.read_bytes() == FIXABLE
    assert [p.name for p in tmp_path.iterdir()] == ["d.jsonl"]
