"""Code actions: each engine fix as a quick fix, fix-all, and ShareGPT -> messages."""

from __future__ import annotations

from lsprotocol import types as lsp

from sftlint.lsp import convert, rows, sharegpt
from sftlint.lsp.linting import Linting
from sftlint.lsp.opened import OpenDocument
from sftlint.model import Edit, Finding

FIX_ALL = "source.fixAll.sftlint"
TO_MESSAGES = "source.convert.sftlint.toMessages"
KINDS = [lsp.CodeActionKind.QuickFix, FIX_ALL, TO_MESSAGES]


def _same(d: lsp.Diagnostic, f: Finding) -> bool:
    return d.code == f.code and d.range == convert.range_(f.range) and d.message == f.message


def code_actions(
    linting: Linting, state: OpenDocument, params: lsp.CodeActionParams
) -> list[lsp.CodeAction]:
    only = params.context.only
    wanted = (
        (lambda kind: True) if not only else (lambda kind: any(kind.startswith(o) for o in only))
    )
    versions = linting.versions()
    uri_of = linting.uri_of
    actions: list[lsp.CodeAction] = []
    start, end = params.range.start.line, params.range.end.line
    if wanted(lsp.CodeActionKind.QuickFix):
        for f in state.linter.findings_between(start, end):
            if not f.fixes or not _overlaps(f, params.range):
                continue
            diagnostic = next(
                (d for d in params.context.diagnostics if _same(d, f)),
                convert.diagnostic(f, uri_of),
            )
            for fix in f.fixes:
                actions.append(
                    lsp.CodeAction(
                        title=fix.title,
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=fix.safe or None,
                        edit=convert.workspace_edit(list(fix.edits), versions, uri_of),
                    )
                )
    if wanted(FIX_ALL):
        edits = [e for f in state.linter.findings()[0] for x in f.fixes if x.safe for e in x.edits]
        if edits:
            actions.append(
                lsp.CodeAction(
                    title="Fix all safe sftlint problems",
                    kind=FIX_ALL,
                    edit=convert.workspace_edit(edits, versions, uri_of),
                )
            )
    if wanted(TO_MESSAGES):
        actions.extend(_to_messages(linting, state, start, versions))
    return actions


def _overlaps(f: Finding, r: lsp.Range) -> bool:
    a, b = convert.range_(f.range).start, convert.range_(f.range).end
    return (a.line, a.character) <= (r.end.line, r.end.character) and (b.line, b.character) >= (
        r.start.line,
        r.start.character,
    )


def _to_messages(
    linting: Linting, state: OpenDocument, line: int, versions: dict[str, int | None]
) -> list[lsp.CodeAction]:
    fields = state.settings.fields
    out: list[lsp.CodeAction] = []
    row = rows.row_at(state.doc, line, state.linter.array_rows)
    if row is not None:
        edits = sharegpt.convert_row(row, fields)
        if edits:
            out.append(
                lsp.CodeAction(
                    title="Convert this ShareGPT row to messages",
                    kind=TO_MESSAGES,
                    edit=convert.workspace_edit(edits, versions, linting.uri_of),
                )
            )
    if state.linter.formats.get("sharegpt") or state.linter.is_array:
        all_edits: list[Edit] = []
        converted = 0
        for r in rows.iter_rows(state.doc, index=state.linter.array_rows):
            edits = sharegpt.convert_row(r, fields)
            converted += bool(edits)
            all_edits.extend(edits)
        if all_edits:
            out.append(
                lsp.CodeAction(
                    title=f"Convert every ShareGPT row of the file to messages ({converted} rows)",
                    kind=TO_MESSAGES,
                    edit=convert.workspace_edit(all_edits, versions, linting.uri_of),
                )
            )
    return out
