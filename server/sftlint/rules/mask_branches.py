"""The chosen and rejected branches of a preference row, as the trainers that mask them
read it (DPO trains each branch with its prompt masked); mask_rules reports on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sftlint.io import formats
from sftlint.rules.checks import RowContext

if TYPE_CHECKING:
    from sftlint.rules.mask_rules import MaskState

Path = tuple[str | int, ...]


@dataclass(slots=True)
class Branch:
    """One completion of a preference row: DPO trains on it with the prompt masked."""

    name: str  # "chosen" | "rejected"
    prompt: Any  # a string or a list of messages
    completion: Any
    # [prompt path, completion path] (turns 0 and 1 of a prompt/completion result), or
    # each message's content path when the branch is analysed as a whole conversation.
    paths: list[Path]


def _messages_at(items: Any, base: Path, fields: formats.Fields) -> list[tuple[dict, Path]] | None:
    """Message objects (OpenAI or ShareGPT keys) as template messages with their content
    paths; None when one cannot render (the R/C rules report why)."""
    if isinstance(items, dict):
        found = _messages_at([items], (), fields)
        return [(m, (*base, *path[1:])) for m, path in found] if found else None
    if not isinstance(items, list) or not items:
        return None
    from sftlint.masking.messages import NotRendered, template_messages

    style = any(isinstance(m, dict) and ("from" in m or "value" in m) for m in items)
    fmt = formats.SHAREGPT if style else formats.MESSAGES
    turns = formats.chat_turns(items, base, fmt, fields)
    messages = template_messages(turns, fmt)
    if isinstance(messages, NotRendered):
        return None
    return list(zip(messages, [t.content_path for t in turns], strict=True))


def _split(a: list[tuple[dict, Path]], b: list[tuple[dict, Path]]) -> int:
    """Length of the shared prompt of two full conversations (TRL's implicit prompt): the
    common prefix, leaving each branch at least its last message."""
    n = 0
    limit = min(len(a), len(b)) - 1
    while n < limit and a[n][0] == b[n][0]:
        n += 1
    return n


def preference_branches(value: dict[str, Any], fields: formats.Fields) -> list[Branch]:
    """The chosen and rejected branches of a preference row, in the layouts trainers read:
    TRL `prompt`/`chosen`/`rejected` (strings or messages, the prompt explicit or shared),
    LLaMA-Factory ShareGPT (`conversations` + `chosen`/`rejected` message objects),
    LLaMA-Factory Alpaca (`instruction`/`input` + `chosen`/`rejected` strings) and
    `chosen_messages`/`rejected_messages`."""
    keys = (
        ("chosen_messages", "rejected_messages")
        if "chosen_messages" in value
        else ("chosen", "rejected")
    )
    names = ("chosen", "rejected")
    prompt = value.get("prompt")
    conversation = formats.messages_key(value, fields)
    instruction = value.get(fields.column("prompt", "instruction"))
    out: list[Branch] = []
    if isinstance(prompt, str) and all(isinstance(value.get(k), str) for k in keys):
        pairs = zip(names, keys, strict=True)
        return [Branch(n, prompt, value[k], [("prompt",), (k,)]) for n, k in pairs]
    key = "prompt" if prompt is not None else conversation
    if key is not None:
        found = _messages_at(value[key], (key,), fields)
        if found is None:
            return []
        for n, k in zip(names, keys, strict=True):
            completion = _messages_at(value.get(k), (k,), fields)
            if completion:
                out.append(_joined(n, found, completion))
        return out
    if isinstance(instruction, str) and all(isinstance(value.get(k), str) for k in keys):
        query = value.get(fields.column("query", "input"))
        text = f"{instruction}\n{query}" if isinstance(query, str) and query else instruction
        user = [{"role": "user", "content": text}]
        for n, k in zip(names, keys, strict=True):
            answer = [{"role": "assistant", "content": value[k]}]
            out.append(Branch(n, user, answer, [(fields.column("prompt", "instruction"),), (k,)]))
        return out
    chosen, rejected = (_messages_at(value.get(k), (k,), fields) for k in keys)
    if chosen is None or rejected is None:
        return []
    cut = _split(chosen, rejected)
    for n, found in zip(names, (chosen, rejected), strict=True):
        if not cut:  # nothing shared: each branch is a conversation of its own
            out.append(Branch(n, [], [m for m, _ in found], [path for _, path in found]))
            continue
        out.append(_joined(n, found[:cut], found[cut:]))
    return out


def _joined(
    name: str, prompt: list[tuple[dict, Path]], completion: list[tuple[dict, Path]]
) -> Branch:
    """A branch whose prompt and completion are message lists: their last prompt and
    first completion paths stand for them."""
    return Branch(
        name,
        [m for m, _ in prompt],
        [m for m, _ in completion],
        [prompt[-1][1], completion[0][1]],
    )


def analyze_branches(ctx: RowContext, st: MaskState) -> list[tuple[Branch, Any]]:
    """Mask results of a preference row's chosen and rejected branches."""
    from sftlint import masking

    out = []
    for branch in preference_branches(ctx.value, ctx.fields):
        if isinstance(branch.prompt, list) and not branch.prompt:
            # No shared prompt: the whole conversation is the completion's context.
            result = masking.analyze_conversation(branch.completion, st.handle, st.settings)
        else:
            result = masking.analyze_prompt_completion(
                branch.prompt, branch.completion, st.handle, st.settings, preference=True
            )
        out.append((branch, result))
    return out
