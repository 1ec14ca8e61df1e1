"""Bounded line reading: the lines of `bytes.split(b"\\n")`, a long one as a LongLine."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sftlint.io.lines import LineTooLong, LongLine, bounded_lines, line_length, read_bounded
from sftlint.io.regular import FileBytes, FileChangedError


def _expected(data: bytes, limit: int) -> list[bytes]:
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return [LongLine(len(x)) if len(x.rstrip(b"\n")) > limit else x for x in lines]


@given(st.binary(max_size=200).map(lambda b: b.replace(b"\x01", b"\n")), st.integers(1, 12))
def test_bounded_lines_split_as_trainers_do(data: bytes, limit: int) -> None:
    got = list(bounded_lines(io.BytesIO(data), limit))
    expected = _expected(data, limit)
    assert got == expected
    assert [type(x) for x in got] == [type(x) for x in expected]
    assert [line_length(x) for x in got] == [line_length(x) for x in expected]


@given(
    st.binary(max_size=300).map(lambda b: b.replace(b"\x01", b"\n")),
    st.integers(1, 12),
    st.integers(1, 16),
    st.integers(0, 320),
)
def test_bounded_lines_over_blocks_and_a_size(
    data: bytes, limit: int, block: int, size: int
) -> None:
    # Lines that cross blocks, long lines that span several, and a part of the stream
    # (`size` bytes, as a worker reads its half) come out as from one split of the part.
    f = io.BytesIO(data + b"tail\n")
    got = list(bounded_lines(f, limit, size, block=block))
    part = data[:size] if size <= len(data) else data + b"tail\n"[: size - len(data)]
    expected = _expected(part, limit)
    assert got == expected
    assert [type(x) for x in got] == [type(x) for x in expected]
    assert [line_length(x) for x in got] == [line_length(x) for x in expected]
    assert f.tell() == len(part)


def test_a_line_of_exactly_the_limit_is_read() -> None:
    assert list(bounded_lines(io.BytesIO(b"1234\n12345\n1234"), 4)) == [
        b"1234\n",
        LongLine(6),
        b"1234",
    ]
    assert [line_length(x) for x in bounded_lines(io.BytesIO(b"12345"), 4)] == [5]


def test_read_bounded_stops_when_an_unfinished_line_passes_the_limit() -> None:
    # A long line that is complete in memory is the reader's J013; one still growing
    # (`- < /dev/zero`) stops the read.
    assert read_bounded(io.BytesIO(b"ab\ncde\n"), 2) == b"ab\ncde\n"
    with pytest.raises(LineTooLong, match=r"^a line longer than max-line-bytes \(2\): not read$"):
        read_bounded(io.BytesIO(b"ab\ncde"), 2)


def test_file_bytes_that_shrank_raise_file_changed(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"0123456789\n" * 10)
    with open(path, "rb") as f:
        data = FileBytes(f.fileno(), str(path))
        assert data[11:21] == b"0123456789"
        assert data.find(b"\n", 50) == 54
        os.truncate(path, 30)
        with pytest.raises(FileChangedError, match="file changed while it was read"):
            _ = data[44:54]
        with pytest.raises(FileChangedError):
            data.check_unchanged()


def test_check_path_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    from sftlint.engine.engine import check_path
    from sftlint.settings import Settings

    os.mkfifo(tmp_path / "f.jsonl")
    with pytest.raises(OSError, match=r"is a FIFO \(named pipe\), not a regular file"):
        check_path(tmp_path / "f.jsonl", Settings())
