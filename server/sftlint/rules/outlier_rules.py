"""K: rows unlike the rest of their file, measured on the rows' summaries (no re-reading)."""

from __future__ import annotations

from sftlint.model import Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import FileContext, Summaries, file_check

register(
    Rule(
        "K004",
        "length-outlier",
        Severity.INFO,
        "Row far longer than the file's other rows",
        """\
A row ten times as long as the file's median row (and 4 KiB or more) is worth a look: a
generation that ran away (repeating itself until its token limit), a whole document
pasted into an answer, two rows glued together. The trainer cuts it at `max_seq_length`
(training on a truncated answer without its end) or spends a batch's memory on it.
Measured against the file itself, in bytes of the row as written; not reported when
more than 1% of the rows (and more than one) are that long (then long rows are the
file's nature), nor in files of fewer than 20 rows. A note: long rows can be right.

Bad (in a file of short answers, 20 rows or more):
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "..."}]}
```
Good: the answer cut where it should end, or the row split in two.
""",
    ),
)

MIN_ROWS = 20
TIMES_MEDIAN = 10
MIN_BYTES = 4096
MAX_SHARE = 0.01  # more rows than this over the bar: a long-tailed file, not outliers


@file_check
def check_lengths(ctx: FileContext) -> None:
    """K004: rows longer than TIMES_MEDIAN times the median row, when they are rare."""
    if not ctx.enabled("K004") or len(ctx.summaries) < MIN_ROWS:
        return
    summaries = ctx.summaries
    if isinstance(summaries, Summaries):
        lengths = summaries.lengths()
    else:
        lengths = [s.length for s in summaries]
    ordered = sorted(lengths)
    median = ordered[len(ordered) // 2]
    bar = max(TIMES_MEDIAN * median, MIN_BYTES)
    if ordered[-1] < bar:
        return
    long = [i for i, n in enumerate(lengths) if n >= bar]
    if len(long) > max(1, MAX_SHARE * len(lengths)):
        return
    for i in long:
        n = lengths[i]
        ctx.report(
            "K004",
            f"row is {n:,} bytes, {n // max(median, 1)}x the file's median row "
            f"({median:,} bytes): far longer than the rest (a runaway generation, a "
            "pasted document, rows glued together?)",
            ctx.load(summaries[i]),
        )
