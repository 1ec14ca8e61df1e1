"""R: roles and turn order. Can a chat template and a trainer read this conversation?

Over 600 lines: half of it is the docs of its fourteen rules, beside the one check that
reports them all (`check_roles`: a message's keys, its role, the order, the tool calls).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import orjson

from sftlint.io import formats, jsonscan
from sftlint.io.formats import Fields, Turn
from sftlint.io.jsonscan import json_type
from sftlint.io.reader import JsonPath, format_path
from sftlint.model import Fix, Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import RowContext, row_check
from sftlint.rules.conversations import (
    Conversation,
    makes_call,
    row_conversations,
    tool_calls,
    where,
)

register(
    Rule(
        "R001",
        "missing-role",
        Severity.ERROR,
        "Message without a role",
        """\
Every message needs a role (`role` in `messages`, `from` in ShareGPT, or the key mapped
with `message-property-mappings` / LLaMA-Factory `tags.role_tag`). Without it the chat
template cannot render the turn: Jinja templates raise on `message['role']`, torchtune
fails validation, LLaMA-Factory skips the row (`Invalid role tag`), the OpenAI data-prep
script counts it as `message_missing_key`.

Bad:
```json
{"messages": [{"content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "R002",
        "missing-content",
        Severity.ERROR,
        "Message without content",
        """\
A message has a role but no `content` (`value` in ShareGPT). Templates render
`message['content']` and raise `UndefinedError` or render nothing; the OpenAI data-prep
script counts it as `missing_content`. An assistant message that makes `tool_calls` may
omit its content: that is not reported.

Bad:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "R003",
        "message-not-object",
        Severity.ERROR,
        "Message is not a JSON object",
        """\
Each item of `messages` / `conversations` must be an object with a role and content.
A bare string or a nested list crashes every chat template (`'str object' has no
attribute 'role'`).

Bad:
```json
{"messages": ["hi", "hello"]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "R004",
        "unknown-role",
        Severity.ERROR,
        "Role name that trainers do not recognise",
        """\
The role is not one the format knows: `system`, `user`, `assistant`, `tool` (plus
`developer`, `function`, `ipython`) for `messages`; `human`, `gpt`, `system`,
`function_call`, `observation`, `tool` for ShareGPT; or one mapped in the config
(`roles`, LLaMA-Factory `tags`). Templates compare role names literally: an unknown role
is rendered as something else or dropped, so the turn is masked or trained wrongly;
LLaMA-Factory skips the row (`Invalid role tag`), torchtune raises, the OpenAI data-prep
script counts `unrecognized_role`. ShareGPT names (`human`, `gpt`) inside a `messages`
list are a common mix-up. The fix replaces the role value with the suggested name.

Bad:
```json
{"messages": [{"role": "human", "content": "hi"}, {"role": "bot", "content": "hello"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
        fix="Replace the role value with the suggested role name",
    ),
    Rule(
        "R005",
        "no-assistant-turn",
        Severity.ERROR,
        "Conversation without an assistant turn",
        """\
Supervised fine-tuning learns from the assistant turns only (the default of Axolotl's
`roles_to_train`, TRL's `assistant_only_loss`, LLaMA-Factory). A conversation without
one has no trainable token: TRL raises, Axolotl drops it (`Dropped N samples with no
trainable tokens`), Unsloth fails with `All labels in your dataset are -100`, the OpenAI
data-prep script counts `example_missing_assistant_message`.

Bad:
```json
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "R006",
        "last-turn-not-assistant",
        Severity.WARNING,
        "Conversation does not end with an assistant turn",
        """\
Turns after the last assistant turn are never trained on: they only cost tokens, and
they usually mean a response was lost when the data was built. LLaMA-Factory drops rows
with an odd number of turns (`Invalid message count`); a template with
`add_generation_prompt` semantics may append an empty assistant header.

Bad:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
              {"role": "user", "content": "thanks"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "R007",
        "too-few-turns",
        Severity.ERROR,
        "Conversation with fewer than two turns",
        """\
A training conversation needs at least a prompt and a response. torchtune's
`validate_messages` raises (`Must have at least two messages`); an empty list renders to
nothing (or only the BOS token) and trains on nothing.

Bad:
```json
{"messages": [{"role": "assistant", "content": "hello"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "R008",
        "system-not-first",
        Severity.ERROR,
        "System message that is not the first turn",
        """\
Chat templates place the system prompt at the start (Llama 3, ChatML, Mistral read
`messages[0]` only); a system message later in the conversation is dropped, rendered as
another role, or makes the template raise. torchtune raises (`System message at index
i`), LLaMA-Factory skips the row (`Invalid role tag`).

Bad:
```json
{"messages": [{"role": "user", "content": "hi"},
              {"role": "system", "content": "Be brief."},
              {"role": "assistant", "content": "hello"}]}
```
Good:
```json
{"messages": [{"role": "system", "content": "Be brief."},
              {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "R009",
        "consecutive-same-role",
        Severity.ERROR,
        "Two user or two assistant turns in a row",
        """\
Most chat templates expect user and assistant turns to alternate: Gemma and Mistral
templates raise (`Conversation roles must alternate user/assistant/user/assistant/...`),
torchtune raises, LLaMA-Factory skips the row (`Invalid role tag`). Merge the two turns,
or insert the missing turn. Consecutive tool results after parallel tool calls are
fine, and so is a ShareGPT `function_call` followed by its `observation`. An assistant
text turn followed by an assistant message holding its `tool_calls` is the OpenAI layout
(ChatML, Llama 3 and Mistral templates render it, mistral-common accepts it): it is
reported only when the configured template or tokenizer is Gemma's, whose template raises,
and then as a warning.

Bad:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "are you there?"},
              {"role": "assistant", "content": "yes"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi, are you there?"},
              {"role": "assistant", "content": "yes"}]}
```
""",
    ),
    Rule(
        "R010",
        "tool-result-without-call",
        Severity.ERROR,
        "Tool result with no preceding tool call",
        """\
A `tool` (ShareGPT `observation`) turn answers a tool call of the assistant turn
before it (`tool_calls`, a ShareGPT `function_call` turn, or a `tool_call` content part).
Without one, the model learns to read tool output that nobody asked for; templates that
pair results with calls (Llama 3.1, Qwen, Mistral) raise or render garbage, and
LLaMA-Factory skips the row (`Invalid role tag`).

Bad:
```json
{"messages": [{"role": "user", "content": "weather?"}, {"role": "tool", "content": "12°C"},
              {"role": "assistant", "content": "It is 12°C."}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "weather?"},
              {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
               "function": {"name": "weather", "arguments": "{}"}}]},
              {"role": "tool", "tool_call_id": "c1", "content": "12°C"},
              {"role": "assistant", "content": "It is 12°C."}]}
