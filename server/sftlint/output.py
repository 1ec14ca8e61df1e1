"""Printing findings: text (as ruff prints), JSON, SARIF 2.1.0 and GitHub annotations."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import orjson

from sftlint import __version__, fixes, registry
from sftlint.model import Finding, Fix, Range, Severity

_COLORS = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.INFO: "\x1b[1;34m",
}
_BOLD, _CYAN, _GREEN, _RESET = "\x1b[1m", "\x1b[36m", "\x1b[1;32m", "\x1b[0m"
FIX_HINT = "sftlint check --fix"


def use_color(choice: str, stream: IO[str]) -> bool:
    """--color always|never wins; then NO_COLOR, then FORCE_COLOR, then "is it a terminal"."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _paint(code: str, text: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def error_line(message: str, *, color: bool) -> str:
    return f"sftlint: {_paint(_COLORS[Severity.ERROR], 'error', color)}: {message}"


def warning_line(message: str, *, color: bool) -> str:
    return f"sftlint: {_paint(_COLORS[Severity.WARNING], 'warning', color)}: {message}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _fixable(f: Finding) -> bool:
    return fixes.safe_fix(f) is not None


# --- JSON --------------------------------------------------------------------------------


def _loc(r: Range) -> tuple[dict[str, int], dict[str, int]]:
    return (
        {"row": r.start.line + 1, "column": r.start.column + 1},
        {"row": r.end.line + 1, "column": r.end.column + 1},
    )


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding in the `--format json` contract (rows and columns 1-based)."""
    rule = registry.get(f.code)
    fix = fixes.safe_fix(f) or (f.fixes[0] if f.fixes else None)
    start, end = _loc(f.range)
    return {
        "code": f.code,
        "severity": f.severity.label,
        "message": f.message,
        "filename": f.path,
        "location": start,
        "end_location": end,
        "url": rule.url if rule else None,
        "fix": fix_json(fix) if fix else None,
        "name": rule.name if rule else None,
        "fixes": [fix_json(x) for x in f.fixes],
        "related": [
            {"filename": r.path, "message": r.message, "location": _loc(r.range)[0]}
            for r in f.related
        ],
    }


def fix_json(fix: Fix) -> dict[str, Any]:
    return {
        "message": fix.title,
        "applicability": "safe" if fix.safe else "unsafe",
        "edits": [
            {
                "filename": e.path,
                "content": e.new_text,
                "location": _loc(e.range)[0],
                "end_location": _loc(e.range)[1],
            }
            for e in fix.edits
        ],
    }


def _dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n"


# --- rendering ---------------------------------------------------------------------------


def render(
    results: Iterable[Any],
    fmt: str,
    out: IO[str],
    *,
    color: bool = False,
    statistics: bool = False,
    fixed: int | None = None,
    failed: int = 0,
) -> None:
    """Print every finding of `results` in `fmt`.

    `fixed`: how many problems `--fix` fixed; `failed`: files that could not be read (their
    errors are on stderr, so the summary does not claim that all checks passed).
    """
    results = list(results)
    findings = [f for r in results for f in r.findings]
    if statistics and fmt in ("text", "json"):
        rows = stats(findings)
        if fmt == "json":
            out.write(_dumps(rows))
            return
        width = max((len(str(r["count"])) for r in rows), default=1)
        for r in rows:
            mark = "[*]" if r["fixable"] else "[ ]"
            out.write(f"{r['count']:>{width}}\t{r['code']}\t{mark} {r['name']}\n")
        summary(results, findings, out, color=color, fixed=fixed, failed=failed)
        return
    if fmt == "json":
        out.write(_dumps([finding_json(f) for f in findings]))
    elif fmt == "sarif":
        out.write(_dumps(sarif(findings)))
    elif fmt == "github":
        for f in findings:
            out.write(github(f))
    else:
        for f in findings:
            out.write(text_line(f, color=color))
        summary(results, findings, out, color=color, fixed=fixed, failed=failed)


def stats(findings: list[Finding]) -> list[dict[str, Any]]:
    counts = Counter(f.code for f in findings)
    fixable = Counter(f.code for f in findings if _fixable(f))
    rows = []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = registry.get(code)
        rows.append(
            {
                "code": code,
                "name": rule.name if rule else "",
                "count": n,
                "fixable": bool(fixable[code]),
            }
        )
    return rows


def text_line(f: Finding, *, color: bool) -> str:
    """`path:row:col: CODE [*] message`, as ruff's concise output prints it."""
    s = f.range.start
    sep = _paint(_CYAN, ":", color)
    mark = " [*]" if _fixable(f) else ""
    code = _paint(_COLORS[f.severity], f.code, color)
    where = f"{_paint(_BOLD, f.path, color)}{sep}{s.line + 1}{sep}{s.column + 1}{sep}"
    return f"{where} {code}{mark} {f.message}\n"


