"""Reading client messages, with a lean path for the text of a big `didOpen`.

pygls parses every message with `json.loads`: a 128 MB `didOpen` becomes one Python
string of the whole text (4 bytes a character as soon as one emoji is in it: 510 MB for
the 128 MB benchmark file), which the document then encodes and splits again. Here the
text of a big `didOpen` is cut out of the raw message and decoded line by line into the
document's list of UTF-8 lines; the rest of the message goes through pygls as usual, with
an empty text, and `take_lines` hands the lines to the `didOpen` handler. Peak memory is
then the message bytes plus the lines.

Everything else is pygls's own loop (`pygls.io_.run_async`): read headers, read the body,
parse, handle.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import threading
from collections.abc import Callable
from typing import Any

import orjson
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdinAsyncReader, StdoutWriter

from sftlint.lsp.documents import encode

log = logging.getLogger("sftlint.lsp")

BIG = 1 << 20  # bodies from this size on may take the lean path
_CONTENT_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")
_TEXT_KEY = re.compile(rb'"text"\s*:\s*"')
_ESCAPE_NEWLINE = b"\\n"
CHUNK = 1 << 20  # bytes of escaped text decoded at once

_preloaded: dict[tuple[str, int], list[bytes]] = {}


def take_lines(uri: str, version: int) -> list[bytes] | None:
    """The lines of a `didOpen` whose text was read by the lean path (once)."""
    return _preloaded.pop((uri, version), None)


def parse(protocol: Any, body: bytes) -> Any:
    """A message as pygls's `json.loads(body, object_hook=protocol.structure_message)`."""
    if len(body) >= BIG and b'"textDocument/didOpen"' in body[:4096] + body[-4096:]:
        split = _split_text(body)
        if split is not None:
            rest, lines = split
            message = json.loads(rest, object_hook=protocol.structure_message)
            params = getattr(message, "params", None)
            if (
                isinstance(params, lsp.DidOpenTextDocumentParams)
                and params.text_document.text == ""
            ):
                item = params.text_document
                _preloaded.clear()  # handled right after parsing: never more than one
                _preloaded[(item.uri, item.version)] = lines
                return message
    return json.loads(body, object_hook=protocol.structure_message)


def _split_text(body: bytes) -> tuple[bytes, list[bytes]] | None:
    """(the message with `"text": ""`, the text's lines as UTF-8), or None if the text
    cannot be cut out (then the caller parses the message as usual)."""
    at = body.find(b'"text"')
    while at >= 0:
        # A key: a structural quote after `{` or `,` (inside strings quotes are escaped).
        key = _TEXT_KEY.match(body, at)
        if key is not None and body[:at].rstrip()[-1:] in (b"{", b","):
            found = _decode_lines(body, key.end())
            if found is None:
                return None
            end, lines = found
            return body[: key.end()] + body[end:], lines
        at = body.find(b'"text"', at + 1)
    return None


def _escaped(body: bytes, at: int, floor: int) -> bool:
    """Whether the byte at `at` is escaped: an odd number of backslashes before it."""
    n = 0
    while at - n - 1 >= floor and body[at - n - 1] == 0x5C:
        n += 1
    return n % 2 == 1


def _decode_lines(body: bytes, start: int) -> tuple[int, list[bytes]] | None:
    """Decode the JSON string starting at `start` (after its quote) into its lines, as
    UTF-8: (offset of the closing quote, lines). Decoded a megabyte at a time, each piece
    ending at a `\\n` escape (one C call decodes it, another splits it)."""
    lines: list[bytes] = []
    begin = start
    while True:
        nl = body.find(_ESCAPE_NEWLINE, begin + CHUNK)
        while nl >= 0 and _escaped(body, nl, start):  # `\\\\n`: a backslash, then "n"
            nl = body.find(_ESCAPE_NEWLINE, nl + 2)
        if nl < 0:
            break
        piece = _decode(body[begin:nl])
        if piece is None:
            break  # a quote ends the string in this piece
        lines.extend(piece.split(b"\n"))
        begin = nl + 2
    end = _closing_quote(body, begin)
    piece = None if end is None else _decode(body[begin:end])
    if end is None or piece is None:
        return None
    lines.extend(piece.split(b"\n"))
    return end, lines


def _decode(escaped: bytes) -> bytes | None:
    """The UTF-8 bytes of a JSON string's inside; None if it is not one string."""
    quoted = b'"' + escaped + b'"'
    try:
        text = orjson.loads(quoted)
    except orjson.JSONDecodeError:
        try:
            text = json.loads(quoted)  # lone surrogates, which orjson refuses
        except ValueError:
            return None
    return encode(text) if isinstance(text, str) else None


def _closing_quote(body: bytes, start: int) -> int | None:
    """Offset of the first `"` from `start` that no backslash escapes."""
    at = start
    while True:
        q = body.find(b'"', at)
        if q < 0:
            return None
        if not _escaped(body, q, start):
            return q
        at = q + 1


async def run_async(
    stop_event: threading.Event,
    reader: Any,
    protocol: Any,
    error_handler: Callable[[Exception, type[JsonRpcException]], Any] | None = None,
) -> None:
    """pygls's `run_async` with `parse` for the body (and the body let go of at once)."""
    content_length = 0
    while not stop_event.is_set():
        header = await reader.readline()
        if not header:
            break
        if not content_length:
            match = _CONTENT_LENGTH.fullmatch(header)
            if match:
                content_length = int(match.group(1))
        if content_length and not header.strip():
            body = await reader.readexactly(content_length)
            if not body:
                break
            try:
                message = parse(protocol, body)
                del body  # 128 MB for a big didOpen: not kept while the document is linted
                protocol.handle_message(message)
            except Exception as exc:
                log.exception("Unable to handle message")
                if error_handler:
                    error_handler(exc, JsonRpcException)
            finally:
                content_length = 0


def start_io(server: Any) -> None:
    """`server.start_io()` over stdin/stdout, reading messages with `run_async` above."""
    server._stop_event = stop = threading.Event()
    reader = StdinAsyncReader(sys.stdin.buffer, server.thread_pool)
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    try:
        asyncio.run(run_async(stop, reader, server.protocol, server.report_server_error))
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()
