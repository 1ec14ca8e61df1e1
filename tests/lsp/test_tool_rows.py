"""Tool-call rows in the editor: the preview's request tokenizes a tool-call turn with null
content, and says why a row has no tokens (the webview shows `message`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import open_doc
from tests.lsp.test_requests import call, show_json

pytestmark = pytest.mark.asyncio

CALL = {
    "id": "a1b2c3d4e",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}
TOOL_ROW = {
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "a1b2c3d4e", "content": '{"temp": 21}'},
        {"role": "assistant", "content": "It is 21 degrees."},
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}],
}
TEXT = json.dumps(TOOL_ROW) + "\n" + json.dumps({**TOOL_ROW, "tools": "[{"}) + "\n"


async def test_row_tokens_of_tool_rows(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path, options={"tokenizer": "mistral-v3"})
    path = tmp_path / "tools.jsonl"
    path.write_text(TEXT)
    uri = await open_doc(client, path, TEXT)
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 0})
    assert got == show_json(path, 1, "mistral-v3")
    assert got["totals"] == {"tokens": 112, "trained": 45}
    assert got["rendered"].startswith("<s>[AVAILABLE_TOOLS] [")
    assert [t["role"] for t in got["turns"]] == ["user", "assistant", "tool", "assistant"]
    assert "message" not in got
    bad = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 1})
    assert bad == show_json(path, 2, "mistral-v3")
    assert (bad["tokens"], bad["totals"]) == ([], {"tokens": 0, "trained": 0})
    assert bad["message"] == (
        'the row is not tokenized: "tools" is not valid JSON, so the tools cannot be rendered'
    )
