"""Zstandard-compressed JSON Lines (`.jsonl.zst`), decompressed as a stream with the
`zstandard` package (an optional extra: `pip install 'sftlint[zstd]'`).
"""

from __future__ import annotations

import io
import os
from typing import IO, Any

from sftlint.io import reader
from sftlint.io.columnar import MissingDependency

ZST_SUFFIXES = tuple(s + ".zst" for s in reader.JSONL_SUFFIXES)
INSTALL_HINT = "reading .zst files needs zstandard: pip install 'sftlint[zstd]'"


def is_zst_jsonl(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path).lower().endswith(ZST_SUFFIXES)


def _zstandard() -> Any:
    try:
        import zstandard
    except ImportError:
        raise MissingDependency(INSTALL_HINT) from None
    return zstandard


def open_zst(path: str) -> IO[bytes]:
    """The decompressed bytes, buffered (`read` and `readline`). Every frame is read:
    `zstd` writes one per input when files are concatenated."""
    raw = open(path, "rb")  # noqa: SIM115 - closed with the stream reader (closefd)
    stream = _zstandard().ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return io.BufferedReader(stream)


def errors() -> tuple[type[Exception], ...]:
    """What a corrupt or truncated file raises while it is read."""
    return (_zstandard().ZstdError,)
