"""A big didOpen (linted in chunks between other messages): the engine's diagnostics."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import open_doc

from sftlint.engine import engine
from sftlint.lsp import convert
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
    """18 MB of rows (many lint chunks, past the engine's two-process threshold), with
    findings far apart: wrong roles, a duplicate of an early row, bad JSON, a blank line,
    a CRLF line, and no newline at the end."""
    rows = [row(i) for i in range(18_000)]
    rows[10], rows[17_990] = row(10, "gpt"), row(17_990, "gpt")
    rows[12_000] = rows[5]
    rows[9_000] = '{"messages": [}'
    rows[7_000] = ""
    rows[13_000] += "\r"
    text = "\n".join(rows)
    assert len(text.encode()) > 16 << 20
    return text


async def open_big(client: LanguageClient, tmp_path: Path) -> tuple[str, list]:
    """Open the big text; (its uri, the engine's findings on it) once it has diagnostics."""
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


async def test_big_open_equals_the_engine(client: LanguageClient, tmp_path: Path) -> None:
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


def replace_first_character(client: LanguageClient, uri: str, line: int, text: str) -> None:
    """Version 2: the first character of `line` replaced by `text`."""
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(
                        start=lsp.Position(line=line, character=0),
                        end=lsp.Position(line=line, character=1),
                    ),
                    text=text,
                )
            ],
        )
    )


async def pulled(client: LanguageClient, uri: str) -> list[lsp.Diagnostic]:
    result = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    return list(result.items)


async def test_big_open_then_edit(client: LanguageClient, tmp_path: Path) -> None:
    """An edit right after the open: the diagnostics are those of the edited text."""
    await start(client, tmp_path)
    text = big_text()
    path = tmp_path / "train.jsonl"
    uri = await open_doc(client, path, text)
    line = 15_000
    replace_first_character(client, uri, line, "[")
    lines = text.split("\n")
    lines[line] = "[" + lines[line][1:]
    expected = engine.check_bytes(str(path), "\n".join(lines).encode(), Settings()).findings
    assert any(f.range.start.line == line for f in expected)
    assert await pulled(client, uri) == as_received(client, expected)


def big_array() -> str:
    rows = [json.loads(row(i)) for i in range(1_000)]
    rows[500]["messages"][1]["role"] = "gpt"
    text = json.dumps(rows, ensure_ascii=False, indent=2)
    assert len(text.encode()) > 1 << 20
    return text


async def test_big_json_array_equals_the_engine(client: LanguageClient, tmp_path: Path) -> None:
    """A JSON array past a megabyte, checked whole off the event loop."""
    await start(client, tmp_path)
    text = big_array()
    path = tmp_path / "train.json"
    uri = await open_doc(client, path, text, "json")
    expected = engine.check_bytes(str(path), text.encode(), Settings()).findings
    assert [f.code for f in expected] == ["R004"]
    assert await pulled(client, uri) == as_received(client, expected)


async def test_big_json_array_then_edit(client: LanguageClient, tmp_path: Path) -> None:
    """An edit while the array's first check runs: the diagnostics of the edited text."""
    await start(client, tmp_path)
    text = big_array()
    path = tmp_path / "train.json"
    uri = await open_doc(client, path, text, "json")
    lines = text.split("\n")
    line = next(i for i, s in enumerate(lines) if '"role": "gpt"' in s)
    replace_first_character(client, uri, line, "}")
    lines[line] = "}" + lines[line][1:]
    expected = engine.check_bytes(str(path), "\n".join(lines).encode(), Settings()).findings
    assert [(f.code, f.range.start.line) for f in expected] == [("J001", line)]
    assert await pulled(client, uri) == as_received(client, expected)
