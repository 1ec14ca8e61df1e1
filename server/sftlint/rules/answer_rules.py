"""C: what a curator sees in the answers. Whitespace at their edges, degenerate repetition.

The check runs on the assistant's strings the model is trained towards (chat turns,
Alpaca `output` and history answers, completions, the chosen side of a preference pair;
not a rejected side or an undesirable KTO example, which may well be degenerate).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import orjson

from sftlint.io import formats, jsonscan
from sftlint.io.reader import JsonPath
from sftlint.model import Fix, Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import RowContext, row_check
from sftlint.rules.content_rules import Slot, _field_slots
from sftlint.rules.conversations import row_conversations, where

# C007's bad example: one line 16 times (built here: the JSON line is too long to write).
_BAD_C007 = orjson.dumps(
    {
        "messages": [
            {"role": "user", "content": "Say sorry."},
            {"role": "assistant", "content": "\n".join(["I am so sorry."] * 16)},
        ]
    }
).decode()

register(
    Rule(
        "C006",
        "answer-edge-whitespace",
        Severity.WARNING,
        "Assistant content starts or ends with whitespace",
        """\
What the assistant's content holds is what the model learns to write, whitespace
included. A leading space is the worse case (a warning): the template puts the answer
right after the turn header, and BPE tokenizers read " Paris" as one token where the
model would write "Paris", so every answer trains an opening the model never produces
at inference (the cause of many L009 boundary findings). Trailing whitespace (a note)
teaches the model to emit blank lines before its end-of-turn token; templates that
`trim` content (Llama 3) hide it, others (ChatML, Mistral) train it. An answer whose
every line is indented (code pasted with its indentation) is named as such and gets no
fix: dedent it where it was made.

Bad:
```json
{"messages": [{"role": "user", "content": "Capital of France?"},
              {"role": "assistant", "content": " Paris.\\n"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "Capital of France?"},
              {"role": "assistant", "content": "Paris."}]}
```
""",
        fix="Trim the whitespace (only the escaped whitespace characters of the string change)",
        fix_mode="unsafe",
    ),
    Rule(
        "C007",
        "repeated-text",
        Severity.WARNING,
        "Assistant content repeats a line or a phrase far beyond natural text",
        """\
A line repeated dozens of times, or a text that ends in a loop, is degenerate output of
the model that generated the dataset (it ran into its token limit repeating itself). A
row like that teaches the loop. Reported when one line of at least 8 characters makes
up half the lines of an answer and at least 16 of them, or when an answer of 512
characters or more ends with one piece of text repeated 16 times or more over at least
its second half.

Bad:
```json
"""
        + _BAD_C007
        + """
```
Good:
```json
{"messages": [{"role": "user", "content": "Say sorry."},
              {"role": "assistant", "content": "I am so sorry."}]}
```
""",
    ),
)

# Thresholds of C007 (the fast path refuses every row that could reach them).
MIN_LINE = 8  # characters of a repeated line, stripped
MIN_REPEATS = 16
LOOP_TAIL = 32  # characters of the tail that must recur
MIN_LOOP_TEXT = 512

# One character of a JSON string's source: an escape or a literal character.
_UNIT = re.compile(r"\\u[0-9a-fA-F]{4}|\\.|.", re.S)
_ESCAPES = {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\f": "\f", "\\b": "\b", "\\/": "/"}


# Answers a preference trainer pushes the model away from: a degenerate rejected answer
# is a fine negative example.
_REJECTED = ("rejected", "rejected_messages", "non_preferred_output")


def _answers(ctx: RowContext) -> Iterator[tuple[str, JsonPath, str]]:
    """(label, path, text) of each assistant string the model is trained towards."""
    if ctx.format == formats.UNPAIRED_PREFERENCE and ctx.value.get("label") is False:
        return  # an undesirable (KTO) example
    for turn in row_conversations(ctx)[0]:
        if (
            turn.role == "assistant"
            and type(turn.content) is str
            and turn.content_key
            and turn.path[0] not in _REJECTED
        ):
            yield where(turn, turn.content_path), turn.content_path, turn.content
    slot: Slot
    for slot in _field_slots(ctx):
        if slot.role == "assistant" and type(slot.value) is str and slot.path[0] not in _REJECTED:
            yield slot.label, slot.path, slot.value


def _describe(ws: str) -> str:
    """ "a space", "2 newlines", "whitespace ("\\t ")": how a message names a run."""
    n = len(ws)
    for char, name in ((" ", "space"), ("\n", "newline")):
        if ws == char * n:
            return f"a {name}" if n == 1 else f"{n} {name}s"
    return f"whitespace ({orjson.dumps(ws).decode()})"


def _decoded(unit: str) -> str:
    if unit.startswith("\\u"):
        return chr(int(unit[2:], 16))
    return _ESCAPES.get(unit, unit[1:]) if unit.startswith("\\") else unit


def _trim_fix(ctx: RowContext, path: JsonPath) -> list[Fix]:
    """Edits deleting the source of the string's leading and trailing whitespace."""
    root = ctx.row.scan.root
    node = jsonscan.locate(root, path) if root is not None else None
    if node is None or node.kind != "string":
        return []
    body_start = node.start + 1
    units = _UNIT.findall(ctx.row.rowtext.text[body_start : node.end - 1])
    lead = 0
    for unit in units:
        if not _decoded(unit).isspace():
            break
        lead += len(unit)
    tail = 0
    for unit in reversed(units):
        if not _decoded(unit).isspace():
            break
        tail += len(unit)
    end = node.end - 1
    edits = []
    if lead:
        edits.append(ctx.row.edit(body_start, body_start + lead, ""))
    if tail:
        edits.append(ctx.row.edit(end - tail, end, ""))
    return [Fix("Trim the whitespace", tuple(edits), safe=False)] if edits else []


