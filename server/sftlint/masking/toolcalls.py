"""Tool-call findings: rows a trainer or encoder rejects for their tool call ids (L014),
and tool results that answer no call (L015).

Which findings apply is decided per tokenizer by `tool_call_checks` (mistral-common's id
rule only where it encodes the row: the Mistral built-ins), so a trainer profile can
widen or narrow the set in one place.
"""

from __future__ import annotations

import re
from typing import Any

from .findings import ERROR, WARNING, MaskIssue, turn_name
from .tokenizers import TokenizerHandle

# mistral-common's validator (protocol/instruct/validator.py, _TOOL_CALL_ID_REGEX).
_MISTRAL_ID = re.compile(r"^[a-zA-Z0-9]{9}$")
_REJECTS = "mistral-common rejects the row"


def tool_call_checks(handle: TokenizerHandle) -> frozenset[str]:
    """The tool-call codes that apply to rows encoded with `handle`."""
    return frozenset({"L014", "L015"} if handle.mistral_file else {"L015"})


def tool_call_issues(messages: list[dict], checks: frozenset[str]) -> list[MaskIssue]:
    """L014 / L015 for one row's messages (one finding per turn at fault)."""
    if not checks:
        return []
    issues: list[MaskIssue] = []
    called: set[Any] = set()
    last = len(messages) - 1
    for i, m in enumerate(messages):
        role = m.get("role")
        name = turn_name(i, role)
        calls = m.get("tool_calls") if role == "assistant" else None
        if isinstance(calls, list) and calls:
            ids = [c.get("id") for c in calls if isinstance(c, dict)]
            called.update(x for x in ids if isinstance(x, str))
            if "L014" in checks:
                bad = _bad_call_id(ids, is_last=i == last)
                if bad:
                    issues.append(MaskIssue("L014", ERROR, f"{name}: {bad}: {_REJECTS}", i))
        elif role == "tool":
            ref = m.get("tool_call_id")
            if "L014" in checks and (not isinstance(ref, str) or not _MISTRAL_ID.match(ref)):
                what = (
                    "has no tool_call_id"
                    if ref is None
                    else f"tool_call_id {ref!r} is not 9 letters and digits"
                )
                issues.append(MaskIssue("L014", ERROR, f"{name}: {what}: {_REJECTS}", i))
            elif "L015" in checks and isinstance(ref, str) and ref not in called:
                issues.append(
                    MaskIssue(
                        "L015",
                        WARNING,
                        f"{name}: tool_call_id {ref!r} matches no tool call before it",
                        i,
                    )
                )
    return issues


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
