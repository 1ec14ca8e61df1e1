"""F: the row's format. Does every row use the file's layout and a conversation field?"""

from __future__ import annotations

import difflib
from typing import Any

from sftlint.io import formats, jsonscan
from sftlint.io.jsonscan import json_type
from sftlint.model import Fix, Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import FileContext, RowContext, Summaries, file_check, row_check

register(
    Rule(
        "F001",
        "format-mismatch",
        Severity.ERROR,
        "Row deviates from the file's majority format",
        """\
Each row is detected as one format (`messages`, `sharegpt`, `alpaca`, `prompt-completion`,
`preference`, `unpaired-preference`, `openai-preference`, `pretokenized`, `text`), and the
file's format is the one most of its rows use. Trainers decide the format once: TRL's
`SFTTrainer` from the first row, Unsloth from the first ten, and `datasets` builds one
schema for the whole file (a row with other columns fails the Arrow cast or gets `None`
in every expected column).
A row in another format is then read wrongly or crashes the run far from the cause.

Bad (a ShareGPT row in a `messages` file):
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hey"}]}
```
""",
    ),
    Rule(
        "F002",
        "misnamed-conversation-field",
        Severity.ERROR,
        "Conversation field missing or misspelled",
        """\
The row has no conversation field that trainers read (`messages`, `conversations`, or
the name mapped with `field-messages` / LLaMA-Factory `columns.messages`), but it has a
key that is a near-miss of one (`mesages`, `conversation`, `Messages`) or a key that holds
a list of messages under another name. Trainers look the field up by its exact name:
TRL raises `KeyError: 'messages'`, Axolotl drops the row, LLaMA-Factory yields an empty
example.

Bad:
```json
{"mesages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
        fix="Rename the key (only the key's bytes change)",
    ),
    Rule(
        "F003",
        "unknown-format",
        Severity.ERROR,
        "Row matches no known format",
        """\
The row has none of the keys that identify a fine-tuning format: `messages` or
`conversations` (chat), `instruction` + `output` (Alpaca), `prompt` + `completion`,
`prompt` + `chosen` + `rejected` (preference), `input_ids` (pre-tokenized) or `text`.
No trainer can read it; most fail with a `KeyError`, some silently train on nothing.
If your fields have other names, map them in the config (`field-messages`, `columns`).
A layout trainers know under another name is named in the message with the config that
reads it: `instruction` + `response` is Axolotl's `type: gpteacher` (LLaMA-Factory and
sftlint: `columns = {prompt = "instruction", query = "input", response = "response"}`);
`question` + `answer` is a prompt/completion pair; `query` + `response` (+ `history`,
`system`) is ms-swift's layout, read with `columns = {prompt = "query", response =
"response"}`; a list of `{"human": ..., "assistant": ...}` pairs (ms-swift's
`conversation`) must be written as ShareGPT turns.

Bad:
```json
{"question": "What is 2 + 2?", "answer": "4"}
```
Good:
```json
{"prompt": "What is 2 + 2?", "completion": "4"}
```
""",
    ),
    Rule(
        "F004",
        "conversation-not-a-list",
        Severity.ERROR,
        "Conversation field is not an array of messages",
        """\
`messages` / `conversations` must be a JSON array of message objects. A string (often the
list serialized to JSON a second time), an object or `null` makes chat templates iterate
over characters or keys, or raise `TypeError` in the trainer's preprocessing.

Bad:
```json
{"messages": "[{\\"role\\": \\"user\\", \\"content\\": \\"hi\\"}]"}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "F005",
        "incomplete-preference-pair",
        Severity.ERROR,
        "Preference row with `chosen` but no `rejected` (or the reverse)",
        """\
Preference training (DPO, ORPO, reward modelling) compares a chosen and a rejected
answer to the same prompt. A row with only one of them is not a pair: TRL's
`DPOTrainer` raises `KeyError: 'rejected'`, LLaMA-Factory drops the row.

Bad:
```json
{"prompt": "Capital of France?", "chosen": "Paris."}
```
Good:
```json
{"prompt": "Capital of France?", "chosen": "Paris.", "rejected": "Lyon."}
```
""",
    ),
)