def mask_summary(results: list[Any], out: IO[str]) -> None:
    """Token totals of the files checked with a tokenizer (the mask rules' stats)."""
    stats = [r.stats["mask"] for r in results if "mask" in getattr(r, "stats", {})]
    if not stats:
        return
    tokens = sum(s["tokens"] for s in stats)
    trained = sum(s["trained_tokens"] for s in stats)
    nothing = sum(s["rows_training_nothing"] for s in stats)
    share = f"{trained / tokens:.1%}" if tokens else "0%"
    out.write(
        f"Tokens: {_plural(sum(s['rows'] for s in stats), 'row')} tokenized, "
        f"{tokens:,} tokens, {trained:,} trained ({share}), "
        f"{_plural(nothing, 'row')} training nothing.\n"
    )


def summary(
    results: list[Any],
    findings: list[Finding],
    out: IO[str],
    *,
    color: bool,
    fixed: int | None,
    failed: int = 0,
) -> None:
    files = _plural(len(results), "file")
    rows = _plural(sum(r.info.rows for r in results), "row")
    mask_summary(results, out)
    if fixed:
        out.write(f"Fixed {_plural(fixed, 'problem')}.\n")
    if not findings and failed:
        return
    if not findings:
        out.write(f"{_paint(_GREEN, 'All checks passed!', color)} ({files}, {rows})\n")
        return
    counts = Counter(f.severity for f in findings)
    parts = [
        _plural(counts[sev], sev.label)
        for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if counts[sev]
    ]
    out.write(
        f"Found {_plural(len(findings), 'problem')} ({', '.join(parts)}) in {files}, {rows}.\n"
    )
    fixable = sum(1 for f in findings if _fixable(f))
    if fixable:
        out.write(f"{_paint(_CYAN, '[*]', color)} {fixable} fixable with `{FIX_HINT}`.\n")


# --- GitHub workflow annotations ---------------------------------------------------------


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


# --- SARIF 2.1.0 -------------------------------------------------------------------------

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return p.as_posix()


def _region(r: Range) -> dict[str, int]:
    return {
        "startLine": r.start.line + 1,
        "startColumn": r.start.column + 1,
        "endLine": r.end.line + 1,
        "endColumn": r.end.column + 1,
        "byteOffset": r.start.offset,
        "byteLength": r.end.offset - r.start.offset,
    }


def _sarif_fix(fix: Fix) -> dict[str, Any]:
    by_file: dict[str, list[dict[str, Any]]] = {}
    for e in fix.edits:
        by_file.setdefault(e.path, []).append(
            {
                "deletedRegion": {
                    "byteOffset": e.range.start.offset,
                    "byteLength": e.range.end.offset - e.range.start.offset,
                },
                "insertedContent": {"text": e.new_text},
            }
        )
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {"artifactLocation": {"uri": _uri(path)}, "replacements": reps}
            for path, reps in by_file.items()
        ],
    }


def _sarif_result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code,
        "level": _SARIF_LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.path)},
                    "region": _region(f.range),
                }
            }
        ],
    }
    if f.code in index:
        result["ruleIndex"] = index[f.code]
    if f.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "message": {"text": r.message},
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(r.path)},
                    "region": _region(r.range),
                },
            }
            for i, r in enumerate(f.related)
        ]
    if f.fixes:
        result["fixes"] = [_sarif_fix(x) for x in f.fixes]
    return result


def sarif(findings: list[Finding]) -> dict[str, Any]:
    rules = [r for r in (registry.get(c) for c in sorted({f.code for f in findings})) if r]
    index = {r.code: i for i, r in enumerate(rules)}
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sftlint",
                        "version": __version__,
                        "informationUri": registry.DOCS_URL,
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "fullDescription": {"text": r.summary},
                                "help": {"text": r.explanation, "markdown": r.explanation},
                                "helpUri": r.url,
                                "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
                            }
                            for r in rules
                        ],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_sarif_result(f, index) for f in findings],
            }
        ],
    }


class ProgressBar:
    """A one-line progress bar on stderr for long files (terminals only)."""

    def __init__(self, label: str, stream: IO[str]) -> None:
        self.label = label if len(label) <= 40 else "…" + label[-39:]
        self.stream = stream
        self.start = time.monotonic()

    def update(self, done: int, total: int) -> None:
        frac = done / total if total else 1.0
        width = 30
        filled = int(frac * width)
        bar = "━" * filled + "╺" * (filled < width) + " " * max(0, width - filled - 1)
        elapsed = time.monotonic() - self.start
        size = f"{done / 1e6:,.0f}/{total / 1e6:,.0f} MB"
        self.stream.write(f"\r{self.label} {bar} {frac:4.0%} {size} {elapsed:4.1f}s")
        if done >= total:
            self.stream.write("\r\x1b[2K")
        self.stream.flush()
