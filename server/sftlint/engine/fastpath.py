"""Prove cheaply that a chat row is clean, so the row checks it covers can be skipped.

Most rows of a dataset share a handful of shapes: the same keys, value types and role
sequence. What the covered checks decide from a row's shape alone (format detection, the F
rules, R001-R012 on keys and role order, the summary's key and type sets) is decided once
per shape, with the real functions, and cached; what depends on values (empty content,
control tokens, tool calls, their ids and JSON arguments) is tested here with C-speed
operations. A row the fast path cannot prove clean goes through every row check, so the
findings are exactly those of the full checks; the fast path only ever says "nothing to
report", never reports. What "nothing" covers is `PROVED_ABSENT`: the codes of the
checks it skips (`covered_checks`).

Over 600 lines: each test here stands for a check it lets a row skip, and they are read
together against `PROVED_ABSENT`; the row's K006 prompt digest is hashed from what they
picked.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import accumulate, chain
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

import orjson

from sftlint.io import formats
from sftlint.io.formats import Fields
from sftlint.rules import answer_rules, conflict_rules, format_rules
from sftlint.rules.checks import RowCheck, RowSummary, filled, system_names
from sftlint.rules.content_rules import CONTROL_TOKENS, TOKEN_RE

if TYPE_CHECKING:
    from sftlint.settings import Settings

# The summary parts of an object row's shape (engine.shape_template).
Template = Callable[[dict[str, Any], str, Fields], RowSummary]

_from_iterable = chain.from_iterable
_MAX_SHAPES = 4096
# Row keys that bring checks the fast path does not cover (preference pairs, unpaired
# preference labels, pre-tokenized ids); media keys are added from the column mapping.
_OTHER_FORMAT_KEYS = ("chosen", "rejected", "chosen_messages", "rejected_messages", "input_ids")


@dataclass(slots=True)
class Shape:
    """What a row's keys and value types decide; `orders` caches role-sequence verdicts."""

    fmt: str
    summary: RowSummary  # template: keys, message_keys, types
    # The messages' roles and contents, picked from the row's message values (flattened)
    roles: Callable[[tuple[Any, ...]], tuple[Any, ...]] = tuple
    contents: Callable[[tuple[Any, ...]], tuple[Any, ...]] = tuple
    orders: dict[tuple[str, ...], Order | None] | None = None  # None: never a clean row
    # K005: the key of the first message's role when its rows may differ in whether it
    # is a system turn (a string role), and the system column when it is a string (blank
    # or not: a value test); rows whose flag differs take `FastPath._flipped`
    first_role: str | None = None
    system_column: str | None = None
    context: tuple[str, ...] = ()  # K006: the row's context columns (conflict_rules)


@dataclass(slots=True)
class Order:
    """What a role sequence decides: where the value-level checks must look."""

    calls: tuple[int, ...]  # messages whose `tool_calls` is not null (the types are the shape's)
    # ... of those, the assistant turns: their call ids count, and their content may be
    # empty when they do call tools
    assistant_calls: frozenset[int]
    function_calls: tuple[int, ...]  # ShareGPT `function_call` turns (JSON value)
    tools: tuple[tuple[int, int], ...]  # (tool result, the non-tool turn before it)
    answers: Callable[[tuple[Any, ...]], tuple[Any, ...]]  # the assistant contents
    prompts: Callable[[tuple[Any, ...]], tuple[Any, ...]]  # the others (K006's prompt)
    # R017: for each assistant turn with calls, where its results must come by (the next
    # user turn, or the end); None for the last turn, whose calls need no result
    answered_by: dict[int, int | None]


# Alpaca columns (config name, default key): system, prompt, query, response.
_ALPACA_COLUMNS = (
    ("system", "system"),
    ("prompt", "instruction"),
    ("query", "input"),
    ("response", "output"),
)


@dataclass(slots=True)
class Alpaca:
    """The fields of an Alpaca row shape that the content checks read."""

    strings: tuple[str, ...]  # system, prompt, query, response: those present (strings)
    prompt: str | None
    query: str
    response: str | None
    history: str | None


