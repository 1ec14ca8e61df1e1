"""Document symbols (rows, then their turns) and inlay hints (tokens per visible row)."""

from __future__ import annotations

import asyncio

from lsprotocol import types as lsp

from sftlint.io import formats
from sftlint.lsp import convert, rows
from sftlint.lsp.masking import MaskService
from sftlint.lsp.opened import OpenDocument

MAX_ROW_SYMBOLS = 5000  # an outline of 100,000 rows helps nobody and costs megabytes
MAX_TURN_ROWS = 1000  # turns are located (a slower parse) for the first rows only


def _preview(content: object) -> str:
    text = formats.content_text(content) or ""
    text = " ".join(text.split())
    return text[:60] + ("…" if len(text) > 60 else "")


def document_symbols(state: OpenDocument) -> list[lsp.DocumentSymbol]:
    out: list[lsp.DocumentSymbol] = []
    fields = state.settings.fields
    for n, row in enumerate(rows.iter_rows(state.doc, index=state.linter.array_rows)):
        if n >= MAX_ROW_SYMBOLS:
            break
        whole = convert.range_(row.rowtext.range(0, len(row.rowtext.text)))
        first = convert.range_(row.whole())
        fmt = formats.detect(row.value, fields) if row.ok else "invalid"
        children: list[lsp.DocumentSymbol] = []
        if row.ok and n < MAX_TURN_ROWS:
            for t in formats.turns(row.value, fmt, fields):
                span = convert.range_(row.span(t.path))
                children.append(
                    lsp.DocumentSymbol(
                        name=f"turn {t.index + 1}: {t.role or t.raw_role}",
                        detail=_preview(t.content),
                        kind=lsp.SymbolKind.Field,
                        range=span,
                        selection_range=span,
                    )
                )
        out.append(
            lsp.DocumentSymbol(
                name=f"row {row.index + 1} (line {row.line + 1})",
                detail=fmt,
                kind=lsp.SymbolKind.Object,
                range=whole,
                selection_range=first,
                children=children or None,
            )
        )
    return out


async def inlay_hints(state: OpenDocument, r: lsp.Range, masks: MaskService) -> list[lsp.InlayHint]:
    """`312 tok · 41% trained` at the end of each row in the requested range."""
    if not MaskService.configured(state.settings):
        return []
    out: list[lsp.InlayHint] = []
    index = state.linter.array_rows
    columns = await masks.columns(state.doc, state.settings)
    for row in rows.iter_rows(state.doc, r.start.line, r.end.line + 1, index):
        mask = await masks.analyze(row, state.settings, columns)
        if mask is None or not mask.total_tokens:
            continue
        share = round(100 * mask.trained_tokens / mask.total_tokens)
        end = convert.position(row.rowtext.position(len(row.rowtext.text)))
        out.append(
            lsp.InlayHint(
                position=end,
                label=f"{mask.total_tokens} tok · {share}% trained",
                padding_left=True,
            )
        )
        await asyncio.sleep(0)
    return out
