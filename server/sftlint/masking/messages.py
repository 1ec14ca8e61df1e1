"""A row's turns as the chat template receives them.

TRL hands `apply_chat_template` the row's messages as they are (an assistant turn that
only calls tools has `tool_calls` and a null or absent `content`; `tool` results carry
`tool_call_id`) and the row's `tools`. The other layouts are brought to that shape the
way their trainers read them: LLaMA-Factory's ShareGPT `function_call` turns hold a JSON
tool call and `observation` turns a tool result, its `tools` column is a JSON string, and
its content parts of type `reasoning` / `tool_call` become `reasoning_content` and
`tool_calls`. A row that cannot be brought to that shape gets the reason (`NotRendered`),
never a silent skip.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from sftlint.io import formats

from .findings import turn_name

_REASONING_PARTS = ("reasoning", "thinking")
_TOOL_CALL_PARTS = ("tool_call", "function_call")


@dataclass(frozen=True, slots=True)
class NotRendered:
    """Why a row cannot be handed to the chat template; `turn` is the turn at fault."""

    reason: str
    turn: int | None = None


def template_messages(turns: list[formats.Turn], fmt: str) -> list[dict[str, Any]] | NotRendered:
    """The row's turns as template messages (OpenAI layout), or why they cannot be."""
    out: list[dict[str, Any]] = []
    for t in turns:
        name = turn_name(t.index)
        if not isinstance(t.message, dict) and fmt != formats.ALPACA:
            return NotRendered(f"{name} is not a message object", t.index)
        if t.role is None:
            return NotRendered(f"{name} has no role the chat template knows", t.index)
        m: dict[str, Any] = {}
        if fmt == formats.MESSAGES and isinstance(t.message, dict):
            m.update(t.message)
        m["role"] = t.role
        content, reasoning, calls = _split_parts(t.content)
        if calls is None:
            return NotRendered(f"{name}: a tool_call part is not a JSON tool call", t.index)
        if fmt == formats.SHAREGPT and t.raw_role == "function_call":
            calls = _parse_calls(content)
            if calls is None:
                # LLaMA-Factory's FunctionFormatter refuses it: "Invalid JSON format".
                return NotRendered(
                    f"{name} (function_call): its value is not a JSON tool call", t.index
                )
            content = None
        if calls:
            m["tool_calls"] = calls
        if content is None:
            if not m.get("tool_calls") and t.content is not None:
                return NotRendered(f"{name}: its content is not text", t.index)
            m["content"] = None if m.get("tool_calls") or t.content is None else ""
            if t.content_key is None and fmt == formats.MESSAGES:
                m.pop("content")  # absent stays absent, as the template would see the row
        else:
            m["content"] = content
        if reasoning:
            m["reasoning_content"] = reasoning
        out.append(m)
    return out


def _split_parts(content: Any) -> tuple[str | None, str | None, list[dict] | None]:
    """(text, reasoning, tool calls) of a content value; tool calls None when one of its
    tool_call parts is not JSON."""
    if not isinstance(content, list):
        return formats.content_text(content), None, []
    reasoning = [p for p in content if isinstance(p, dict) and p.get("type") in _REASONING_PARTS]
    call_parts = [p for p in content if isinstance(p, dict) and p.get("type") in _TOOL_CALL_PARTS]
    if not reasoning and not call_parts:
        return formats.content_text(content), None, []
    rest = [p for p in content if not any(p is q for q in (*reasoning, *call_parts))]
    found: list[dict] = []
    calls: list[dict] | None = found
    for part in call_parts:
        parsed = _parse_calls(formats.content_text([part]))
        if parsed is None:
            calls = None
            break
        found.extend(parsed)
    text = formats.content_text(rest) if rest or not call_parts else None
    return text, formats.content_text(reasoning) if reasoning else None, calls


def _parse_calls(value: Any) -> list[dict] | None:
    """LLaMA-Factory's tool call text (`{"name": ..., "arguments": ...}` or a list of
    them) as OpenAI tool calls; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    items = parsed if isinstance(parsed, list) else [parsed]
    calls = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            return None
        function = {"name": item["name"], "arguments": item.get("arguments", {})}
        calls.append({"type": "function", "function": function})
    return calls


def row_tools(value: Any, fields: formats.Fields) -> list | NotRendered | None:
    """The row's tool definitions as `apply_chat_template(tools=...)` takes them: a list,
    parsed when the column holds a JSON string (LLaMA-Factory); None when there are none."""
    if not isinstance(value, dict):
        return None
    key = fields.column("tools", "tools")
    tools = value.get(key)
    if tools is None or tools == "" or tools == []:
        return None
    if isinstance(tools, str):
        try:
            tools = json.loads(tools)
        except ValueError:
            # LLaMA-Factory's ToolFormatter refuses it: "Invalid JSON format in tool description".
            return NotRendered(f'"{key}" is not valid JSON, so the tools cannot be rendered')
    if isinstance(tools, dict):
        tools = [tools]
    if not isinstance(tools, list) or not all(isinstance(x, dict) for x in tools):
        return NotRendered(f'"{key}" is not a list of tool definitions')
    return tools or None


def mistral_layout(messages: list[dict], tools: list | None) -> tuple[list[dict], list | None]:
    """Messages and tools as mistral-common encodes them (its v3 / Tekken instruct
    tokenizers), for the Mistral built-in templates: tool call arguments and tool results
    that are JSON are parsed and written back with `json.dumps` (so `{"a":1}` becomes
    `{"a": 1}`), a string that is not JSON becomes a JSON string, and each tool definition
    keeps `type` and the function's `name`, `description` and `parameters`, in that order."""
    out = []
    for m in messages:
        calls = m.get("tool_calls")
        if m.get("role") == "tool":
            text = formats.content_text(m.get("content"))
            # An empty result is written as {} (mistral-common's request drops it).
            m = {**m, "content": _json_text(text) if text else "{}"}
        elif isinstance(calls, list) and calls:
            m = {**m, "tool_calls": [_mistral_call(c) for c in calls]}
        out.append(m)
    if tools:
        tools = [_mistral_tool(t) for t in tools]
    return out, tools


def _json_text(value: Any) -> str:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    return json.dumps(value, ensure_ascii=False)


def _mistral_call(call: Any) -> Any:
    if not isinstance(call, dict):
        return call
    function = call.get("function")
    if not isinstance(function, dict):
        function = call
    out = {
        "type": "function",
        "function": {
            "name": function.get("name"),
            "arguments": _json_text(function.get("arguments", {})),
        },
    }
    if call.get("id") and call.get("id") != "null":  # mistral-common's "no id"
        out["id"] = call["id"]
    return out


def _mistral_tool(tool: Any) -> Any:
    if not isinstance(tool, dict):
        return tool
    function = tool.get("function")
    if not isinstance(function, dict):
        function = tool
    return {
        "type": "function",
        "function": {
            "name": function.get("name"),
            "description": function.get("description") or "",
            "parameters": function.get("parameters") or {},
        },
    }
