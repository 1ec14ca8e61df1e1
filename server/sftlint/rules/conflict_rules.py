"""K006: conflicting duplicates, rows with one prompt and different answers.

Decided on two digests each row's summary carries (`RowSummary.prompt`, `.answer`):
`digests` computes them from a row's turns, the fast path from the contents it already
picked (`chat_digests`, `alpaca_digests`: the same values hashed the same way, so a row
gets the same digests on either path). Only the rows reported are read again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import orjson

from sftlint.io import formats
from sftlint.model import Related, Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import FileContext, RowSummary, Summaries, file_check

register(
    Rule(
        "K006",
        "conflicting-duplicate",
        Severity.WARNING,
        "Same prompt as an earlier row, with a different answer",
        """\
Two rows give the model the same prompt (the system and user turns in order, or the
Alpaca instruction and input, or the `prompt` of a prompt/completion row, with the row's
`system`, `tools` and media columns) and train it on different answers. The gradient
pulls toward both: the model learns neither, or learns that the answer does not depend
on the question; usually two versions of one example (an edit kept beside the original,
two annotators, a merge of two datasets). One finding a group of such rows, at the first
row whose answer differs from the first row's, with the other rows as related
locations. Rows equal byte for byte are D001's; preference rows, whose answers differ by
design, are never compared. Keep one answer, or make the prompts say what differs.

Bad:
```json
{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}
{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "5"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}
```
""",
    ),
)

NONE = (0, 0)  # a row with no prompt to compare (not an SFT row, or no answer)
RELATED_ROWS = 5  # the other rows a finding names as related locations
# Row columns the model sees beside the turns (as LLaMA-Factory names them by default).
CONTEXT_COLUMNS = ("system", "tools", "images", "videos", "audios")


def context_keys(value: dict[str, Any], fields: formats.Fields) -> tuple[str, ...]:
    """The context columns a row has (a shape property: the fast path keeps it per shape)."""
    return tuple(k for k in (fields.column(c, c) for c in CONTEXT_COLUMNS) if k in value)


def context(value: dict[str, Any], keys: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(_part(value[k]) for k in keys)


def _part(value: Any) -> Any:
    """A hashable stand-in for a JSON value: strings as they are, the rest as JSON (not
    None: its hash is its address, another in each process a Ray task runs in); a value
    orjson cannot write (an integer past 64 bits) equals no other."""
    if type(value) is str:
        return value
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return object()


def chat_digests(
    roles: tuple[Any, ...],
    prompts: tuple[Any, ...],
    answers: tuple[Any, ...],
    ctx: tuple[Any, ...],
) -> tuple[int, int]:
    """The digests of a conversation: its roles, non-assistant contents and context; its
    assistant contents. `or 1`: 0 means no prompt. Empty answers are no answer (C001's);
    `digests` takes blank ones out before, the fast path has none."""
    if not any(answers):
        return NONE
    return hash((roles, prompts, ctx)) or 1, hash(answers) or 1


def alpaca_digests(value: dict[str, Any], fields: formats.Fields) -> tuple[int, int]:
    response = fields.column("response", "output")
    if _blank(value.get(response)):
        return NONE
    prompt = tuple(_part(value.get(fields.column(k, d))) for k, d in _ALPACA_PROMPT)
    ctx = context(value, context_keys(value, fields))
    return hash((prompt, ctx)) or 1, hash(_part(value[response])) or 1


_ALPACA_PROMPT = (
    ("system", "system"),
    ("prompt", "instruction"),
    ("query", "input"),
    ("history", "history"),
)


def digests(
    value: dict[str, Any], fmt: str, fields: formats.Fields, turns: Sequence[formats.Turn]
) -> tuple[int, int]:
    """(prompt digest, answer digest) of an object row; NONE when it has no prompt to
    compare. `turns`: `formats.turns` of the row."""
    if fmt == formats.ALPACA:
        return alpaca_digests(value, fields)
    if fmt in formats.CHAT_FORMATS:
        if any(t.role is None for t in turns):
            return NONE  # unknown roles: R-rules report them
        prompts = tuple(_part(t.content) for t in turns if t.role != "assistant")
        if all(_blank(t.content) for t in turns if t.role == "assistant"):
            return NONE
        answers = tuple(_part(t.content) for t in turns if t.role == "assistant")
        roles = tuple(t.raw_role for t in turns)
        return chat_digests(roles, prompts, answers, context(value, context_keys(value, fields)))
    if (
        fmt == formats.PROMPT_COMPLETION
        and "prompt" in value
        and not _blank(value.get("completion"))
    ):
        ctx = context(value, context_keys(value, fields))
        prompt = hash((_part(value["prompt"]), ctx)) or 1
        return prompt, hash(_part(value["completion"])) or 1
    return NONE


def _blank(value: Any) -> bool:
    """No answer: missing, null, or a string of whitespace (C001 reports it)."""
    return value is None or (type(value) is str and not value.strip())


@file_check
def conflicting_duplicates(ctx: FileContext) -> None:
    """K006: one finding a group of rows with one prompt digest and several answers."""
    if not ctx.enabled("K006"):
        return
    summaries = ctx.summaries
    if isinstance(summaries, Summaries):
        if not summaries.shared_prompts():
            return  # every prompt once (the common case, decided at C speed)
        prompts, answers = summaries.prompts(), summaries.answers()
    else:
        prompts = [s.prompt for s in summaries]
        answers = [s.answer for s in summaries]
    groups: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(prompts):
        if p:
            groups[p].append(i)
    for rows in groups.values():
        if len(rows) < 2:
            continue
        distinct: dict[int, int] = {}  # answer digest -> its first row
        for i in rows:
            distinct.setdefault(answers[i], i)
        if len(distinct) > 1:
            _report(ctx, [summaries[i] for i in distinct.values()], len(rows))


def _report(ctx: FileContext, firsts: list[RowSummary], shared: int) -> None:
    """`firsts`: the first row of each distinct answer, in file order."""
    first, later = ctx.load(firsts[0]), ctx.load(firsts[1])
    related = [Related(first.path, first.whole(), "first row with this prompt")]
    for s in firsts[2 : 1 + RELATED_ROWS]:
        other = ctx.load(s)
        related.append(Related(other.path, other.whole(), "another answer to this prompt"))
    finding = ctx.report(
        "K006",
        f"same prompt as the row at line {first.line + 1} with a different answer "
        f"({shared} rows share this prompt, {len(firsts)} distinct answers)",
        later,
        related=related,
    )
    if finding is not None:
        finding.cause = "same prompt, different answers"
