"""`sftlint serve` over stdio against frames a client should never send, and the exit rules.

pytest-lsp's client only writes well-formed frames, so these write bytes to a real server
process by hand: each malformed frame is either read (an unambiguous variant) or ends the
process with a log line so the client restarts it, never leaves it alive and deaf.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from tests.lsp.rawclient import INIT, Raw, frame, rss_kb


@pytest.fixture
def raw() -> Iterator[Raw]:
    server = Raw()
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize(
    "header",
    ["content-length: {n}\r\n\r\n", "Content-Length: {n}\n\n", "CONTENT-LENGTH:{n}\r\n\r\n"],
    ids=["lower-case", "lf-only", "upper-case-no-space"],
)
def test_unambiguous_header_variants_are_read(raw: Raw, header: str) -> None:
    raw.send(frame(INIT, header))
    assert raw.answer(1)["result"]["serverInfo"]["name"] == "sftlint"


@pytest.mark.parametrize(
    ("data", "logged"),
    [
        (b"Content-Length: abc\r\n\r\n{}", "a bad Content-Length: b'Content-Length: abc\\r\\n'"),
        (b"Content-Length: -5\r\n\r\n{}", "a bad Content-Length: b'Content-Length: -5\\r\\n'"),
        (frame(INIT, "Content-Length: 10\r\n\r\n"), "not an LSP header line: b'"),
        (
            b"Content-Length: 3221225472\r\n\r\n{",
            "a message of 3221225472 bytes announced, over the limit of 268435456",
        ),
        (
            b"Content-Length: 1099511627776\r\n\r\n{",
            "a message of 1099511627776 bytes announced, over the limit of 268435456",
        ),
        (
            b"X-Other: 1\r\nContent-Length: 2\r\n\r\n{}",
            "not an LSP header line: b'X-Other: 1\\r\\n'",
        ),
    ],
    ids=["non-numeric", "negative", "too-small", "3GiB", "1TiB", "unknown-header"],
)
def test_a_malformed_frame_ends_the_server_with_a_log_line(
    raw: Raw, data: bytes, logged: str
) -> None:
    """After a bad length no header follows to resynchronise on: the server exits (1) so the
    client restarts it, instead of reading every later body as a header (alive and deaf)."""
    # A stream that goes on (as a client's would) must not keep it alive either.
    raw.send(data + frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
    assert raw.exit_code() == 1
    assert f"sftlint: connection dropped: {logged}" in raw.stderr()


def test_a_body_is_allocated_as_it_arrives(raw: Raw) -> None:
    """200 MB announced, 1 MB sent: the server holds about 1 MB, not 200 MB, meanwhile."""
    raw.send(frame(INIT))
    raw.answer(1)
    before = rss_kb(raw.proc.pid)
    raw.send(b"Content-Length: 200000000\r\n\r\n" + b" " * 1_000_000)
    time.sleep(1)  # let the server read what was sent (memory is the assertion, not time)
    assert rss_kb(raw.proc.pid) - before < 50_000


def test_a_request_after_shutdown_is_refused_and_exit_then_exits_0(raw: Raw) -> None:
    raw.send(frame(INIT))
    raw.answer(1)
    raw.send(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
    assert raw.answer(2) == {"id": 2, "jsonrpc": "2.0", "result": None}
    hover = {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "textDocument/hover",
        "params": {
            "textDocument": {"uri": "file:///x.jsonl"},
            "position": {"line": 0, "character": 0},
        },
    }
    raw.send(frame(hover))
    assert raw.answer(3)["error"] == {
        "code": -32600,
        "message": "textDocument/hover: the server is shut down",
    }
    raw.send(frame({"jsonrpc": "2.0", "method": "exit"}))
    assert raw.exit_code() == 0


def test_exit_without_shutdown_exits_1(raw: Raw) -> None:
    raw.send(frame(INIT))
    raw.answer(1)
    raw.send(frame({"jsonrpc": "2.0", "method": "exit"}))
    assert raw.exit_code() == 1


def test_end_of_input_without_shutdown_exits_1(raw: Raw) -> None:
    raw.send(frame(INIT))
    raw.answer(1)
    assert raw.proc.stdin is not None
    raw.proc.stdin.close()
    assert raw.exit_code() == 1
