"""`sftlint serve --ws HOST:PORT`: a real server process answers a WebSocket client.

The `ws` extra (websockets) is part of `dev`, so this runs wherever the tests do.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import ClientConnection, connect

ROW = '{"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "hello"}]}\n'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ws() -> Iterator[ClientConnection]:
    port = free_port()
    cmd = [sys.executable, "-m", "sftlint", "serve", "--ws", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # The port opens once the server has imported pygls; a bound, not a timing assertion.
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = connect(f"ws://127.0.0.1:{port}", open_timeout=10)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"serve --ws exited {proc.returncode}: {proc.stderr.read()}")
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with conn:
            yield conn
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def send(conn: ClientConnection, message: dict) -> None:
    conn.send(json.dumps({"jsonrpc": "2.0", **message}))


def receive(conn: ClientConnection, want: str | int) -> dict:
    """The next message that is the reply to request `want` or a notification named `want`."""
    while True:
        message = json.loads(conn.recv(timeout=60))
        if message.get("id") == want or message.get("method") == want:
            return message


def test_serve_ws_lints_an_opened_document(ws: ClientConnection, tmp_path: Path) -> None:
    send(ws, {"id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}}})
    reply = receive(ws, 1)
    assert reply["result"]["serverInfo"]["name"] == "sftlint"
    send(ws, {"method": "initialized", "params": {}})
    uri = (tmp_path / "train.jsonl").as_uri()
    document = {"uri": uri, "languageId": "jsonl", "version": 1, "text": ROW}
    send(ws, {"method": "textDocument/didOpen", "params": {"textDocument": document}})
    published = receive(ws, "textDocument/publishDiagnostics")["params"]
    assert published["uri"] == uri
    got = [(d["code"], d["range"], d["message"]) for d in published["diagnostics"]]
    assert got == [
        (
            "R004",
            {"start": {"line": 0, "character": 58}, "end": {"line": 0, "character": 63}},
            'turn 2 (messages[1].role): unknown role "bot"; did you mean "assistant"?',
        )
    ]