```
""",
    ),
    Rule(
        "R011",
        "unknown-tool-call-id",
        Severity.ERROR,
        "Tool result whose `tool_call_id` matches no earlier call",
        """\
A tool message's `tool_call_id` must be the `id` of a call in an earlier assistant
`tool_calls`. The OpenAI API rejects the conversation; Mistral templates raise on ids
that do not match, and results paired with the wrong call teach the model wrong data.

Bad:
```json
{"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
 "function": {"name": "weather", "arguments": "{}"}}]},
{"role": "tool", "tool_call_id": "call_2", "content": "12°C"}
```
Good: the same with `"tool_call_id": "call_1"`.
""",
    ),
    Rule(
        "R012",
        "first-turn-not-user",
        Severity.WARNING,
        "Conversation that starts (after the system prompt) with a non-user turn",
        """\
After the optional system prompt, conversations start with a user turn. torchtune
requires an assistant turn to follow a user or tool turn; Gemma and Mistral templates
raise (`Conversation roles must alternate user/assistant/...`); LLaMA-Factory expects
the user tag at odd positions and skips the row.

Bad:
```json
{"messages": [{"role": "assistant", "content": "Hello! How can I help?"},
              {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
    ),
    Rule(
        "R013",
        "history-not-pairs",
        Severity.ERROR,
        "Alpaca `history` entry that is not a [prompt, response] pair",
        """\
LLaMA-Factory's Alpaca converter reads `history` as a list of `[prompt, response]`
pairs (`for old_prompt, old_response in history`). Any other shape raises
`ValueError: too many values to unpack`, or silently drops the history.

Bad:
```json
{"instruction": "And 3 + 3?", "input": "", "output": "6", "history": [["1 + 1?", "2", "4"]]}
```
Good:
```json
{"instruction": "And 3 + 3?", "input": "", "output": "6", "history": [["1 + 1?", "2"]]}
```
""",
    ),
)

register(
    Rule(
        "R014",
        "malformed-tool-call",
        Severity.ERROR,
        "`tool_calls` that is not a list of calls with a function name",
        """\
An assistant message's `tool_calls` is an array of calls, each
`{"id": ..., "type": "function", "function": {"name": ..., "arguments": ...}}` (a flat
`{"name": ..., "arguments": ...}` is read by most templates too). Chat templates loop over
it and read `tool_call.function.name`: anything else raises in the template
(`'str object' has no attribute 'function'`) or renders a call without a name.

Bad:
```json
{"role": "assistant", "tool_calls": {"name": "weather", "arguments": "{}"}}
```
Good:
```json
{"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
 "function": {"name": "weather", "arguments": "{}"}}]}
```
""",
    ),
)

register(
    Rule(
        "R015",
        "no-user-turn",
        Severity.WARNING,
        "Conversation with an assistant turn but no user turn",
        """\
The conversation has assistant turns but no user turn (a system prompt and an answer,
or tool calls answered with nothing asked). Trained on, it teaches the model to answer
a question nobody asked; it is usually a row cut at the wrong place or a user turn
under a role the file does not map. Templates that require a user turn (Gemma,
Mistral's) raise on it.

Bad:
```json
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "assistant", "content": "hi"}]}
```
Good:
```json
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hey"},
 {"role": "assistant", "content": "hi"}]}
```
""",
    ),
)

register(
    Rule(
        "R016",
        "duplicate-tool-call-id",
        Severity.ERROR,
        "Two tool calls of one conversation with the same `id`",
        """\
A tool result names the call it answers by `tool_call_id`. When two calls of one
conversation share an `id`, a result answers both or neither: templates and the OpenAI
API pair results with calls by id, mistral-common rejects the row, and the model learns
to reuse ids. Ids are usually duplicated by a generator that numbers calls per turn.

Bad:
```json
{"role": "assistant", "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": "{}"}},
 {"id": "c1", "function": {"name": "g", "arguments": "{}"}}]}
```
Good:
```json
{"role": "assistant", "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": "{}"}},
 {"id": "c2", "function": {"name": "g", "arguments": "{}"}}]}
```
""",
    ),
)

register(
    Rule(
        "R017",
        "unanswered-tool-call",
        Severity.WARNING,
        "Tool call with no tool result before the next user turn",
        """\
An assistant turn calls a tool (an OpenAI `tool_calls` entry with an `id`), but no `tool`
message with that `tool_call_id` follows before the next user turn or the end of the
conversation. The OpenAI API rejects such a conversation ("tool_calls must be followed
by tool messages responding to each tool_call_id"), mistral-common raises ("Not the same
number of function calls and responses"), and trained on it the model learns to go on
without the result it asked for: usually a result dropped by a filter, or a call kept
from another conversation.

Not reported on the conversation's last turn (a row that trains the call itself, with
nothing after it), nor when a result between the call and the next user turn has no
string `tool_call_id` (results then pair with calls by position, as some templates do)
or one that matches no call (R011 reports it: likely the answer, its id mistyped).

Bad:
```json
{"messages": [{"role": "user", "content": "Weather?"},
 {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
  "function": {"name": "weather", "arguments": "{}"}}]},
 {"role": "assistant", "content": "Sunny."}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "Weather?"},
 {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
  "function": {"name": "weather", "arguments": "{}"}}]},
 {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
 {"role": "assistant", "content": "Sunny."}]}
```
""",
    ),
)

# Names of the canonical roles that a ShareGPT conversation writes.
_SHAREGPT_NAMES = {"user": "human", "assistant": "gpt", "system": "system", "tool": "observation"}


def _role_key_name(style: str, fields: Fields) -> str:
    if fields.role[0] not in ("role", "from"):
        return fields.role[0]
    return "from" if style == formats.SHAREGPT else "role"


def _content_key_name(style: str, fields: Fields) -> str:
    if fields.content[0] not in ("content", "value"):
        return fields.content[0]
    return "value" if style == formats.SHAREGPT else "content"


def _name_for(canonical: str, style: str, fields: Fields) -> str:
    """The role name to write for a canonical role: the config's, else the format's."""
    for name, mapped in fields.extra_roles.items():
        if mapped == canonical:
            return name
    return _SHAREGPT_NAMES[canonical] if style == formats.SHAREGPT else canonical


def _suggest(raw: str, style: str, fields: Fields) -> tuple[str | None, bool]:
    """(suggested role name, whether the suggestion is certain enough to apply safely)."""
    table = formats.SHAREGPT_ROLES if style == formats.SHAREGPT else formats.MESSAGES_ROLES
    lower = raw.strip().lower()
    canonical = (
        fields.extra_roles.get(lower) or table.get(lower) or formats.ROLE_SUGGESTIONS.get(lower)
    )
    if canonical is not None:
        return _name_for(canonical, style, fields), True
    known = {**formats.ROLE_SUGGESTIONS, **table, **fields.extra_roles}
    close = difflib.get_close_matches(lower, list(known), 1, 0.75)
    if close:
        return _name_for(known[close[0]], style, fields), False
    return None, False


def _check_message(ctx: RowContext, turn: Turn, style: str) -> None:
    """R001-R004 on one message object."""
    m = turn.message
    if not isinstance(m, dict):
        ctx.report(
            "R003", f"{where(turn)}: message is a JSON {json_type(m)}, not an object", turn.path
        )
        return
    fields = ctx.fields
    if turn.role_key is None:
        key = _role_key_name(style, fields)
        ctx.report("R001", f'{where(turn)}: message has no "{key}" key', turn.path)
    elif turn.role is None:
        _unknown_role(ctx, turn, style)
    if "tool_calls" in m:
        _check_tool_calls(ctx, turn)
    if turn.content_key is None and "tool_calls" not in m and "function_call" not in m:
        key = _content_key_name(style, fields)
        ctx.report("R002", f'{where(turn)}: message has no "{key}" key', turn.path)


def _check_tool_calls(ctx: RowContext, turn: Turn) -> None:
    """R014: the shape of an OpenAI `tool_calls` list."""
    calls = turn.message["tool_calls"]
    path = (*turn.path, "tool_calls")
    if calls is None:
        return  # `"tool_calls": null` is how some exporters write "no calls"
    if not isinstance(calls, list):
        ctx.report(
            "R014",
            f"{where(turn, path)}: tool_calls is a JSON {json_type(calls)}, not an array of calls",
            path,
        )
        return
    for i, call in enumerate(calls):
        fn = call.get("function") if isinstance(call, dict) else None
        target = fn if isinstance(fn, dict) else call
        if not (isinstance(target, dict) and isinstance(target.get("name"), str)):
            ctx.report(
                "R014",
                f'{where(turn, (*path, i))}: tool call has no "function" object with a "name"',
                (*path, i),
            )


def _unknown_role(ctx: RowContext, turn: Turn, style: str) -> None:
    raw = turn.raw_role
    path = turn.role_path
    if not isinstance(raw, str):
        ctx.report(
            "R004", f"{where(turn, path)}: role is a JSON {json_type(raw)}, not a string", path
        )
        return
    name, safe = _suggest(raw, style, ctx.fields)
    note = ""
    if style == formats.MESSAGES and raw in formats.SHAREGPT_ROLES:
        note = " (a ShareGPT role name in a messages conversation)"
    shown = orjson.dumps(raw).decode()
    if name is None:
        expected = ", ".join(
            f'"{_name_for(c, style, ctx.fields)}"' for c in formats.CANONICAL_ROLES
        )
        ctx.report(
            "R004", f"{where(turn, path)}: unknown role {shown}; expected one of {expected}", path
        )
        return
    fixes = []
    root = ctx.row.scan.root
    node = jsonscan.locate(root, path) if root is not None else None
    if node is not None:
        new = orjson.dumps(name).decode()
        fixes.append(
            Fix(
                f"Replace role {shown} with {new}", (ctx.row.edit(node.start, node.end, new),), safe
            )
        )
    ctx.report(
        "R004",
        f'{where(turn, path)}: unknown role {shown}{note}; did you mean "{name}"?',
        path,
        fixes=fixes,
    )


def _check_order(
    ctx: RowContext, conv: Conversation, roles: list[str | None], seen: set[tuple[str, tuple]]
) -> None:
    """R005-R012 and R015 on a conversation whose turns all have a known role."""

    def report(code: str, message: str, path: JsonPath, part: str = "value") -> None:
        if (code, path) not in seen:  # a shared prompt is checked once per side
            seen.add((code, path))
            ctx.report(code, message, path, part)

    turns = conv.turns
    if len(turns) < 2:
        label = format_path(conv.path)
        message = (
            f"{label}: the conversation is empty: the row has nothing to train on"
            if not turns
            else f"{label}: only 1 turn; a training conversation needs a prompt and a response"
        )
        report("R007", message, conv.path, "key")
        return
    if "assistant" not in roles:
        label = format_path(conv.path)
        report(
            "R005", f"{label}: no assistant turn: the row has nothing to train on", conv.path, "key"
        )
    else:
        if "user" not in roles:
            label = format_path(conv.path)
            report(
                "R015",
                f"{label}: no user turn: the assistant answers a prompt the row does not hold",
                conv.path,
                "key",
            )
        if roles[-1] != "assistant":
            last = turns[-1]
            report(
                "R006",
                f"{where(last, last.role_path)}: the conversation ends with a "
                f"{orjson.dumps(last.raw_role).decode()} turn, not an assistant turn",
                last.role_path,
            )
    first = 1 if roles[0] == "system" else 0
    if roles[first] == "assistant" and "user" in roles:
        t = turns[first]
        report(
            "R012",
            f"{where(t, t.role_path)}: the conversation starts with an assistant turn, "
            "not a user turn",
            t.role_path,
        )
    _check_duplicate_ids(turns, report)
    _check_unanswered(turns, report)
    before: Turn | None = None  # the nearest turn before that is not a tool result
    for i, role in enumerate(roles):
        if role == "tool":
            t = turns[i]
            if before is None or before.role != "assistant" or not makes_call(before):
                report(
                    "R010",
                    f"{where(t, t.role_path)}: tool result without a preceding tool call",
                    t.role_path,
                )
            else:
                _check_call_id(t, turns[:i], report)
            continue
        if i:
            if role == "system":
                t = turns[i]
                report(
                    "R008",
                    f"{where(t, t.role_path)}: system message is not the first turn",
                    t.role_path,
                )
            elif role == roles[i - 1]:
                t = turns[i]
                message = (
                    f"{where(t, t.role_path)}: two {role} turns in a row "
                    f"({format_path(turns[i - 1].path)} and {format_path(t.path)})"
                )
                if role == "assistant" and isinstance(t.message, dict) and tool_calls(t.message):
                    # Text, then the calls as their own message: the OpenAI layout, which
                    # ChatML, Llama 3, Mistral and mistral-common accept; Gemma's raises.
                    if _gemma(ctx):
                        ctx.report(
                            "R009",
                            f"{message}: Gemma's template raises on an assistant message "
                            "followed by its tool calls; merge the calls into the text turn",
                            t.role_path,
                            severity=Severity.WARNING,
                        )
                else:
                    report("R009", message, t.role_path)
        before = turns[i]


def _gemma(ctx: RowContext) -> bool:
    """Whether the configured template or tokenizer is Gemma's (alternation enforced)."""
    mask = ctx.reporter.settings.mask
    return any("gemma" in (name or "").lower() for name in (mask.chat_template, mask.tokenizer))


# How _check_order reports: (code, message, path, part), each (code, path) once.
Report = Callable[[str, str, JsonPath, str], None]


def _check_duplicate_ids(turns: list[Turn], report: Report) -> None:
    """R016: a call id used by an earlier call of the conversation."""
    first: dict[str, str] = {}  # id -> where it was first used
    for t in turns:
        if t.role != "assistant":
            continue
        for k, call in enumerate(tool_calls(t.message)):
            cid = call.get("id") if isinstance(call, dict) else None
            if not isinstance(cid, str):
                continue
            path = (*t.path, "tool_calls", k, "id")
            if cid in first:
                report(
                    "R016",
                    f"{where(t, path)}: tool call id {orjson.dumps(cid).decode()} is already "
                    f"the id of {first[cid]}",
                    path,
                    "value",
                )
            else:
                first[cid] = format_path(path[:-1])


def _check_unanswered(turns: list[Turn], report: Report) -> None:
    """R017: a call id no tool result answers before the next user turn (or the end)."""
    last = len(turns) - 1
    ids = {  # string ids only: a list or object id is R014's, and cannot be a set member
        call["id"]
        for t in turns
        if t.role == "assistant"
        for call in tool_calls(t.message)
        if isinstance(call, dict) and isinstance(call.get("id"), str)
    }
    for k, t in enumerate(turns[:last]):  # calls in the last turn: the row trains them
        calls = tool_calls(t.message) if t.role == "assistant" else []
        if not calls:
            continue
        answered: set[str] = set()
        end: Turn | None = None  # the next user turn
        by_position = False
        for u in turns[k + 1 :]:
            if u.role == "user":
                end = u
                break
            if u.role == "tool":
                cid = u.message.get("tool_call_id") if isinstance(u.message, dict) else None
                if not isinstance(cid, str) or cid not in ids:
                    # Paired by position, or a mistyped id (R011): which is whose unknown
                    by_position = True
                    break
                answered.add(cid)
        if not by_position:
            _report_unanswered(t, calls, answered, end, report)


def _report_unanswered(
    t: Turn, calls: list[Any], answered: set[str], end: Turn | None, report: Report
) -> None:
    until = f"the next user turn (turn {end.index + 1})" if end else "the conversation ends"
    for j, call in enumerate(calls):
        cid = call.get("id") if isinstance(call, dict) else None
        if isinstance(cid, str) and cid not in answered:
            path = (*t.path, "tool_calls", j, "id")
            shown = orjson.dumps(cid).decode()
            report(
                "R017",
                f"{where(t, path)}: tool call {shown} is never answered: no tool message "
                f"with tool_call_id {shown} before {until}",
                path,
                "value",
            )


def _check_call_id(turn: Turn, earlier: list[Turn], report: Report) -> None:
    m = turn.message
    cid = m.get("tool_call_id")
    if not isinstance(cid, str):
        return
    call_ids = [
        call["id"]
        for t in earlier
        if t.role == "assistant"
        for call in tool_calls(t.message)
        if isinstance(call, dict) and isinstance(call.get("id"), str)
    ]
    if cid in call_ids:
        return
    path = (*turn.path, "tool_call_id")
    known = (
        "ids: " + ", ".join(orjson.dumps(c).decode() for c in call_ids)
        if call_ids
        else 'the earlier calls have no "id"'
    )
    report(
        "R011",
        f"{where(turn, path)}: tool_call_id {orjson.dumps(cid).decode()} matches no "
        f"earlier tool call ({known})",
        path,
        "value",
    )


def _check_history(ctx: RowContext) -> None:
    key = ctx.fields.column("history", "history")
    history = ctx.value.get(key)
    if history is None:
        return
    if not isinstance(history, list):
        ctx.report(
            "R013",
            f"{key}: history is a JSON {json_type(history)}, "
            "not a list of [prompt, response] pairs",
            (key,),
        )
        return
    for i, pair in enumerate(history):
        if not (isinstance(pair, list) and len(pair) == 2):
            shape = (
                f"an array of {len(pair)}"
                if isinstance(pair, list)
                else f"a JSON {json_type(pair)}"
            )
            ctx.report(
                "R013",
                f"{key}[{i}]: history entry is {shape}, not a [prompt, response] pair",
                (key, i),
            )


@row_check
def check_roles(ctx: RowContext) -> None:
    if ctx.format == formats.ALPACA:
        _check_history(ctx)
        return
    _, convs = row_conversations(ctx)
    if not convs:
        return
    checked: set[int] = set()
    seen: set[tuple[str, tuple]] = set()
    for conv in convs:
        roles = [t.role for t in conv.turns]
        for turn in conv.turns:
            if (
                turn.role is not None
                and turn.content_key is not None
                and "tool_calls" not in turn.message
            ):
                continue  # the common case: nothing R001-R004 or R014 could report
            if id(turn) not in checked:  # a shared prompt belongs to both sides
                checked.add(id(turn))
                _check_message(ctx, turn, conv.style)
        if None not in roles:
            _check_order(ctx, conv, roles, seen)
