"""Diagnostics over LSP: pushed, pulled, settings, the cap, edits."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start

pytestmark = pytest.mark.asyncio

ROWS = (
    '{"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "hello 😀"}]}\n'
    '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]}\n'
    "\n"
    '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]}\n'
)


def rng(l1: int, c1: int, l2: int, c2: int) -> lsp.Range:
    return lsp.Range(
        start=lsp.Position(line=l1, character=c1), end=lsp.Position(line=l2, character=c2)
    )


async def open_doc(client: LanguageClient, path: Path, text: str, language: str = "jsonl") -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )
    return uri


async def diagnostics_for(client: LanguageClient, uri: str, version: int) -> list[lsp.Diagnostic]:
    """Wait for the diagnostics published for `version` of `uri`."""
    for _ in range(400):
        got = client.diagnostics.get(uri)
        if got is not None and getattr(client, "_versions", {}).get(uri) == version:
            return got
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics for version {version}")


def track_versions(client: LanguageClient) -> None:
    """Remember the version each publishDiagnostics was for (pytest-lsp keeps only the list)."""
    client._versions = {}

    def publish(params: lsp.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client._versions[params.uri] = params.version

    client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish


def change(client: LanguageClient, uri: str, version: int, r: lsp.Range, text: str) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangePartial(range=r, text=text)],
        )
    )


async def test_pushed_diagnostics_exact(client: LanguageClient, tmp_path: Path) -> None:
    track_versions(client)
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "train.jsonl", ROWS)
    diags = await diagnostics_for(client, uri, 1)
    got = [(d.code, d.range, d.severity, d.message) for d in diags]
    assert got == [
        (
            "R004",
            rng(0, 58, 0, 63),
            lsp.DiagnosticSeverity.Error,
            'turn 2 (messages[1].role): unknown role "bot"; did you mean "assistant"?',
        ),
        (
            "J007",
            rng(2, 0, 2, 0),
            lsp.DiagnosticSeverity.Warning,
            "blank line: `json.loads` fails on it in line-by-line loaders",
        ),
        ("D001", rng(3, 0, 3, 89), diags[2].severity, "exact duplicate of the row at line 2"),
    ]
    assert diags[0].code_description.href.endswith("#r004-unknown-role")
    assert diags[0].source == "sftlint"
    related = diags[2].related_information
    assert related and related[0].location.uri == uri
    assert related[0].location.range.start.line == 1

    # An edit: fix the role, the R004 goes away; the UTF-16 column after the emoji holds.
    # Row 1 now answers row 0's question otherwise: K006.
    change(client, uri, 2, rng(0, 58, 0, 63), '"assistant"')
    diags = await diagnostics_for(client, uri, 2)
    assert [d.code for d in diags] == ["K006", "J007", "D001"]
    # Delete the blank line (edit spanning two lines): D001 now points at line 3.
    change(client, uri, 3, rng(2, 0, 3, 0), "")
    diags = await diagnostics_for(client, uri, 3)
    assert [(d.code, d.range.start.line) for d in diags] == [("K006", 1), ("D001", 2)]


async def test_pulled_diagnostics_and_settings(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path, pull=True, options={"ignore": ["J007"]})
    uri = await open_doc(client, tmp_path / "train.jsonl", ROWS)
    report = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert [d.code for d in report.items] == ["R004", "D001"]
    assert uri not in client.diagnostics  # the client pulls: nothing pushed
    # didChangeConfiguration with settings: re-lint with them.
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"sftlint": {"select": ["R"]}})
    )
    report = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert [d.code for d in report.items] == ["R004"]


async def test_config_file_and_workspace_configuration(
    client: LanguageClient, tmp_path: Path
) -> None:
    track_versions(client)
    (tmp_path / "sftlint.toml").write_text('ignore = ["D001"]\n')
    client.set_configuration({"maxProblems": 1}, section="sftlint")
    await start(client, tmp_path)
    await asyncio.sleep(0.3)  # initialized -> workspace/configuration round trip
    uri = await open_doc(client, tmp_path / "train.jsonl", ROWS)
    diags = await diagnostics_for(client, uri, 1)
    assert [d.code for d in diags] == ["R004", None]
    assert diags[1].message == (
        "1 more problems not shown (the editor shows the first 1; setting "
        f'"sftlint.maxProblems"): run `sftlint check {tmp_path / "train.jsonl"}` to see them all'
    )
    assert diags[1].range == rng(0, 0, 0, 0)
