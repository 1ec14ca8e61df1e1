"""Trainer configs in the editor, through a real `sftlint serve`: G diagnostics at the
config's keys (a misspelled `field_messages` on its line), updated on edits, a hover on a
dataset entry with its rows, layout and trained share, and the "check this dataset" lens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import diagnostics_for, open_doc, rng, track_versions

pytestmark = pytest.mark.asyncio

CHATML = Path(__file__).resolve().parents[1] / "fixtures" / "tokenizers" / "chatml"
ROW = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}


def _config(field_key: str) -> str:
    return (
        f"base_model: {CHATML}\n"
        "chat_template: chatml\n"
        "datasets:\n"
        "  - path: d.jsonl\n"
        "    type: chat_template\n"
        f"    {field_key}: messages\n"
    )


async def test_a_misspelled_field_messages_is_reported_on_its_line(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "d.jsonl").write_text(json.dumps(ROW) + "\n", "utf-8")
    await start(client, tmp_path)
    track_versions(client)
    uri = await open_doc(client, tmp_path / "axolotl.yml", _config("field_messsages"), "yaml")
    [d] = await diagnostics_for(client, uri, 1)
    assert (d.code, d.range, d.message) == (
        "G005",
        rng(5, 4, 5, 19),
        'Axolotl\'s dataset entry does not read the key "field_messsages", so it is ignored; '
        'did you mean "field_messages"?',
    )
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                lsp.TextDocumentContentChangePartial(range=rng(5, 14, 5, 15), text="")
            ],
        )
    )
    assert list(await diagnostics_for(client, uri, 2)) == []


async def test_hover_and_code_lens_on_a_dataset_entry(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "d.jsonl").write_text(json.dumps(ROW) + "\n", "utf-8")
    await start(client, tmp_path)
    track_versions(client)
    uri = await open_doc(client, tmp_path / "axolotl.yml", _config("field_messages"), "yaml")
    assert list(await diagnostics_for(client, uri, 1)) == []
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert [(lens.range, lens.command.title, lens.command.arguments) for lens in lenses] == [
        (rng(3, 4, 3, 17), "check this dataset", (uri, 0))
    ]
    hover = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=3, character=6),
        )
    )
    assert hover is not None
    assert hover.contents.value == (
        "**d.jsonl** (1 file)\n\n1 rows · layout messages (1)\n\n"
        "3 of 14 tokens trained (21.4%) as axolotl prepares them"
    )
    got = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="sftlint.checkTrainerDataset", arguments=[uri, 0])
    )
    assert got == {"rows": 1, "findings": 0}
