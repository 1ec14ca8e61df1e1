"""Reading client messages, with a lean path for the text of a big `didOpen`.

pygls parses every message with `json.loads`: a 128 MB `didOpen` becomes one Python
string of the whole text (4 bytes a character as soon as one emoji is in it: 510 MB for
the 128 MB benchmark file), which the document then encodes and splits again. Here the
text of a big `didOpen` is cut out of the raw message and decoded line by line into the
document's list of UTF-8 lines; the rest of the message goes through pygls as usual, with
an empty text, and `take_lines` hands the lines to the `didOpen` handler. Peak memory is
then the lines and a few megabytes of the message: a big body is read a few megabytes at
a time and the text decoded while the rest arrives (`_read_big`), so decoding costs no
extra time, and the decoded part of a `didOpen`'s body is freed as it goes.

While the text of a big `didOpen` is decoded, its first part is streamed to the lint helper
process, which lints it meanwhile (`early`); `take_early` hands that job to the `didOpen`
handler.

Everything else is pygls's own loop (`pygls.io_.run_async`): read headers, read the body,
parse, handle.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mmap
import re
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdinAsyncReader, StdoutWriter

from sftlint.lsp.documents import encode

if TYPE_CHECKING:
    from sftlint.lsp.early import EarlyLint

log = logging.getLogger("sftlint.lsp")

BIG = 1 << 20  # bodies from this size on may take the lean path
_CONTENT_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")
_TEXT_KEY = re.compile(rb'"text"\s*:\s*"')
_PARAMS_ITEM = re.compile(rb'\{\s*"params"\s*:\s*\{\s*"textDocument"\s*:\s*\{')
_ESCAPE_NEWLINE = b"\\n"
CHUNK = 1 << 20  # bytes of escaped text decoded at once
READ = 4 << 20  # bytes of a big body read at once
HEAD = 4096  # bytes that show whether a big body is a didOpen

# Of a big didOpen's text, what the lint helper takes (from the start: it lints those lines
# while the rest arrives, then this process lints the rest).
HELPER_SHARE = 0.65
_URI = re.compile(rb'"uri"\s*:\s*"((?:[^"\\]|\\.)*)"')
_LANGUAGE_ID = re.compile(rb'"languageId"\s*:\s*"((?:[^"\\]|\\.)*)"')

# Early linting for the didOpen of (uri, languageId, size, split offset), or None
# (`Linting.early_lint`).
EarlyLintFor = Callable[[str, str, int, int], "EarlyLint | None"]

_preloaded: dict[tuple[str, int], list[bytes]] = {}
_early: dict[tuple[str, int], EarlyLint] = {}


def take_lines(uri: str, version: int) -> list[bytes] | None:
    """The lines of a `didOpen` whose text was read by the lean path (once)."""
    return _preloaded.pop((uri, version), None)


def take_early(uri: str, version: int) -> EarlyLint | None:
    """The linting of that `didOpen`'s lines done while it arrived, if any (once)."""
    return _early.pop((uri, version), None)


def parse(
    protocol: Any, body: bytes | bytearray | mmap.mmap, text: _TextReader | None = None
) -> Any:
    """A message as pygls's `json.loads(body, object_hook=protocol.structure_message)`.

    `text`: the text of a `didOpen` as far as it was decoded while the body arrived."""
    if len(body) >= BIG and b'"textDocument/didOpen"' in body[:HEAD] + body[-HEAD:]:
        split = _split_text(body, text)
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
                _forget_early()
                if text is not None and text.early is not None:
                    _early[(item.uri, item.version)] = text.early
                return message
    if text is not None and text.early is not None:
        text.early.abandon()  # no lean didOpen after all
    if isinstance(body, mmap.mmap):
        body = body[:]  # json.loads takes bytes
    return json.loads(body, object_hook=protocol.structure_message)


def _forget_early() -> None:
    for early in _early.values():
        early.abandon()
    _early.clear()


def _text_key(body: bytes | bytearray, stop: int) -> int | None:
    """Offset after the opening quote of the first `"text"` key's string in body[:stop]."""
    at = body.find(b'"text"', 0, stop)
    while at >= 0:
        # A key: a structural quote after `{` or `,` (inside strings quotes are escaped).
        key = _TEXT_KEY.match(body, at, stop)
        if key is not None and body[:at].rstrip()[-1:] in (b"{", b","):
            return key.end()
        at = body.find(b'"text"', at + 1, stop)
    return None


