"""A didOpen big enough for the lint helper process: the diagnostics of one process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import open_doc

from sftlint.engine import engine
from sftlint.lsp import convert
from sftlint.lsp.worker import MIN_BYTES
from sftlint.settings import Settings

pytestmark = pytest.mark.asyncio


def row(i: int, role: str = "assistant") -> str:
    words = " ".join(f"w{i}-{k} 😀" for k in range(60))
    turns = [{"role": "user", "content": words}, {"role": role, "content": words[::-1]}]
    return json.dumps({"messages": turns}, ensure_ascii=False, separators=(",", ":"))


def as_received(client: LanguageClient, findings: list) -> list[lsp.Diagnostic]:
    """The findings' diagnostics as the client reads them (sequences become tuples)."""
    converter = client.protocol._converter
    return [
        converter.structure(converter.unstructure(convert.diagnostic(f)), lsp.Diagnostic)
        for f in findings
    ]


def big_text() -> str:
    """Rows past the helper's threshold, with findings in both halves (where the helper
    takes over is not known to the test): wrong roles, a duplicate of an early row, bad
    JSON, a blank line, a CRLF line, and no newline at the end."""
    rows = [row(i) for i in range(18_000)]
    rows[10], rows[17_990] = row(10, "gpt"), row(17_990, "gpt")
    rows[12_000] = rows[5]
    rows[9_000] = '{"messages": [}'
    rows[7_000] = ""
    rows[13_000] += "\r"
    text = "\n".join(rows)
    assert len(text.encode()) > MIN_BYTES
    return text


async def open_big(client: LanguageClient, tmp_path: Path) -> tuple[str, list]:
    """Open the big text; (its uri, the findings of one process on it) once it has
    diagnostics."""
    text = big_text()
    path = tmp_path / "train.jsonl"
    uri = await open_doc(client, path, text)
    for _ in range(3000):
        if uri in client.diagnostics:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("no diagnostics after 30 s")
    return uri, engine.check_bytes(str(path), text.encode(), Settings()).findings


async def test_big_open_equals_one_process(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    uri, expected = await open_big(client, tmp_path)
    assert [(f.code, f.range.start.line) for f in expected] == [
        ("R004", 10),
        ("J007", 7_000),
        ("J001", 9_000),
        ("D001", 12_000),
        ("J011", 13_000),
        ("R004", 17_990),
    ]
    assert list(client.diagnostics[uri]) == as_received(client, expected)


async def test_big_open_with_the_helper_killed(client: LanguageClient, tmp_path: Path) -> None:
    """Never down: the helper process dies; the server lints alone, the same findings."""
    await start(client, tmp_path)
    server = client._server.pid
    (helper,) = map(int, Path(f"/proc/{server}/task/{server}/children").read_text().split())
    os.kill(helper, signal.SIGKILL)
    uri, expected = await open_big(client, tmp_path)
    assert list(client.diagnostics[uri]) == as_received(client, expected)


async def test_big_open_then_edit(client: LanguageClient, tmp_path: Path) -> None:
    """An edit right after the open: the diagnostics are those of the edited text."""
    await start(client, tmp_path)
    text = big_text()
    path = tmp_path / "train.jsonl"
    uri = await open_doc(client, path, text)
    line = 15_000
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(
                        start=lsp.Position(line=line, character=0),
                        end=lsp.Position(line=line, character=1),
                    ),
                    text="[",
                )
            ],
        )
    )
    result = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    lines = text.split("\n")
    lines[line] = "[" + lines[line][1:]
    expected = engine.check_bytes(str(path), "\n".join(lines).encode(), Settings()).findings
    assert any(f.range.start.line == line for f in expected)
    assert list(result.items) == as_received(client, expected)


async def test_big_json_array_checked_in_the_helper(client: LanguageClient, tmp_path: Path) -> None:
    """A JSON array is checked whole after each edit: past a megabyte, in the helper."""
    await start(client, tmp_path)
    rows = [json.loads(row(i)) for i in range(1_000)]
    rows[500]["messages"][1]["role"] = "gpt"
    text = json.dumps(rows, ensure_ascii=False, indent=2)
    assert len(text.encode()) > 1 << 20
    path = tmp_path / "train.json"
    uri = await open_doc(client, path, text, "json")
    result = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    expected = engine.check_bytes(str(path), text.encode(), Settings()).findings
    assert [f.code for f in expected] == ["R004"]
    assert list(result.items) == as_received(client, expected)
