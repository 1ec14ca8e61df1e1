"""Finding each message in the rendered text: content span, end-of-turn token, turn region.

Trainers without `{% generation %}` blocks (Axolotl's chat_template) find turns by
searching the rendered text; this module does the same once per row, so the mask, the
per-token turn index and the "template changed the text" findings share one search.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_THINK = re.compile(r"<think>.*?</think>\s*", re.S)
_WS = " \t\r\n"


def template_text(content: Any) -> str:
    """The text a chat template reads from a content value: a string, or its `text` parts
    (`formats.content_text` also takes ShareGPT `value` parts, for the structural checks)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                out.append(str(part.get("text") or ""))
            elif isinstance(part, str):
                out.append(part)
        return "".join(out)
    return str(content)


@dataclass(slots=True)
class Located:
    index: int
    role: str
    start: int = -1  # content span in the rendered text; -1 when not found
    end: int = -1
    kind: str = "missing"  # exact | trimmed | think | empty | missing
    eot: tuple[int, int] | None = None  # the end-of-turn token's characters
    region: tuple[int, int] | None = None  # header + content + end of turn (+ newline)
    host: int | None = None  # a system message folded into this turn's region
    reasoning_dropped: bool = False  # its `reasoning_content` / `thinking` is not rendered

    @property
    def found(self) -> bool:
        return self.start >= 0


def _tool_call_pieces(message: dict) -> list[str]:
    pieces = []
    for tc in message.get("tool_calls") or []:
        if not isinstance(tc, dict):
            continue
        f = tc.get("function")
        if not isinstance(f, dict):
            f = tc
        name = f.get("name")
        if isinstance(name, str) and name:
            pieces.append(name)
        args = f.get("arguments")
        if isinstance(args, str) and args:
            pieces.append(args)
    return pieces


def _find(text: str, message: dict, lo: int, hi: int) -> tuple[int, int, str]:
    c = template_text(message.get("content"))
    if not c:
        pieces = _tool_call_pieces(message)
        if pieces:
            s = text.find(pieces[0], lo, hi)
            if s < 0:
                return -1, -1, "missing"
            e, cur = s + len(pieces[0]), s + len(pieces[0])
            for p in pieces[1:]:
                q = text.find(p, cur, hi)
                if q >= 0:
                    e = cur = q + len(p)
            return s, e, "exact"
        return lo, lo, "empty"
    candidates = [(c, "exact")]
    if c.strip(_WS) != c:
        candidates.append((c.strip(_WS), "trimmed"))
    if "<think>" in c:
        dropped = _THINK.sub("", c)
        candidates.append((dropped, "think"))
        candidates.append((dropped.strip(_WS), "think"))
    for cand, kind in candidates:
        if not cand:
            continue
        s = text.find(cand, lo, hi)
        if s >= 0:
            return s, s + len(cand), kind
    return -1, -1, "missing"


def locate_messages(
    text: str,
    messages: Sequence[dict],
    eot_strings: Sequence[str],
    boundary_strings: Sequence[str],
    anchors: dict[int, tuple[int, int]] | None = None,
    known: dict[int, tuple[int, int]] | None = None,
) -> list[Located]:
    """Locate every message. `anchors` maps a message to a span known to hold it (a
    `{% generation %}` block), which makes the search exact for those turns; `known` maps
    a message to its exact content span (tool calls, found by rendering)."""
    n = len(text)
    locs = [Located(i, str(m.get("role", ""))) for i, m in enumerate(messages)]
    cursor = 0
    # Non-system messages in order first: system prompts may be merged into a later turn.
    for loc, m in zip(locs, messages, strict=False):
        if loc.role == "system":
            continue
        if known and loc.index in known:
            loc.start, loc.end = known[loc.index]
            loc.kind = "exact"
            cursor = loc.end
            continue
        lo, hi = anchors[loc.index] if anchors and loc.index in anchors else (cursor, n)
        s, e, kind = _find(text, m, max(lo, 0), hi)
        if s < 0 and anchors and loc.index in anchors:
            s, e, kind = _find(text, m, cursor, n)
        if s >= 0:
            loc.start, loc.end, loc.kind = s, e, kind
            reasoning = m.get("reasoning_content") or m.get("thinking")  # gpt-oss: thinking
            if isinstance(reasoning, str) and reasoning.strip(_WS):
                # Rendered before the content (Qwen 3: "<think>\n…\n</think>\n\n"): the
                # turn starts at its <think> tag; dropped from earlier turns by some templates.
                r = text.rfind(reasoning.strip(_WS), cursor, s)
                if r >= 0:
                    tag = text.rfind("<think>", cursor, r)
                    loc.start = tag if tag >= 0 else r
                else:
                    loc.reasoning_dropped = True
            cursor = e
    for loc, m in zip(locs, messages, strict=False):
        if loc.role != "system":
            continue
        s, e, kind = _find(text, m, 0, n)
        if kind == "empty":
            s, e, kind = -1, -1, "missing"  # an empty system prompt renders nothing
        loc.start, loc.end, loc.kind = s, e, kind
    order = sorted((loc for loc in locs if loc.found), key=lambda x: (x.start, x.index))
    # End of turn: the first end-of-turn string after the content, before the next content.
    for k, loc in enumerate(order):
        nxt = order[k + 1].start if k + 1 < len(order) else n
        best = None
        for eot in eot_strings:
            p = text.find(eot, loc.end, nxt if nxt > loc.end else n)
            if p >= 0 and (best is None or p < best[0]):
                best = (p, p + len(eot))
        loc.eot = best
    # Regions: from after the previous end of turn to this turn's end of turn.
    prev_end = 0
    for k, loc in enumerate(order):
        if loc.eot is None and k + 1 < len(order) and loc.role == "system":
            # No end of turn before the next content: folded into the next turn.
            loc.host = order[k + 1].index
            loc.region = (loc.start, loc.end)
            continue
        lo = prev_end
        start = lo
        for b in boundary_strings:
            p = text.rfind(b, lo, loc.start)
            if p >= 0:
                start = max(start, p + len(b))
        while start < loc.start and text[start] in "\r\n":
            start += 1  # the newline after the previous turn's end stays with that turn
        if loc.start < prev_end:  # inside another turn (a system prompt merged later)
            host = next(
                (o for o in order if o.region and o.region[0] <= loc.start < o.region[1]), None
            )
            loc.host = host.index if host else None
            loc.region = (loc.start, loc.end)
            continue
        end = loc.eot[1] if loc.eot else loc.end
        while end < n and text[end] in "\r\n":
            end += 1
        loc.region = (min(start, loc.start), end)
        prev_end = end
    # A system prompt folded into a later turn that was located after it.
    for loc in order:
        if loc.role == "system" and loc.host is None and loc.region is not None:
            for o in order:
                if (
                    o is not loc
                    and o.region
                    and o.region[0] <= loc.start
                    and loc.end <= o.region[1]
                ):
                    loc.host = o.index
    return locs


def header_text(text: str, loc: Located, locs: Sequence[Located]) -> str:
    """The template text that opens a turn (for marker fixes): region start -> content."""
    if loc.region is None or not loc.found:
        return ""
    start = loc.region[0]
    end = loc.start
    for other in locs:  # a folded system prompt is not part of the header
        if other.host == loc.index and other.found and start <= other.start < end:
            end = other.start
    return text[start:end]
