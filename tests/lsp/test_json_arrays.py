"""JSON array documents in the server: rows found by line through the index of the last
check (the rows a full read of the array gives, before and after edits); diagnostics
published once a version."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import change, diagnostics_for, open_doc, rng, track_versions
from tests.lsp.test_requests import call

from sftlint.io import reader
from sftlint.io.reader import FileInfo

pytestmark = pytest.mark.asyncio

ROW = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}


def array_text() -> str:
    """Rows of one and of many lines, two rows on one line, an invalid row, blank lines."""
    one = json.dumps(ROW)
    many = json.dumps(ROW, indent=2).replace("\n", "\n  ")
    return f'[\n  {one},\n  {many},\n\n  {one}, {one},\n  {{"messages": [}},\n  {many}\n]\n'


def expected_rows(path: Path, text: str) -> list[int | None]:
    """For each line, the 1-based line where the row spanning it starts (None: no row)."""
    rows = list(reader.read_json_array(str(path), text.encode(), FileInfo()))
    out: list[int | None] = []
    for line in range(text.count("\n") + 1):
        spans = [r for r in rows if r.line <= line <= r.end_line]
        out.append(spans[0].line + 1 if spans else None)
    return out


async def served_rows(client: LanguageClient, uri: str, lines: int) -> list[int | None]:
    out: list[int | None] = []
    for line in range(lines):
        got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": line})
        out.append(None if got is None else got["row"])
    return out


async def test_rows_found_by_line(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    text = array_text()
    path = tmp_path / "data.json"
    uri = await open_doc(client, path, text, "json")
    expected = expected_rows(path, text)
    assert expected.count(None) == 4  # "[", the blank line, "]", the empty last line
    assert expected[15] == 16  # two rows on line 16: the first one's
    # The broken row (an unclosed `[`) ends where the next row begins its line.
    assert expected[16:] == [17] + [18] * 12 + [None, None]
    assert await served_rows(client, uri, len(expected)) == expected


async def test_rows_found_after_an_edit(client: LanguageClient, tmp_path: Path) -> None:
    """Lines inserted before a row: the rows after move down, as a fresh read says."""
    await start(client, tmp_path)
    text = array_text()
    path = tmp_path / "data.json"
    uri = await open_doc(client, path, text, "json")
    await served_rows(client, uri, 1)
    start_of_row_2 = lsp.Position(line=2, character=2)
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(start=start_of_row_2, end=start_of_row_2),
                    text=json.dumps(ROW, indent=2) + ",\n\n  ",
                )
            ],
        )
    )
    lines = text.split("\n")
    lines[2] = "  " + json.dumps(ROW, indent=2) + ",\n\n  " + lines[2][2:]
    edited = "\n".join(lines)
    expected = expected_rows(path, edited)
    assert expected[1:4] == [2, 3, 3] and expected[26:30] == [16, None, 29, 30]
    assert await served_rows(client, uri, len(expected)) == expected


async def test_diagnostics_published_once(client: LanguageClient, tmp_path: Path) -> None:
    """Once checked, an array is not published again and again while nothing changes."""
    published: list[int | None] = []

    def publish(params: lsp.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        published.append(params.version)

    client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "data.json", array_text(), "json")
    await served_rows(client, uri, 3)  # each waits for the current diagnostics
    await asyncio.sleep(0.2)  # what the server would publish meanwhile arrives
    assert published == [1]


async def test_broken_structure_over_lsp(client: LanguageClient, tmp_path: Path) -> None:
    """Deleting a row's `}` in the editor: one diagnostic where the array broke, the rows
    after it keep theirs, a hover after the break still finds its row; mended, it goes."""
    track_versions(client)
    await start(client, tmp_path)
    rows = [{"instruction": f"Say hi {i}", "input": "", "output": f"hi {i}"} for i in range(5)]
    rows[3]["output"] = ""
    uri = await open_doc(client, tmp_path / "data.json", json.dumps(rows, indent=2), "json")
    empty = ("C001", (19, 14, 19, 16))
    assert _codes(await diagnostics_for(client, uri, 1)) == [empty]
    change(client, uri, 2, rng(10, 2, 10, 3), "")  # row 2's closing `}`
    found = await diagnostics_for(client, uri, 2)
    assert _codes(found) == [("J001", (10, 3, 10, 3)), empty]
    assert found[0].message == "invalid JSON: expected a double-quoted key, found end of row"
    doc = lsp.TextDocumentIdentifier(uri=uri)
    h = await client.text_document_hover_async(
        lsp.HoverParams(text_document=doc, position=lsp.Position(line=16, character=2))
    )
    assert h is not None and h.contents.value.startswith("**row at line 17** · format `alpaca`")
    change(client, uri, 3, rng(10, 2, 10, 2), "}")
    assert _codes(await diagnostics_for(client, uri, 3)) == [empty]


def _codes(found: list[lsp.Diagnostic]) -> list[tuple[str, tuple[int, int, int, int]]]:
    return [
        (str(d.code), (d.range.start.line, d.range.start.character, d.range.end.line,
                       d.range.end.character))
        for d in found
    ]  # fmt: skip
