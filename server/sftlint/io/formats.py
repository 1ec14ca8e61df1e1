"""Row formats: detect each row's layout and read its conversation as turns.

The `Turn` list is the row model that rules and the masking engine share: every turn
knows its canonical role (system / user / assistant / tool), its content and the JSON
path of each, so findings land on the exact key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MESSAGES = "messages"
SHAREGPT = "sharegpt"
ALPACA = "alpaca"
PROMPT_COMPLETION = "prompt-completion"
PREFERENCE = "preference"
UNPAIRED_PREFERENCE = "unpaired-preference"
# OpenAI / Azure OpenAI preference fine-tuning: input.messages, preferred_output,
# non_preferred_output (each a list of one assistant message).
OPENAI_PREFERENCE = "openai-preference"
OPENAI_SIDES = ("preferred_output", "non_preferred_output")
PRETOKENIZED = "pretokenized"
TEXT = "text"
UNKNOWN = "unknown"

FORMATS = (
    MESSAGES,
    SHAREGPT,
    ALPACA,
    PROMPT_COMPLETION,
    PREFERENCE,
    UNPAIRED_PREFERENCE,
    OPENAI_PREFERENCE,
    PRETOKENIZED,
    TEXT,
)
CHAT_FORMATS = (MESSAGES, SHAREGPT)

# Canonical roles and the names trainers accept for them.
CANONICAL_ROLES = ("system", "user", "assistant", "tool")
MESSAGES_ROLES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
}
SHAREGPT_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "function_call": "assistant",
    "observation": "tool",
    "tool": "tool",
}
# Names people use that no trainer maps by default: suggested, never accepted silently.
ROLE_SUGGESTIONS = {
    "bot": "assistant",
    "model": "assistant",
    "ai": "assistant",
    "chatgpt": "assistant",
    "gpt": "assistant",
    "answer": "assistant",
    "response": "assistant",
    "human": "user",
    "question": "user",
    "prompter": "user",
    "usr": "user",
    "sys": "system",
    "function_call": "assistant",
    "observation": "tool",
    "function_response": "tool",
}


@dataclass(slots=True)
class Fields:
    """Field and role names, from the defaults plus the user's mappings."""

    messages: tuple[str, ...] = ("messages", "conversations")
    role: tuple[str, ...] = ("role", "from")
    content: tuple[str, ...] = ("content", "value")
    extra_roles: dict[str, str] = field(default_factory=dict)  # raw name -> canonical
    forced_format: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # LLaMA-Factory `columns`
    tags: dict[str, str] = field(default_factory=dict)  # LLaMA-Factory `tags`, as written

    def column(self, name: str, default: str) -> str:
        return self.columns.get(name, default)


@dataclass(slots=True)
class Turn:
    index: int
    path: tuple[str | int, ...]  # path of the message object (or of the Alpaca field)
    role: str | None  # canonical role; None when missing or unknown
    raw_role: Any
    role_key: str | None  # key holding the role (None: implied by the layout)
    content: Any
    content_key: str | None
    message: Any  # the message object itself (dict for chat formats)

    @property
    def role_path(self) -> tuple[str | int, ...]:
        return (*self.path, self.role_key) if self.role_key else self.path

    @property
    def content_path(self) -> tuple[str | int, ...]:
        return (*self.path, self.content_key) if self.content_key else self.path


def detect(value: dict[str, Any], fields: Fields) -> str:
    """The format of one row (object), by the keys it has."""
    if fields.forced_format:
        return fields.forced_format
    if "input_ids" in value:
        return PRETOKENIZED
    if "preferred_output" in value or "non_preferred_output" in value:
        return OPENAI_PREFERENCE
    if ("chosen" in value and "rejected" in value) or (
        "chosen_messages" in value and "rejected_messages" in value  # LLaMA-Factory v1
    ):
        return PREFERENCE
    if isinstance(value.get("label"), bool) and (
        "completion" in value or any(k in value for k in fields.messages)
    ):
        return UNPAIRED_PREFERENCE
    key = messages_key(value, fields)
    if key is not None:
        return SHAREGPT if _sharegpt_style(value[key]) else MESSAGES
    if "instruction" in value and "output" in value:
        return ALPACA
    if fields.columns.get("prompt") in value and fields.columns.get("response") in value:
        return ALPACA
    if "prompt" in value and "completion" in value:
        return PROMPT_COMPLETION
    if "text" in value:
        return TEXT
    return UNKNOWN


