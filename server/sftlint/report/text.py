"""Text output as ruff prints it: one line a finding, a summary, colours, a progress bar."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable
from typing import IO, Any

from sftlint import registry
from sftlint.engine import fixes
from sftlint.model import Finding, Severity
from sftlint.report import groups

COLORS = {
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
    return f"sftlint: {_paint(COLORS[Severity.ERROR], 'error', color)}: {message}"


def warning_line(message: str, *, color: bool) -> str:
    return f"sftlint: {_paint(COLORS[Severity.WARNING], 'warning', color)}: {message}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def fixable(f: Finding, unsafe: bool = False) -> bool:
    """`check --fix` (with `unsafe`: `--fix --unsafe-fixes`) would fix it."""
    return fixes.safe_fix(f, unsafe) is not None


def stats(findings: list[Finding], unsafe: bool = False) -> list[dict[str, Any]]:
    counts = Counter(f.code for f in findings)
    fixable_codes = Counter(f.code for f in findings if fixable(f, unsafe))
    rows = []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = registry.get(code)
        rows.append(
            {
                "code": code,
                "name": rule.name if rule else "",
                "count": n,
                "fixable": bool(fixable_codes[code]),
            }
        )
    return rows


def text_line(f: Finding, *, color: bool, unsafe: bool = False) -> str:
    """`path:row:col: CODE [*] message`, as ruff's concise output prints it."""
    s = f.range.start
    sep = _paint(_CYAN, ":", color)
    mark = " [*]" if fixable(f, unsafe) else ""
    code = _paint(COLORS[f.severity], f.code, color)
    where = f"{_paint(_BOLD, f.path, color)}{sep}{s.line + 1}{sep}{s.column + 1}{sep}"
    return f"{where} {code}{mark} {f.message}\n"


def group_line(group: list[Finding], *, color: bool, unsafe: bool = False) -> str:
    """One line for a cause many rows of a file share: the first finding, the number of
    rows, the first rows and the fix (`--format json` lists every row)."""
    first = group[0]
    if len(group) == 1:
        return text_line(first, color=color, unsafe=unsafe)
    rows = sorted({groups.row_of(f) for f in group})
    how = groups.tally(len(group), len(rows), rows, groups.fix_title(first, unsafe))
    line = text_line(first, color=color, unsafe=unsafe).rstrip("\n")
    return f"{line} {how}\n"


def mask_summary(results: list[Any], out: IO[str]) -> None:
    """Token totals of the files checked with a tokenizer (the mask rules' stats)."""
    stats = [r.stats["mask"] for r in results if "mask" in getattr(r, "stats", {})]
    if not stats:
        return
    tokens = sum(s["tokens"] for s in stats)
    trained = sum(s["trained_tokens"] for s in stats)
    nothing = sum(s["rows_training_nothing"] for s in stats)
    skipped = sum(s.get("rows_not_tokenized", 0) for s in stats)
    share = f"{trained / tokens:.1%}" if tokens else "0%"
    out.write(
        f"Tokens: {_plural(sum(s['rows'] for s in stats), 'row')} tokenized, "
        f"{tokens:,} tokens, {trained:,} trained ({share}), "
        f"{_plural(nothing, 'row')} training nothing"
        + (f", {_plural(skipped, 'row')} not tokenized" if skipped else "")
        + ".\n"
    )


def summary(
    results: list[Any],
    findings: list[Finding],
    out: IO[str],
    *,
    color: bool,
    fixed: int | None,
    failed: int = 0,
    unsafe: bool = False,
    skipped: Iterable[str] = (),
) -> None:
    for line in skipped:  # before the totals, which stay the last line
        out.write(f"Skipped {line}\n")
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
    many = [g for g in groups.grouped(findings) if len(g) > 1]
    if many:
        covered = sum(len(g) for g in many)
        out.write(
            f"{_plural(covered, 'problem')} of {_plural(len(many), 'cause')} shown once per "
            "file, with their row counts (`--format json` lists every row).\n"
        )
    n_fixable = sum(1 for f in findings if fixable(f, unsafe))
    hidden = 0 if unsafe else sum(1 for f in findings if fixable(f, True)) - n_fixable
    hint = f"{FIX_HINT} --unsafe-fixes" if unsafe else FIX_HINT
    if n_fixable:
        more = f" ({hidden} more fixable with `--unsafe-fixes`)" if hidden else ""
        out.write(f"{_paint(_CYAN, '[*]', color)} {n_fixable} fixable with `{hint}`{more}.\n")
    elif hidden:
        out.write(f"{hidden} fixable with `{FIX_HINT} --unsafe-fixes`.\n")


def eta_text(seconds: float) -> str:
    """Time left, as a person reads it: 7s, 1m05s, 1h02m."""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


class ProgressBar:
    """A one-line progress bar on stderr for long files (terminals only)."""

    def __init__(self, label: str, stream: IO[str]) -> None:
        self.label = label if len(label) <= 40 else "…" + label[-39:]
        self.stream = stream
        self.start = time.monotonic()

    def update(self, done: int, total: int) -> None:
        frac = done / total if total else 1.0
        self._draw(frac, f"{done / 1e6:,.0f}/{total / 1e6:,.0f} MB")

    def rows(self, done: int, frac: float) -> None:
        """`check --ray`: the rows of the parts done so far, `frac` of the file."""
        self._draw(frac, f"{done:,} rows")

    def _draw(self, frac: float, amount: str) -> None:
        width = 30
        filled = int(frac * width)
        bar = "━" * filled + "╺" * (filled < width) + " " * max(0, width - filled - 1)
        elapsed = time.monotonic() - self.start
        eta = f" ETA {eta_text(elapsed * (1 - frac) / frac)}" if 0 < frac < 1 else ""
        self.stream.write(f"\r{self.label} {bar} {frac:4.0%} {amount} {elapsed:4.1f}s{eta}\x1b[K")
        if frac >= 1:
            self.stream.write("\r\x1b[2K")
        self.stream.flush()
