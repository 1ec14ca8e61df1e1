"""Tool-call findings: rows an encoder rejects for their tool call ids (L014).

Which findings apply is decided per tokenizer by `tool_call_checks` (mistral-common's id
rule only where it encodes the row: the Mistral built-ins), so a trainer profile can widen
or narrow the set in one place. A tool result whose id matches no call is a structural
finding (R011), whatever the tokenizer.
"""

from __future__ import annotations

import re
from typing import Any

from .findings import ERROR, MaskIssue, turn_name
from .tokenizers import TokenizerHandle

# mistral-common's validator (protocol/instruct/validator.py, _TOOL_CALL_ID_REGEX).
_MISTRAL_ID = re.compile(r"^[a-zA-Z0-9]{9}$")
_REJECTS = "mistral-common rejects the row"


def tool_call_checks(handle: TokenizerHandle) -> frozenset[str]:
    """The tool-call codes that apply to rows encoded with `handle`."""
    return frozenset({"L014"} if handle.mistral_file else ())


def tool_call_issues(messages: list[dict], checks: frozenset[str]) -> list[MaskIssue]:
    """L014 for one row's messages: one finding, at the first turn at fault, counting
    the others (ids are usually missing or foreign all through a row)."""
    if "L014" not in checks:
        return []
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
