"""Axolotl's `message_field_training_detail`: character spans of a message's content that
are trained, snapped to token boundaries exactly as axolotl 0.19.0 does
(prompt_strategies/chat_template.py: get_offsets_for_train_detail, adjust_train_details).
"""

from __future__ import annotations

from typing import Any


def detail_problem(content: Any, detail: Any) -> str | None:
    """Why Axolotl cannot apply `detail` to `content` (it raises), or None."""
    if not isinstance(content, str):
        return "train_detail is not supported when content is not a string"
    if not isinstance(detail, list) or not all(
        isinstance(d, dict)
        and isinstance(d.get("begin_offset"), int)
        and isinstance(d.get("end_offset"), int)
        and "train" in d
        for d in detail
    ):
        return "train_detail must be a list of {begin_offset, end_offset, train} objects"
    return None


def trained_tokens(tokenizer: Any, content: str, detail: list[dict]) -> list[bool]:
    """Per token of `content` tokenized alone (no special tokens): trained or not.
    Axolotl lays these over the rendered row from the turn's first token on, without
    re-aligning."""
    enc = tokenizer(content, return_offsets_mapping=True, add_special_tokens=False)
    starts = [s for s, _ in enc["offset_mapping"]]
    if not starts:
        return []
    # Inclusive ends: a token runs up to the character before the next one starts.
    offsets = [(s, e - 1) for s, e in zip(starts, [*starts[1:], len(content)], strict=True)]
    out = [False] * len(offsets)
    for b, e, train in _snapped(detail, offsets):
        for k, (s, t) in enumerate(offsets):
            if s >= b and t <= e and train:  # partial overlaps are never trained
                out[k] = True
    return out


def _snapped(detail: list[dict], offsets: list[tuple[int, int]]) -> list[tuple[int, int, Any]]:
    """Each span widened or narrowed to whole tokens; spans that cover no token dropped."""
    out = []
    n = len(offsets)
    for d in detail:
        begin, end = d["begin_offset"], d["end_offset"]
        first = next((i for i, (s, _) in enumerate(offsets) if s >= begin), n)
        if first > 0 and offsets[first - 1][1] > begin:
            first -= 1  # the token that straddles the start is taken in
        last = next((i for i in range(n - 1, -1, -1) if offsets[i][1] <= end), -1)
        if last < n - 1 and offsets[last + 1][0] < end:
            last += 1  # so is the one that straddles the end
        if first <= last:
            out.append((offsets[first][0], offsets[last][1], d["train"]))
    return out
