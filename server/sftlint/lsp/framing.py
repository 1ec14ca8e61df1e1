"""The LSP base protocol read strictly: one message at a time, within a size limit.

pygls's own loop (`pygls.io_.run_async`) matches only `Content-Length: N\\r\\n` and skips
every other line, so one malformed frame leaves it reading bodies as headers for good
(alive and deaf), an HTTP request is answered (it skips the request line and takes HTTP's
own Content-Length), and a huge Content-Length is allocated before any body byte arrives.
This loop replaces it: a header line is `Name: value` with only the two names LSP defines
(any case, CRLF or LF), anything else ends the connection with a log line (over stdio the
server exits so the client restarts it: after a bad length there is no next header to
resynchronise on), and a body is read in chunks up to `MAX_MESSAGE_BYTES`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger("sftlint.lsp")

# VS Code hands no file over 50 MB to an extension; its didOpen, JSON-escaped, stays well below.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_HEADER_LINE = 4096
CHUNK = 1024 * 1024  # a body is read (and allocated) as it arrives, a chunk at a time
HEADERS = (b"content-length", b"content-type")


class FrameError(Exception):
    """The stream is not LSP framing (or no longer is): the connection cannot go on."""


class Reader(Protocol):
    """asyncio's StreamReader, or pygls's stdin reader."""

    def readline(self) -> Awaitable[bytes]: ...

    def readexactly(self, n: int) -> Awaitable[bytes]: ...


def _shown(line: bytes) -> str:
    return repr(line[:80]) + ("..." if len(line) > 80 else "")


async def read_message(reader: Reader) -> bytes | None:
    """The next message's body, or None where the stream ends between messages."""
    length: int | None = None
    started = False
    while True:
        try:
            line = await reader.readline()
        except ValueError:  # asyncio's reader: a line past its limit
            raise FrameError("a header line too long to be LSP") from None
        if not line:
            if not started:
                return None
            raise FrameError("the stream ended inside a message's header")
        if len(line) > MAX_HEADER_LINE or not line.endswith(b"\n"):
            raise FrameError(f"not an LSP header line: {_shown(line)}")
        text = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        if not text:
            if not started:
                continue  # a stray blank line between messages
            if length is None:
                raise FrameError("a message header without Content-Length")
            break
        started = True
        name, colon, value = text.partition(b":")
        name = name.strip().lower()
        if not colon or name not in HEADERS:
            raise FrameError(f"not an LSP header line: {_shown(line)}")
        if name == b"content-length":
            value = value.strip()
            if length is not None or not value.isdigit():
                raise FrameError(f"a bad Content-Length: {_shown(line)}")
            length = int(value)
            if length > MAX_MESSAGE_BYTES:
                raise FrameError(
                    f"a message of {length} bytes announced, over the limit of {MAX_MESSAGE_BYTES}"
                )
    body = bytearray()
    while len(body) < length:
        want = min(CHUNK, length - len(body))
        try:
            chunk = await reader.readexactly(want)
        except asyncio.IncompleteReadError as err:
            chunk = err.partial
        if len(chunk) < want:
            raise FrameError(f"the stream ended inside a message of {length} bytes")
        body += chunk
    return bytes(body)


async def serve_stream(
    reader: Reader,
    protocol: Any,
    stop: threading.Event,
    admit: Callable[[Any], bool] | None = None,
) -> str | None:
    """Hand each message to `protocol` until the stream ends (None) or is not LSP (why).

    `admit` sees the first message; False ends the connection before anything runs.
    """
    while not stop.is_set():
        try:
            body = await read_message(reader)
        except FrameError as err:
            log.error("sftlint: connection dropped: %s", err)
            return str(err)
        if body is None:
            return None
        try:
            message = json.loads(body, object_hook=protocol.structure_message)
        except Exception:  # in sync with the stream still: drop this one message
            log.exception("sftlint: a message that is not JSON-RPC was dropped")
            continue
        if admit is not None:
            if not admit(message):
                log.error("sftlint: connection refused: its first message was not admitted")
                return "not admitted"
            admit = None
        try:
            protocol.handle_message(message)
        except Exception:
            log.exception("sftlint: unable to handle a message")
    return None