register(
    Rule(
        "F006",
        "chosen-equals-rejected",
        Severity.WARNING,
        "Preference row whose chosen and rejected answers are the same",
        """\
DPO, ORPO and reward models learn from the difference between the chosen and the
rejected answer. When both are the same value, the two log-probability ratios are equal
on every step: DPO's loss is `-log sigmoid(0)` and its gradient zero, so the row trains
nothing (a reward model learns that equal answers are better than themselves). It is
usually a copy error in the pipeline that built the pairs.

Bad:
```json
{"prompt": "Capital of France?", "chosen": "Paris.", "rejected": "Paris."}
```
Good:
```json
{"prompt": "Capital of France?", "chosen": "Paris.", "rejected": "Lyon."}
```
""",
    ),
)

register(
    Rule(
        "F007",
        "openai-preference-output",
        Severity.ERROR,
        "OpenAI preference row without input messages or one assistant message per output",
        """\
OpenAI's (and Azure OpenAI's, Together's, Fireworks') preference fine-tuning reads
`input.messages` as the prompt conversation and `preferred_output` / `non_preferred_output`
as the two answers, each a list of exactly one assistant message. The API rejects a file
whose outputs are empty, hold several messages or are not lists, and a row without
`input.messages` has no prompt. (Equal outputs are F006; an empty answer is C001.)

Bad:
```json
{"input": {"messages": [{"role": "user", "content": "Capital of France?"}]},
 "preferred_output": [], "non_preferred_output": [{"role": "assistant", "content": "Lyon."}]}
```
Good:
```json
{"input": {"messages": [{"role": "user", "content": "Capital of France?"}]},
 "preferred_output": [{"role": "assistant", "content": "Paris."}],
 "non_preferred_output": [{"role": "assistant", "content": "Lyon."}]}
```
""",
    ),
)

register(
    Rule(
        "F008",
        "constant-preference-label",
        Severity.WARNING,
        "Every unpaired preference (KTO) row of the file has the same label",
        """\
KTO learns from desirable (`"label": true`) and undesirable (`"label": false`) answers:
the loss pushes the first up and the second down against a shared reference point. A
file whose every row has the same label is almost always a pipeline mistake (a default
value, a column that was never filled): TRL's `KTOTrainer` still runs (it counts at least
one example of each side) and warns that the desirable and undesirable weights are out of
range, and the model learns only one direction. Reported for files of 10 rows or more,
at the first row's label.

Bad (every row `true`):
```json
{"prompt": "Capital of France?", "completion": "Paris.", "label": true}
{"prompt": "Capital of Spain?", "completion": "Madrid.", "label": true}
{"prompt": "Capital of Italy?", "completion": "Rome.", "label": true}
{"prompt": "Capital of Peru?", "completion": "Lima.", "label": true}
{"prompt": "Capital of Chile?", "completion": "Santiago.", "label": true}
{"prompt": "Capital of Japan?", "completion": "Tokyo.", "label": true}
{"prompt": "Capital of Kenya?", "completion": "Nairobi.", "label": true}
{"prompt": "Capital of Egypt?", "completion": "Cairo.", "label": true}
{"prompt": "Capital of Cuba?", "completion": "Havana.", "label": true}
{"prompt": "Capital of Iran?", "completion": "Tehran.", "label": true}
```
Good:
```json
{"prompt": "Capital of France?", "completion": "Paris.", "label": true}
{"prompt": "Capital of Spain?", "completion": "Lisbon.", "label": false}
```
""",
    ),
)

MIN_LABELLED = 10  # rows before a constant label means something (F008)

_PAIR = (
    ("chosen", "rejected"),
    ("chosen_messages", "rejected_messages"),
    formats.OPENAI_SIDES,
)


def _openai_shape(ctx: RowContext) -> None:
    """F007: an OpenAI preference row's input messages and its two one-message outputs."""
    value = ctx.value
    if formats.openai_input(value) is None:
        inp = value.get("input")
        where = ("input",) if "input" in value else (next(iter(value)),)
        what = "has no messages list" if isinstance(inp, dict) else "is missing or not an object"
        ctx.report(
            "F007",
            f'"input" {what}: the preference pair has no prompt conversation (input.messages)',
            where,
            "key",
        )
    for side in formats.OPENAI_SIDES:
        out = value.get(side)
        if isinstance(out, list) and len(out) == 1:
            continue
        if isinstance(out, list):
            what = "is an empty list" if not out else f"holds {len(out)} messages"
        else:
            what = f"is a JSON {json_type(out)}, not a list"
        ctx.report(
            "F007",
            f'"{side}" {what}: it must be a list of exactly one assistant message',
            (side,),
        )


