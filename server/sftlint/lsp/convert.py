"""Engine values -> LSP types: findings to diagnostics, fixes to workspace edits."""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types as lsp
from pygls import uris

from sftlint import registry
from sftlint.model import Edit, Finding, Fix, Position, Range, Severity
from sftlint.report import groups

SOURCE = "sftlint"

SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}


def position(p: Position, line: int = 0) -> lsp.Position:
    return lsp.Position(line=p.line + line, character=p.utf16)


def range_(r: Range, line: int = 0) -> lsp.Range:
    """`line`: lines to move the range down by (findings of a row linted as line 0)."""
    return lsp.Range(start=position(r.start, line), end=position(r.end, line))


UriOf = Callable[[str], str]


def uri_of_path(path: str) -> str:
    return uris.from_fs_path(path) or path


def diagnostic(
    f: Finding,
    uri_of: UriOf = uri_of_path,
    line: int = 0,
    kind: type[lsp.Diagnostic] = lsp.Diagnostic,
) -> lsp.Diagnostic:
    """`line`: lines to move `f` down by (a row's findings are linted as line 0; they and
    their related locations, in the same row, move together). `kind`: the class made (a
    subclass of `lsp.Diagnostic`: `published.Diagnostic`)."""
    rule = registry.get(f.code)
    return kind(
        range=range_(f.range, line),
        message=f.message,
        severity=SEVERITY[f.severity],
        code=f.code,
        code_description=lsp.CodeDescription(href=rule.url) if rule else None,
        source=SOURCE,
        related_information=[
            lsp.DiagnosticRelatedInformation(
                location=lsp.Location(uri=uri_of(r.path), range=range_(r.range, line)),
                message=r.message,
            )
            for r in f.related
        ]
        or None,
        data={"fixes": len(f.fixes)} if f.fixes else None,
    )


def grouped(
    first: Finding,
    line: int,
    counts: tuple[str, int, int],
    shown: list[int],
) -> lsp.Diagnostic:
    """The one diagnostic of a cause many rows share (`causes`): at its first finding
    (`first` moved down `line` lines), its message followed by what the text output says
    of the cause (`groups.tally`: findings, rows, the first `shown` rows, the fix); `data`
    holds `counts`, (the cause's `groups.group_key`, findings, rows)."""
    key, findings, rows = counts
    how = groups.tally(findings, rows, shown, groups.fix_title(first))
    rule = registry.get(first.code)
    return lsp.Diagnostic(
        range=range_(first.range, line),
        message=f"{first.message} {how}",
        severity=SEVERITY[first.severity],
        code=first.code,
        code_description=lsp.CodeDescription(href=rule.url) if rule else None,
        source=SOURCE,
        data={"group": key, "findings": findings, "rows": rows},
    )


def overflow(hidden: int, shown: int, path: str) -> lsp.Diagnostic:
    """The one diagnostic that stands for every finding past the cap."""
    return lsp.Diagnostic(
        range=lsp.Range(
            start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0)
        ),
        message=(
            f"{hidden:,} more problems not shown (the editor shows the first {shown:,}; "
            f'setting "sftlint.maxProblems"): run `sftlint check {path}` to see them all'
        ),
        severity=lsp.DiagnosticSeverity.Information,
        source=SOURCE,
    )


def held_back(note: str) -> lsp.Diagnostic:
    """The one diagnostic, at the top of a document, that says what an untrusted workspace's
    config would have loaded and why it was not (`masking.withheld_note`)."""
    return lsp.Diagnostic(
        range=lsp.Range(
            start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0)
        ),
        message=note,
        severity=lsp.DiagnosticSeverity.Information,
        source=SOURCE,
    )


def text_edit(e: Edit) -> lsp.TextEdit:
    return lsp.TextEdit(range=range_(e.range), new_text=e.new_text)


def workspace_edit(
    edits: list[Edit], versions: dict[str, int | None], uri_of: UriOf = uri_of_path
) -> lsp.WorkspaceEdit:
    """One WorkspaceEdit over one or more files; open documents carry their version."""
    by_path: dict[str, list[Edit]] = {}
    for e in edits:
        by_path.setdefault(e.path, []).append(e)
    changes: list[lsp.TextDocumentEdit] = []
    for path, file_edits in by_path.items():
        uri = uri_of(path)
        file_edits.sort(key=lambda e: e.range.start.offset)
        changes.append(
            lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=versions.get(uri)
                ),
                edits=[text_edit(e) for e in _without_overlaps(file_edits)],
            )
        )
    return lsp.WorkspaceEdit(document_changes=changes)


def _without_overlaps(edits: list[Edit]) -> list[Edit]:
    """LSP rejects overlapping edits: keep the first of any two that overlap."""
    out: list[Edit] = []
    end = -1
    for e in edits:
        if e.range.start.offset < end:
            continue
        out.append(e)
        end = max(end, e.range.end.offset)
    return out


def fix_edits(fixes: list[Fix]) -> list[Edit]:
    return [e for fix in fixes for e in fix.edits]


def publish_params(
    uri: str, version: int | None, diagnostics: list[lsp.Diagnostic]
) -> lsp.PublishDiagnosticsParams:
    return lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
