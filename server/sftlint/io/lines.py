"""Lines of a JSON Lines file with a bound on how long one may be.

A file with no newline (a 2 GB blob, /dev/zero) would otherwise be read into memory as
one line. A line longer than the bound is skipped in bounded pieces and stands in the
stream as a `LongLine`: empty bytes that remember how long the line was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

DEFAULT_MAX_LINE_BYTES = 64 << 20
_SKIP_CHUNK = 1 << 20


class LongLine(bytes):
    """A line longer than the bound, not kept: `length` bytes (with its newline, if any)."""

    length: int

    def __new__(cls, length: int) -> LongLine:
        line = super().__new__(cls, b"")
        line.length = length
        return line


def line_length(line: bytes) -> int:
    return line.length if isinstance(line, LongLine) else len(line)


def bounded_lines(f: IO[bytes], limit: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[bytes]:
    """The lines of `f` (split on b"\\n" only, each with its newline); a line longer than
    `limit` bytes (newline excluded) is a LongLine."""
    readline = f.readline
    while line := readline(limit + 1):  # room for the newline of a line of `limit` bytes
        if len(line) - line.endswith(b"\n") <= limit:
            yield line
            continue
        length = len(line)
        while not line.endswith(b"\n"):
            line = readline(_SKIP_CHUNK)
            if not line:
                break
            length += len(line)
        yield LongLine(length)


class LineTooLong(ValueError):
    """A stream held a line longer than the bound; it was not read to its end."""


def read_bounded(f: IO[bytes], limit: int = DEFAULT_MAX_LINE_BYTES) -> bytes:
    """All of `f` (standard input), or LineTooLong as soon as the line still being read
    passes `limit` bytes: `- < /dev/zero` stops there instead of filling memory. (A long
    line that ended is read; the reader reports it, J013.)"""
    chunks: list[bytes] = []
    since_newline = 0
    while chunk := f.read(1 << 20):
        chunks.append(chunk)
        nl = chunk.rfind(b"\n")
        since_newline = len(chunk) - nl - 1 if nl >= 0 else since_newline + len(chunk)
        if since_newline > limit:
            raise LineTooLong(f"a line longer than max-line-bytes ({limit:,}): not read")
    return b"".join(chunks)
