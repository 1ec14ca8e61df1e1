"""K: rows unlike the rest of their file, measured on the rows' summaries (no re-reading)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sftlint.io import formats
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
    longest_line = ctx.info.longest_line  # no row is longer than its line
    if longest_line is not None and longest_line < MIN_BYTES:
        return
    summaries = ctx.summaries
    if isinstance(summaries, Summaries):
        lengths = summaries.lengths()
    else:
        lengths = [s.length for s in summaries]
    # Most files are ruled out before sorting (the one costly step): by their longest
    # row, or by more than half the rows being over a tenth of it (the median then is).
    longest = max(lengths)
    if longest < MIN_BYTES:
        return
    tenth = longest // TIMES_MEDIAN
    if sum(map(tenth.__lt__, lengths)) >= len(lengths) - len(lengths) // 2:
        return
    median, bar = _median_bar(lengths)
    if longest < bar:
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


def _median_bar(lengths: list[int]) -> tuple[int, int]:
    """The median row length (the upper one of an even count) and K004's bar: rows this
    long or longer are far longer than the rest."""
    median = sorted(lengths)[len(lengths) // 2]
    return median, max(TIMES_MEDIAN * median, MIN_BYTES)


def steady_lengths(lengths: list[int]) -> Callable[[int, int], bool]:
    """For a file whose rows have `lengths`: whether one row's length going from `a` to `b`
    (or several rows', each judged alone) leaves K004's findings as they are. True when
    both are under its bar and on one side of the median, which then stays where it is
    (the editor re-runs the file checks otherwise)."""
    if len(lengths) < MIN_ROWS:
        return lambda a, b: True  # K004 needs MIN_ROWS rows: a count, not a length
    if max(lengths) < MIN_BYTES:  # nothing reported, and nothing can be while all stay under
        return lambda a, b: a < MIN_BYTES and b < MIN_BYTES
    median, bar = _median_bar(lengths)
    return lambda a, b: (
        a < bar and b < bar and (a < median) is (b < median) and median not in (a, b)
    )


register(
    Rule(
        "K005",
        "missing-system-prompt",
        Severity.WARNING,
        "A few conversations lack the system prompt the file's other rows have",
        """\
Nearly every row of the file has a system prompt, but a few do not: 90% of the chat and
Alpaca rows or more have one, in a file of 20 such rows or more. The model is trained on
those few without the instructions (persona, format, language) that the rest carry, and
learns to behave differently when the system prompt is absent; usually a row assembled
by another script, or a system prompt lost in a conversion. One finding for the file,
with the count, the share and the first rows, at the first such row.

A row has a system prompt when its conversation opens with a system turn, or when its
top-level `system` column (another name: `columns = {system = "..."}`) is a string that
is not blank: LLaMA-Factory's converters (ShareGPT, OpenAI messages, Alpaca) and
Axolotl's `get_conversation_thread` put that column first when no system turn opens the
conversation. An empty or absent column is none: LLaMA-Factory then uses the template's
default system prompt, Axolotl an empty system turn (for a row without the column its
file's other rows have).

Bad (in a file whose other 99 rows open with the same system turn):
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
Good:
```json
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"},
 {"role": "assistant", "content": "hello"}]}
```
or, in a file whose rows carry it in a column:
```json
{"system": "Be brief.", "messages": [{"role": "user", "content": "hi"},
 {"role": "assistant", "content": "hello"}]}
```
""",
    ),
)

SYSTEM_MIN_ROWS = 20
SYSTEM_MIN_SHARE = 0.9
SHOWN_ROWS = 5  # the first rows a file-level finding names


@file_check
def check_system_prompts(ctx: FileContext) -> None:
    """K005: the few chat or Alpaca rows without the system prompt nearly all others have
    (`RowSummary.system`)."""
    if not ctx.enabled("K005"):
        return
    counts = ctx.count("system")
    having, lacking = counts[True], counts[False]
    total = having + lacking
    if not lacking or total < SYSTEM_MIN_ROWS or having < SYSTEM_MIN_SHARE * total:
        return
    summaries = ctx.summaries
    if isinstance(summaries, Summaries):
        rows = [summaries[i] for i in summaries.indices("system", False)[:SHOWN_ROWS]]
    else:
        rows = [s for s in summaries if s.system is False][:SHOWN_ROWS]
    shown = ", ".join(str(s.line + 1) for s in rows)
    more = ", ..." if lacking > len(rows) else ""
    lines = "line" if lacking == 1 else "lines"
    row = ctx.load(rows[0])
    ctx.report(
        "K005",
        f"{lacking:,} of {total:,} rows ({_share(lacking, total)}) have no system prompt; "
        f"the other {_share(having, total)} do ({lines} {shown}{more})",
        row,
        *_where(row.value if row.ok else None, ctx.fields),
    )


def _where(value: Any, fields: formats.Fields) -> tuple[tuple[str, ...], str]:
    """(path, part) of a K005 finding in its row: the blank system column, else the
    conversation's key, else the whole row (an Alpaca row without the column)."""
    if isinstance(value, dict):
        column = fields.column("system", "system")
        if column in value:
            return (column,), "key"
        key = formats.messages_key(value, fields)
        if key is not None:
            return (key,), "key"
    return (), "value"


def _share(n: int, total: int) -> str:
    """n / total as a percentage with one decimal, never rounded to 0% or 100%."""
    share = 100 * n / total
    if 0 < share < 0.1:
        return "<0.1%"
    if 99.9 < share < 100:
        return ">99.9%"
    return f"{share:.1f}%"
