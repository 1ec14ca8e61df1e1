"""Hover: the rule behind a diagnostic, a row's summary, and a turn as the trainer sees it."""

from __future__ import annotations

import re
from typing import Any

from lsprotocol import types as lsp

from sftlint import formats, registry
from sftlint.lsp import convert, rows
from sftlint.lsp.linting import OpenDocument
from sftlint.lsp.masking import HOW_TO_CONFIGURE, MaskService
from sftlint.model import Finding
from sftlint.reader import Row, format_path

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")
MAX_TOKENS_SHOWN = 400


def _contains(r: lsp.Range, p: lsp.Position) -> bool:
    return (
        (r.start.line, r.start.character)
        <= (p.line, p.character)
        <= (
            r.end.line,
            r.end.character,
        )
    )


def rule_section(f: Finding) -> str:
    rule = registry.get(f.code)
    if rule is None:
        return f"**{f.code}** {f.message}"
    return (
        f"**{rule.code} {rule.name}** ({rule.severity.label}): {rule.summary}\n\n"
        f"{rule.explanation.rstrip()}\n\n[Rule documentation]({rule.url})"
    )


def _escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def turn_at(row: Row, turns: list[formats.Turn], pos: lsp.Position) -> formats.Turn | None:
    for t in turns:
        if _contains(convert.range_(row.span(t.path)), pos):
            return t
    return None


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def row_section(row: Row, fmt: str, turns: list[formats.Turn], mask: Any) -> str:
    roles = ", ".join(t.role or str(t.raw_role) for t in turns)
    text = f"**row at line {row.line + 1}** · format `{fmt}` · {len(turns)} turns"
    if roles:
        text += f" ({roles})"
    if mask is not None:
        text += (
            f"\n\n{mask.total_tokens} tokens · {mask.trained_tokens} trained "
            f"({_percent(mask.trained_tokens, mask.total_tokens)})"
        )
    return text


def turn_section(turn: formats.Turn, mask: Any, show_ids: bool) -> str:
    head = f"**turn {turn.index + 1}** · {turn.role or turn.raw_role} · `{format_path(turn.path)}`"
    if mask is None:
        return head
    issues = [i for i in mask.issues if i.turn is None or i.turn == turn.index]
    tokens = [t for t in mask.tokens if t.turn == turn.index]
    trained = sum(t.trained for t in tokens)
    reasons = sorted({t.reason for t in tokens})
    lines = [
        head,
        f"{len(tokens)} tokens · {trained} trained ({_percent(trained, len(tokens))}) · "
        f"{len(tokens) - trained} masked · why: {', '.join(reasons) or 'no tokens'}",
        "Trained tokens in **bold**, masked ones ~~struck through~~:",
        " ".join(  # a plain space between tokens: spaces inside a token show as "␣"
            f"**{_escape(t.text)}**" if t.trained else f"~~{_escape(t.text)}~~"
            for t in tokens[:MAX_TOKENS_SHOWN]
        )
        + (" …" if len(tokens) > MAX_TOKENS_SHOWN else ""),
    ]
    if show_ids:
        lines.append("ids: `" + " ".join(str(t.id) for t in tokens) + "`")
    lines.extend(f"⚠ {i.code}: {i.message}" for i in issues)
    return "\n\n".join(lines)


async def hover(
    state: OpenDocument, pos: lsp.Position, masks: MaskService, show_ids: bool
) -> lsp.Hover | None:
    sections: list[str] = []
    for f in state.linter.findings_between(pos.line, pos.line):
        if _contains(convert.range_(f.range), pos):
            sections.append(rule_section(f))
    row = rows.row_at(state.doc, pos.line)
    if row is not None and row.ok:
        fmt = formats.detect(row.value, state.settings.fields)
        turns = formats.turns(row.value, fmt, state.settings.fields)
        turn = turn_at(row, turns, pos)
        if turn is not None or pos.line == row.line:
            mask = None
            configured = MaskService.configured(state.settings)
            if configured:
                mask = await masks.analyze(row, state.settings)
            if turn is not None:
                sections.append(turn_section(turn, mask, show_ids))
            else:
                sections.append(row_section(row, fmt, turns, mask))
            if not configured and turns:
                sections.append(HOW_TO_CONFIGURE)
    if not sections:
        return None
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(sections))
    )
