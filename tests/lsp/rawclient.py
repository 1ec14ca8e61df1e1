"""A `sftlint serve` process over pipes, written to and read by hand (any bytes at all)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from typing import Any

SERVER = [sys.executable, "-m", "sftlint", "serve"]
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
BOUND = 60  # seconds: a bound against a hang, not a timing assertion


def frame(message: dict[str, Any], header: str = "Content-Length: {n}\r\n\r\n") -> bytes:
    body = json.dumps(message).encode()
    return header.format(n=len(body)).encode() + body


class Raw:
    """A server process over pipes, read one frame at a time within BOUND."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.buffer = b""

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def _more(self) -> None:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], BOUND)
        assert ready, "the server did not answer"
        chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
        assert chunk, f"the server exited: {self.stderr()}"
        self.buffer += chunk

    def receive(self) -> dict[str, Any]:
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        while len(rest) < length:
            self._more()
            rest = self.buffer.partition(b"\r\n\r\n")[2]
        self.buffer = rest[length:]
        return json.loads(rest[:length])

    def answer(self, msg_id: int) -> dict[str, Any]:
        """The response to `msg_id` (skipping the server's notifications and requests)."""
        while True:
            message = self.receive()
            if message.get("id") == msg_id and "method" not in message:
                return message

    def exit_code(self) -> int:
        return self.proc.wait(BOUND)

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        if self.proc.poll() is None:
            return ""
        return self.proc.stderr.read().decode(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(BOUND)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
