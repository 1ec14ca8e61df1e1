"""Hover: the rule behind a diagnostic, a row's summary, and a turn as the trainer sees it."""

from __future__ import annotations

import re
from typing import Any

from lsprotocol import types as lsp

from sftlint import registry
from sftlint.io import formats
from sftlint.io.reader import Row, format_path
from sftlint.lsp import convert, masking, rows
from sftlint.lsp.masking import HOW_TO_CONFIGURE, MaskService
from sftlint.lsp.opened import OpenDocument
from sftlint.masking import profiles
from sftlint.model import Finding

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


def turn_at(row: Row, turns: list[formats.Turn], pos: lsp.Position) -> formats.Turn | None:
    for t in turns:
        if _contains(convert.range_(row.span(t.path)), pos):
            return t
    return None


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def row_section(
    row: Row, fmt: str, turns: list[formats.Turn], mask: Any, profile: str | None = None
) -> str:
    roles = ", ".join(t.role or str(t.raw_role) for t in turns)
    text = f"**row at line {row.line + 1}** · format `{fmt}` · {len(turns)} turns"
    if roles:
        text += f" ({roles})"
    if profile:
        text += f" · as {profile} trains it"
    if mask is not None:
        text += (
            f"\n\n{mask.total_tokens} tokens · {mask.trained_tokens} trained "
            f"({_percent(mask.trained_tokens, mask.total_tokens)})"
        )
    return text


# Explicit colours (dark text on light chips) read the same in light and dark themes; two
# shades per kind alternate so that adjacent tokens are told apart. VS Code's hover keeps
# only `color` and `background-color` in a span's style, written exactly like this.
_TRAINED = ("#b4f0c2", "#7fdc98")
_MASKED = ("#e6e8eb", "#c9ced4")
_TEXT = {"trained": "#0b3d1c", "masked": "#4a525b"}
_GAP = "\u2009"  # a thin space between chips: boundaries show, and long turns wrap
_HTML_ESCAPE = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-.!|~"}


def _chip(text: str, trained: bool, shade: int) -> str:
    kind = "trained" if trained else "masked"
    bg = (_TRAINED if trained else _MASKED)[shade % 2]
    body = "".join(_HTML_ESCAPE.get(c, c) for c in text)
    body = f"<strong>{body}</strong>" if trained else f"<del>{body}</del>"
    return f'<span style="color:{_TEXT[kind]};background-color:{bg};">{body}</span>'


def _code(text: str) -> str:
    """A Markdown code span holding `text` literally (backticks included)."""
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def token_runs(tokens: list[Any], html: bool) -> tuple[str, str]:
    """(legend, tokens): trained tokens bold, masked ones struck through, so they differ
    without colour too; each token is its own chip (HTML) or code span (plain Markdown)."""
    if html:
        legend = (
            f"{_chip('trained', True, 0)} {_chip('masked', False, 0)} "
            "(label -100) · one chip per token, ␣ = space, ↵ = newline"
        )
        body = _GAP.join(_chip(t.text, t.trained, i) for i, t in enumerate(tokens))
        return legend, body
    legend = "trained: **`token`** · masked (label -100): ~~`token`~~ · ␣ = space, ↵ = newline"
    body = " ".join(f"**{_code(t.text)}**" if t.trained else f"~~{_code(t.text)}~~" for t in tokens)
    return legend, body


def turn_section(
    turn: formats.Turn, mask: Any, show_ids: bool, html: bool, profile: str | None = None
) -> str:
    head = f"**turn {turn.index + 1}** · {turn.role or turn.raw_role} · `{format_path(turn.path)}`"
    if profile:
        head += f" · as {profile} trains it"
    if mask is None:
        return head
    issues = [i for i in mask.issues if i.turn is None or i.turn == turn.index]
    tokens = [t for t in mask.tokens if t.turn == turn.index]
    trained = sum(t.trained for t in tokens)
    reasons = sorted({t.reason for t in tokens})
    legend, body = token_runs(tokens[:MAX_TOKENS_SHOWN], html)
    lines = [
        head,
        f"{len(tokens)} tokens · {trained} trained ({_percent(trained, len(tokens))}) · "
        f"{len(tokens) - trained} masked · why: {', '.join(reasons) or 'no tokens'}",
        legend,
        body + (" …" if len(tokens) > MAX_TOKENS_SHOWN else ""),
    ]
    if show_ids:
        lines.append("ids: `" + " ".join(str(t.id) for t in tokens) + "`")
    lines.extend(f"⚠ {i.code}: {i.message}" for i in issues)
    return "\n\n".join(lines)


async def hover(
    state: OpenDocument, pos: lsp.Position, masks: MaskService, show_ids: bool, html: bool
) -> lsp.Hover | None:
    sections: list[str] = []
    for f in state.linter.findings_between(pos.line, pos.line):
        if _contains(convert.range_(f.range), pos):
            sections.append(rule_section(f))
    row = rows.row_at(state.doc, pos.line, state.linter.array_rows)
    if row is not None and row.ok:
        fmt = formats.detect(row.value, state.settings.fields)
        turns = formats.turns(row.value, fmt, state.settings.fields)
        turn = turn_at(row, turns, pos)
        if turn is not None or pos.line == row.line:
            mask = None
            configured = masking.configured(state.settings)
            profile = None
            if configured:
                columns = await masks.columns(state.doc, state.settings)
                mask = (await masks.view(row, state.settings, columns)).result
                config = state.settings.mask
                profile = profiles.label(config.trainer, config.trainer_version)
            if turn is not None:
                sections.append(turn_section(turn, mask, show_ids, html, profile))
            else:
                sections.append(row_section(row, fmt, turns, mask, profile))
            note = masking.withheld_note(state.settings)
            if note and turns:
                sections.append(f"*Restricted mode:* {note}.")
            elif not configured and turns:
                sections.append(HOW_TO_CONFIGURE)
    if not sections:
        return None
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(sections))
    )
