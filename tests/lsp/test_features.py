"""Code actions, hover, symbols, the on-disk check, bursts of edits, and never down."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInternalError
from pytest_lsp import LanguageClient
from tests.lsp.conftest import capabilities, start
from tests.lsp.test_diagnostics import (
    ROWS,
    change,
    diagnostics_for,
    open_doc,
    rng,
    track_versions,
)
from tests.lsp.test_requests import CHATML

pytestmark = pytest.mark.asyncio

SHAREGPT = '{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}\n'


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """Apply single-line edits (columns are UTF-16 but these lines are ASCII/BMP-only)."""
    lines = text.split("\n")
    for e in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        s, t = e.range.start, e.range.end
        assert s.line == t.line
        line = lines[s.line]
        lines[s.line] = line[: s.character] + e.new_text + line[t.character :]
    return "\n".join(lines)


async def test_quick_fix_and_fix_all(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "train.jsonl", ROWS)
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=rng(0, 60, 0, 60),
            context=lsp.CodeActionContext(diagnostics=[]),
        )
    )
    quick = [a for a in actions if a.kind == lsp.CodeActionKind.QuickFix]
    assert [a.title for a in quick] == ['Replace role "bot" with "assistant"']
    assert quick[0].diagnostics[0].code == "R004"
    change_ = quick[0].edit.document_changes[0]
    assert change_.text_document.version == 1
    assert list(change_.edits) == [lsp.TextEdit(range=rng(0, 58, 0, 63), new_text='"assistant"')]
    fixed = apply(ROWS, change_.edits)
    assert fixed == ROWS.replace('"bot"', '"assistant"', 1)

    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=rng(0, 0, 0, 0),
            context=lsp.CodeActionContext(diagnostics=[], only=["source.fixAll.sftlint"]),
        )
    )
    assert [a.title for a in actions] == ["Fix all safe sftlint problems"]
    edits = actions[0].edit.document_changes[0].edits
    assert list(edits) == [
        lsp.TextEdit(range=rng(0, 58, 0, 63), new_text='"assistant"'),  # the role (safe)
        lsp.TextEdit(range=rng(2, 0, 3, 0), new_text=""),  # the blank line
    ]


async def test_sharegpt_to_messages(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    text = SHAREGPT * 2
    uri = await open_doc(client, tmp_path / "sg.jsonl", text)
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=rng(1, 3, 1, 3),
            context=lsp.CodeActionContext(diagnostics=[], only=["source.convert"]),
        )
    )
    titles = [a.title for a in actions]
    assert titles == [
        "Convert this ShareGPT row to messages",
        "Convert every ShareGPT row of the file to messages (2 rows)",
    ]
    row = apply(text, actions[0].edit.document_changes[0].edits).split("\n")
    converted = (
        '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}'
    )
    assert row[:2] == [SHAREGPT.strip(), converted]
    whole = apply(text, actions[1].edit.document_changes[0].edits)
    assert whole == (converted + "\n") * 2


async def test_hover_rule_row_and_turn(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "train.jsonl", ROWS)
    doc = lsp.TextDocumentIdentifier(uri=uri)
    h = await client.text_document_hover_async(
        lsp.HoverParams(text_document=doc, position=lsp.Position(line=0, character=60))
    )
    text = h.contents.value
    assert text.startswith("**R004 unknown-role** (error): ")
    assert "**turn 2** · None · `messages[1]`" not in text
    assert "**turn 2** · bot · `messages[1]`" in text
    assert "*No tokenizer configured:*" in text
    h = await client.text_document_hover_async(
        lsp.HoverParams(text_document=doc, position=lsp.Position(line=1, character=2))
    )
    assert h.contents.value.startswith(
        "**row at line 2** · format `messages` · 2 turns (user, assistant)"
    )


async def test_document_symbols(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "train.jsonl", ROWS)
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert [s.name for s in symbols] == ["row 1 (line 1)", "row 2 (line 2)", "row 3 (line 4)"]
    assert [c.name for c in symbols[0].children] == ["turn 1: user", "turn 2: bot"]
    assert symbols[0].children[1].detail == "hello 😀"
    assert symbols[0].children[1].range == rng(0, 49, 0, 87)  # the emoji counts two UTF-16 units


async def test_check_file_on_disk_with_progress(client: LanguageClient, tmp_path: Path) -> None:
    track_versions(client)
    await start(client, tmp_path)
    path = tmp_path / "big.jsonl"
    path.write_text(ROWS)
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="sftlint.checkFileOnDisk", arguments=[path.as_uri()])
    )
    assert result == {"problems": 3, "shown": 3}
    assert [d.code for d in client.diagnostics[path.as_uri()]] == ["R004", "J007", "D001"]
    (reports,) = client.progress_reports.values()
    assert reports[0].kind == "begin" and reports[0].title == f"sftlint: checking {path}"
    assert reports[-1].kind == "end"


async def test_never_down(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    with pytest.raises(JsonRpcInternalError):
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="sftlint.test.crash", arguments=[])
        )
    await asyncio.sleep(0.1)
    logged = [m.message for m in client.log_messages if m.type == lsp.MessageType.Error]
    assert logged and logged[0].startswith("sftlint.test.crash failed:\nTraceback")
    assert "RuntimeError: crash requested by a test" in logged[0]
    # Bad input to a real handler: an error answer, and the server still serves.
    with pytest.raises(JsonRpcInternalError):
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="sftlint.checkFileOnDisk", arguments=[42])
        )
    uri = await open_doc(client, tmp_path / "train.jsonl", ROWS)
    h = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=999, character=999),
        )
    )
    assert h is None


async def test_burst_of_edits(client: LanguageClient, tmp_path: Path) -> None:
    track_versions(client)
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "train.jsonl", ROWS)
    await diagnostics_for(client, uri, 1)
    # 1,000 edits without waiting: type "x" 1,000 times inside the first content string.
    for v in range(2, 1002):
        change(client, uri, v, rng(0, 43, 0, 43), "x")
    diags = await diagnostics_for(client, uri, 1001)
    assert [d.code for d in diags] == ["R004", "J007", "D001"]
    assert diags[0].range == rng(0, 1058, 0, 1063)
    # Still responsive at once.
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert len(symbols) == 3


async def test_hover_and_inlay_hints_with_tokenizer(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path, options={"tokenizer": "mistral-v3"})
    # Row 0 asks another question: row 1 answers none otherwise (no K006 in the hover).
    text = ROWS.replace('"bot"', '"assistant"').replace('"hi"', '"hey"', 1)
    uri = await open_doc(client, tmp_path / "train.jsonl", text)
    doc = lsp.TextDocumentIdentifier(uri=uri)
    h = await client.text_document_hover_async(
        lsp.HoverParams(text_document=doc, position=lsp.Position(line=1, character=70))
    )
    text = h.contents.value
    assert text.startswith("**turn 2** · assistant · `messages[1]`\n\n")
    assert "\n\ntrained: **`token`** · masked (label -100): ~~`token`~~ · ␣ = space" in text
    assert text.endswith("\n\n**`␣ok`** **`</s>`**")
    assert "2 tokens · 2 trained (100%) · 0 masked · why: assistant, end of turn" in text
    hints = await client.text_document_inlay_hint_async(
        lsp.InlayHintParams(text_document=doc, range=rng(1, 0, 1, 0))
    )
    assert len(hints) == 1
    assert hints[0].position == lsp.Position(line=1, character=89)
    assert hints[0].label.endswith("% trained") and " tok · " in hints[0].label
    reports = list(client.progress_reports.values())
    assert reports and reports[0][0].title == "sftlint: loading tokenizer mistral-v3"


async def test_turn_hover_html_chips(client: LanguageClient, tmp_path: Path) -> None:
    """A client that renders <span style> gets one chip per token, trained ones bold on
    green, masked ones struck through on grey, adjacent chips in alternating shades."""
    caps = capabilities()
    caps.general.markdown = lsp.MarkdownClientCapabilities(
        parser="marked", version="1.1.0", allowed_tags=["span", "strong", "del", "code", "p"]
    )
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=caps,
            root_uri=tmp_path.as_uri(),
            initialization_options={"tokenizer": str(CHATML)},
        )
    )
    row = (
        '{"messages": [{"role": "user", "content": "Hi"}, '
        '{"role": "assistant", "content": "a*b<i>"}]}'
    )
    uri = await open_doc(client, tmp_path / "train.jsonl", row + "\n")
    doc = lsp.TextDocumentIdentifier(uri=uri)
    h = await client.text_document_hover_async(
        lsp.HoverParams(text_document=doc, position=lsp.Position(line=0, character=90))
    )
    trained = '<span style="color:#0b3d1c;background-color:#{}"><strong>{}</strong></span>'
    masked = '<span style="color:#4a525b;background-color:#{}"><del>{}</del></span>'
    chips = [
        masked.format("e6e8eb;", "&#60;&#124;im&#95;start&#124;&#62;"),
        masked.format("c9ced4;", "assistant"),
        masked.format("e6e8eb;", "↵"),
        *(
            trained.format(bg, text)
            for bg, text in zip(
                ["7fdc98;", "b4f0c2;"] * 4,
                ["a", "&#42;", "b", "&#60;", "i", "&#62;", "&#60;&#124;im&#95;end&#124;&#62;"],
                strict=False,
            )
        ),
        masked.format("e6e8eb;", "↵"),
    ]
    assert h.contents.value == "\n\n".join(
        [
            "**turn 2** · assistant · `messages[1]`",
            "11 tokens · 7 trained (64%) · 4 masked · why: assistant, end of turn, turn header",
            trained.format("b4f0c2;", "trained")
            + " "
            + masked.format("e6e8eb;", "masked")
            + " (label -100) · one chip per token, ␣ = space, ↵ = newline",
            "\u2009".join(chips),
        ]
    )


async def test_hover_names_the_trainer_profile(client: LanguageClient, tmp_path: Path) -> None:
    options = {"tokenizer": str(CHATML), "trainer": "unsloth", "trainerVersion": "2026.9.6"}
    await start(client, tmp_path, options=options)
    row = (
        '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}'
    )
    uri = await open_doc(client, tmp_path / "train.jsonl", row + "\n")
    doc = lsp.TextDocumentIdentifier(uri=uri)
    turn = await client.text_document_hover_async(
        lsp.HoverParams(text_document=doc, position=lsp.Position(line=0, character=85))
    )
    assert turn.contents.value.startswith(
        "**turn 2** · assistant · `messages[1]` · as unsloth 2026.9.6 trains it\n\n"
    )
    whole = await client.text_document_hover_async(
        lsp.HoverParams(text_document=doc, position=lsp.Position(line=0, character=0))
    )
    assert whole.contents.value.startswith(
        "**row at line 1** · format `messages` · 2 turns (user, assistant) · "
        "as unsloth 2026.9.6 trains it\n\n"
    )
