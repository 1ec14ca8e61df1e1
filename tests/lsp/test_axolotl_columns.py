"""The editor reads a buffer as Axolotl reads its file, one table: under the axolotl profile
a row without the buffer's `system` column gets an empty system turn in the preview and
the loss-mask diagnostics, from the buffer's rows, not the file on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import change, open_doc
from tests.lsp.test_mask_pass import wait_until
from tests.lsp.test_requests import call

pytestmark = pytest.mark.asyncio

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"
PLAIN = {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}
SYSTEM = {**PLAIN, "system": "Be brief."}
EMPTY_SYSTEM = "<|im_start|>system\n<|im_end|>\n"
NO_SYSTEM_COLUMN = (
    "the row has no `system` column, which other rows of the file have: Axolotl reads the "
    "file as one table and gives the row an empty system turn; add its system prompt, or "
    "move every row's system prompt into its messages"
)


async def test_preview_and_mask_pass_read_the_buffers_columns(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "sftlint.toml").write_text(f'tokenizer = "{CHATML}"\ntrainer = "axolotl"\n')
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps(PLAIN) + "\n")  # on disk: no row has `system`
    await start(client, tmp_path)
    text = json.dumps(PLAIN) + "\n" + json.dumps(SYSTEM) + "\n"
    uri = await open_doc(client, path, text)
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 0})
    assert got["rendered"] == (
        EMPTY_SYSTEM + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n"
    )
    assert [t["role"] for t in got["turns"]] == ["system", "user", "assistant"]
    # The mask pass: the empty system turn is text the row does not hold (L008, row 0 only).
    diags = await wait_until(client, uri, lambda g: len(g) >= 1, "no L diagnostics")
    assert [(code, r.start.line) for code, r, _ in diags] == [("L008", 0)]


async def test_an_edit_that_adds_or_removes_the_system_column_is_seen(
    client: LanguageClient, tmp_path: Path
) -> None:
    """The mask pass keeps the buffer's columns between passes (only edited lines are read
    again); a row that gains or loses `system` still changes the other rows' turns, and
    the edited buffer's diagnostics are those of a fresh open of its text."""
    (tmp_path / "sftlint.toml").write_text(f'tokenizer = "{CHATML}"\ntrainer = "axolotl"\n')
    await start(client, tmp_path)
    plain, system = json.dumps(PLAIN), json.dumps(SYSTEM)
    uri = await open_doc(client, tmp_path / "train.jsonl", f"{plain}\n{system}\n{plain}\n")
    with_system = await wait_until(client, uri, lambda g: len(g) >= 2, "no L diagnostics")
    row_1 = lsp.Range(start=lsp.Position(1, 0), end=lsp.Position(1, len(system)))
    # Row 1 loses the column: no row has it, no empty system turn. (An edit keeps the
    # mask findings of the lines it does not touch until the next pass replaces them.)
    change(client, uri, 2, row_1, plain)
    assert await wait_until(client, uri, lambda g: g == [], "L008 kept") == []
    # Row 1 gains it again: rows 0 and 2 get their empty system turn back.
    row_1.end.character = len(plain)
    change(client, uri, 3, row_1, system)
    edited = await wait_until(client, uri, lambda g: len(g) >= 2, "no L008 after the edit")
    fresh_uri = await open_doc(client, tmp_path / "fresh.jsonl", f"{plain}\n{system}\n{plain}\n")
    fresh = await wait_until(client, fresh_uri, lambda g: len(g) >= 2, "no L diagnostics")
    assert edited == fresh == with_system
    assert edited == [("L008", _key(line), NO_SYSTEM_COLUMN) for line in (0, 2)]


def _key(line: int) -> lsp.Range:
    """The range of a row's first key (`"conversations"`)."""
    return lsp.Range(start=lsp.Position(line, 1), end=lsp.Position(line, 16))
