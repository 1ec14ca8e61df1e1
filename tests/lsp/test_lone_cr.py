"""A lone CR is a line break to an LSP client: after edits that add or remove one, the
server's diagnostics sit where the CLI puts its findings on the same text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import change, diagnostics_for, open_doc, rng, track_versions

pytestmark = pytest.mark.asyncio

ROW = '{"messages": [{"role": "user", "content": "h😀i"}, {"role": "assistant", "content": "ok"}]}'
BAD = '{"messages": [{"role": "bot", "content": ""}]}'


def cli(path: Path, text: str) -> list[tuple[str, int, int, int, int]]:
    """`sftlint check --format json` on `text`: (code, row, column, end row, end column)."""
    path.write_bytes(text.encode())
    out = subprocess.run(
        [sys.executable, "-m", "sftlint", "check", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return [
        (
            f["code"],
            f["location"]["row"],
            f["location"]["column"],
            f["end_location"]["row"],
            f["end_location"]["column"],
        )
        for f in json.loads(out)
    ]


def server(diags) -> list[tuple[str, int, int, int, int]]:
    """The diagnostics 1-based as the CLI prints them (the columns here are ASCII)."""
    return [
        (
            d.code,
            d.range.start.line + 1,
            d.range.start.character + 1,
            d.range.end.line + 1,
            d.range.end.character + 1,
        )
        for d in diags
    ]


async def test_diagnostics_after_lone_cr_edits_equal_the_clis(
    client: LanguageClient, tmp_path: Path
) -> None:
    track_versions(client)
    await start(client, tmp_path)
    text = BAD + "\n" + BAD.replace("bot", "gpt") + "\n"
    uri = await open_doc(client, tmp_path / "train.jsonl", text)
    await diagnostics_for(client, uri, 1)
    disk = tmp_path / "disk" / "train.jsonl"
    disk.parent.mkdir()
    # A lone CR inside the first row, a CRLF ending the second, the lone CR taken out.
    steps = [
        (rng(0, 13, 0, 13), "\r"),
        (rng(2, len(BAD), 2, len(BAD)), "\r"),
        (rng(0, 13, 1, 0), ""),
    ]
    for version, (r, new) in enumerate(steps, 2):
        change(client, uri, version, r, new)
        text = apply(text, r, new)
        got = server(await diagnostics_for(client, uri, version))
        assert got == cli(disk, text), (version, repr(text))
    assert text == BAD + "\n" + BAD.replace("bot", "gpt") + "\r\n"


def apply(text: str, r, new: str) -> str:
    """The client's edit: positions over lines that \\r\\n, \\r and \\n all end."""
    starts, i = [0], 0
    while i < len(text):
        if text[i] == "\r" and text[i + 1 : i + 2] == "\n":
            i += 1
        if text[i] in "\r\n":
            starts.append(i + 1)
        i += 1

    def at(p) -> int:
        return starts[p.line] + p.character

    return text[: at(r.start)] + new + text[at(r.end) :]