# A row shape without a conversation: its format, summary template, Alpaca fields (None:
# never a clean row) and its system column (`Shape.system_column`: K005).
Flat = tuple[str, RowSummary, Alpaca | None, str | None]


class FastPath:
    """Clean-row verdicts for one file's settings (field names, column mappings)."""

    def __init__(self, fields: Fields, template: Template) -> None:
        self.fields = fields
        self.template = template
        self.tops: dict[tuple[str, ...], tuple[str, ...]] = {}  # row keys -> `_candidates`
        self.shapes: dict[tuple[Any, ...], Shape] = {}
        self.flat: dict[tuple[Any, ...], Flat] = {}  # rows without a conversation
        media = tuple(fields.column(k, k) for k in ("images", "videos", "audios"))
        self.excluded = (*_OTHER_FORMAT_KEYS, *media, "label")
        self.active = not fields.forced_format
        self.system_names = system_names(fields)
        self.flipped: dict[tuple[RowSummary, str], RowSummary] = {}  # `_flipped`

    def check(
        self, value: dict[str, Any], raw: bytes | None = None
    ) -> tuple[str, RowSummary | None, bool, int | None]:
        """(format, summary template or None, clean, K006 prompt digest) of a row parsed
        to an object.

        The template holds the summary's shape parts (keys, message_keys, types); clean
        rows need none of the covered checks, and come with their prompt digest
        (`conflict_rules.prompt_digest` of the row, from the contents picked here: None
        for the others). `raw`: `orjson.dumps(value)`, when the caller has it (a compact
        row): control tokens are then looked for in its bytes; b"" when
        `token_free` found none there.
        """
        keys = tuple(value)
        try:
            candidates = self.tops[keys]
        except KeyError:
            candidates = self._candidates(keys)
        key = None
        for name in candidates:  # `formats.messages_key`: the first holding a list
            if isinstance(value[name], list):
                key = name
                break
        if key is None:
            top = (keys, tuple(map(type, value.values())))
            flat = self.flat.get(top)
            if flat is None:
                flat = self._flat(value, top)
            fmt, template, fields, column = flat
            if column is not None and filled(value[column]) is not template.system:  # K005
                template = self._flipped(template, "system")
            if template.label is not None and value["label"] is not template.label:
                template = self._flipped(template, "label")
            if fields is not None and self._clean_fields(value, fields):
                return fmt, template, True, conflict_rules.alpaca_prompt(value, self.fields)
            return fmt, template, False, None
        msgs = value[key]
        try:
            values = tuple(_from_iterable(map(dict.values, msgs)))
            # One tuple: the row's keys, their values' types, each message's keys (a tuple
            # each), then every message value's type
            sig = (keys, *map(type, value.values()), *map(tuple, msgs), *map(type, values))
        except TypeError:  # a message that is not an object
            return formats.detect(value, self.fields), None, False, None
        shape = self.shapes.get(sig)
        if shape is None:
            shape = self._shape(value, sig)
        summary = shape.summary
        role = shape.first_role
        column = shape.system_column
        if role is not None or column is not None:  # `checks.has_system_prompt`
            system = role is not None and msgs[0][role] in self.system_names
            if not system and column is not None:
                system = filled(value[column])
            if system is not summary.system:
                summary = self._flipped(summary, "system")
        if summary.label is not None and value["label"] is not summary.label:
            summary = self._flipped(summary, "label")
        if shape.orders is None:
            return shape.fmt, summary, False, None
        prompt = self._clean(value, msgs, values, shape, raw)
        return shape.fmt, summary, prompt is not None, prompt

    def _candidates(self, keys: tuple[str, ...]) -> tuple[str, ...]:
        """The conversation fields among a row's keys, in the order `messages_key` tries
        them (cached by the keys)."""
        found = tuple(k for k in self.fields.messages if k in keys)
        if len(self.tops) >= _MAX_SHAPES:
            self.tops.clear()
        self.tops[keys] = found
        return found

    def _flipped(self, template: RowSummary, flag: Literal["system", "label"]) -> RowSummary:
        """`template` for the rows of its shape with the other value of a bool `flag`:
        K005's "system" (a row's system turn or column) or the KTO "label" (its type is
        part of the shape); made once."""
        other = self.flipped.get((template, flag))
        if other is None:
            if len(self.flipped) >= _MAX_SHAPES:
                self.flipped.clear()
            if flag == "system":
                other = replace(template, system=not template.system)
            else:
                other = replace(template, label=not template.label)
            self.flipped[template, flag] = other
        return other

    def _shape(self, value: dict[str, Any], sig: tuple[Any, ...]) -> Shape:
        fields = self.fields
        fmt = formats.detect(value, fields)
        shape = Shape(fmt, self.template(value, fmt, fields))
        if len(self.shapes) >= _MAX_SHAPES:
            self.shapes.clear()
        self.shapes[sig] = shape
        key = formats.messages_key(value, fields)
        if shape.summary.system is not None and key is not None:
            shape.first_role = _first_role(value[key], fields)
            shape.system_column = _system_column(value, fields)
        if not self.active or fmt not in formats.CHAT_FORMATS or key is None:
            return shape
        if any(k in value for k in self.excluded):
            return shape
        turns = formats.chat_turns(value[key], (key,), fmt, fields)
        role_keys = {t.role_key for t in turns}
        content_keys = {t.content_key for t in turns}
        if len(role_keys) != 1 or len(content_keys) != 1 or None in role_keys | content_keys:
            return shape
        for t in turns:
            if type(t.raw_role) is not str or type(t.content) is not str:
                return shape
            if "function_call" in t.message:
                return shape
        # Where each message's role and content sit among the row's message values.
        role_key, content_key = role_keys.pop(), content_keys.pop()
        roles, contents, at = [], [], 0
        for own in map(tuple, value[key]):
            if role_key not in own or content_key not in own:
                return shape
            roles.append(at + own.index(role_key))
            contents.append(at + own.index(content_key))
            at += len(own)
        shape.roles, shape.contents = _picker(roles), _picker(contents)
        shape.context = conflict_rules.context_keys(value, fields)
        shape.orders = {}
        return shape

    def _flat(self, value: dict[str, Any], top: tuple[Any, ...]) -> Flat:
        """The verdict on a row shape without a conversation: only Alpaca rows are fast."""
        fields = self.fields
        fmt = formats.detect(value, fields)
        template = self.template(value, fmt, fields)
        alpaca = None
        names = [fields.column(k, d) for k, d in _ALPACA_COLUMNS]
        history = fields.column("history", "history")
        if (
            self.active
            and fmt == formats.ALPACA
            and not any(k in value for k in (*self.excluded, *fields.messages))
            and all(type(value[k]) is str for k in names if k in value)
            and type(value.get(history, [])) is list
            # F002: a list under a name close to a conversation field
            and not any(
                format_rules.near_miss(k, fields) for k, v in value.items() if type(v) is list
            )
        ):
            _, prompt, query, response = names
            alpaca = Alpaca(
                tuple(k for k in names if k in value),
                prompt if prompt in value else None,
                query,
                response if response in value else None,
                history if history in value else None,
            )
        column = _system_column(value, fields) if template.system is not None else None
        if len(self.flat) >= _MAX_SHAPES:
            self.flat.clear()
        self.flat[top] = (fmt, template, alpaca, column)
        return self.flat[top]

    def _clean_fields(self, value: dict[str, Any], a: Alpaca) -> bool:
        """C001-C004 and R013 on an Alpaca row whose fields are strings (its shape says)."""
        texts = [value[k] for k in a.strings]
        answers = [value[a.response]] if a.response is not None else []
        if a.response is not None:
            text = value[a.response]
            if not text or text.isspace():
                return False
        if a.prompt is not None:
            text = value[a.prompt]
            if not text or text.isspace():
                query = value.get(a.query)
                if not (type(query) is str and query.strip() != ""):
                    return False
        if a.history is not None:
            for pair in value[a.history]:
                if type(pair) is not list or len(pair) != 2:
                    return False
                for text in pair:
                    if type(text) is not str or not text or text.isspace():
                        return False
                texts += pair
                answers.append(pair[1])
        if not _plain_answers(tuple(answers)):  # C006, C007
            return False
        text = "".join(texts)
        return not (("<" in text or "[" in text) and TOKEN_RE.search(text))

    def _order(self, shape: Shape, roles: tuple[str, ...], msgs: list[dict]) -> Order | None:
        """The verdict of R005-R012 and R015 on a role sequence, and where values need a look."""
        table = {
            **(formats.SHAREGPT_ROLES if shape.fmt == formats.SHAREGPT else formats.MESSAGES_ROLES),
            **self.fields.extra_roles,
        }
        canon = [table.get(r) for r in roles]
        order: Order | None = None
        if (
            len(canon) >= 2
            and None not in canon
            and canon[-1] == "assistant"
            and "user" in canon
            and not (canon[1 if canon[0] == "system" else 0] == "assistant" and "user" in canon)
        ):
            tools = []
            before = -1
            for i, role in enumerate(canon):
                if role == "tool":
                    if before < 0 or canon[before] != "assistant":
                        break
                    tools.append((i, before))
                    continue
                if i and (role == "system" or role == canon[i - 1]):
                    break
                before = i
            else:
                # A null `tool_calls` is no calls (R014 reads it so; Arrow writes absent
                # keys as null): the shape fixes which messages hold one.
                calls = tuple(i for i, m in enumerate(msgs) if m.get("tool_calls") is not None)
                order = Order(
                    calls,
                    frozenset(i for i in calls if canon[i] == "assistant"),
                    tuple(i for i, r in enumerate(roles) if r == "function_call"),
                    tuple(tools),
                    _picker([i for i, role in enumerate(canon) if role == "assistant"]),
                    _picker([i for i, role in enumerate(canon) if role != "assistant"]),
                    _answered_by(calls, canon),
                )
        if len(shape.orders) >= _MAX_SHAPES:  # type: ignore[arg-type]
            shape.orders.clear()  # type: ignore[union-attr]
        shape.orders[roles] = order  # type: ignore[index]
        return order

    def _clean(
        self,
        value: dict[str, Any],
        msgs: list[dict],
        values: tuple[Any, ...],
        shape: Shape,
        raw: bytes | None,
    ) -> int | None:
        """The row's K006 prompt digest when it is clean; None when it is not."""
        roles = shape.roles(values)
        try:
            order = shape.orders[roles]  # type: ignore[index]
        except KeyError:
            order = self._order(shape, roles, msgs)
        if order is None:
            return None
        contents = shape.contents(values)  # strings: the shape says so
        if not all(contents):  # empty contents: only assistant turns that call tools
            empty = contents.count("")
            for i in order.assistant_calls:
                if not contents[i] and msgs[i]["tool_calls"]:
                    empty -= 1
            if empty:
                return None
        if any(map(str.isspace, contents)):
            for i, c in enumerate(contents):
                if c.isspace() and not (i in order.assistant_calls and msgs[i]["tool_calls"]):
                    return None
        if raw is None:
            if _text_may_hold_token(contents):
                return None
        elif raw and _may_hold_token(raw):  # b"": `token_free` cleared it
            return None
        answers = order.answers(contents)
        if not _plain_answers(answers):  # C006, C007
            return None
        if (order.calls or order.tools or order.function_calls) and not _calls_clean(
            msgs, contents, order
        ):
            return None
        ctx = conflict_rules.context(value, shape.context) if shape.context else ()
        return conflict_rules.chat_prompt(roles, order.prompts(contents), answers, ctx)


