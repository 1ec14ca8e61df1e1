"""One row as the trainer sees it: its format, tokens with their loss mask, and findings.

Shared by `sftlint show PATH:ROW` and the language server (`sftlint/rowTokens`, hovers,
inlay hints), so every face shows the same tokens for the same row and settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sftlint.io import formats
from sftlint.io.reader import Row
from sftlint.model import Finding
from sftlint.rules import checks
from sftlint.settings import Settings

if TYPE_CHECKING:  # the masking engine is imported only when a tokenizer is configured
    from sftlint.masking.results import MaskResult


@dataclass(slots=True)
class RowView:
    row: Row
    format: str | None  # None: the row is not a parsed object
    result: MaskResult | None  # None without a tokenizer or anything to tokenize
    findings: list[Finding]  # the row checks' findings (file checks need the whole file)


def inspect_row(row: Row, settings: Settings, columns: frozenset[str] | None = None) -> RowView:
    """Run the row checks on `row` (loading the tokenizer when one is configured: blocking,
    so the language server calls this in its executor). `columns`: the file's columns when
    the caller holds its rows (an editor buffer); else they are read from the file when
    the profile needs them (mask_rules.reads_table)."""
    reporter = checks.Reporter(settings)
    if columns is not None:
        reporter.state["columns"] = columns
    fmt = formats.detect(row.value, settings.fields) if row.ok else None
    for p in row.problems:
        reporter.add(p.code, p.message, row.path, p.range, fixes=p.fixes, row_line=row.line)
    result = None
    if fmt is not None:
        ctx = checks.RowContext(row, fmt, settings.fields, reporter)
        for check in checks.ROW_CHECKS:
            check(ctx)
        result = _mask_result(ctx)
    return RowView(row, fmt, result, sorted(reporter.findings, key=lambda f: f.sort_key))


def _mask_result(ctx: checks.RowContext) -> MaskResult | None:
    from sftlint.rules import mask_rules

    if not mask_rules.active(ctx):
        return None
    state = ctx.reporter.state.get("mask")
    if state is None:
        return None
    analysed = mask_rules.analyze(ctx, state)  # served from the masking engine's row cache
    return analysed[0] if analysed else None


# The findings that explain a row without tokens, most specific first.
_NO_TOKENS = ("L013", "L016", "L003", "L012")


def no_tokens_reason(result: MaskResult | None) -> str | None:
    """Why a row that went through the mask pass has no tokens (None when it has some)."""
    if result is None or result.ids:
        return None
    for code in _NO_TOKENS:
        for issue in result.issues:
            if issue.code == code:
                return issue.message
    return "the row renders to no tokens"


def totals(result: MaskResult | None) -> dict[str, int] | None:
    if result is None:
        return None
    return {"tokens": result.total_tokens, "trained": result.trained_tokens}
