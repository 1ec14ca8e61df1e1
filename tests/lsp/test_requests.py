"""Custom requests (sftlint/rowTokens, sftlint/fileStats), mask diagnostics, workspace trust
and the inlay-hints switch, over LSP against the real server."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import open_doc, rng

pytestmark = pytest.mark.asyncio

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"
ROWS = (
    '{"messages": [{"role": "user", "content": "Hi there"}, '
    '{"role": "assistant", "content": "Hello!"}]}\n'
    "\n"
    '{"messages": [{"role": "system", "content": "Be brief."}, '
    '{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}\n'
)


def plain(value: Any) -> Any:
    """pygls hands custom results back as namedtuples: turn them into JSON values."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {k: plain(getattr(value, k)) for k in value._fields}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


async def call(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    return plain(await client.protocol.send_request_async(method, params))


def show_json(path: Path, row: int, tokenizer: str) -> dict[str, Any]:
    """Ground truth: `sftlint show --json` on the same file and row."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sftlint",
            "show",
            "--json",
            "--tokenizer",
            tokenizer,
            f"{path}:{row}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


async def wait_for(client: LanguageClient, uri: str, code: str) -> list[lsp.Diagnostic]:
    for _ in range(600):
        got = client.diagnostics.get(uri) or []
        if any(d.code == code for d in got):
            return list(got)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {code} diagnostic; got {client.diagnostics.get(uri)}")


async def test_row_tokens_equal_sftlint_show(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path, options={"tokenizer": str(CHATML)})
    path = tmp_path / "data.jsonl"
    path.write_text(ROWS)
    uri = await open_doc(client, path, ROWS)
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 2})
    assert got == show_json(path, 3, str(CHATML))
    assert got["row"] == 3 and got["format"] == "messages" and got["findings"] == []
    assistant = [(t["text"], t["trained"], t["reason"]) for t in got["tokens"] if t["turn"] == 3]
    assert assistant == [
        ("<|im_start|>", False, "turn header"),
        ("assistant", False, "turn header"),
        ("\n", False, "turn header"),
        ("4", True, "assistant"),
        ("<|im_end|>", True, "end of turn"),
        ("\n", False, "assistant"),
    ]
    assert got["turns"] == [
        {"turn": 1, "role": "system", "tokens": 8, "trained": 0},
        {"turn": 2, "role": "user", "tokens": 9, "trained": 0},
        {"turn": 3, "role": "assistant", "tokens": 6, "trained": 2},
    ]
    assert got["totals"] == {"tokens": 23, "trained": 2}
    # Any line of the row answers for it; a blank line and lines past the end do not.
    first = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 0})
    assert first == show_json(path, 1, str(CHATML))
    assert await call(client, "sftlint/rowTokens", {"uri": uri, "line": 1}) is None
    assert await call(client, "sftlint/rowTokens", {"uri": uri, "line": 9}) is None
    stats = await call(client, "sftlint/fileStats", {"uri": uri})
    assert stats == {
        "tokenizer": str(CHATML),
        "chatTemplate": None,
        "strategy": "assistant-only",
        "rows": 2,
        "tokens": first["totals"]["tokens"] + 23,
        "trainedTokens": first["totals"]["trained"] + 2,
    }
    assert (stats["tokens"], stats["trainedTokens"]) == (40, 7)  # as `sftlint check` says


async def test_row_tokens_json_array_row(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path, options={"tokenizer": "mistral-v3"})
    text = "[\n  " + ROWS.splitlines()[0] + ",\n  " + ROWS.splitlines()[2] + "\n]\n"
    path = tmp_path / "data.json"
    path.write_text(text)
    uri = await open_doc(client, path, text, "json")
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 2})
    assert got == show_json(path, 3, "mistral-v3")
    assert got["totals"] == {"tokens": 15, "trained": 3}
    assert await call(client, "sftlint/rowTokens", {"uri": uri, "line": 0}) is None


async def test_requests_without_tokenizer(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "data.jsonl", ROWS)
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 0})
    assert got == {
        "filename": str(tmp_path / "data.jsonl"),
        "row": 1,
        "format": "messages",
        "tokens": [],
        "turns": [],
        "rendered": None,
        "totals": None,
        "findings": [],
        "message": "no tokenizer configured: set `tokenizer` in sftlint.toml or "
        "`sftlint.tokenizer` in the editor settings (e.g. mistral-v3, or a local tokenizer folder)",
    }
    assert await call(client, "sftlint/fileStats", {"uri": uri}) == {
        "tokenizer": None,
        "chatTemplate": None,
        "strategy": None,
        "rows": 2,
        "tokens": None,
        "trainedTokens": None,
    }
    unknown = (tmp_path / "other.jsonl").as_uri()
    assert await call(client, "sftlint/fileStats", {"uri": unknown}) is None


async def test_broken_tokenizer_says_why(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path, options={"tokenizer": str(tmp_path / "missing")})
    uri = await open_doc(client, tmp_path / "data.jsonl", ROWS)
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 0})
    assert got["tokens"] == [] and got["totals"] is None
    missing = tmp_path / "missing"
    assert got["message"] == (
        f"unknown tokenizer {str(missing)!r}: not a built-in (mistral-v1, mistral-v3, "
        f"mistral-tekken), a local folder ({missing} not found) or a Hugging Face repo id"
    )
    assert [f["code"] for f in got["findings"]] == ["L012"]
    stats = await call(client, "sftlint/fileStats", {"uri": uri})
    assert (stats["tokens"], stats["trainedTokens"]) == (None, None)


async def test_mask_findings_become_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    """The tokenizer loads in the background (with progress); then the L rules run."""
    await start(client, tmp_path, options={"tokenizer": "mistral-v3"})
    uri = await open_doc(client, tmp_path / "data.jsonl", ROWS)
    got = await wait_for(client, uri, "L008")
    assert [(d.code, d.range, d.severity, d.message) for d in got] == [
        (
            "J007",
            rng(1, 0, 1, 0),
            lsp.DiagnosticSeverity.Warning,
            "blank line: `json.loads` fails on it in line-by-line loaders",
        ),
        (
            "L008",
            rng(2, 44, 2, 55),
            lsp.DiagnosticSeverity.Information,
            "turn 1 (system): the template folds the system prompt into turn 2 (user)",
        ),
    ]
    titles = [r[0].title for r in client.progress_reports.values()]
    assert titles == ["sftlint: loading tokenizer mistral-v3"]


def workspace_with_tokenizer(root: Path) -> Path:
    shutil.copytree(CHATML, root / "tok")
    (root / "sftlint.toml").write_text('tokenizer = "tok"\n')
    return root / "data.jsonl"


async def test_untrusted_workspace_skips_its_tokenizer(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = workspace_with_tokenizer(tmp_path)
    await start(client, tmp_path, options={"workspace-trusted": False})
    uri = await open_doc(client, path, ROWS)
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 0})
    assert got["tokens"] == []
    held = tmp_path / "tok"
    note = (
        f'untrusted workspace: tokenizer "{held}" not loaded (only built-ins until it is trusted)'
    )
    assert got["message"] == note
    stats = await call(client, "sftlint/fileStats", {"uri": uri})
    assert (stats["tokenizer"], stats["tokens"]) == (None, None)
    assert client.progress_reports == {}  # nothing was loaded
    h = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=0, character=80),
        )
    )
    assert h.contents.value.endswith(f"\n\n---\n\n*Restricted mode:* {note}.")


async def test_untrusted_workspace_skips_a_tokenizer_outside_it(
    client: LanguageClient, tmp_path: Path
) -> None:
    """`tokenizer = "../tok"` reaches out of the workspace: held back all the same."""
    shutil.copytree(CHATML, tmp_path / "tok")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "sftlint.toml").write_text('tokenizer = "../tok"\n')
    await start(client, root, options={"workspace-trusted": False})
    uri = await open_doc(client, root / "data.jsonl", ROWS)
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 0})
    assert got["tokens"] == []
    held = (root / "../tok").resolve()
    assert got["message"] == (
        f'untrusted workspace: tokenizer "{held}" not loaded (only built-ins until it is trusted)'
    )
    assert client.progress_reports == {}  # nothing was loaded


async def test_untrusted_workspace_keeps_builtins(client: LanguageClient, tmp_path: Path) -> None:
    workspace_with_tokenizer(tmp_path)
    (tmp_path / "sftlint.toml").write_text('tokenizer = "mistral-v3"\n')
    await start(client, tmp_path, options={"workspace-trusted": False})
    uri = await open_doc(client, tmp_path / "data.jsonl", ROWS)
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 0})
    assert got["totals"] == {"tokens": 8, "trained": 3} and "message" not in got


async def test_trusted_workspace_loads_its_tokenizer(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = workspace_with_tokenizer(tmp_path)
    await start(client, tmp_path, options={"workspace-trusted": True})
    uri = await open_doc(client, path, ROWS)
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 2})
    assert got["totals"] == {"tokens": 23, "trained": 2}


async def test_inlay_hints_switch(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path, options={"tokenizer": "mistral-v3", "inlay-hints": False})
    uri = await open_doc(client, tmp_path / "data.jsonl", ROWS)
    params = lsp.InlayHintParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=rng(0, 0, 2, 0)
    )
    assert list(await client.text_document_inlay_hint_async(params)) == []
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"sftlint": {"tokenizer": "mistral-v3"}})
    )
    hints = await client.text_document_inlay_hint_async(params)
    assert [(h.position, h.label) for h in hints] == [
        (lsp.Position(line=0, character=99), "8 tok · 38% trained"),
        (lsp.Position(line=2, character=134), "15 tok · 20% trained"),
    ]


async def test_cancelled_hover_does_not_cancel_the_load(
    client: LanguageClient, tmp_path: Path
) -> None:
    """Editors cancel a hover when the mouse moves on; the tokenizer load it was waiting
    for is shared with every other request and must go on."""
    await start(client, tmp_path, options={"tokenizer": "mistral-v3"})
    uri = await open_doc(client, tmp_path / "data.jsonl", ROWS)
    params = lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        position=lsp.Position(line=0, character=90),
    )
    hover = client.protocol.send_request(lsp.TEXT_DOCUMENT_HOVER, params)
    await asyncio.sleep(0.2)  # the load takes longer than this
    msg_id = next(k for k, f in client.protocol._request_futures.items() if f is hover)
    client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id=msg_id))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wrap_future(hover)
    got = await call(client, "sftlint/rowTokens", {"uri": uri, "line": 0})
    assert got["totals"] == {"tokens": 8, "trained": 3}
    titles = [r[0].title for r in client.progress_reports.values()]
    assert titles == ["sftlint: loading tokenizer mistral-v3"]  # loaded once, not restarted
