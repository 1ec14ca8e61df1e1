"""A loss-mask setting that cannot load: the server tells the user once (window/showMessage,
and the log) and keeps linting each document without the mask pass."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import open_doc

pytestmark = pytest.mark.asyncio

ROW = '{"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "yo"}]}\n'
WHY = (
    "sftlint: unknown tokenizer 'mistral-v4': not a built-in (mistral-v1, mistral-v3, "
    "mistral-tekken), a local folder (mistral-v4 not found) or a Hugging Face repo id; did "
    "you mean 'mistral-v3'?; files are checked without the loss mask"
)


async def _codes(client: LanguageClient, uri: str, want: set[str]) -> list[str]:
    for _ in range(1000):
        codes = sorted(d.code for d in client.diagnostics.get(uri, []))
        if set(codes) >= want:
            return codes
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {want} diagnostics for {uri}: {client.diagnostics.get(uri)}")


async def test_unknown_tokenizer_is_shown_once(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path, options={"tokenizer": "mistral-v4"})
    first = await open_doc(client, tmp_path / "a.jsonl", ROW)
    second = await open_doc(client, tmp_path / "b.jsonl", ROW)
    assert await _codes(client, first, {"R004", "L012"}) == ["L012", "R004"]
    assert await _codes(client, second, {"R004", "L012"}) == ["L012", "R004"]
    shown = [(m.type, m.message) for m in client.messages]
    assert shown == [(lsp.MessageType.Error, WHY)]
    assert [m.message for m in client.log_messages if m.message == WHY] == [WHY]
