"""Published diagnostics never carry a version older than the document's, nor a negative one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import ROWS, change, rng

pytestmark = pytest.mark.asyncio


def record(client: LanguageClient) -> list[tuple[int | None, list[str]]]:
    """Every publishDiagnostics as (version, codes), in order."""
    seen: list[tuple[int | None, list[str]]] = []

    def publish(params: lsp.PublishDiagnosticsParams) -> None:
        seen.append((params.version, [str(d.code) for d in params.diagnostics]))

    client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    return seen


def open_at(client: LanguageClient, path: Path, version: int) -> str:
    uri = path.as_uri()
    item = lsp.TextDocumentItem(uri=uri, language_id="jsonl", version=version, text=ROWS)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=item))
    return uri


async def published(seen: list, count: int) -> None:
    for _ in range(500):
        if len(seen) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(seen)} of {count} publishes: {seen}")


async def test_a_stale_version_is_not_published_back(
    client: LanguageClient, tmp_path: Path
) -> None:
    seen = record(client)
    await start(client, tmp_path)
    uri = open_at(client, tmp_path / "train.jsonl", 5)
    await published(seen, 1)
    assert seen == [(5, ["R004", "J007", "D001"])]
    change(client, uri, 3, rng(0, 58, 0, 63), '"assistant"')  # an older version number
    await published(seen, 2)
    # The edit is applied (row 0 now asks "hi" as rows 1 and 3 do, with another answer:
    # K006); the diagnostics stay at the newest version the server knows.
    assert seen == [(5, ["R004", "J007", "D001"]), (5, ["K006", "J007", "D001"])]


async def test_a_negative_version_is_published_without_one(
    client: LanguageClient, tmp_path: Path
) -> None:
    seen = record(client)
    await start(client, tmp_path)
    uri = open_at(client, tmp_path / "train.jsonl", -7)
    await published(seen, 1)
    assert seen == [(None, ["R004", "J007", "D001"])]
    change(client, uri, 2, rng(0, 58, 0, 63), '"assistant"')
    await published(seen, 2)
    assert seen[1] == (2, ["K006", "J007", "D001"])
