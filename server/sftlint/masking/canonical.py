"""Mistral built-ins and SentencePiece tokenizers: compare a row's ids with mistral-common's
canonical encoding, or with the slow tokenizer's, and say where they first differ (L009)."""

from __future__ import annotations

import json

from . import wscause
from .context import Context
from .findings import WARNING, MaskIssue, turn_name
from .locate import template_text
from .results import MaskResult
from .steps import (
    fmt_tokens,
)

# Whitespace runs whose splitting differs between tokenizers (probed, not scanned: cheap).
_WS_PROBES = ("  ", "\n\n", "\n ", " \n", "\t", "\r", "\xa0", "\u3000")


def row_layout(messages: list[dict]) -> frozenset:
    """What decides how a row's layout tokenizes, as a set of per-message features: role,
    place, tool calls, the content's edges, runs of spaces, brackets, non-ASCII text."""
    out = set()
    last = len(messages) - 1
    for i, m in enumerate(messages):
        c = template_text(m.get("content"))
        out.add(
            (
                m.get("role"),
                0 if i == 0 else 2 if i == last else 1,
                bool(m.get("tool_calls")),
                c[:1].isspace() if c else None,
                c[-1:].isspace() if c else None,
                "  " in c,
                "[" in c or "<" in c,
                c.isascii(),
            )
        )
    return frozenset(out)


def canonical(
    ctx: Context,
    res: MaskResult,
    messages: list[dict],
    tools: list | None,
    layout: frozenset | None,
) -> None:
    verified = ctx.canonical_seen.setdefault("features", set())
    if layout is not None and layout <= verified:
        return  # every feature of this row's layout was seen in rows that matched
    try:
        from mistral_common.protocol.instruct.request import ChatCompletionRequest

        mt = ctx.handle.mistral_tokenizer()
        request = ChatCompletionRequest.from_openai(messages, tools=tools)
        canon = mt.encode_chat_completion(request).tokens
    except Exception:  # mistral-common rejects the row: other checks report the shape
        return
    if res.ids == canon:
        if layout is not None:
            verified.update(layout)
        return
    disagree(
        ctx,
        res,
        canon,
        "transformers gives",
        "mistral-common's canonical encoding has",
        messages=messages,
    )


def ws_runs(text: str) -> frozenset:
    """The kinds of whitespace run in the rendered row, where the slow and the fast
    tokenizer may split differently (a double space: "▁▁" + "and" vs "▁" + "▁and")."""
    return frozenset([probe for probe in _WS_PROBES if probe in text])  # strings: no clash


def slow_fast(ctx: Context, res: MaskResult, layout: frozenset | None) -> None:
    """Compare the fast tokenizer's ids with the slow (SentencePiece) tokenizer's on the
    same rendered text, for rows whose layout (and whitespace) was not yet seen to agree;
    every row when `layout` is None (canonical-check: all)."""
    verified = ctx.canonical_seen.setdefault("slow", set())
    if layout is not None and layout <= verified:
        return
    slow = ctx.handle.slow_tokenizer()
    if slow is None:
        return
    # The fast ids start with an added BOS when the tokenizer added one (markers strategy).
    added = bool(res.ids) and res.ids[0] == ctx.bos_id and res.offsets[0] == (0, 0)
    try:
        theirs = slow.encode(res.rendered, add_special_tokens=added)
    except Exception:  # the slow tokenizer cannot encode this text: nothing to compare
        return
    if res.ids == theirs:
        if layout is not None:
            verified.update(layout)
        return
    disagree(
        ctx,
        res,
        theirs,
        "the fast tokenizer gives",
        "the slow (SentencePiece) tokenizer gives",
        ("fast (tokenizer.json)", "slow (SentencePiece)"),
    )


def boundary_cause(prompt: str, completion: str) -> str:
    """ ": the completion starts with a space", or "" when no edge holds whitespace."""
    causes = [wscause.trailing(prompt, "prompt"), wscause.leading(completion, "completion")]
    named = " and ".join(c for c in causes if c)
    return f": {named}" if named else ""


def _turn_cause(messages: list[dict] | None, turn: int | None) -> str:
    """ " (the turn's content starts with a space)", or "" when it does not."""
    if messages is None or turn is None or turn >= len(messages):
        return ""
    content = messages[turn].get("content")
    cause = wscause.leading(content, "content") if isinstance(content, str) else None
    return f" ({cause})" if cause else ""


def disagree(
    ctx: Context,
    res: MaskResult,
    theirs: list[int],
    ours_says: str,
    theirs_says: str,
    labels: tuple[str, str] = ("transformers", "mistral-common"),
    messages: list[dict] | None = None,
) -> None:
    """L009 at the turn of the first token where `res.ids` and `theirs` differ; with the
    row's `messages`, naming the whitespace that starts the turn's content."""
    ours = res.ids
    k = next(
        (j for j, (x, y) in enumerate(zip(ours, theirs, strict=False)) if x != y),
        min(len(ours), len(theirs)),
    )
    turn = res.turn_of[k] if k < len(res.turn_of) else None
    if turn is None:  # scaffolding: name the turn the difference precedes
        turn = next((t for t in res.turn_of[k:] if t is not None), None)
    got = fmt_tokens(ctx, ours[k : k + 2]) if k < len(ours) else "(end)"
    want = fmt_tokens(ctx, theirs[k : k + 2]) if k < len(theirs) else "(end)"
    role = res.roles[turn] if turn is not None else None
    lo = max(0, k - 4)
    width = max(len(labels[0]), len(labels[1])) + 1
    turn_cause = _turn_cause(messages, turn)
    run = _run_at(res.rendered, res.offsets[k][0]) if k < len(ours) and not turn_cause else None
    named = f"{run[0]} before {run[1]} split differently: " if run else ""
    # The tokens differ from row to row; what the rows share is the whitespace that
    # splits differently, so rows group by it (report/groups.py).
    cause = turn_cause or (run and "a run of whitespace inside the text")
    res.issues.append(
        MaskIssue(
            "L009",
            WARNING,
            f"{turn_name(turn, role)}: {named}{ours_says} {got} at token {k} where "
            f"{theirs_says} {want}{turn_cause}",
            turn,
            detail=(
                f"{(labels[0] + ':').ljust(width)} {fmt_tokens(ctx, ours[lo : k + 6])}\n"
                f"{(labels[1] + ':').ljust(width)} {fmt_tokens(ctx, theirs[lo : k + 6])}"
            ),
            cause=f"{labels[0]} vs {labels[1]}: {cause}" if cause else None,
        )
    )


def _run_at(text: str, at: int) -> tuple[str, str] | None:
    """(the run, the word after it) when the character at `at` is in a run of one
    whitespace character longer than one space ("4 spaces" of an indentation, "2
    newlines"), where tokenizers merge differently; None otherwise."""
    if not 0 <= at < len(text) or not text[at].isspace():
        return None
    char, i, j = text[at], at, at
    while i > 0 and text[i - 1] == char:
        i -= 1
    while j < len(text) and text[j] == char:
        j += 1
    if text[i:j] == " ":
        return None
    word = text[j:].split(None, 1)[0][:20] if j < len(text) else ""
    return wscause.describe(text[i:j]), json.dumps(word, ensure_ascii=False) if word else "the end"