def _indent(text: str) -> int:
    """The spaces every non-blank line of a text of several lines starts with (0: none)."""
    if not text.startswith(" ") or "\n" not in text.strip():
        return 0
    lines = [line for line in text.split("\n") if line.strip()]
    return min(len(line) - len(line.lstrip(" ")) for line in lines)


def _check_edges(ctx: RowContext, label: str, path: JsonPath, text: str) -> None:
    """C006: whitespace at the start or the end of a non-blank answer."""
    if not text or text.isspace() or not (text[0].isspace() or text[-1].isspace()):
        return
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    parts = []
    indent = _indent(text)
    if indent:  # code indented as a whole: trimming the first line would break it
        parts.append(f"has every line indented with {_describe(' ' * indent)}")
    elif lead:
        parts.append(f"starts with {_describe(lead)}")
    if trail:
        parts.append(f"ends with {_describe(trail)}")
    why = (
        "the model learns to open its answers with it"
        if lead
        else "the model learns to write it before the end of its turn"
    )
    ctx.report(
        "C006",
        f"{label}: assistant content {' and '.join(parts)}: {why}",
        path,
        fixes=() if indent else _trim_fix(ctx, path),
        severity=None if lead else Severity.INFO,
    )


def repeated_line(text: str) -> tuple[str, int, int] | None:
    """(line, times, non-blank lines) when one line makes half of the text's lines.

    C-speed on the common case: a line making half of n lines leaves at most n/2 + 1
    distinct ones, so a set of the lines rules most texts out before any counting."""
    if text.count("\n") < MIN_REPEATS - 1:
        return None
    lines = list(filter(None, map(str.strip, text.split("\n"))))
    if 2 * (len(set(lines)) - 1) > len(lines):
        return None
    line, n = Counter(lines).most_common(1)[0]
    if n >= MIN_REPEATS and len(line) >= MIN_LINE and 2 * n >= len(lines):
        return line, n, len(lines)
    return None


def loop_tail(text: str) -> tuple[str, int] | None:
    """(unit, times) when the text ends in one unit repeated at least MIN_REPEATS times
    over at least its second half."""
    if len(text) < MIN_LOOP_TEXT:
        return None
    tail = text[-LOOP_TAIL:]
    if text.count(tail) < MIN_REPEATS // 2 or tail.isspace():
        return None
    end = len(text) - LOOP_TAIL
    period = end - text.rfind(tail, 0, end + LOOP_TAIL - 1)  # to the occurrence before
    unit = text[-period:]
    times, at = 0, len(text)
    while at >= period and text.startswith(unit, at - period):
        times += 1
        at -= period
    if times >= MIN_REPEATS and 2 * times * period >= len(text):
        return unit, times
    return None


def _check_repeats(ctx: RowContext, label: str, path: JsonPath, text: str) -> None:
    """C007: one line (or the text's tail) repeated far beyond natural text."""
    found = repeated_line(text)
    if found is not None:
        line, n, total = found
        shown = orjson.dumps(line if len(line) <= 40 else f"{line[:40]}…").decode()
        ctx.report(
            "C007",
            f"{label}: the line {shown} is repeated {n} times ({n} of {total} lines): "
            "degenerate generated text",
            path,
        )
        return
    loop = loop_tail(text)
    if loop is not None:
        unit, n = loop
        shown = orjson.dumps(unit if len(unit) <= 40 else f"{unit[:40]}…").decode()
        ctx.report(
            "C007",
            f"{label}: the text ends with {shown} repeated {n} times: degenerate generated text",
            path,
        )


@row_check
def check_answers(ctx: RowContext) -> None:
    edges, repeats = ctx.enabled("C006"), ctx.enabled("C007")
    if not (edges or repeats):
        return
    for label, path, text in _answers(ctx):
        if edges:
            _check_edges(ctx, label, path, text)
        if repeats:
            _check_repeats(ctx, label, path, text)
