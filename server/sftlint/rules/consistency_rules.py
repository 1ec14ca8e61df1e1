"""K: consistency. Keys and value types that differ from what the rest of the file uses.

These are file checks over the rows' summaries (`RowSummary.keys`, `.message_keys`,
`.types`): the per-row cost is nil, and only the rows to report are read again. The key
helpers here (`near_miss`, `suggest_key`, `rename_edits`) are shared with the
dataset-wide split check in `sftlint.engine.dataset`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from sftlint.io import formats, jsonscan
from sftlint.io.jsonscan import json_type
from sftlint.io.reader import Row, format_path
from sftlint.model import Edit, Fix, Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import FileContext, RowSummary, file_check

register(
    Rule(
        "K001",
        "inconsistent-message-key",
        Severity.ERROR,
        "Message key differs from the one the rest of the file uses",
        """\
A message uses a key that the other messages of the file do not: a misspelling
(`contnet`, `weigth`) or another name for the same thing (`text` where every other
message has `content`). Trainers read messages by fixed key names, so the value under the
odd key is ignored: the message has no content (a `KeyError`, or an empty turn trained
on), or a per-message `weight` silently falls back to its default. Reported only when the
message lacks the key it probably means.

Bad:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "text": "hello!"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello!"}]}
```
""",
        fix="rename the key in this row, or in every row of the file where it occurs",
        fix_mode="unsafe",
    ),
    Rule(
        "K002",
        "inconsistent-row-key",
        Severity.WARNING,
        "Row key differs from the one the rest of the file uses",
        """\
A row uses a top-level key that the other rows do not, and it looks like a misspelling
or another name of a key they do use (`imgaes` for `images`, `output_ids` for `labels`).
The trainer reads the column by its usual name and finds nothing in this row: the field
is lost, or `datasets` fills it with `null`. Misspelled conversation fields (`mesages`)
are reported by F-rules instead.

Bad:
```json
{"instruction": "Add 2 and 2.", "input": "", "ouptut": "4"}
```
Good:
```json
{"instruction": "Add 2 and 2.", "input": "", "output": "4"}
```
""",
        fix="rename the key in this row, or in every row of the file where it occurs",
        fix_mode="unsafe",
    ),
    Rule(
        "K003",
        "type-drift",
        Severity.ERROR,
        "A field's type differs from its type in the other rows",
        """\
The same field holds a different JSON type in some rows (`"weight": "1"` where every
other row has a number). `datasets.load_dataset("json")` builds one Arrow column per field
and fails with `ArrowInvalid: JSON parse error: Column(...) changed from number to
string`; loaders that do not fail pass a string where the trainer expects a number
(`"0" * loss`). `null` is not counted as a type: it is how missing values are written.

Bad:
```json
{"messages": [{"role": "assistant", "content": "ok", "weight": 1}]}
{"messages": [{"role": "assistant", "content": "no", "weight": "0"}]}
```
Good:
```json
{"messages": [{"role": "assistant", "content": "ok", "weight": 1}]}
{"messages": [{"role": "assistant", "content": "no", "weight": 0}]}
```
""",
        fix="write the value with the type the other rows use (numbers and booleans in strings)",
        fix_mode="unsafe",
    ),
)

# Keys trainers read from a message object; never reported as misspellings themselves.
KNOWN_MESSAGE_KEYS = frozenset(
    {
        "role",
        "content",
        "name",
        "tool_calls",
        "tool_call_id",
        "function_call",
        "weight",
        "reasoning_content",
        "reasoning",
        "thinking",
        "refusal",
        "audio",
        "from",
        "value",
        "train",
        "loss",
    }
)
KNOWN_ROW_KEYS = frozenset(
    {
        "messages",
        "conversations",
        "system",
        "tools",
        "images",
        "videos",
        "audios",
        "instruction",
        "input",
        "output",
        "history",
        "prompt",
        "completion",
        "chosen",
        "rejected",
        "label",
        "text",
        "input_ids",
        "labels",
        "attention_mask",
        "token_type_ids",
        "position_ids",
        "id",
        "kto_tag",
    }
)
# Names people use for the same thing. A key is suggested only for another of its group.
MESSAGE_SYNONYMS = (
    frozenset({"role", "from", "speaker", "sender", "author"}),
    frozenset({"content", "value", "text", "message", "body", "msg", "utterance"}),
)
ROW_SYNONYMS = (frozenset({"labels", "output_ids", "label_ids", "target_ids"}),)

_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def osa_distance(a: str, b: str, limit: int = 2) -> int:
    """Edit distance with adjacent transpositions (`weigth` -> `weight` is 1)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def near_miss(a: str, b: str) -> bool:
    """A likely misspelling: one edit for keys of 4+ letters, two for keys of 8+."""
    if a == b:
        return False
    shortest = min(len(a), len(b))
    if shortest < 4:
        return False
    return osa_distance(a.lower(), b.lower()) <= (2 if shortest >= 8 else 1)


def synonyms(key: str, groups: Iterable[frozenset[str]]) -> frozenset[str]:
    for group in groups:
        if key in group:
            return group - {key}
    return frozenset()


def suggest_key(
    key: str,
    counts: Mapping[str, int],
    known: Iterable[str],
    groups: Iterable[frozenset[str]],
    total: int,
) -> tuple[str, bool] | None:
    """The key `key` probably stands for: (name, used by the rest of the file) or None.

    A partner must be used in at least twice as many rows as `key` (it is what "the rest
    of the file" uses). A known key that the file does not use is suggested as a spelling
    only when `key` is in a minority of the `total` rows: a file that consistently names
    a column `inputs` has chosen that name.
    """
    mine = counts.get(key, 0)
    known = frozenset(known)

    def common(k: str) -> bool:
        return counts.get(k, 0) >= max(1, 2 * mine)

    same = [k for k in synonyms(key, groups) if common(k)]
    if same:
        return max(same, key=lambda k: (counts[k], k)), True
    if key in known:
        return None
    close = [k for k in counts if common(k) and near_miss(key, k)]
    if close:
        best = min(close, key=lambda k: (osa_distance(key, k), -counts[k], k))
        return best, True
    spelled = sorted(k for k in known if near_miss(key, k))
    if spelled and 2 * mine < total:
        return min(spelled, key=lambda k: osa_distance(key, k)), False
    return None


def rename_edit(row: Row, path: tuple[str | int, ...], new_key: str) -> Edit | None:
    """Replace the key (quotes included) of the member at `path` with `new_key`."""
    root = row.scan.root
    span = jsonscan.locate_key(root, path) if root is not None else None
    if span is None:
        return None
    return row.edit(span[0], span[1], orjson.dumps(new_key).decode())


def key_paths(
    value: dict[str, Any], key: str, partner: str | None, context: str, fields: formats.Fields
) -> list[tuple[str | int, ...]]:
    """Where `key` stands for `partner` in a row: the row itself, or each message lacking
    `partner` (with `partner` None: every place `key` occurs)."""
    if context == "row":
        return [(key,)] if key in value and (partner is None or partner not in value) else []
    mkey = formats.messages_key(value, fields)
    if mkey is None:
        return []
    return [
        (mkey, i, key)
        for i, m in enumerate(value[mkey])
        if isinstance(m, dict) and key in m and (partner is None or partner not in m)
    ]


def rename_fixes(
    row: Row,
    paths: list[tuple[str | int, ...]],
    key: str,
    partner: str,
    file_edits: list[Edit],
    file_rows: int,
) -> list[Fix]:
    """Rename in this row (every path of it), then in every row of the file."""
    fixes: list[Fix] = []
    here = [e for p in paths if (e := rename_edit(row, p, partner))]
    if here:
        fixes.append(Fix(f'Rename "{key}" to "{partner}" in this row', tuple(here)))
    if file_rows > 1:
        fixes.append(
            Fix(
                f'Rename "{key}" to "{partner}" in every row of this file ({file_rows} rows)',
                tuple(file_edits),
            )
        )
    return fixes


def _turn_label(path: tuple[str | int, ...]) -> str:
    """`turn 2 (messages[1].text): ` for a message key; nothing for a row key (it is named)."""
    if len(path) >= 2 and isinstance(path[1], int):
        return f"turn {path[1] + 1} ({format_path(path)}): "
    return ""


@file_check
def inconsistent_keys(ctx: FileContext) -> None:
    for code, context in (("K001", "message"), ("K002", "row")):
        if ctx.enabled(code):
            _check_keys(ctx, code, context)


def _check_keys(ctx: FileContext, code: str, context: str) -> None:
    fields = ctx.fields
    counts: Counter[str] = Counter()
    total = 0
    for keys, n in ctx.count("message_keys" if context == "message" else "keys").items():
        for k in keys:
            counts[k] += n
        if keys:
            total += n
    if context == "message":
        known = KNOWN_MESSAGE_KEYS | set(fields.role) | set(fields.content)
        groups: tuple[frozenset[str], ...] = MESSAGE_SYNONYMS
        skip: frozenset[str] = frozenset()
    else:
        known = KNOWN_ROW_KEYS | set(fields.messages) | set(fields.columns.values())
        groups = ROW_SYNONYMS
        skip = frozenset(fields.messages)  # F-rules report misspelled conversation fields
    for key in sorted(counts):
        if key in skip:
            continue
        found = suggest_key(key, counts, known, groups, total)
        if found is None or found[0] in skip:
            continue
        partner, in_file = found
        rows: list[tuple[Row, list[tuple[str | int, ...]]]] = []
        for s in ctx.summaries:
            if key in (s.message_keys if context == "message" else s.keys):
                row = ctx.load(s)
                if row.ok and (paths := key_paths(row.value, key, partner, context, fields)):
                    rows.append((row, paths))
        file_edits = [
            e for row, paths in rows for p in paths if (e := rename_edit(row, p, partner))
        ]
        kind = "message key" if context == "message" else "key"
        for row, paths in rows:
            fixes = rename_fixes(row, paths, key, partner, file_edits, len(rows))
            for path in paths:
                if in_file:
                    message = (
                        f'{_turn_label(path)}{kind} "{key}" where the rest of the file uses '
                        f'"{partner}"; did you mean "{partner}"?'
                    )
                else:
                    message = (
                        f'{_turn_label(path)}unknown {kind} "{key}"; did you mean "{partner}"?'
                    )
                ctx.report(code, message, row, path, "key", fixes=fixes)


# --- K003: type drift ---------------------------------------------------------------------


def _article(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _retype(value: Any, target: str) -> str | None:
    """JSON text of `value` in the type `target`, when the conversion is exact."""
    if isinstance(value, str):
        text = value.strip()
        if target == "number" and _JSON_NUMBER.fullmatch(text):
            return text
        if target == "boolean" and text in ("true", "false"):
            return text
        return None
    if target == "string" and json_type(value) in ("number", "boolean"):
        return orjson.dumps(orjson.dumps(value).decode()).decode()
    return None


@file_check
def type_drift(ctx: FileContext) -> None:
    if not ctx.enabled("K003"):
        return
    rows_by_type: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for types, n in ctx.count("types").items():
        for context, key, kind in types:
            if kind != "null":
                rows_by_type[(context, key)][kind] += n
    odd: dict[tuple[str, str, str], str] = {}  # (context, key, minority type) -> majority
    for (context, key), counter in rows_by_type.items():
        if len(counter) < 2:
            continue
        (top, top_n), (_, second_n) = counter.most_common(2)
        if top_n == second_n:
            continue  # no majority: nothing says which type is the wrong one
        for kind in counter:
            if kind != top:
                odd[(context, key, kind)] = top
    if not odd:
        return
    shapes = {types for types in ctx.count("types") if not odd.keys().isdisjoint(types)}
    for s in ctx.summaries:
        if s.types in shapes:
            hits = [t for t in s.types if t in odd]
            _report_drift(ctx, s, sorted(hits), odd, rows_by_type)


def _report_drift(
    ctx: FileContext,
    s: RowSummary,
    hits: list[tuple[str, str, str]],
    odd: dict[tuple[str, str, str], str],
    rows_by_type: dict[tuple[str, str], Counter[str]],
) -> None:
    row = ctx.load(s)
    if not row.ok:
        return
    value = row.value
    for context, key, kind in hits:
        majority = odd[(context, key, kind)]
        n = rows_by_type[(context, key)][majority]
        if context == "row":
            paths: list[tuple[str | int, ...]] = [(key,)]
        else:
            mkey = formats.messages_key(value, ctx.fields)
            paths = []
            if mkey is not None:
                paths = [
                    (mkey, i, key)
                    for i, m in enumerate(value[mkey])
                    if isinstance(m, dict) and key in m and json_type(m[key]) == kind
                ]
        for path in paths:
            current: Any = value
            for step in path:
                current = current[step]
            fixes = []
            text = _retype(current, majority)
            node = jsonscan.locate(row.scan.root, path) if row.scan.root else None
            if text is not None and node is not None:
                edit = row.edit(node.start, node.end, text)
                shown = row.rowtext.text[node.start : node.end]
                fixes.append(Fix(f"Replace {shown} with {text}", (edit,)))
            message = (
                f'{_turn_label(path)}"{key}" is {_article(kind)} here but '
                f"{_article(majority)} in {n} row{'s' if n != 1 else ''}"
            )
            ctx.report("K003", message, row, path, fixes=fixes)
