"""The server's memory does not grow with the number of edits.

pygls kept one Future per notification handled by a generator (sftlint's didOpen,
didChange and didClose were), about 2 KB an edit never returned: 93 MB after 20,000
edits against 54 MB after 2,000. The edits go over a pipe by hand (rawclient): pytest-lsp's
client takes minutes for 20,000 notifications, the server about ten seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.lsp.rawclient import INIT, Raw, frame, rss_kb

ROW = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}]}\n'


@pytest.fixture
def raw() -> Iterator[Raw]:
    server = Raw()
    try:
        yield server
    finally:
        server.close()


def edits(uri: str, first: int, count: int) -> bytes:
    """`count` edits that type and delete one character in turn (the text ends as it began)."""
    out = []
    for version in range(first, first + count):
        end = 70 if version % 2 else 71
        change = {
            "range": {"start": {"line": 0, "character": 70}, "end": {"line": 0, "character": end}},
            "text": "y" if version % 2 else "",
        }
        params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
        out.append(frame({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}))
    return b"".join(out)


def settle(raw: Raw, uri: str, data: bytes, msg_id: int) -> int:
    """Send `data`, then a request: its answer comes after every notification before it."""
    symbols = {"textDocument": {"uri": uri}}
    ask = {"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/documentSymbol"}
    writer = threading.Thread(target=raw.send, args=(data + frame({**ask, "params": symbols}),))
    writer.start()  # the server's diagnostics are read meanwhile, so neither pipe fills up
    assert "result" in raw.answer(msg_id)
    writer.join()
    return rss_kb(raw.proc.pid)


def test_memory_after_20000_edits_is_within_a_few_mb_of_after_2000(
    raw: Raw, tmp_path: Path
) -> None:
    raw.send(frame(INIT))
    raw.answer(1)
    path = tmp_path / "data.jsonl"
    path.write_text(ROW * 20)
    uri = path.as_uri()
    item = {"uri": uri, "languageId": "jsonl", "version": 1, "text": ROW * 20}
    opened = {"jsonrpc": "2.0", "method": "textDocument/didOpen"}
    raw.send(frame({**opened, "params": {"textDocument": item}}))
    after_2000 = settle(raw, uri, edits(uri, 2, 2_000), 2)
    after_20000 = settle(raw, uri, edits(uri, 2_002, 18_000), 3)
    # The leak was ~37 MB over these 18,000 edits.
    assert after_20000 - after_2000 < 6_000, (after_2000, after_20000)
