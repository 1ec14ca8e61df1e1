"""Lines of a JSON Lines file with a bound on how long one may be.

A file with no newline (a 2 GB blob, /dev/zero) would otherwise be read into memory as
one line. A line longer than the bound is skipped in bounded pieces and stands in the
stream as a `LongLine`: empty bytes that remember how long the line was.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from itertools import chain
from typing import IO

DEFAULT_MAX_LINE_BYTES = 64 << 20
_SKIP_CHUNK = 1 << 20
_BLOCK = 1 << 20
# Lines handed over a list at a time: a list of ~200 rows' bytes stays in the CPU's cache
# while each row is checked (1 MiB lists are measurably slower).
_CHUNK_BLOCK = 1 << 18


class LongLine(bytes):
    """A line longer than the bound, not kept: `length` bytes (with its newline, if any)."""

    length: int

    def __new__(cls, length: int) -> LongLine:
        line = super().__new__(cls, b"")
        line.length = length
        return line


class Block(list[bytes]):
    """A block's lines, with `data`: the same lines joined (a LongLine counting as b"")."""

    __slots__ = ("data",)

    def __init__(self, lines: Iterable[bytes], data: bytes | None = None) -> None:
        super().__init__(lines)
        self.data = b"".join(self) if data is None else data


def line_length(line: bytes) -> int:
    return line.length if isinstance(line, LongLine) else len(line)


def bounded_lines(
    f: IO[bytes],
    limit: int = DEFAULT_MAX_LINE_BYTES,
    size: int = sys.maxsize,
    *,
    block: int = _BLOCK,
) -> Iterator[bytes]:
    """The lines of the next `size` bytes of `f` (split on b"\\n" only, each with its
    newline); a line longer than `limit` bytes (newline excluded) is a LongLine."""
    # Split a block at a time in C and chained: a Python step per line costs as much as
    # the reading itself.
    return chain.from_iterable(_line_blocks(f, limit, size, block))


def bounded_chunks(
    f: IO[bytes],
    limit: int = DEFAULT_MAX_LINE_BYTES,
    size: int = sys.maxsize,
    *,
    block: int = _CHUNK_BLOCK,
) -> Iterator[Block]:
    """`bounded_lines`, a block of about `block` bytes at a time: each block's lines in a
    list, split in C (no Python step per line to group them), with the bytes they were
    split from (the control-token scan reads those without joining the lines again)."""
    for lines in _line_blocks(f, limit, size, block):
        if isinstance(lines, list):
            yield Block(lines)
        else:
            yield Block(lines, lines.getvalue())


def _line_blocks(
    f: IO[bytes], limit: int, size: int, block: int
) -> Iterator[BytesIO | list[bytes]]:
    read, readline = f.read, f.readline
    while size > 0 and (data := read(min(block, size))):
        if data[-1:] != b"\n":  # finish the block's last line, up to the bound
            data += readline(min(limit + 1, size - len(data)))
        size -= len(data)
        if len(data) <= limit:  # no line of it can be long (the usual case: C iteration)
            yield BytesIO(data)
            continue
        lines = BytesIO(data).readlines()
        if max(map(len, lines)) > limit:
            lines = [LongLine(len(x)) if len(x) - x.endswith(b"\n") > limit else x for x in lines]
            last = lines[-1]
            if last.__class__ is LongLine and not data.endswith(b"\n"):
                skipped = _skip_line(readline, size)  # not read to its end: skip the rest
                last.length += skipped
                size -= skipped
        yield lines


def _skip_line(readline: Callable[[int], bytes], size: int) -> int:
    """Read to the end of the current line (at most `size` bytes); how many bytes that was."""
    skipped = 0
    while size > skipped:
        piece = readline(min(_SKIP_CHUNK, size - skipped))
        skipped += len(piece)
        if not piece or piece.endswith(b"\n"):
            break
    return skipped


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
