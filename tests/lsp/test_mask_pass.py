"""The loss-mask pass: L diagnostics computed in the server's executor, apart from the
structural lint, merged into the published diagnostics (exact ranges and messages, the
file-level L001 included), updated row by row on edits, equal to `sftlint check`, and never
in the way of the thread that answers requests."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import change, open_doc, rng

from sftlint.lsp.maskpass import MaskPass
from sftlint.settings import settings_for

GEMMA = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "gemma"
# Failure 1: Unsloth's bare Gemma markers (`user\n`, `model\n`) are never found in the ids.
BARE = 'instruction-part = "user\\n"\nresponse-part = "model\\n"\n'
FULL = 'instruction-part = "<start_of_turn>user\\n"\nresponse-part = "<start_of_turn>model\\n"\n'
TWO_ROWS = (
    '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}\n'
    '{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}\n'
)
MIXED = (
    '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},'
    ' {"role": "assistant", "content": "Hello"}]}\n'
    '{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}\n'
    "\n"
    '{"prompt": "Say hi", "completion": "hi"}\n'
    '{"prompt": [{"role": "user", "content": "Pick"}], "chosen": [{"role": "assistant", '
    '"content": "A"}], "rejected": [{"role": "assistant", "content": "B"}]}\n'
    '{"messages": [{"role": "user", "content": "x"}]}\n'
    "not json\n"
    '{"input_ids": [1, 2, 3], "labels": [-100, 2, 3]}\n'
    '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}]}\n'
)
ALL_NOTHING = (
    "2 of 2 rows train on nothing: the trainer will stop with 'All labels in your dataset are "
    "-100'; use instruction-part '<start_of_turn>user\\n' and response-part "
    "'<start_of_turn>model\\n' as the rows render them"
)
ROW_NOTHING = (
    "the row trains on zero tokens: the response-part's token sequence never occurs in the "
    "token ids"
)


def workspace(root: Path, markers: str) -> None:
    (root / "sftlint.toml").write_text(
        f'tokenizer = "{GEMMA}"\nchat-template = "gemma3"\nstrategy = "markers"\n{markers}'
    )


def mask_diagnostics(client: LanguageClient, uri: str) -> list[tuple]:
    got = client.diagnostics.get(uri) or []
    return [(d.code, d.range, d.message) for d in got if str(d.code).startswith("L")]


async def wait_until(client: LanguageClient, uri: str, done, what: str) -> list[tuple]:
    for _ in range(1200):
        got = mask_diagnostics(client, uri)
        if done(got):
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what}; got {mask_diagnostics(client, uri)}")


@pytest.mark.asyncio
async def test_gemma_bare_markers_exact(client: LanguageClient, tmp_path: Path) -> None:
    workspace(tmp_path, BARE)
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "data.jsonl", TWO_ROWS)
    got = await wait_until(client, uri, lambda g: len(g) == 7, "no L diagnostics")
    assert got == [
        ("L001", rng(0, 0, 0, 0), ALL_NOTHING),
        ("L001", rng(0, 1, 0, 11), ROW_NOTHING),
        (
            "L002",
            rng(0, 42, 0, 46),
            "instruction-part 'user\\n' occurs in the rendered text of turn 1 (user) but its "
            "token sequence does not occur in the row's ids",
        ),
        (
            "L002",
            rng(0, 82, 0, 86),
            "response-part 'model\\n' occurs in the rendered text of turn 2 (assistant) but its "
            "token sequence does not occur in the row's ids",
        ),
        ("L001", rng(1, 1, 1, 11), ROW_NOTHING),
        (
            "L002",
            rng(1, 42, 1, 48),
            "instruction-part 'user\\n' occurs in the rendered text of turn 1 (user) but its "
            "token sequence does not occur in the row's ids",
        ),
        (
            "L002",
            rng(1, 84, 1, 87),
            "response-part 'model\\n' occurs in the rendered text of turn 2 (assistant) but its "
            "token sequence does not occur in the row's ids",
        ),
    ]


@pytest.mark.asyncio
async def test_edit_updates_only_the_row_it_fixes(client: LanguageClient, tmp_path: Path) -> None:
    workspace(tmp_path, FULL)
    await start(client, tmp_path)
    text = (
        '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": '
        '"Hi"}, {"role": "assistant", "content": "Hello"}]}\n'
        '{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": '
        '"4"}]}\n'
        '{"messages": [{"role": "user", "content": "x"}]}\n'
    )
    uri = await open_doc(client, tmp_path / "data.jsonl", text)
    folds = (
        "L008",
        rng(0, 44, 0, 55),
        "turn 1 (system): the template folds the system prompt into turn 2 (user)",
    )
    before = await wait_until(client, uri, lambda g: len(g) == 3, "no L diagnostics")
    assert before == [
        (
            "L001",
            rng(0, 0, 0, 0),
            "1 of 3 rows train on nothing: the trainer drops them or computes no loss on them; "
            "use instruction-part '<start_of_turn>user\\n' and response-part "
            "'<start_of_turn>model\\n' as the rows render them",
        ),
        folds,
        (
            "L001",
            rng(2, 1, 2, 11),
            "the row trains on zero tokens: response-part '<start_of_turn>model\\n' never "
            "occurs in the token ids",
        ),
    ]
    # Give row 3 an answer: its L001 goes, and so does the file's; row 1's L008 stays.
    change(client, uri, 2, rng(2, 47, 2, 47), ', {"role": "assistant", "content": "y"}')
    after = await wait_until(client, uri, lambda g: len(g) == 1, "row 3's L001 stayed")
    assert after == [folds]


@pytest.mark.asyncio
async def test_requests_answered_while_a_long_pass_runs(
    client: LanguageClient, tmp_path: Path
) -> None:
    """A 2,000-row pass takes seconds; documentSymbol and hover are answered meanwhile, before
    the pass's diagnostics arrive (so the pass cannot have run on the event loop)."""
    workspace(tmp_path, BARE + "max-problems = 10000\n")
    await start(client, tmp_path)
    small = await open_doc(client, tmp_path / "small.jsonl", TWO_ROWS)
    await wait_until(client, small, lambda g: len(g) == 7, "the tokenizer did not load")
    text = ""
    for i in range(2000):  # rows of distinct texts: each is tokenized
        words = " ".join(f"w{i}x{k}" for k in range(150))
        turns = [{"role": "user", "content": words}, {"role": "assistant", "content": words}]
        text += json.dumps({"messages": turns}) + "\n"
    uri = await open_doc(client, tmp_path / "big.jsonl", text)
    for _ in range(600):  # the structural lint publishes first (nothing to say)
        if uri in client.diagnostics:
            break
        await asyncio.sleep(0.01)
    assert mask_diagnostics(client, uri) == []
    doc = lsp.TextDocumentIdentifier(uri=uri)
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=doc)
    )
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=doc, position=lsp.Position(line=5, character=50))
    )
    # Answered while the pass still runs: the requests did not wait for it.
    assert mask_diagnostics(client, uri) == [], "the pass ended before the requests were answered"
    assert symbols is not None and len(symbols) == 2000
    assert hover is not None
    got = await wait_until(client, uri, lambda g: len(g) > 0, "the pass never ended")
    # One diagnostic more for each of the causes every row has (`lsp.causes`), first.
    grouped = [g for g in got if "findings in 2,000 rows: 1, 2, 3, 4, 5, …" in g[2]]
    assert [g[0] for g in grouped] == ["L001", "L002", "L002"]
    got = got[len(grouped) :]
    assert got[0][:2] == ("L001", rng(0, 0, 0, 0))
    assert got[0][2].startswith("2000 of 2000 rows train on nothing")
    assert len(got) == 1 + 3 * 2000


