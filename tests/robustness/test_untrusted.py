"""A cloned dataset repository is untrusted: its chat template, its sftlint.toml and the
files beside the dataset cannot hang sftlint, fill its memory or stop it linting."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from bounded import GOOD_ROW, run
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import client, start  # noqa: F401  (client: the server fixture)
from tests.lsp.test_diagnostics import open_doc

from sftlint.masking.templatebounds import MAX_CHARS, MAX_STEPS

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"
ECHO = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
LOOP = "{% for i in range(10**5) %}{% for j in range(10**5) %}{% endfor %}{% endfor %}" + ECHO
HUGE = "{{ 'x' * 10**9 }}" + ECHO
STEPS = f"the chat template raised: rendering stopped: more than {MAX_STEPS:,} loop steps and calls"


def repo(root: Path, template: str, extra: str = "") -> None:
    (root / "t.jinja").write_text(template)
    (root / "sftlint.toml").write_text(
        f'tokenizer = "{CHATML}"\nchat-template = "t.jinja"\n{extra}'
    )
    (root / "train.jsonl").write_bytes(GOOD_ROW * 3)


@pytest.mark.parametrize(
    ("template", "why"),
    [
        (LOOP, f"more than {MAX_STEPS:,} loop steps and calls"),
        (HUGE, f"a value of 1,000,000,000 items or characters (the limit is {MAX_CHARS:,})"),
    ],
    ids=["loop", "huge"],
)
def test_a_hostile_template_is_one_finding_a_row_in_bounded_time_and_memory(
    tmp_path: Path, template: str, why: str
) -> None:
    repo(tmp_path, template)
    r = run(["check", "train.jsonl", "--select", "L003"], tmp_path)
    assert r.returncode == 1, r.stderr
    line = f"L003 the chat template raised: rendering stopped: {why}"
    assert r.stdout.splitlines()[:3] == [f"train.jsonl:{n}:2: {line}" for n in (1, 2, 3)]


def test_devices_in_dataset_files_and_beside_the_file_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text('dataset-files = ["/dev/zero", "train.jsonl"]\n')
    (tmp_path / "train.jsonl").write_bytes(GOOD_ROW)
    (tmp_path / "validation.jsonl").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "test.jsonl")
    r = run(["check", "train.jsonl"], tmp_path)
    assert (r.returncode, r.stderr, r.stdout) == (0, "", "All checks passed! (1 file, 1 row)\n")


def test_a_deeply_nested_config_is_a_located_config_error(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text("select = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "train.jsonl").write_bytes(GOOD_ROW)
    r = run(["check", "train.jsonl"], tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    path = tmp_path / "sftlint.toml"
    assert r.stderr == (
        f"sftlint: error: {path}: invalid TOML: arrays or tables nested too deeply\n"
    )


def test_a_tokenizer_name_too_long_for_a_path_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text(f'tokenizer = "{"a" * 5000}"\n')
    (tmp_path / "train.jsonl").write_bytes(GOOD_ROW)
    r = run(["check", "train.jsonl"], tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.startswith(
        f"sftlint: error: {tmp_path / 'sftlint.toml'}: cannot load tokenizer"
    )
    assert "Traceback" not in r.stderr


async def _answered(coro, seconds: float = 30.0):
    return await asyncio.wait_for(coro, seconds)


async def _diagnostics(client: LanguageClient, uri: str, done) -> list[lsp.Diagnostic]:  # noqa: F811
    for _ in range(1200):
        got = client.diagnostics.get(uri) or []
        if done(got):
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"diagnostics never came: {client.diagnostics.get(uri)}")


@pytest.mark.asyncio
async def test_the_server_answers_while_a_hostile_template_renders(
    client: LanguageClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    repo(tmp_path, LOOP, 'dataset-files = ["/dev/zero", "train.jsonl"]\n')
    (tmp_path / "validation.jsonl").symlink_to("/dev/zero")
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "train.jsonl", (GOOD_ROW * 3).decode())
    doc = lsp.TextDocumentIdentifier(uri=uri)
    hover = lsp.HoverParams(text_document=doc, position=lsp.Position(line=0, character=70))
    await _answered(client.text_document_hover_async(hover))
    symbols = lsp.DocumentSymbolParams(text_document=doc)
    assert await _answered(client.text_document_document_symbol_async(symbols)) is not None
    got = await _diagnostics(client, uri, lambda g: any(d.code == "L003" for d in g))
    assert [(d.code, d.range.start.line, d.message) for d in got if d.code == "L003"] == [
        ("L003", n, STEPS) for n in range(3)
    ]


@pytest.mark.asyncio
async def test_the_server_lints_with_defaults_past_a_broken_config(
    client: LanguageClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    (tmp_path / "sftlint.toml").write_text("select = " + "[" * 5000 + "]" * 5000 + "\n")
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "train.jsonl", (GOOD_ROW + b"\n").decode())
    got = await _diagnostics(client, uri, lambda g: len(g) > 0)
    assert [(d.code, d.range.start.line) for d in got] == [("J007", 1)]
    expected = f"{tmp_path / 'sftlint.toml'}: invalid TOML: arrays or tables nested too deeply"
    assert any(expected in m.message for m in client.messages), client.messages
