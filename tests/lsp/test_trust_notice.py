"""An untrusted workspace says, once, at the top of each document, what its config would
have loaded and was held back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import ROWS, diagnostics_for, open_doc, rng, track_versions
from tests.lsp.test_requests import CHATML

pytestmark = pytest.mark.asyncio


def repo(root: Path) -> None:
    shutil.copytree(CHATML, root / "tok")
    (root / "sftlint.toml").write_text(
        'tokenizer = "tok"\nchat-template = "t.jinja"\n'
        'dataset-files = ["train.jsonl", "val.jsonl"]\n'
    )
    (root / "t.jinja").write_text("{{ messages }}")
    (root / "val.jsonl").write_text(ROWS)


async def test_what_an_untrusted_workspace_held_back_is_one_finding(
    client: LanguageClient, tmp_path: Path
) -> None:
    repo(tmp_path)
    track_versions(client)
    await start(client, tmp_path, options={"workspace-trusted": False})
    uri = await open_doc(client, tmp_path / "train.jsonl", ROWS)
    diags = await diagnostics_for(client, uri, 1)
    notice = [d for d in diags if d.code is None]
    assert [(d.range, d.severity, d.source, d.message) for d in notice] == [
        (
            rng(0, 0, 0, 0),
            lsp.DiagnosticSeverity.Information,
            "sftlint",
            f'untrusted workspace: tokenizer "{tmp_path / "tok"}", '
            f'chat-template "{tmp_path / "t.jinja"}", '
            f'dataset-files "{tmp_path / "train.jsonl"}", dataset-files "{tmp_path / "val.jsonl"}" '
            "not loaded (only built-ins until it is trusted)",
        )
    ]
    assert [d.code for d in diags] == [None, "R004", "J007", "D001"]


async def test_a_trusted_workspace_has_no_such_finding(
    client: LanguageClient, tmp_path: Path
) -> None:
    repo(tmp_path)
    track_versions(client)
    await start(client, tmp_path, options={"workspace-trusted": True})
    uri = await open_doc(client, tmp_path / "train.jsonl", ROWS)
    diags = await diagnostics_for(client, uri, 1)
    assert None not in [d.code for d in diags]
