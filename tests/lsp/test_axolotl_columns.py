"""The editor reads a buffer as Axolotl reads its file, one table: under the axolotl profile
a row without the buffer's `system` column gets an empty system turn in the preview and
the loss-mask diagnostics, from the buffer's rows, not the file on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import open_doc
from tests.lsp.test_mask_pass import wait_until
from tests.lsp.test_requests import call

pytestmark = pytest.mark.asyncio

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"
PLAIN = {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}
SYSTEM = {**PLAIN, "system": "Be brief."}
EMPTY_SYSTEM = "<|im_start|>system\n<|im_end|>\n"


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