def _split_text(
    body: bytes | bytearray, text: _TextReader | None = None
) -> tuple[bytes | bytearray, list[bytes]] | None:
    """(the message with `"text": ""`, the text's lines as UTF-8), or None if the text
    cannot be cut out (then the caller parses the message as usual)."""
    start = _text_key(body, len(body))
    if start is None:
        return None
    if text is None or text.start != start:
        if text is not None and text.early is not None:
            text.early.abandon()  # it was given the lines of another string
            text.early = None
        text = _TextReader(body, start)
    found = text.finish()
    if found is None:
        return None
    end, lines = found
    return body[:start] + body[end:], lines


def _escaped(body: bytes | bytearray, at: int, floor: int) -> bool:
    """Whether the byte at `at` is escaped: an odd number of backslashes before it."""
    n = 0
    while at - n - 1 >= floor and body[at - n - 1] == 0x5C:
        n += 1
    return n % 2 == 1


class _TextReader:
    """Decodes the JSON string starting at `start` (after its quote) into its lines, as
    UTF-8, a megabyte at a time, each piece ending at a `\\n` escape (one C call decodes
    it, another splits it); `advance` decodes what has arrived of a body still being read.
    """

    def __init__(self, body: bytes | bytearray, start: int) -> None:
        self.body = body
        self.start = start
        self.begin = start  # where the next piece starts
        self.lines: list[bytes] = []
        self.stuck = False  # a piece held the closing quote: `finish` takes it from here
        self.early: EarlyLint | None = None  # gets the lines as they are decoded

    def advance(self, stop: int) -> None:
        """Decode the whole pieces of body[:stop]."""
        body, start = self.body, self.start
        while not self.stuck:
            nl = body.find(_ESCAPE_NEWLINE, self.begin + CHUNK, stop)
            while nl >= 0 and _escaped(body, nl, start):  # `\\\\n`: a backslash, then "n"
                nl = body.find(_ESCAPE_NEWLINE, nl + 2, stop)
            if nl < 0:
                return
            piece = _decode(body[self.begin : nl])
            if piece is None:
                self.stuck = True  # a quote ends the string in this piece
                return
            self.lines.extend(piece.split(b"\n"))
            self.begin = nl + 2
            if self.early is not None:
                self.early.decoded(self.lines, self.begin)  # after a piece, lines are whole

    def finish(self) -> tuple[int, list[bytes]] | None:
        """(offset of the closing quote, lines) once the whole body is there."""
        self.advance(len(self.body))
        end = _closing_quote(self.body, self.begin)
        piece = None if end is None else _decode(self.body[self.begin : end])
        if end is None or piece is None:
            return None
        self.lines.extend(piece.split(b"\n"))
        if self.early is not None:
            self.early.decoded(self.lines, end)
            self.early.end(len(self.lines))
        return end, self.lines


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
    early_lint: EarlyLintFor | None = None,
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
            text = None
            if content_length >= BIG and isinstance(reader, StdinAsyncReader):
                body, text = await _read_big(reader, content_length, early_lint)
            else:
                body = await reader.readexactly(content_length)
            if not body:
                break
            try:
                message = parse(protocol, body, text)
                del body, text  # 128 MB for a big didOpen: not kept while it is linted
                protocol.handle_message(message)
            except Exception as exc:
                log.exception("Unable to handle message")
                if error_handler:
                    error_handler(exc, JsonRpcException)
            finally:
                content_length = 0


def _read_into(stdin: Any, view: memoryview) -> int:
    """Fill `view` from `stdin`; fewer bytes only at the end of the stream."""
    done = 0
    while done < len(view):
        n = stdin.readinto(view[done:])
        if not n:
            break
        done += n
    return done


