"""`sftlint serve --tcp` / `--ws`: no other process or web page can drive or read the session.

A real server process, driven over raw sockets: a browser-style HTTP POST executes nothing,
a second connection can neither read nor end the first one's session, a token is checked,
and a WebSocket handshake that carries a browser's Origin is refused.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from tests.lsp.rawclient import BOUND, INIT, frame
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

CRASH = {
    "jsonrpc": "2.0",
    "id": 7,
    "method": "workspace/executeCommand",
    "params": {"command": "sftlint.test.crash", "arguments": []},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(transport: str, *extra: str, token: str | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "SFTLINT_TEST_COMMANDS": "1"}
    env.pop("SFTLINT_TOKEN", None)
    if token is not None:
        env["SFTLINT_TOKEN"] = token
    cmd = [sys.executable, "-m", "sftlint", "serve", transport, f"127.0.0.1:{port}", *extra]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + BOUND  # the port opens once pygls is imported: a bound
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.1)
    # That probe was a connection too: it sent nothing and is gone, and the server listens on.
    return proc, port


@pytest.fixture
def tcp() -> Iterator[int]:
    proc, port = serve("--tcp")
    yield port
    proc.kill()
    proc.wait(BOUND)


class Conn:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def closed_without_a_byte(self) -> bool:
        return self.sock.recv(1 << 16) == b""

    def answer(self, msg_id: int) -> dict[str, Any]:
        while True:
            while b"\r\n\r\n" not in self.buffer:
                chunk = self.sock.recv(1 << 16)
                assert chunk, "the connection was closed"
                self.buffer += chunk
            head, _, rest = self.buffer.partition(b"\r\n\r\n")
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            while len(rest) < length:
                chunk = self.sock.recv(1 << 16)
                assert chunk, "the connection was closed"
                rest += chunk
            self.buffer = rest[length:]
            message = json.loads(rest[:length])
            if message.get("id") == msg_id and "method" not in message:
                return message


def test_a_browser_style_http_post_executes_nothing(tcp: int) -> None:
    body = json.dumps(CRASH).encode()
    post = (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
        b"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body)
    ) + body
    attacker = Conn(tcp)
    attacker.send(post)
    assert attacker.closed_without_a_byte()
    # Nothing ran and the server still serves its real client.
    client = Conn(tcp)
    client.send(frame(INIT))
    assert client.answer(1)["result"]["serverInfo"]["name"] == "sftlint"


def test_a_first_message_other_than_initialize_closes_the_connection(tcp: int) -> None:
    conn = Conn(tcp)
    conn.send(frame(CRASH))
    assert conn.closed_without_a_byte()


def test_a_second_connection_cannot_read_or_close_the_first_session(tcp: int) -> None:
    first = Conn(tcp)
    first.send(frame(INIT))
    first.answer(1)
    second = Conn(tcp)
    assert second.closed_without_a_byte()
    second.sock.close()
    first.send(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
    assert first.answer(2) == {"id": 2, "jsonrpc": "2.0", "result": None}


@pytest.mark.parametrize(("given", "admitted"), [("s3cret", True), ("wrong", False), (None, False)])
def test_the_token_is_checked(given: str | None, admitted: bool) -> None:
    proc, port = serve("--tcp", token="s3cret")
    try:
        init = json.loads(json.dumps(INIT))
        if given is not None:
            init["params"]["initializationOptions"] = {"token": given}
        conn = Conn(port)
        conn.send(frame(init))
        if admitted:
            assert conn.answer(1)["result"]["serverInfo"]["name"] == "sftlint"
        else:
            assert conn.closed_without_a_byte()
    finally:
        proc.kill()
        proc.wait(BOUND)


def test_a_non_loopback_host_needs_host() -> None:
    cmd = [sys.executable, "-m", "sftlint", "serve", "--tcp", "0.0.0.0:2087"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=BOUND)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "sftlint serve: error: 0.0.0.0 can be reached from the network: pass --host 0.0.0.0 "
        "to mean it"
    )


def test_websocket_refuses_a_browser_origin_and_a_second_client() -> None:
    proc, port = serve("--ws")
    try:
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://127.0.0.1:{port}", origin="http://evil.example", open_timeout=BOUND)
        assert refused.value.response.status_code == 403
        with connect(f"ws://127.0.0.1:{port}", open_timeout=BOUND) as first:
            first.send(json.dumps(INIT))
            assert json.loads(first.recv(BOUND))["id"] == 1
            with (
                pytest.raises(ConnectionClosedError, match="1013"),
                connect(f"ws://127.0.0.1:{port}", open_timeout=BOUND) as second,
            ):
                second.send(json.dumps(INIT))
                second.recv(BOUND)
            first.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
            assert json.loads(first.recv(BOUND)) == {"id": 2, "jsonrpc": "2.0", "result": None}
    finally:
        proc.kill()
        proc.wait(BOUND)
