"""K006: conflicting duplicates, rows with one prompt and different answers.

Each row's summary carries a digest of its prompt (`RowSummary.prompt`): `prompt_digest`
computes it from a row's turns, the fast path from the contents it already picked
(`chat_prompt`, `alpaca_prompt`: the same values hashed the same way, so a row gets the
same digest on either path). Answers are not hashed (that would cost every row a second
pass over its text): rows that share a prompt digest are read again and their prompts
and answers compared exactly (`keys`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from sftlint.io import formats
from sftlint.io.reader import Row
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

RELATED_ROWS = 5  # the other rows a finding names as related locations
# Row columns the model sees beside the turns (as LLaMA-Factory names them by default).
CONTEXT_COLUMNS = ("system", "tools", "images", "videos", "audios")
# A row's prompt and answer, as comparable values; None: no prompt to compare.
Keys = tuple[tuple[Any, ...], Any] | None


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


def chat_prompt(
    roles: tuple[Any, ...],
    prompts: tuple[Any, ...],
    answers: tuple[Any, ...],
    ctx: tuple[Any, ...],
) -> int:
    """The prompt digest of a conversation: its roles, non-assistant contents and context
    (`or 1`: 0 means no prompt). Empty answers are no answer (C001's): `keys` takes blank
    ones out before, the fast path has none."""
    return hash((roles, prompts, ctx)) or 1 if any(answers) else 0


def alpaca_prompt(value: dict[str, Any], fields: formats.Fields) -> int:
    found = _alpaca_keys(value, fields)
    return hash(found[0]) or 1 if found is not None else 0


def _alpaca_keys(value: dict[str, Any], fields: formats.Fields) -> Keys:
    response = value.get(fields.column("response", "output"))
    if _blank(response):
        return None
    prompt = tuple(_part(value.get(fields.column(k, d))) for k, d in _ALPACA_PROMPT)
    return (prompt, context(value, context_keys(value, fields))), _part(response)


_ALPACA_PROMPT = (
    ("system", "system"),
    ("prompt", "instruction"),
    ("query", "input"),
    ("history", "history"),
)


def keys(
    value: dict[str, Any], fmt: str | None, fields: formats.Fields, turns: Sequence[formats.Turn]
) -> Keys:
    """(prompt, answer) of an object row, the prompt as `prompt_digest` hashes it; None
    when it has no prompt to compare. `turns`: `formats.turns` of the row."""
    if fmt == formats.ALPACA:
        return _alpaca_keys(value, fields)
    if fmt in formats.CHAT_FORMATS:
        if any(t.role is None for t in turns):
            return None  # unknown roles: R-rules report them
        answers = [t.content for t in turns if t.role == "assistant"]
        if all(map(_blank, answers)):
            return None
        prompts = tuple(_part(t.content) for t in turns if t.role != "assistant")
        roles = tuple(t.raw_role for t in turns)
        ctx = context(value, context_keys(value, fields))
        return (roles, prompts, ctx), tuple(map(_part, answers))
    if fmt == formats.PROMPT_COMPLETION and "prompt" in value:
        completion = value.get("completion")
        if _blank(completion):
            return None
        ctx = context(value, context_keys(value, fields))
        return (_part(value["prompt"]), ctx), _part(completion)
    return None


def prompt_digest(
    value: dict[str, Any], fmt: str, fields: formats.Fields, turns: Sequence[formats.Turn]
) -> int:
    """The digest of the row's prompt (`keys`); 0 when it has none to compare."""
    found = keys(value, fmt, fields, turns)
    return hash(found[0]) or 1 if found is not None else 0


def _blank(value: Any) -> bool:
    """No answer: missing, null, or a string of whitespace (C001 reports it)."""
    return value is None or (type(value) is str and not value.strip())


@file_check
def conflicting_duplicates(ctx: FileContext) -> None:
    """K006: one finding a group of rows with one prompt and several answers."""
    if not ctx.enabled("K006"):
        return
    if not ctx.shared_prompts():
        return  # every prompt once (the common case, decided at C speed)
    summaries = ctx.summaries
    if isinstance(summaries, Summaries):
        prompts = summaries.prompts()
    else:
        prompts = [s.prompt for s in summaries]
    groups: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(prompts):
        if p:
            groups[p].append(i)
    for rows in groups.values():
        if len(rows) > 1:
            unlike = _unlike(ctx, [summaries[i] for i in rows])
            if len(unlike) > 1:
                _compare(ctx, map(ctx.load, unlike), len(rows))


def _unlike(ctx: FileContext, group: list[RowSummary]) -> list[RowSummary]:
    """`group` but for the rows alike byte for byte (but for surrounding blanks: D001's)
    to an earlier one of it: they give the same answer. Told apart by the hash of their
    bytes, when those can be read without loading the rows (a row's digest is its
    prompt's here: `checks.row_digest`); else `_compare` loads every row."""
    if not ctx.reads_bytes:
        return group
    first: dict[int, RowSummary] = {}
    for s in group:
        first.setdefault(ctx.bytes_hash(s), s)
    return list(first.values())


def _compare(ctx: FileContext, rows: Iterable[Row], shared: int) -> None:
    """Report the rows (in file order) when they give different answers to one prompt."""
    prompt: Any = None
    answers: dict[Any, Row] = {}  # each distinct answer's first row
    fields = ctx.fields
    for row in rows:
        if not row.ok or type(row.value) is not dict:
            continue
        fmt = formats.detect(row.value, fields)
        found = keys(row.value, fmt, fields, formats.turns(row.value, fmt, fields))
        if found is None:
            continue
        if prompt is None:
            prompt = found[0]
        if found[0] == prompt:  # else a digest collision: another prompt
            answers.setdefault(found[1], row)
    if len(answers) < 2:
        return
    first, later, *others = answers.values()
    related = [Related(first.path, first.whole(), "first row with this prompt")]
    related += [
        Related(o.path, o.whole(), "another answer to this prompt")
        for o in others[: RELATED_ROWS - 1]
    ]
    finding = ctx.report(
        "K006",
        f"same prompt as the row at line {first.line + 1} with a different answer "
        f"({shared} rows share this prompt, {len(answers)} distinct answers)",
        later,
        related=related,
    )
    if finding is not None:
        finding.cause = "same prompt, different answers"
