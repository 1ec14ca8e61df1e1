"""`--format github`: GitHub Actions workflow annotations."""

from __future__ import annotations

from sftlint.model import Finding, Severity


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def github(f: Finding) -> str:
    """`::error file=...,line=...,col=...,endLine=...,endColumn=...,title=...::CODE message`."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(f.severity, "notice")
    s, e = f.range.start, f.range.end
    return (
        f"::{level} file={_gh_prop(f.path)},line={s.line + 1},col={s.column + 1},"
        f"endLine={e.line + 1},endColumn={e.column + 1},title={_gh_prop(f'sftlint ({f.code})')}"
        f"::{_gh_data(f'{f.code} {f.message}')}\n"
    )
