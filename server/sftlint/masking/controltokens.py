"""Chat-template control tokens the tokenizer does not know: `<|eot_id|>` from a Llama 3
template read by a Mistral tokenizer is `<` `|` `e` `ot` `_` `id` `|` `>`, so no turn
boundary, end of turn or header is what the model was trained with (L017)."""

from __future__ import annotations

import re

from .findings import ERROR, MaskIssue
from .settings import MaskSettings
from .templates import resolve_template
from .tokenizers import TokenizerHandle

# Control tokens as chat templates write them: `<|eot_id|>`, `<|im_start|>`,
# `<start_of_turn>`. (Mistral's `[INST]` is left out: v1 tokenizes it as plain text by
# design, and mistral-common's canonical check already compares those layouts.)
_CONTROL = re.compile(r"<\|[A-Za-z0-9_.\-]+\|>|<(?:start|end)_of_turn>")


def split_control_tokens(settings: MaskSettings, handle: TokenizerHandle) -> dict[str, list[str]]:
    """The control tokens the template writes that the tokenizer splits, each with its
    pieces, in the order the template first writes them."""
    try:
        template = resolve_template(settings, handle.tokenizer, handle.default_template)
    except (ValueError, OSError):
        return {}  # reported as L012 before any row
    backend = handle.backend
    out: dict[str, list[str]] = {}
    for marker in dict.fromkeys(_CONTROL.findall(template)):
        encoding = backend.encode(marker, add_special_tokens=False)
        if len(encoding.ids) > 1:
            out[marker] = list(encoding.tokens)
    return out


def control_token_issue(settings: MaskSettings, handle: TokenizerHandle) -> MaskIssue | None:
    """One file-level L017 naming the split control tokens and the tokenizer, or None."""
    split = split_control_tokens(settings, handle)
    if not split:
        return None
    first, pieces = next(iter(split.items()))
    template = (
        f"chat template {settings.chat_template}"
        if settings.chat_template
        else ("the chat template")
    )
    return MaskIssue(
        "L017",
        ERROR,
        f"{template} writes control tokens that tokenizer {handle.name} does not have: "
        f"{', '.join(split)} {'is' if len(split) == 1 else 'are each'} split into pieces "
        f"({first} is {' '.join(pieces)}); use a template of the tokenizer's own family",
    )
