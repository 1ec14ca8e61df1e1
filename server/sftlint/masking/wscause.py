"""Name the whitespace that makes a tokenizer split a boundary differently (L009).

A space or an indentation at the edge of a text merges with the token across the edge
("Answer:" + " 42" is "Answer", ":", " 42", not "Answer", ":", " ", "42"), so the ids
of the whole differ from the ids of the parts. A curator fixes the text, not the
tokenizer: the message says which edge holds what.
"""

from __future__ import annotations

import json


def describe(ws: str) -> str:
    """ "a space", "2 newlines", "whitespace ("\\t ")"."""
    n = len(ws)
    for char, name in ((" ", "space"), ("\n", "newline")):
        if ws == char * n:
            return f"a {name}" if n == 1 else f"{n} {name}s"
    return f"whitespace ({json.dumps(ws)})"


def leading(text: str, what: str) -> str | None:
    """ "every line of the completion is indented with 4 spaces", "the completion starts
    with a space", or None when `text` starts with no whitespace."""
    lead = text[: len(text) - len(text.lstrip())]
    if not lead or text.isspace():
        return None
    lines = [line for line in text.split("\n") if line.strip()]
    indent = min(len(line) - len(line.lstrip(" ")) for line in lines)
    if len(lines) > 1 and indent:
        return f"every line of the {what} is indented with {describe(' ' * indent)}"
    return f"the {what} starts with {describe(lead)}"


def trailing(text: str, what: str) -> str | None:
    """ "the prompt ends with a space", or None."""
    trail = text[len(text.rstrip()) :]
    if not trail or text.isspace():
        return None
    return f"the {what} ends with {describe(trail)}"
