"""The conversations of a row and their turns, as the R and C checks walk them.

A chat row holds one conversation; a preference row two (prompt + chosen, prompt +
rejected; OpenAI's input.messages + preferred_output, + non_preferred_output); a
prompt/completion row with message lists one. Turns come from `sftlint.io.formats`;
this module adds who calls tools and how findings name a turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sftlint.io import formats
from sftlint.io.formats import Fields, Turn
from sftlint.io.reader import format_path
from sftlint.rules.checks import RowContext

# Content part types that make a tool call (LLaMA-Factory v1, Anthropic-style parts). A
# tuple, not a set: `in` must not raise when a row's "type" is an (unhashable) list.
CALL_PART_TYPES = ("tool_call", "function_call", "tool_use")


@dataclass(slots=True)
class Conversation:
    """A sequence of turns a trainer renders as one conversation."""

    path: tuple[str | int, ...]  # the key that holds it (conversation-level findings)
    turns: list[Turn]
    style: str  # formats.MESSAGES or formats.SHAREGPT


def _style(messages: list[Any]) -> str:
    return formats.SHAREGPT if formats._sharegpt_style(messages) else formats.MESSAGES


def _list_turns(value: Any, key: str, fields: Fields) -> list[Turn]:
    """Turns of `value[key]`: a list of messages, or one message object (LLaMA-Factory)."""
    item = value.get(key)
    if isinstance(item, list):
        return formats.chat_turns(item, (key,), _style(item), fields)
    if isinstance(item, dict):
        turns = formats.chat_turns([item], (key,), _style([item]), fields)
        turns[0].path = (key,)
        return turns
    return []


def row_conversations(ctx: RowContext) -> tuple[list[Turn], list[Conversation]]:
    """Every message turn of the row (each once) and the conversations they form.

    Chat rows have one conversation. A conversational preference row has two (prompt +
    chosen, prompt + rejected), so do prompt/completion rows with message lists.
    """
    value, fields, fmt = ctx.value, ctx.fields, ctx.format
    if fmt in formats.CHAT_FORMATS or fmt == formats.UNPAIRED_PREFERENCE:
        key = formats.messages_key(value, fields)
        if key is None:
            return [], []
        turns = ctx.turns
        style = fmt if fmt in formats.CHAT_FORMATS else _style(value[key])
        return turns, [Conversation((key,), turns, style)]
    if fmt in (formats.PREFERENCE, formats.OPENAI_PREFERENCE):
        base: list[Turn] = []
        if fmt == formats.OPENAI_PREFERENCE:
            sides: tuple[str, str] = formats.OPENAI_SIDES
            messages = formats.openai_input(value)
            if messages is not None:
                base = formats.chat_turns(messages, ("input", "messages"), _style(messages), fields)
        elif "chosen_messages" in value:
            sides = ("chosen_messages", "rejected_messages")
        else:
            sides = ("chosen", "rejected")
            key = "prompt" if isinstance(value.get("prompt"), list) else None
            key = key or formats.messages_key(value, fields)
            base = _list_turns(value, key, fields) if key else []
        every = list(base)
        convs = []
        for side in sides:
            side_turns = _list_turns(value, side, fields)
            if side_turns:
                every += side_turns
                style = _style([t.message for t in side_turns])
                convs.append(Conversation((side,), base + side_turns, style))
        return every, convs
    if fmt == formats.PROMPT_COMPLETION and isinstance(value.get("completion"), list):
        prompt = _list_turns(value, "prompt", fields)
        completion = _list_turns(value, "completion", fields)
        every = prompt + completion
        return every, [Conversation(("completion",), every, _style(value["completion"]))]
    return [], []


def where(turn: Turn, path: tuple[str | int, ...] | None = None) -> str:
    """`turn 3 (messages[2].role)`: how messages name a turn and a key."""
    return f"turn {turn.index + 1} ({format_path(turn.path if path is None else path)})"


def tool_calls(message: dict[str, Any]) -> list[Any]:
    """The message's OpenAI `tool_calls` list (empty when absent or malformed)."""
    calls = message.get("tool_calls")
    return calls if isinstance(calls, list) else []


def makes_call(turn: Turn) -> bool:
    """Whether an assistant turn calls a tool (OpenAI, ShareGPT, content parts, Hermes)."""
    if turn.raw_role == "function_call":
        return True
    m = turn.message
    if isinstance(m, dict) and (tool_calls(m) or m.get("function_call")):
        return True
    content = turn.content
    if isinstance(content, list):
        return any(isinstance(p, dict) and p.get("type") in CALL_PART_TYPES for p in content)
    return isinstance(content, str) and ("<tool_call>" in content or "<|python_tag|>" in content)
