"""Printing findings: text (as ruff prints), JSON, SARIF 2.1.0 and GitHub annotations."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable
from typing import IO, Any

import orjson

from sftlint import __version__, registry
from sftlint.model import Finding, Fix, Severity

_COLORS = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.INFO: "\x1b[1;36m",
}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def use_color(choice: str, stream: IO[str]) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding in the `--format json` contract (rows and columns 1-based)."""
    rule = registry.get(f.code)
    fix = f.fixes[0] if f.fixes else None
    return {
        "code": f.code,
        "severity": f.severity.label,
        "message": f.message,
        "filename": f.path,
        "location": {"row": f.range.start.line + 1, "column": f.range.start.column + 1},
        "end_location": {"row": f.range.end.line + 1, "column": f.range.end.column + 1},
        "url": rule.url if rule else None,
        "fix": fix_json(fix) if fix else None,
        "fixes": [fix_json(x) for x in f.fixes],
        "related": [
            {
                "filename": r.path,
                "message": r.message,
                "location": {"row": r.range.start.line + 1, "column": r.range.start.column + 1},
            }
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
                "location": {"row": e.range.start.line + 1, "column": e.range.start.column + 1},
                "end_location": {"row": e.range.end.line + 1, "column": e.range.end.column + 1},
            }
            for e in fix.edits
        ],
    }


def render(
    results: Iterable[Any], fmt: str, out: IO[str], *, color: bool = False, statistics: bool = False
) -> None:
    results = list(results)
    findings = [f for r in results for f in r.findings]
    if fmt == "json":
        out.write(
            orjson.dumps([finding_json(f) for f in findings], option=orjson.OPT_INDENT_2).decode()
            + "\n"
        )
    elif fmt == "sarif":
        out.write(orjson.dumps(sarif(findings), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif fmt == "github":
        for f in findings:
            level = {"error": "error", "warning": "warning"}.get(f.severity.label, "notice")
            s, e = f.range.start, f.range.end
            msg = f.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            out.write(
                f"::{level} title=sftlint ({f.code}),file={f.path},line={s.line + 1},"
                f"col={s.column + 1},endLine={e.line + 1},endColumn={e.column + 1}"
                f"::{f.code} {msg}\n"
            )
    else:
        text(results, findings, out, color=color)
    if statistics and fmt == "text":
        counts = Counter(f.code for f in findings)
        fixable = Counter(f.code for f in findings if any(x.safe for x in f.fixes))
        for code, n in counts.most_common():
            rule = registry.get(code)
            mark = "[*]" if fixable[code] else "   "
            out.write(f"{n:>6}  {code}  {mark} {rule.name if rule else ''}\n")


def text(results: list[Any], findings: list[Finding], out: IO[str], *, color: bool) -> None:
    def c(code: str, s: str) -> str:
        return f"{code}{s}{_RESET}" if color else s

    for f in findings:
        s = f.range.start
        loc = f"{c(_BOLD, f.path)}:{s.line + 1}:{s.column + 1}:"
        out.write(f"{loc} {c(_COLORS[f.severity], f.code)} {f.message}\n")
    counts = Counter(f.severity for f in findings)
    fixable = sum(1 for f in findings if any(x.safe for x in f.fixes))
    files = len(results)
    rows = sum(r.info.rows for r in results)
    if not findings:
        out.write(f"All checks passed! ({files} file{'s' * (files != 1)}, {rows} rows)\n")
        return
    parts = [
        f"{counts[sev]} {sev.label}{'s' * (counts[sev] != 1)}"
        for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if counts[sev]
    ]
    out.write(
        f"Found {len(findings)} problem{'s' * (len(findings) != 1)} "
        f"({', '.join(parts)}) in {files} file{'s' * (files != 1)}, {rows} rows.\n"
    )
    if fixable:
        out.write(f"[*] {fixable} fixable with `sftlint check --fix`.\n")


def sarif(findings: list[Finding]) -> dict[str, Any]:
    used = sorted({f.code for f in findings})
    rules = [registry.get(code) for code in used]
    index = {code: i for i, code in enumerate(used)}
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
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
                                "fullDescription": {"text": r.explanation},
                                "helpUri": r.url,
                                "defaultConfiguration": {"level": level[r.severity]},
                            }
                            for r in rules
                            if r is not None
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": f.code,
                        "ruleIndex": index[f.code],
                        "level": level[f.severity],
                        "message": {"text": f.message},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": f.path.replace(os.sep, "/")},
                                    "region": {
                                        "startLine": f.range.start.line + 1,
                                        "startColumn": f.range.start.column + 1,
                                        "endLine": f.range.end.line + 1,
                                        "endColumn": f.range.end.column + 1,
                                    },
                                }
                            }
                        ],
                    }
                    for f in findings
                ],
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
        bar = "█" * int(frac * width) + "░" * (width - int(frac * width))
        mb = done / 1e6
        self.stream.write(
            f"\r{self.label} {bar} {frac:5.1%} {mb:,.0f} MB {time.monotonic() - self.start:4.1f}s"
        )
        if done >= total:
            self.stream.write("\r\x1b[2K")
        self.stream.flush()
