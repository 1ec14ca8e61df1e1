import asyncio
import pytest
from pathlib import Path
from lsprotocol import types as lsp
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import open_doc, rng
pytestmark = pytest.mark.asyncio
TEXT = Path("/work/main/tests/e2e-workspace/chats.jsonl").read_text()

async def test_probe(client, tmp_path):
    await start(client, tmp_path, pull=True, options={"tokenizer": "mistral-v3"})
    uri = await open_doc(client, tmp_path / "chats.jsonl", TEXT)
    doc = lsp.TextDocumentIdentifier(uri=uri)
    d = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(text_document=doc))
    print("DIAG", [x.code for x in d.items])
    async def hov():
        return await client.text_document_hover_async(lsp.HoverParams(text_document=doc, position=lsp.Position(line=3, character=90)))
    async def hints():
        return await client.text_document_inlay_hint_async(lsp.InlayHintParams(text_document=doc, range=rng(0,0,4,0)))
    async def rt():
        return await client.protocol.send_request_async("sftlint/rowTokens", {"uri": uri, "line": 3})
    res = await asyncio.wait_for(asyncio.gather(hov(), hints(), rt()), 30)
    print("OK", res[0].contents.value[:100], len(res[1]))
    d = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(text_document=doc))
    print("DIAG", [x.code for x in d.items])
