"""One finding per cause: the findings of one file that share a code and a cause.

A cause is the finding's `cause` when its rule names one, otherwise its message with the
numbers taken out (the turn, the token, the row differ from row to row; the cause does
not). The text output prints a cause that hits many rows of a file once; `--format json`
and `sarif` keep every row and carry the key, so machines can group the same way.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from sftlint.engine import fixes
from sftlint.model import Finding

GROUP_MIN = 5  # a cause on this many rows of a file prints as one line
SHOWN_ROWS = 5  # the rows a grouped line names
_NUMBER = re.compile(r"\d+")


def group_key(f: Finding) -> str:
    """`CODE:digest` of the finding's cause; the same in every file."""
    cause = f.cause if f.cause is not None else _NUMBER.sub("#", f.message)
    return f"{f.code}:{hashlib.blake2b(cause.encode(), digest_size=5).hexdigest()}"


def row_of(f: Finding) -> int:
    """The 1-based line where the finding's row starts (its own line when it has no row)."""
    return (f.row_line if f.row_line is not None else f.range.start.line) + 1


def grouped(findings: list[Finding]) -> list[list[Finding]]:
    """`findings` in their order, those of one file and one cause gathered at the first
    one when there are at least GROUP_MIN of them; every other finding alone."""
    keys = [(f.path, group_key(f)) for f in findings]
    counts = Counter(keys)
    groups: dict[tuple[str, str], list[Finding]] = {}
    out: list[list[Finding]] = []
    for f, key in zip(findings, keys, strict=True):
        if counts[key] < GROUP_MIN:
            out.append([f])
        elif key in groups:
            groups[key].append(f)
        else:
            groups[key] = [f]
            out.append(groups[key])
    return out


def tally(findings: int, rows: int, shown: list[int], fix: str | None) -> str:
    """`[N findings in M rows: 1, 2, …; fix: …]`: what a grouped cause covers (`shown`: its
    first rows, 1-based lines), as the text output and the editor's grouped diagnostic
    say it."""
    listed = ", ".join(str(r) for r in shown[:SHOWN_ROWS])
    more = ", …" if rows > SHOWN_ROWS else ""
    how = f"; fix: {fix}" if fix else ""
    return f"[{findings:,} findings in {rows:,} row{'s' * (rows != 1)}: {listed}{more}{how}]"


def fix_title(first: Finding, unsafe: bool = False) -> str | None:
    """The fix a grouped cause names: its first finding's, the one `--fix` applies first."""
    fix = fixes.safe_fix(first, unsafe) or (first.fixes[0] if first.fixes else None)
    return fix.title if fix else None
