"""Split consistency over LSP: siblings read from disk or from open buffers (GLM-4V case)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import change, open_doc, rng

pytestmark = pytest.mark.asyncio

TRAIN = '{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}\n'
VAL = '{"input_ids": [1, 4966, 2], "output_ids": [-100, 4966, 2]}\n'
VALS = VAL + VAL.replace("4966", "4967")  # two rows, not duplicates
MESSAGE = (
    'key "output_ids" where the training split train.jsonl uses "labels" '
    "(2 rows of validation.jsonl use it)"
)


async def until(client: LanguageClient, uri: str, test: Callable[[list], bool]) -> list:
    """The diagnostics of `uri` once `test` holds for them."""
    for _ in range(500):
        got = client.diagnostics.get(uri)
        if got is not None and test(got):
            return got
        await asyncio.sleep(0.01)
    raise AssertionError(f"diagnostics of {uri} never matched: {client.diagnostics.get(uri)}")


def codes(diagnostics: list) -> list:
    return [d.code for d in diagnostics]


def watched(client: LanguageClient, path: Path) -> None:
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=path.as_uri(), type=lsp.FileChangeType.Changed)]
        )
    )


async def test_split_mismatch_from_disk_fix_across_files(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "train.jsonl").write_text(TRAIN)
    (tmp_path / "validation.jsonl").write_text(VALS)
    (tmp_path / "test.jsonl").write_text(VAL)
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "validation.jsonl", VALS)
    (d002,) = await until(client, uri, lambda ds: codes(ds) == ["D002"])
    assert d002.range == rng(0, 28, 0, 40)
    assert d002.message == MESSAGE
    assert d002.severity == lsp.DiagnosticSeverity.Error
    assert d002.code_description.href.endswith("#d002-split-key-mismatch")
    (related,) = d002.related_information
    assert related.location.uri == (tmp_path / "train.jsonl").as_uri()
    assert related.location.range == rng(0, 27, 0, 35)
    assert related.message == '"labels" in train.jsonl'

    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=rng(0, 30, 0, 30),
            context=lsp.CodeActionContext(diagnostics=[d002]),
        )
    )
    titles = [a.title for a in actions if a.kind == lsp.CodeActionKind.QuickFix]
    assert titles == [
        'Rename "output_ids" to "labels" in this row',
        'Rename "output_ids" to "labels" in every row of validation.jsonl',
        'Rename "output_ids" to "labels" in every file of the dataset '
        "(validation.jsonl, test.jsonl)",
    ]
    every = next(a for a in actions if a.title == titles[2])
    edits = {
        (c.text_document.uri, c.text_document.version): [(e.range, e.new_text) for e in c.edits]
        for c in every.edit.document_changes
    }
    assert edits == {
        (uri, 1): [(rng(0, 28, 0, 40), '"labels"'), (rng(1, 28, 1, 40), '"labels"')],
        ((tmp_path / "test.jsonl").as_uri(), None): [(rng(0, 28, 0, 40), '"labels"')],
    }

    # The training split changes on disk: the watcher's notice runs the checks again.
    (tmp_path / "train.jsonl").write_text(TRAIN.replace('"labels"', '"output_ids"'))
    watched(client, tmp_path / "train.jsonl")
    await until(client, uri, lambda ds: not ds)


async def test_open_sibling_buffer_wins_and_edits_refresh(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "train.jsonl").write_text(TRAIN)
    (tmp_path / "validation.jsonl").write_text(VALS)
    await start(client, tmp_path)
    val = await open_doc(client, tmp_path / "validation.jsonl", VALS)
    await until(client, val, lambda ds: codes(ds) == ["D002"])
    train = await open_doc(client, tmp_path / "train.jsonl", TRAIN)
    await until(client, train, lambda ds: not ds)  # the reference split: nothing to say

    # Rename the key in the unsaved train buffer: the splits agree, D002 goes away.
    change(client, train, 2, rng(0, 27, 0, 35), '"output_ids"')
    await until(client, val, lambda ds: not ds)
    change(client, train, 3, rng(0, 27, 0, 39), '"labels"')
    (d002,) = await until(client, val, lambda ds: codes(ds) == ["D002"])
    assert d002.range == rng(0, 28, 0, 40)
    # A blank line before validation.jsonl's rows: its D002 moves down with them.
    change(client, val, 2, rng(0, 0, 0, 0), "\n")
    (j007, d002) = await until(
        client, val, lambda ds: codes(ds) == ["J007", "D002"] and ds[1].range.start.line == 1
    )
    assert d002.range == rng(1, 28, 1, 40)
    assert j007.range == rng(0, 0, 0, 0)

    # Closing the unsaved train buffer: back to the file on disk (which says "labels").
    change(client, train, 4, rng(0, 27, 0, 35), '"output_ids"')
    await until(client, val, lambda ds: codes(ds) == ["J007"])
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=train))
    )
    (_, d002) = await until(client, val, lambda ds: codes(ds) == ["J007", "D002"])
    assert d002.range == rng(1, 28, 1, 40)


async def test_not_a_split_file_has_no_split_checks(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text(TRAIN)
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "extra.jsonl", VAL)
    await until(client, uri, lambda ds: True)
    await asyncio.sleep(0.3)
    assert list(client.diagnostics[uri]) == []