def _first_role(messages: list[Any], fields: Fields) -> str | None:
    """The key `opens_with_system` reads a role from in this shape's first message, when
    its value is a string (the shape fixes the type); None: no row opens with a system."""
    first = messages[0] if messages else None
    if type(first) is not dict:
        return None
    for key in fields.role:
        if key in first:
            return key if type(first[key]) is str else None
    return None


def _system_column(value: dict[str, Any], fields: Fields) -> str | None:
    """The row's system column when it holds a string (the shape fixes the type): whether
    it is blank is the row's own."""
    column = fields.column("system", "system")
    return column if type(value.get(column)) is str else None


def _answered_by(calls: tuple[int, ...], canon: list[str | None]) -> dict[int, int | None]:
    """Order.answered_by: the next user turn after each assistant call turn, or the end."""
    last = len(canon) - 1
    out: dict[int, int | None] = {}
    for i in calls:
        if canon[i] == "assistant":
            after = [j for j in range(i + 1, len(canon)) if canon[j] == "user"]
            out[i] = None if i == last else (after[0] if after else len(canon))
    return out


def _calls_clean(msgs: list[dict], contents: tuple[str, ...], order: Order) -> bool:
    """No finding in a row's tool calls, function calls and tool results (R011-R014,
    R016, R017, C005 on arguments)."""
    ids: list[tuple[int, str]] = []
    calls_at: dict[int, bool] = {}
    for i in order.calls:
        calls = msgs[i]["tool_calls"]  # not null: see _order
        if type(calls) is not list:
            return False
        for call in calls:
            if type(call) is not dict:
                return False
            fn = call.get("function")
            if type(fn) is not dict:
                fn = call
            if type(fn.get("name")) is not str:
                return False
            args = fn.get("arguments")
            if type(args) is str:
                try:
                    if type(orjson.loads(args)) is not dict:
                        return False
                except orjson.JSONDecodeError:
                    return False
            if i in order.assistant_calls and type(call.get("id")) is str:
                ids.append((i, call["id"]))
        calls_at[i] = bool(calls)
    if len(ids) > 1 and len(set(map(_second, ids))) < len(ids):  # R016: an id used twice
        return False
    for i, call_id in ids:  # R017: each call answered by a tool result before its bound
        end = order.answered_by[i]
        if end is not None:
            for j, _ in order.tools:
                if i < j < end and msgs[j].get("tool_call_id") == call_id:
                    break
            else:
                return False
    for i in order.function_calls:
        if not _json_calls(contents[i]):
            return False
    for i, before in order.tools:
        if not (
            calls_at.get(before)
            or before in order.function_calls
            or "<tool_call>" in contents[before]
            or "<|python_tag|>" in contents[before]
        ):
            return False
        cid = msgs[i].get("tool_call_id")
        if type(cid) is str:
            for j, c in ids:
                if j < i and c == cid:
                    break
            else:
                return False
    return True


