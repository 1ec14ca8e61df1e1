"""How `sftlint serve` talks: stdio, TCP or WebSocket, each read by `framing.serve_stream`.

These replace pygls's `start_io` / `start_tcp` / `start_ws` (their loop is pygls's
`run_async`, see framing.py) and add what a socket needs that a pipe does not: one client
at a time (a second connection is closed at once; it never sees or ends the first one's
session), a first message that must be `initialize` (so an HTTP request or anything else
closes its connection before any handler runs), an optional shared token in
`initializationOptions.token`, and for WebSocket no browser `Origin` at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import sys
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pygls.io_ import StdinAsyncReader, StdoutWriter

from sftlint.lsp.framing import MAX_HEADER_LINE, MAX_MESSAGE_BYTES, serve_stream

log = logging.getLogger("sftlint.lsp")


class _Stdin(StdinAsyncReader):
    """pygls's stdin reader with a bounded readline (a 3 GB line is not read into memory)."""

    def readline(self):
        return self.loop.run_in_executor(self.executor, self.stdin.readline, MAX_HEADER_LINE + 1)


class Session:
    """The one client a socket server serves; `admit` sees each connection's first message."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.busy = False

    def admit(self, message: Any) -> bool:
        if self.busy or getattr(message, "method", None) != "initialize":
            return False
        if self.token is not None:
            options = getattr(message.params, "initialization_options", None)
            given = options.get("token") if isinstance(options, dict) else None
            if not isinstance(given, str) or not hmac.compare_digest(given, self.token):
                return False
        self.busy = True
        return True


def run_stdio(server: Any) -> int:
    """Serve over stdin/stdout; the exit code: 0 after shutdown + exit, 1 otherwise."""
    server._stop_event = stop = threading.Event()
    # stdin gets its own thread: the server's pool may be busy with a long mask pass.
    reader = _Stdin(sys.stdin.buffer, ThreadPoolExecutor(1, thread_name_prefix="stdin"))
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    try:
        why = asyncio.run(serve_stream(reader, server.protocol, stop))
    except SystemExit as done:  # pygls's `exit` handler: 0 after shutdown, 1 without
        return done.code if isinstance(done.code, int) else 1
    except BrokenPipeError:
        log.error("sftlint: the client is gone")
        return 1
    return 1 if why is not None or not server.shut_down else 0


def run_tcp(server: Any, host: str, port: int, token: str | None) -> int:
    server._stop_event = stop = threading.Event()
    session = Session(token)
    listener: Any = None  # the asyncio server, once main() has started it

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        if session.busy:
            log.warning("sftlint: refused a second connection from %s", peer)
            writer.close()
            return

        def admit(message: Any) -> bool:
            if not session.admit(message):
                return False
            server.protocol.set_writer(writer)
            return True

        why = await serve_stream(reader, server.protocol, stop, admit)
        writer.close()
        if session.busy and why != "not admitted":  # the session's own connection ended
            listener.close()

    async def main() -> None:
        nonlocal listener
        # asyncio's own line limit guards header lines; bodies are read by the chunk
        listener = await asyncio.start_server(connection, host, port, limit=MAX_HEADER_LINE + 1)
        log.info("sftlint: serving LSP on %s:%s", host, port)
        await _serve_until_closed(listener)

    return _run(server, main)


def run_ws(server: Any, host: str, port: int, token: str | None) -> int:
    import json

    from pygls.io_ import WebSocketWriter
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed

    session = Session(token)
    server._stop_event = threading.Event()
    listener: Any = None  # the WebSocket server, once main() has started it

    async def connection(ws: ServerConnection) -> None:
        if session.busy:
            log.warning("sftlint: refused a second WebSocket connection")
            await ws.close(1013, "sftlint serves one client at a time")
            return
        first = True
        try:
            async for data in ws:
                try:
                    message = json.loads(data, object_hook=server.protocol.structure_message)
                except Exception:
                    log.exception("sftlint: a message that is not JSON-RPC was dropped")
                    continue
                if first:
                    if not session.admit(message):
                        await ws.close(1008, "not admitted")
                        return
                    server.protocol.set_writer(WebSocketWriter(ws), include_headers=False)
                    first = False
                server.protocol.handle_message(message)
        except ConnectionClosed:
            pass
        if not first:
            listener.close()

    async def main() -> None:
        nonlocal listener
        # origins=[None]: only clients that send no Origin, i.e. not a web page in a browser.
        listener = await serve(connection, host, port, origins=[None], max_size=MAX_MESSAGE_BYTES)
        await _serve_until_closed(listener)

    return _run(server, main)


async def _serve_until_closed(listener: Any) -> None:
    """Accept connections until the listener is closed (the session ended)."""
    async with listener:
        with contextlib.suppress(asyncio.CancelledError):
            await listener.serve_forever()


def _run(server: Any, main: Callable[[], Coroutine[Any, Any, None]]) -> int:
    """Run a socket server to its end; the exit code: 0 after shutdown + exit, 1 otherwise
    (pygls's `exit` handler raises SystemExit with it)."""
    try:
        asyncio.run(main())
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    return 0 if server.shut_down else 1