def openai_input(value: dict[str, Any]) -> list[Any] | None:
    """The `input.messages` list of an OpenAI preference row (None when it has none)."""
    inp = value.get("input")
    messages = inp.get("messages") if isinstance(inp, dict) else None
    return messages if isinstance(messages, list) else None


def messages_key(value: dict[str, Any], fields: Fields) -> str | None:
    for key in fields.messages:
        if isinstance(value.get(key), list):
            return key
    return None


def _sharegpt_style(messages: list[Any]) -> bool:
    for m in messages:
        if isinstance(m, dict):
            if "from" in m or "value" in m:
                return True
            if "role" in m or "content" in m:
                return False
    return False


def canonical_role(raw: Any, fmt: str, fields: Fields) -> str | None:
    if not isinstance(raw, str):
        return None
    if raw in fields.extra_roles:
        return fields.extra_roles[raw]
    table = SHAREGPT_ROLES if fmt == SHAREGPT else MESSAGES_ROLES
    return table.get(raw)


def chat_turns(
    messages: list[Any], base: tuple[str | int, ...], fmt: str, fields: Fields
) -> list[Turn]:
    """Turns of a list of message objects at `base` (e.g. ("messages",))."""
    turns: list[Turn] = []
    # Hot path (every row): plain loops and a local role table, no generators.
    table = {**(SHAREGPT_ROLES if fmt == SHAREGPT else MESSAGES_ROLES), **fields.extra_roles}
    role_keys, content_keys = fields.role, fields.content
    for i, m in enumerate(messages):
        path = (*base, i)
        if type(m) is not dict:
            turns.append(Turn(i, path, None, None, None, m, None, m))
            continue
        role_key = content_key = None
        for k in role_keys:
            if k in m:
                role_key = k
                break
        for k in content_keys:
            if k in m:
                content_key = k
                break
        raw_role = m[role_key] if role_key else None
        turns.append(
            Turn(
                i,
                path,
                table.get(raw_role) if type(raw_role) is str else None,
                raw_role,
                role_key,
                m[content_key] if content_key else None,
                content_key,
                m,
            )
        )
    return turns


def turns(value: dict[str, Any], fmt: str, fields: Fields) -> list[Turn]:
    """The conversation a row holds, as turns (empty for formats without one)."""
    if fmt in CHAT_FORMATS or fmt == UNPAIRED_PREFERENCE:
        key = messages_key(value, fields)
        if key is None:
            return []
        return chat_turns(
            value[key],
            (key,),
            fmt
            if fmt != UNPAIRED_PREFERENCE
            else (SHAREGPT if _sharegpt_style(value[key]) else MESSAGES),
            fields,
        )
    if fmt == ALPACA:
        return alpaca_turns(value, fields)
    return []


def alpaca_turns(value: dict[str, Any], fields: Fields) -> list[Turn]:
    """Alpaca rows as LLaMA-Factory renders them: system, history pairs, then the query."""
    out: list[Turn] = []
    system_key = fields.column("system", "system")
    if system_key in value:
        out.append(
            Turn(len(out), (system_key,), "system", "system", None, value[system_key], None, value)
        )
    history_key = fields.column("history", "history")
    history = value.get(history_key)
    if isinstance(history, list):
        for i, pair in enumerate(history):
            if isinstance(pair, list) and len(pair) == 2:
                out.append(
                    Turn(len(out), (history_key, i, 0), "user", "user", None, pair[0], None, pair)
                )
                out.append(
                    Turn(
                        len(out),
                        (history_key, i, 1),
                        "assistant",
                        "assistant",
                        None,
                        pair[1],
                        None,
                        pair,
                    )
                )
    prompt_key = fields.column("prompt", "instruction")
    query_key = fields.column("query", "input")
    prompt = value.get(prompt_key)
    query = value.get(query_key)
    if isinstance(prompt, str) and isinstance(query, str) and query:
        prompt = f"{prompt}\n{query}"
    out.append(Turn(len(out), (prompt_key,), "user", "user", None, prompt, None, value))
    response_key = fields.column("response", "output")
    out.append(
        Turn(
            len(out),
            (response_key,),
            "assistant",
            "assistant",
            None,
            value.get(response_key),
            None,
            value,
        )
    )
    return out


def content_text(content: Any) -> str | None:
    """The text of a content value: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, dict):
                for key in ("text", "value", "content"):
                    if isinstance(part.get(key), str):
                        texts.append(part[key])
                        break
            elif isinstance(part, str):
                texts.append(part)
        return "".join(texts)
    return None
