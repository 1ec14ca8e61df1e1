"""F008 (one KTO label for the whole file) in the editor, through edits, as the CLI has it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import change, diagnostics_for, open_doc, rng, track_versions

pytestmark = pytest.mark.asyncio

MESSAGE = (
    "every one of the 12 rows has label true: there is no undesirable (false) example, so "
    "KTO learns only one direction (a label column never filled?)"
)


def row(i: int, label: str = "true") -> str:
    return f'{{"prompt": "Q{i}?", "completion": "A{i}.", "label": {label}}}'


def f008(diags: list[lsp.Diagnostic]) -> list[tuple[object, lsp.Range, str]]:
    return [(d.code, d.range, d.message) for d in diags]


async def test_f008_follows_edits_of_jsonl_rows(client: LanguageClient, tmp_path: Path) -> None:
    track_versions(client)
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "kto.jsonl", "\n".join(map(row, range(12))) + "\n")
    at = row(0).index("true")
    expected = [("F008", rng(0, at, 0, at + 4), MESSAGE)]
    assert f008(await diagnostics_for(client, uri, 1)) == expected
    change(client, uri, 2, rng(3, at, 3, at + 4), "false")  # one undesirable row: fine
    assert f008(await diagnostics_for(client, uri, 2)) == []
    change(client, uri, 3, rng(3, at, 3, at + 5), "true")
    assert f008(await diagnostics_for(client, uri, 3)) == expected


async def test_f008_follows_edits_of_array_elements(client: LanguageClient, tmp_path: Path) -> None:
    track_versions(client)
    await start(client, tmp_path)
    rows = [json.loads(row(i)) for i in range(12)]
    text = "[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n"
    uri = await open_doc(client, tmp_path / "kto.json", text, "json")
    at = json.dumps(rows[0]).index("true")
    expected = [("F008", rng(1, at, 1, at + 4), MESSAGE)]
    assert f008(await diagnostics_for(client, uri, 1)) == expected
    change(client, uri, 2, rng(5, at, 5, at + 4), "false")
    assert f008(await diagnostics_for(client, uri, 2)) == []
    change(client, uri, 3, rng(5, at, 5, at + 5), "true")
    assert f008(await diagnostics_for(client, uri, 3)) == expected
    change(client, uri, 4, rng(2, 0, 2, 0), row(12) + ",\n")  # a 13th row
    message = MESSAGE.replace("12 rows", "13 rows")
    assert f008(await diagnostics_for(client, uri, 4)) == [("F008", expected[0][1], message)]
