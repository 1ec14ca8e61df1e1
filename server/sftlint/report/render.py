"""Print the findings of a check in the format the user asked for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from sftlint.report import github, groups, json, sarif, text


def render(
    results: Iterable[Any],
    fmt: str,
    out: IO[str],
    *,
    color: bool = False,
    statistics: bool = False,
    fixed: int | None = None,
    failed: int = 0,
    unsafe_fixes: bool = False,
    skipped: Iterable[str] = (),
) -> None:
    """Print every finding of `results` in `fmt`.

    `fixed`: how many problems `--fix` fixed; `failed`: files that could not be read (their
    errors are on stderr, so the summary does not claim that all checks passed);
    `unsafe_fixes`: the unsafe fixes count as fixable (`--unsafe-fixes`); `skipped`: one
    line per file a folder walk did not check, and why (in the text summary).
    """
    results = list(results)
    findings = [f for r in results for f in r.findings]
    if statistics and fmt in ("text", "json"):
        rows = text.stats(findings, unsafe_fixes)
        if fmt == "json":
            out.write(json.dumps(rows))
            return
        width = max((len(str(r["count"])) for r in rows), default=1)
        for r in rows:
            mark = "[*]" if r["fixable"] else "[ ]"
            out.write(f"{r['count']:>{width}}\t{r['code']}\t{mark} {r['name']}\n")
    elif fmt == "json":
        out.write(json.dumps([json.finding_json(f) for f in findings]))
    elif fmt == "sarif":
        out.write(json.dumps(sarif.sarif(findings)))
    elif fmt == "github":
        for f in findings:
            out.write(github.github(f))
    else:
        for group in groups.grouped(findings):
            out.write(text.group_line(group, color=color, unsafe=unsafe_fixes))
    if fmt == "text":
        text.summary(
            results,
            findings,
            out,
            color=color,
            fixed=fixed,
            failed=failed,
            unsafe=unsafe_fixes,
            skipped=skipped,
        )
