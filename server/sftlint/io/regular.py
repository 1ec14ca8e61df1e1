"""Only regular files are read: a FIFO blocks forever, a device never ends.

A dataset path (named on the command line, found in a folder, listed in a config) is
stat'ed before it is opened; anything but a regular file (after symlinks) gets one line
saying what it is, and is never read.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO


class FileChangedError(OSError):
    """The file changed (shrank, grew, was replaced) while sftlint read it."""

    def __init__(self, path: str) -> None:
        super().__init__(errno.ESTALE, "file changed while it was read", path)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def why_not_regular(path: str | os.PathLike[str]) -> str | None:
    """Why `path` cannot be read as a dataset file (one phrase), or None when it is a
    regular file (or a symlink to one)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "no such file or directory"
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "symlink loop (too many levels of symbolic links)"
        return f"cannot read: {err.strerror or err}"
    return None if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)


def is_regular(path: str | os.PathLike[str]) -> bool:
    return why_not_regular(path) is None


class FileBytes:
    """The bytes of an open file, read by offset as they are needed (`data[a:b]`,
    `data.find`). A shrinking memory map kills the process with SIGBUS; a short read
    here is FileChangedError instead."""

    def __init__(self, fd: int, path: str) -> None:
        self.fd = fd
        self.path = path
        st = os.fstat(fd)
        self.size = st.st_size
        self._stamp = (st.st_size, st.st_mtime_ns, st.st_ino)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: slice) -> bytes:
        start, stop, _ = index.indices(self.size)
        if stop <= start:
            return b""
        data = os.pread(self.fd, stop - start, start)
        if len(data) != stop - start:
            raise FileChangedError(self.path)
        return data

    def find(self, sub: bytes, start: int = 0, chunk: int = 1 << 16) -> int:
        pos = start
        while pos < self.size:
            block = self[pos : min(pos + chunk + len(sub) - 1, self.size)]
            hit = block.find(sub)
            if hit >= 0:
                return pos + hit
            pos += chunk
        return -1

    def check_unchanged(self) -> None:
        """Raise FileChangedError if the file's size or modification time moved since."""
        st = os.fstat(self.fd)
        if (st.st_size, st.st_mtime_ns, st.st_ino) != self._stamp:
            raise FileChangedError(self.path)


def open_regular(path: str) -> BinaryIO:
    """`open(path, "rb")` that never blocks on a FIFO and refuses anything but a regular
    file (OSError with the reason `why_not_regular` gives)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, _kind(mode), path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
