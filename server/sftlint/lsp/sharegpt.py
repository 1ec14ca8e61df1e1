"""Convert ShareGPT rows (`conversations`, `from`/`value`) to OpenAI `messages`, as edits.

Only the keys and role values are rewritten, in place: every other byte of the row (the
contents, their escapes, the spacing) stays as it is.
"""

from __future__ import annotations

import orjson

from sftlint.io import formats, jsonscan
from sftlint.io.reader import Row
from sftlint.model import Edit

# ShareGPT role -> messages role (function_call turns are the assistant's tool calls).
ROLE_MAP = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "system": "system",
    "function_call": "assistant",
    "observation": "tool",
    "tool": "tool",
}


def _json(text: str) -> str:
    return orjson.dumps(text).decode()


def convert_row(row: Row, fields: formats.Fields) -> list[Edit]:
    """Edits that turn one ShareGPT row into a `messages` row (none if not ShareGPT)."""
    if not row.ok or formats.detect(row.value, fields) != formats.SHAREGPT:
        return []
    key = formats.messages_key(row.value, fields)
    root = row.scan.root
    if key is None or root is None:
        return []
    edits: list[Edit] = []
    if key != "messages" and "messages" not in row.value:
        span = jsonscan.locate_key(root, (key,))
        if span:
            edits.append(row.edit(*span, _json("messages")))
    conversation = jsonscan.locate(root, (key,))
    if conversation is None or conversation.kind != "array":
        return edits
    for node in conversation.items or []:
        if node.kind != "object":
            continue
        for member in node.items or []:
            if member.key == "from":
                edits.append(row.edit(member.key_start, member.key_end, _json("role")))
                if member.value.kind == "string":
                    try:
                        raw = orjson.loads(row.rowtext.text[member.value.start : member.value.end])
                    except orjson.JSONDecodeError:
                        continue  # a lone surrogate escape: leave the role alone
                    role = fields.extra_roles.get(raw) or ROLE_MAP.get(raw)
                    if role and role != raw:
                        edits.append(row.edit(member.value.start, member.value.end, _json(role)))
            elif member.key == "value":
                edits.append(row.edit(member.key_start, member.key_end, _json("content")))
    return edits
