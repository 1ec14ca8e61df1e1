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


async def diagnostics(client: LanguageClient, root: Path, trusted: bool) -> list:
    """The diagnostics of train.jsonl in a repository whose config names a tokenizer
    folder, a template file and two dataset files."""
    shutil.copytree(CHATML, root / "tok")
    (root / "sftlint.toml").write_text(
        'tokenizer = "tok"\nchat-template = "t.jinja"\n'
        'dataset-files = ["train.jsonl", "val.jsonl"]\n'
    )
    (root / "t.jinja").write_text("{{ messages }}")
    (root / "val.jsonl").write_text(ROWS)
    track_versions(client)
    await start(client, root, options={"workspace-trusted": trusted})
    uri = await open_doc(client, root / "train.jsonl", ROWS)
    return await diagnostics_for(client, uri, 1)


async def test_what_an_untrusted_workspace_held_back_is_one_finding(
    client: LanguageClient, tmp_path: Path
) -> None:
    diags = await diagnostics(client, tmp_path, trusted=False)
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
    diags = await diagnostics(client, tmp_path, trusted=True)
    assert None not in [d.code for d in diags]