def _picker(positions: list[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A function taking the items at `positions` of a tuple, as a tuple (C speed)."""
    if len(positions) >= 2:
        return itemgetter(*positions)
    if positions:
        only = positions[0]
        return lambda values: (values[only],)
    return lambda values: ()


def _plain_answers(answers: tuple[str, ...]) -> bool:
    """No C006 or C007 in these answers: no whitespace at an edge, no repeated line or
    looping tail as answer_rules measures.

    Tested here at C speed before answer_rules looks further: `str.strip` returns an
    unchanged string itself (an identity compare); a text too short to hold MIN_REPEATS
    lines of MIN_LINE characters holds neither; most long answers' tails do not recur
    near the end.
    """
    for text in answers:
        if text.strip() is not text:  # an equal copy would only cost the row the checks
            return False
        n = len(text)
        if n < _MIN_REPEAT_TEXT:
            continue
        # `in` (memchr) first: most answers have no newline, and counting is slower
        if "\n" in text and text.count("\n") >= _MIN_LINES and answer_rules.repeated_line(text):
            return False
        # A loop of MIN_REPEATS units has a period of at most n / MIN_REPEATS, so its tail
        # recurs that close to the end: look there only, not through the whole text.
        if (
            n >= answer_rules.MIN_LOOP_TEXT
            and text.find(text[-_TAIL:], n - _TAIL - n // answer_rules.MIN_REPEATS - 1, n - 1) >= 0
            and answer_rules.loop_tail(text)
        ):
            return False
    return True


_MIN_LINES = answer_rules.MIN_REPEATS - 1
_TAIL = answer_rules.LOOP_TAIL
# The shortest text either rule can fire on: MIN_REPEATS lines of MIN_LINE characters.
_MIN_REPEAT_TEXT = min(
    answer_rules.MIN_REPEATS * (answer_rules.MIN_LINE + 1) - 1, answer_rules.MIN_LOOP_TEXT
)


_second = itemgetter(1)


def _text_may_hold_token(contents: tuple[str, ...]) -> bool:
    """A control token inside the joined contents, or across two of them (then the full
    check finds nothing: only slower); every token starts with "<" or "["."""
    text = "".join(contents)
    return ("<" in text or "[" in text) and TOKEN_RE.search(text) is not None


def token_free(rows: list[bytes], data: bytes | None = None) -> int:
    """How many of `rows` (their bytes as orjson writes them) come before the first that
    may hold a control token: `check` may take b"" as the bytes of those. Looked for in
    all of them at once (`data`: the rows joined, when at hand), at C speed: a token
    starts with "<", or with "[" and one of a few characters."""
    if data is None:
        data = b"".join(rows)
    first = data.find(b"<")
    bracket = _BRACKET_RE.search(data, 0, len(data) if first < 0 else first)
    if bracket is not None:
        first = bracket.start()
    if first < 0:
        return len(rows)
    return bisect_right(list(accumulate(map(len, rows))), first)


def _may_hold_token(raw: bytes) -> bool:
    """A control token anywhere in a row as orjson writes it (orjson escapes no character
    of a token, so each stands there as its UTF-8 bytes); memchr-fast on most rows."""
    if b"<" not in raw:
        find, i = raw.find, raw.find(b"[")
        while i >= 0 and raw[i + 1 : i + 2] not in _BRACKET_NEXT:
            i = find(b"[", i + 1)
        if i < 0:
            return False
    return _RAW_TOKEN_RE.search(raw) is not None


_RAW_TOKENS = tuple(t.encode() for t in CONTROL_TOKENS)
# Every token opens with "<" or "["; what follows "[" in one ([INST], [/INST], [gMASK]...)
assert all(t[:1] in (b"<", b"[") for t in _RAW_TOKENS)
_BRACKET_NEXT = frozenset(t[1:2] for t in _RAW_TOKENS if t[:1] == b"[")
_RAW_TOKEN_RE = re.compile(b"|".join(map(re.escape, _RAW_TOKENS)))
_BRACKET_RE = re.compile(b"\\[[" + re.escape(b"".join(sorted(_BRACKET_NEXT))) + b"]")


def _json_calls(text: str) -> bool:
    """A ShareGPT function_call value: JSON of a call (or a list of calls) with names."""
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    calls = parsed if type(parsed) is list else [parsed]
    return all(type(c) is dict and type(c.get("name")) is str for c in calls)


# Every code the covered checks can report: a clean verdict proves each of them absent.
# A covered check that reports another code must be taught to `_flat`, `_order` or
# `_clean` (and the code listed here), or the code reported from a check not covered;
# tests/test_fastpath_coverage.py fails until one of the two is done.
PROVED_ABSENT = frozenset(
    (
        *("F002", "F003", "F004", "F005", "F006", "F007"),  # preference rows never clean
        *(f"R{n:03}" for n in range(1, 18)),
        *("C001", "C002", "C003", "C004", "C005", "C006", "C007"),
        *("T001", "T002", "T004", "T005", "T006", "T007"),  # rows with input_ids never clean
        "M001",  # rows with a media list never clean
    )
)
# Codes of the covered checks' modules that only checks run on every row report: file
# checks (F001 format majority, F008 constant label, T003 missing labels) and the mask
# pass (T008 vocabulary).
REPORTED_ELSEWHERE = frozenset(("F001", "F008", "T003", "T008"))


def covered_checks() -> frozenset[RowCheck]:
    """The row checks whose findings a clean verdict rules out (all others always run).

    Between them they report exactly the codes of PROVED_ABSENT.
    """
    from sftlint.rules import (
        answer_rules,
        content_rules,
        format_rules,
        multimodal_rules,
        pretokenized_rules,
        role_rules,
    )

    return frozenset(
        (
            format_rules.check_format,
            role_rules.check_roles,
            content_rules.check_content,
            answer_rules.check_answers,
            pretokenized_rules.pretokenized_row,
            multimodal_rules.media_count,
        )
    )


def idle_checks(settings: Settings) -> frozenset[RowCheck]:
    """Row checks that report nothing under these settings, whatever the row.

    The loss-mask rules need a tokenizer (`mask_rules.active`): without one, a clean row
    need not even get a RowContext.
    """
    from sftlint.rules import mask_rules

    return frozenset() if settings.mask.tokenizer else frozenset((mask_rules.loss_mask,))
