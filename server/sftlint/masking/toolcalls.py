"""Tool-call findings: rows an encoder rejects for their tool call ids (L014), and rows
mistral-finetune refuses when mistral-common's validator raises on them (L016).

Which findings apply is decided per tokenizer and profile by `tool_call_checks`
(mistral-common's id rule only where it encodes the row: the Mistral built-ins; its whole
validator under the mistral-finetune profile), so a profile can widen or narrow the set in
one place. A tool result whose id matches no call is a structural finding (R011), whatever
the tokenizer.
"""

from __future__ import annotations

import re
from typing import Any

from .findings import ERROR, WARNING, MaskIssue, turn_name
from .profiles import Profile
from .tokenizers import TokenizerHandle

# mistral-common's validator (protocol/instruct/validator.py, _TOOL_CALL_ID_REGEX).
_MISTRAL_ID = re.compile(r"^[a-zA-Z0-9]{9}$")
_REJECTS = "mistral-common rejects the row"


def tool_call_checks(handle: TokenizerHandle, prof: Profile) -> frozenset[str]:
    """The tool-call codes that apply to rows encoded with `handle` under `prof`."""
    if not handle.mistral_file:
        return frozenset()
    return frozenset({"L014", "L016"} if prof.trainer == "mistral-finetune" else {"L014"})


def tool_call_issues(
    messages: list[dict], checks: frozenset[str], tools: list | None = None
) -> list[MaskIssue]:
    """L014 and L016 for one row's messages and tools."""
    out = _id_issues(messages) if "L014" in checks else []
    if "L016" in checks and not out:  # a bad id is what the validator raises first
        out.extend(_validator_issues(messages, tools))
    return out


def _id_issues(messages: list[dict]) -> list[MaskIssue]:
    """L014: one finding, at the first turn at fault, counting the others (ids are
    usually missing or foreign all through a row)."""
    bad: list[tuple[int, str, str]] = []
    last = len(messages) - 1
    for i, m in enumerate(messages):
        role = m.get("role")
        calls = m.get("tool_calls") if role == "assistant" else None
        why = None
        if isinstance(calls, list) and calls:
            why = _bad_call_id([c.get("id") for c in calls if isinstance(c, dict)], i == last)
        elif role == "tool":
            ref = m.get("tool_call_id")
            if ref is None:
                why = "has no tool_call_id"
            elif not isinstance(ref, str) or not _MISTRAL_ID.match(ref):
                why = f"tool_call_id {ref!r} is not 9 letters and digits"
        if why:
            bad.append((i, str(role), why))
    if not bad:
        return []
    i, role, why = bad[0]
    more = f" (and {len(bad) - 1} more turns)" if len(bad) > 2 else ""
    more = " (and 1 more turn)" if len(bad) == 2 else more
    return [MaskIssue("L014", ERROR, f"{turn_name(i, role)}: {why}{more}: {_REJECTS}", i)]


def _bad_call_id(ids: list[Any], is_last: bool) -> str | None:
    """Why mistral-common refuses these call ids; a call without one (its "null") is
    accepted only in the row's last message."""
    for x in ids:
        if x is None or x == "null":
            if not is_last:
                return "a tool call has no id (allowed only in the last message)"
        elif not isinstance(x, str) or not _MISTRAL_ID.match(x):
            return f"tool call id {x!r} is not 9 letters and digits"
    return None


_REASONING = ("reasoning_content", "thinking", "reasoning")
# Raised for the row's `tools` (placed at that key), not for its messages.
_TOOL_ERRORS = ("InvalidToolSchemaException", "InvalidToolException")


def _validator_issues(messages: list[dict], tools: list | None) -> list[MaskIssue]:
    """L016: mistral-finetune's build_instruct_sample (finetune/data/tokenize.py) runs
    mistral-common's MistralRequestValidatorV3 in finetuning mode over every row's
    messages and tools and raises on the row. It reads no reasoning field, so neither
    does the request validated here (mistral-common would make it a thinking chunk)."""
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.protocol.instruct.validator import (
        MistralRequestValidatorV3,
        ValidationMode,
    )
    from pydantic import ValidationError

    on_tools = False
    try:
        plain = [{k: v for k, v in m.items() if k not in _REASONING} for m in messages]
        request = ChatCompletionRequest.from_openai(plain, tools=tools)
        validator = MistralRequestValidatorV3(ValidationMode.finetuning)  # type: ignore[arg-type]
        validator.validate_messages(request.messages)
        validator._validate_tools(request.tools or [])  # as mistral-finetune calls it
        return []
    except ValidationError as exc:  # pydantic: a message or tool of the wrong shape
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        error = f"{exc.title}{'.' + where if where else ''}: {first['msg']}{more}"
        on_tools = exc.title in ("Tool", "Function")
    except Exception as exc:  # mistral-common's own exceptions carry its message
        error = f"{type(exc).__name__}: {exc}"
        on_tools = type(exc).__name__ in _TOOL_ERRORS
    why = f"mistral-finetune refuses this row: mistral-common raises {error}"
    return [MaskIssue("L016", WARNING, why, len(messages) if on_tools else None)]
