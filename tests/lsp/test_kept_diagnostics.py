"""Diagnostics kept from one publication to the next (`lsp.published`): an edit remakes
only those of the findings it changed or moved, and what is published equals a fresh open
of the same text, edit after edit."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import change, diagnostics_for, open_doc, rng, track_versions
from tests.lsp.test_grouped_causes import grouped, per_row, row, seen

pytestmark = pytest.mark.asyncio

QUESTION = 44  # the column of the question's first character in `row`


def hidden(path: Path, n: int) -> tuple[object, lsp.Range, str, object]:
    message = (
        f"{n} more problems not shown (the editor shows the first 4; setting "
        f'"sftlint.maxProblems"): run `sftlint check {path}` to see them all'
    )
    return (None, rng(0, 0, 0, 0), message, None)


async def test_kept_diagnostics_follow_edits(client: LanguageClient, tmp_path: Path) -> None:
    track_versions(client)
    (tmp_path / "sftlint.toml").write_text("max-problems = 4\n")
    await start(client, tmp_path)
    path = tmp_path / "chat.jsonl"
    uri = await open_doc(client, path, "".join(row(i) + "\n" for i in range(10)))
    first = [grouped(0, 10, "1, 2, 3, 4, 5, …"), *map(per_row, range(4)), hidden(path, 6)]
    assert seen(await diagnostics_for(client, uri, 1)) == first
    # Typing in the last row: the shown diagnostics are those of before.
    change(client, uri, 2, rng(9, QUESTION, 9, QUESTION), "x")
    assert seen(await diagnostics_for(client, uri, 2)) == first
    # A clean row put first: every shown diagnostic moves down a line.
    change(client, uri, 3, rng(0, 0, 0, 0), row(10, "") + "\n")
    moved = [grouped(1, 10, "2, 3, 4, 5, 6, …"), *map(per_row, range(1, 5)), hidden(path, 6)]
    assert seen(await diagnostics_for(client, uri, 3)) == moved
    # It goes again; then the fourth row's space: the fifth row's diagnostic comes in.
    change(client, uri, 4, rng(0, 0, 1, 0), "")
    assert seen(await diagnostics_for(client, uri, 4)) == first
    change(client, uri, 5, rng(3, 84, 3, 85), "")
    fixed = [grouped(0, 9, "1, 2, 3, 5, 6, …"), *map(per_row, (0, 1, 2, 4)), hidden(path, 5)]
    edited = await diagnostics_for(client, uri, 5)
    assert seen(edited) == fixed
    # Every field as a fresh open of the same text gives it.
    text = "".join(row(i, "" if i == 3 else " ") + "\n" for i in range(10))
    text = text.replace('"Q9?"', '"xQ9?"')
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert await open_doc(client, path, text) == uri
    assert await diagnostics_for(client, uri, 1) == edited
