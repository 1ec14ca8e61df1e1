"""K006 (rows with one prompt and different answers) in a real server over stdio: it comes
and goes as rows are edited, at the later row, with the first row as related information."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import change, diagnostics_for, open_doc, rng, track_versions

pytestmark = pytest.mark.asyncio

ROWS = 80  # over the server's batch size: compact clean rows share their shape's result


def row(question: str, answer: str) -> str:
    """A compact clean row (the fast path's: its digests kept by line in the server)."""
    turns = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return json.dumps({"messages": turns}, separators=(",", ":"))


def message(line: int, shared: int = 2, answers: int = 2) -> str:
    return (
        f"same prompt as the row at line {line} with a different answer ({shared} rows share "
        f"this prompt, {answers} distinct answers)"
    )


def shown(diags: list[lsp.Diagnostic]) -> list[tuple]:
    """(code, range, message, [(related line, message)]) of each diagnostic."""
    return [
        (
            d.code,
            d.range,
            d.message,
            [(r.location.range.start.line, r.message) for r in d.related_information or []],
        )
        for d in diags
    ]


def retype(client: LanguageClient, uri: str, version: int, lines: list[str], i: int, new: str):
    change(client, uri, version, rng(i, 0, i, len(lines[i])), new)
    lines[i] = new


async def test_k006_follows_edits_of_jsonl_rows(client: LanguageClient, tmp_path: Path) -> None:
    track_versions(client)
    await start(client, tmp_path)
    lines = [row(f"q{i}", f"a{i}") for i in range(ROWS)]
    uri = await open_doc(client, tmp_path / "train.jsonl", "\n".join(lines) + "\n")
    assert await diagnostics_for(client, uri, 1) == ()

    # Row 40 asks row 10's question with its own answer: K006 at row 40, row 10 related.
    retype(client, uri, 2, lines, 40, row("q10", "a40"))
    first = [(10, "first row with this prompt")]
    assert shown(await diagnostics_for(client, uri, 2)) == [
        ("K006", rng(40, 0, 40, len(lines[40])), message(11), first)
    ]
    # Its answer made row 10's: a byte-identical copy, D001's alone.
    retype(client, uri, 3, lines, 40, row("q10", "a10"))
    assert [d.code for d in await diagnostics_for(client, uri, 3)] == ["D001"]
    # A third answer from row 70: one finding for the three rows, the others related.
    retype(client, uri, 4, lines, 40, row("q10", "a40"))
    retype(client, uri, 5, lines, 70, row("q10", "a70"))
    assert shown(await diagnostics_for(client, uri, 5)) == [
        ("K006", rng(40, 0, 40, len(lines[40])), message(11, 3, 3),
         [*first, (70, "another answer to this prompt")]),
    ]  # fmt: skip
    # Row 10 asks something else now: rows 40 and 70 still share theirs.
    retype(client, uri, 6, lines, 10, row("q10?", "a10"))
    assert shown(await diagnostics_for(client, uri, 6)) == [
        ("K006", rng(70, 0, 70, len(lines[70])), message(41),
         [(40, "first row with this prompt")]),
    ]  # fmt: skip
    # Row 70 gives row 40's answer (another row's id would keep them apart from D001).
    retype(client, uri, 7, lines, 70, row("q10", "a40")[:-1] + ',"id":7}')
    assert await diagnostics_for(client, uri, 7) == ()


async def test_k006_follows_edits_of_array_elements(client: LanguageClient, tmp_path: Path) -> None:
    track_versions(client)
    await start(client, tmp_path)
    elements = [row(f"q{i}", f"a{i}") for i in range(6)]
    lines = ["[", *(e + "," for e in elements[:-1]), elements[-1], "]"]
    uri = await open_doc(client, tmp_path / "train.json", "\n".join(lines) + "\n", "json")
    assert await diagnostics_for(client, uri, 1) == ()
    retype(client, uri, 2, lines, 5, row("q1", "a4") + ",")
    assert shown(await diagnostics_for(client, uri, 2)) == [
        ("K006", rng(5, 0, 5, len(lines[5]) - 1), message(3), [(2, "first row with this prompt")])
    ]
    retype(client, uri, 3, lines, 5, row("q4", "a4") + ",")
    assert await diagnostics_for(client, uri, 3) == ()