async def _read_big(
    reader: StdinAsyncReader, size: int, early_lint: EarlyLintFor | None = None
) -> tuple[bytearray | mmap.mmap | bytes, _TextReader | None]:
    """Read a big body a few megabytes at a time (on the reader's thread) and, if it looks
    like a `didOpen`, decode its text meanwhile: the decoding overlaps the transfer. The
    body of a `didOpen` goes into an anonymous mapping whose decoded text is given back to
    the system as it goes (`parse` reads only the head and the tail again): peak memory is
    then the lines, not the lines plus the message. Returns (the body, cut short if the
    stream ended; the text decoded so far or None)."""
    loop = asyncio.get_running_loop()
    head = bytearray(min(size, HEAD))
    got = await loop.run_in_executor(reader.executor, _read_into, reader.stdin, memoryview(head))
    body: bytearray | mmap.mmap = _private(size) if _opens(head) else bytearray(size)
    body[:got] = head[:got]
    view = memoryview(body)
    text: _TextReader | None = None
    freed = 0  # body[:freed] is given back (but for the head, up to the text)
    looking = True  # for the text, in the first HEAD bytes
    try:
        while True:
            if looking and got >= min(size, HEAD):
                # A TextDocumentItem comes: its text key is near the start.
                start = _text_key(body, got) if b'"languageId"' in body[:HEAD] else None
                if start is not None:
                    text = _TextReader(body, start)
                    freed = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE
                    if early_lint is not None:
                        text.early = _early_lint(early_lint, body[:start], start, size)
                looking = start is None and got < 2 * HEAD
            if got >= size:
                break
            part = view[got : min(size, got + READ)]
            pending = loop.run_in_executor(reader.executor, _read_into, reader.stdin, part)
            if text is not None:  # decode while the next part arrives
                text.advance(got)
                if isinstance(body, mmap.mmap):
                    freed = _give_back(body, freed, text.begin)
            n = await pending
            part.release()
            if not n:
                break
            got += n
    finally:
        view.release()
    if got < size:
        return body[:got], text
    return body, text


def _early_lint(early_lint: EarlyLintFor, head: bytes, start: int, size: int) -> EarlyLint | None:
    """Early linting for a didOpen whose text starts at `start` (never raises: without it
    the document is linted when it opens)."""
    item = _item(head)
    if item is None:
        return None
    try:
        return early_lint(*item, size, start + int((size - start) * HELPER_SHARE))
    except Exception:
        log.exception("cannot lint the document while it arrives")
        return None


def _item(head: bytes | bytearray) -> tuple[str, str] | None:
    """(uri, languageId) of the TextDocumentItem whose text starts after `head`, if there."""
    uri, language_id = _URI.search(head), _LANGUAGE_ID.search(head)
    if uri is None or language_id is None:
        return None
    try:
        return json.loads(b'"' + uri[1] + b'"'), json.loads(b'"' + language_id[1] + b'"')
    except ValueError:
        return None


def _opens(head: bytes | bytearray) -> bool:
    """Whether a body starting with `head` is a `didOpen` (its method may come last: then
    its params, whose only key is the TextDocumentItem, come first)."""
    if b'"languageId"' not in head:
        return False
    return b'"textDocument/didOpen"' in head or _PARAMS_ITEM.match(head) is not None


def _private(size: int) -> mmap.mmap:
    """Private anonymous memory: pages given back are freed, not kept for other processes
    (as a shared mapping's would be)."""
    return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)


def _give_back(body: mmap.mmap, freed: int, upto: int) -> int:
    """Give the pages of body[freed:upto] back (they read as zeros then); returns the new
    `freed`. Only decoded text is given back: the text reader never looks before `begin`,
    and a body that is no lean didOpen after all is one `json.loads` fails on anyway."""
    stop = upto // mmap.PAGESIZE * mmap.PAGESIZE
    if stop > freed:
        body.madvise(mmap.MADV_DONTNEED, freed, stop - freed)
        return stop
    return freed


def start_io(server: Any) -> None:
    """`server.start_io()` over stdin/stdout, reading messages with `run_async` above."""
    server._stop_event = stop = threading.Event()
    _widen_pipe(sys.stdin)
    reader = StdinAsyncReader(sys.stdin.buffer, server.thread_pool)
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    try:
        asyncio.run(
            run_async(
                stop,
                reader,
                server.protocol,
                server.report_server_error,
                server.linting.early_lint,
            )
        )
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()


def _widen_pipe(stream: Any) -> None:
    """A 1 MiB pipe buffer (Linux; 64 KiB by default): a 128 MB didOpen then arrives in
    128 reads rather than 2,000."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux, or not a pipe: the default buffer