def _same_pair(ctx: RowContext) -> None:
    """F006: a preference pair whose two sides are equal."""
    value = ctx.value
    for chosen, rejected in _PAIR:
        if chosen in value and rejected in value and value[chosen] == value[rejected]:
            ctx.report(
                "F006",
                f'"{rejected}" is the same as "{chosen}": the pair teaches no preference',
                (rejected,),
                "key",
            )


def _looks_like_messages(value: Any, fields: formats.Fields) -> bool:
    """A non-empty list whose first item is an object with a role or content key."""
    if not isinstance(value, list) or not value or not isinstance(value[0], dict):
        return False
    first = value[0]
    return any(k in first for k in fields.role) or any(k in first for k in fields.content)


def _suggested_field(value: Any, fields: formats.Fields) -> str:
    """The conversation field name to suggest for a list of messages."""
    if fields.messages[0] not in ("messages", "conversations"):
        return fields.messages[0]  # the user's mapping
    return "conversations" if formats._sharegpt_style(value) else "messages"


def near_miss(key: str, fields: formats.Fields) -> str | None:
    lower = key.lower()
    for name in fields.messages:
        if lower == name.lower():
            return name
    close = difflib.get_close_matches(lower, [n.lower() for n in fields.messages], 1, 0.8)
    if not close:
        return None
    return next(n for n in fields.messages if n.lower() == close[0])


def _rename_fix(ctx: RowContext, key: str, new: str, safe: bool) -> list[Fix]:
    root = ctx.row.scan.root
    span = jsonscan.locate_key(root, (key,)) if root is not None else None
    if span is None:
        return []
    return [Fix(f'Rename "{key}" to "{new}"', (ctx.row.edit(*span, f'"{new}"'),), safe=safe)]


def _misnamed_field(ctx: RowContext) -> bool:
    """F002: report a misspelled or unmapped conversation field; True when reported."""
    value, fields = ctx.value, ctx.fields
    for key, item in value.items():
        if not isinstance(item, list) or key in fields.messages:
            continue
        name = near_miss(key, fields)
        # a list of something else than turns (ms-swift's pairs) is not fixed by a rename
        if name is not None and (not item or _looks_like_messages(item, fields)):
            ctx.report(
                "F002",
                f'key "{key}" is not a conversation field; did you mean "{name}"?',
                (key,),
                "key",
                fixes=_rename_fix(ctx, key, name, safe=True),
            )
            return True
    if ctx.format != formats.UNKNOWN:
        return False
    for key, item in value.items():
        if _looks_like_messages(item, fields):
            name = _suggested_field(item, fields)
            ctx.report(
                "F002",
                f'key "{key}" holds a conversation but is not a conversation field; '
                f'rename it to "{name}" or set field-messages = "{key}" in the config',
                (key,),
                "key",
                fixes=_rename_fix(ctx, key, name, safe=False),
            )
            return True
    return False


def _not_a_list(ctx: RowContext) -> bool:
    """F004: a conversation field holding something other than an array."""
    for key in ctx.fields.messages:
        if key not in ctx.value:
            continue
        item = ctx.value[key]
        if isinstance(item, list):
            return False
        note = ""
        if isinstance(item, str) and item.lstrip().startswith("["):
            note = " (it holds JSON text: the list was serialized twice)"
        ctx.report(
            "F004",
            f"{key}: the conversation is a JSON {json_type(item)}, not an array of messages{note}",
            (key,),
        )
        return True
    return False


def _incomplete_pair(ctx: RowContext) -> bool:
    """F005: one side of a preference pair without the other; True when reported."""
    for one, other in _PAIR:
        for have, lack in ((one, other), (other, one)):
            if have in ctx.value and lack not in ctx.value:
                ctx.report(
                    "F005",
                    f'row has "{have}" but no "{lack}": a preference pair needs both',
                    (have,),
                    "key",
                )
                return True
    return False


# Layouts that trainers read under another name: (keys present, what to say).
_LAYOUT_HINTS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset(("instruction", "response")),
        'Alpaca with "response" in place of "output": Axolotl reads it as type: gpteacher; '
        'for sftlint and LLaMA-Factory set columns = {prompt = "instruction", '
        'query = "input", response = "response"} in the config',
    ),
    (
        frozenset(("question", "answer")),
        'a prompt/completion pair under other names: rename them "prompt" and "completion", '
        'or set columns = {prompt = "question", response = "answer"} in the config',
    ),
    (
        frozenset(("query", "response")),
        "ms-swift's query/response layout (LLaMA-Factory's Alpaca columns by other names): set "
        'columns = {prompt = "query", response = "response"} in the config; its "history" and '
        '"system" are then read too',
    ),
)


