"""Inputs that used to crash or hang the CLI: each is one line naming the path, exit 2.

Every run is bounded in time and memory (see bounded.py).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from bounded import GOOD_ROW, no_traceback, run

OK = "All checks passed! (1 file, 1 row)\n"


@pytest.fixture
def loop(tmp_path: Path) -> Path:
    (tmp_path / "a.jsonl").symlink_to(tmp_path / "b.jsonl")
    (tmp_path / "b.jsonl").symlink_to(tmp_path / "a.jsonl")
    return tmp_path / "a.jsonl"


def test_a_symlink_loop_named_is_one_line(loop: Path) -> None:
    r = run(["check", "a.jsonl"], loop.parent)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "sftlint: error: a.jsonl: symlink loop (too many levels of symbolic links)\n"


def test_a_symlink_loop_in_a_folder_is_one_line_and_the_rest_is_checked(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.jsonl").symlink_to(data / "y.jsonl")
    (data / "y.jsonl").symlink_to(data / "x.jsonl")
    (data / "z.jsonl").write_bytes(GOOD_ROW + b"\n")
    r = run(["check", "data"], tmp_path)
    assert r.returncode == 2
    assert r.stderr == (
        "sftlint: error: data/x.jsonl: symlink loop (too many levels of symbolic links)\n"
        "sftlint: error: data/y.jsonl: symlink loop (too many levels of symbolic links)\n"
    )
    assert r.stdout.splitlines()[0] == (
        "data/z.jsonl:2:1: J007 [*] blank line: `json.loads` fails on it in line-by-line loaders"
    )


def test_a_fifo_named_is_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "f.jsonl")
    for args in (["check", "f.jsonl"], ["check", "--fix", "f.jsonl"]):
        r = run(args, tmp_path)
        assert (r.returncode, r.stdout) == (2, "")
        assert r.stderr == "sftlint: error: f.jsonl: is a FIFO (named pipe), not a regular file\n"


def test_a_fifo_in_a_folder_is_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "f.jsonl")
    os.mkfifo(tmp_path / "g.json")
    (tmp_path / "z.jsonl").write_bytes(GOOD_ROW)
    for args in (["check", "."], ["check", "--fix", "."]):
        r = run(args, tmp_path)
        assert (r.returncode, r.stderr, r.stdout.splitlines()[-1]) == (0, "", OK.strip())


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_not_read(tmp_path: Path, device: str) -> None:
    r = run(["check", device], tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"sftlint: error: {device}: is a device, not a regular file\n"


def test_stdin_from_dev_zero_stops_at_the_line_limit(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        r = run(["check", "-"], tmp_path, stdin=zero)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == (
        "sftlint: error: -: a line longer than max-line-bytes (67,108,864): not read\n"
    )


def test_a_file_without_newlines_is_one_finding_in_bounded_memory(tmp_path: Path) -> None:
    # 256 MB of zeros (sparse: no disk) with no newline, read under a 768 MB limit.
    path = tmp_path / "blob.jsonl"
    with open(path, "wb") as f:
        f.truncate(256 << 20)
    r = run(["check", "blob.jsonl"], tmp_path)
    assert (r.returncode, r.stderr) == (1, "")
    assert r.stdout.splitlines()[0] == (
        "blob.jsonl:1:1: J013 line of 268,435,456 bytes is longer than max-line-bytes "
        "(67,108,864): not read"
    )


def test_max_line_bytes_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text("max-line-bytes = 100\n")
    long_row = b'{"text": "' + b"x" * 200 + b'"}\n'
    (tmp_path / "d.jsonl").write_bytes(GOOD_ROW + long_row + GOOD_ROW.replace(b"hi", b"yo"))
    r = run(["check", "d.jsonl", "--select", "J"], tmp_path)
    assert r.stdout == (
        "d.jsonl:2:1: J013 line of 213 bytes is longer than max-line-bytes (100): not read\n"
        "Found 1 problem (1 error) in 1 file, 2 rows.\n"
    )


def _without_dac() -> list[str]:
    """A prefix that runs a command without root's power to enter any folder."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("root without setpriv: every folder can be entered")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


@pytest.mark.parametrize(
    ("mode", "line"),
    [
        (0o000, "./locked: cannot read folder: Permission denied"),
        (0o600, "locked/a.jsonl: cannot read: Permission denied"),  # listable, not searchable
    ],
)
def test_a_folder_without_permission_is_one_line(tmp_path: Path, mode: int, line: str) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.jsonl").write_bytes(GOOD_ROW)
    (tmp_path / "open.jsonl").write_bytes(GOOD_ROW)
    (tmp_path / "locked").chmod(mode)
    try:
        r = run(["check", "."], tmp_path, prefix=_without_dac())
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"sftlint: error: {line}\n".replace("./locked/", "locked/")


def test_a_file_truncated_while_it_is_checked(tmp_path: Path) -> None:
    # Another process truncates and rewrites the file again and again: the check ends
    # with its findings or "file changed while it was read", never SIGBUS.
    path = tmp_path / "d.jsonl"
    content = GOOD_ROW * 10_000  # 0.9 MB
    path.write_bytes(content)
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            with open(path, "r+b") as f:
                f.truncate(len(content) // 3)
            with open(path, "ab") as f:
                f.write(content[len(content) // 3 :])
            stop.wait(0.005)

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        outcomes = set()
        for _ in range(4):
            r = run(["check", "d.jsonl", "--select", "J"], tmp_path)
            no_traceback(r)
            if r.returncode == 2:
                assert r.stderr == (
                    "sftlint: error: d.jsonl: file changed while it was read; check it again\n"
                )
            outcomes.add(r.returncode)
    finally:
        stop.set()
        writer.join()
    assert outcomes <= {0, 1, 2}