@pytest.mark.asyncio
async def test_equal_to_sftlint_check(client: LanguageClient, tmp_path: Path) -> None:
    workspace(tmp_path, BARE)
    path = tmp_path / "mixed.jsonl"
    path.write_text(MIXED)
    out = subprocess.run(
        [sys.executable, "-m", "sftlint", "check", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    expected = [
        (
            f["code"],
            rng(
                f["location"]["row"] - 1,
                f["location"]["column"] - 1,
                f["end_location"]["row"] - 1,
                f["end_location"]["column"] - 1,
            ),
            f["message"],
        )
        for f in json.loads(out.stdout)
        if f["code"].startswith("L")
    ]
    rows = [["L001", "L008", "L002", "L002"], ["L001", "L002", "L002"], ["L001", "L002"]]
    codes = ["L001", *rows[0], *rows[1], *rows[2], *rows[1]]  # the file's, then 5 rows'
    assert [e[0] for e in expected] == codes
    await start(client, tmp_path)
    uri = await open_doc(client, path, MIXED)
    got = await wait_until(client, uri, lambda g: len(g) == len(expected), "no L diagnostics")
    assert got == expected


def test_an_edit_retokenizes_only_its_row(tmp_path: Path) -> None:
    """In-process: the pass's cache holds one outcome per row text; editing one row adds one
    outcome, and the result equals a fresh pass over the new text."""
    workspace(tmp_path, BARE)
    path = str(tmp_path / "mixed.jsonl")
    settings = settings_for(Path(path))
    lines = MIXED.encode().split(b"\n")
    maskpass = MaskPass(path)
    first = maskpass.run(lines, settings, lambda: False)
    assert first is not None
    cached = len(maskpass._cache)
    lines[1] = lines[1].replace(b'"4"', b'"5"')
    second = maskpass.run(lines, settings, lambda: False)
    assert len(maskpass._cache) == cached + 1
    fresh = MaskPass(path).run(lines, settings, lambda: False)
    assert second == fresh
    assert second.rows.keys() == first.rows.keys()
    assert MaskPass(path).run(lines, settings, lambda: True) is None  # a superseded pass stops