def layout_hint(value: dict[str, Any]) -> str | None:
    """The nearest known layout of a row no format matches, and the config that reads it."""
    for keys, hint in _LAYOUT_HINTS:
        if keys <= value.keys():
            return hint
    for key, item in value.items():
        if _exchange_pairs(item):
            return (
                f'"{key}" holds {{"human", "assistant"}} pairs (ms-swift\'s layout): trainers '
                'that read ShareGPT want "conversations" of turns, [{"from": "human", "value": '
                '...}, {"from": "gpt", "value": ...}]: write each pair as two turns'
            )
    return None


def _exchange_pairs(item: Any) -> bool:
    """A non-empty list of objects each holding one exchange as "human" and "assistant"."""
    return (
        isinstance(item, list)
        and bool(item)
        and all(isinstance(x, dict) and {"human", "assistant"} <= x.keys() for x in item)
    )


@row_check
def check_format(ctx: RowContext) -> None:
    value = ctx.value
    if _incomplete_pair(ctx):
        return
    if ctx.format == formats.OPENAI_PREFERENCE:
        _openai_shape(ctx)
    if ctx.format in (formats.PREFERENCE, formats.OPENAI_PREFERENCE):
        _same_pair(ctx)
    if formats.messages_key(value, ctx.fields) is None:
        if _not_a_list(ctx) or _misnamed_field(ctx):
            return
        if ctx.format in formats.CHAT_FORMATS:  # set by `format = ...` in the config
            name = ctx.fields.messages[0]
            if ctx.format == formats.SHAREGPT and name == "messages":
                name = "conversations"
            ctx.report(
                "F002",
                f'row has no "{name}" field: the configured format is "{ctx.format}"',
                (next(iter(value)),) if value else (),
                "key",
            )
            return
    if ctx.format == formats.UNKNOWN:
        if value:
            keys = ", ".join(f'"{k}"' for k in list(value)[:8])
            more = f" and {len(value) - 8} more" if len(value) > 8 else ""
            hint = layout_hint(value)
            ctx.report(
                "F003",
                f"row matches no known format (keys found: {keys}{more})"
                + (f": {hint}" if hint else ""),
                (next(iter(value)),),
                "key",
            )
        else:
            ctx.report("F003", "row is an empty object: it matches no known format")


@file_check
def check_majority(ctx: FileContext) -> None:
    if not ctx.enabled("F001"):
        return
    counts = {fmt: n for fmt, n in ctx.count("format").items() if fmt is not None}
    total = sum(counts.values())
    if len(counts) < 2:
        return
    # Ties go to the format seen first (dicts keep insertion order; max keeps the first).
    major = max(counts, key=counts.__getitem__)
    if major == formats.UNKNOWN:
        return
    for s in ctx.summaries:
        fmt = s.format
        if fmt is None or fmt == major or fmt == formats.UNKNOWN:
            continue  # unknown rows get F003 instead
        row = ctx.load(s)
        path: tuple[str | int, ...] = (s.keys[0],) if s.keys else ()
        n = counts[fmt]
        ctx.report(
            "F001",
            f'row format "{fmt}" ({n} row{"s" if n != 1 else ""}) differs from the file\'s '
            f'format "{major}" ({counts[major]} of {total} rows)',
            row,
            path,
            "key",
        )


@file_check
def check_labels(ctx: FileContext) -> None:
    """F008: one label for every unpaired preference row of a file of 10 or more (the
    rows' labels are a summary field: the file is not read again to count them)."""
    if not ctx.enabled("F008"):
        return
    labels = [(label, n) for label, n in ctx.count("label").items() if label is not None]
    if len(labels) != 1:
        return
    [(label, count)] = labels
    if count < MIN_LABELLED:
        return
    summaries = ctx.summaries
    if isinstance(summaries, Summaries):
        first = summaries[summaries.indices("label", label)[0]]
    else:
        first = next(s for s in summaries if s.label is label)
    name = "true" if label else "false"
    other = "undesirable (false)" if label else "desirable (true)"
    ctx.report(
        "F008",
        f"every one of the {count} rows has label {name}: there is no {other} example, so "
        "KTO learns only one direction (a label column never filled?)",
        ctx.load(first),
        ("label",),
    )
