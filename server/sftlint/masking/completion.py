"""Prompt/completion, text and pre-tokenized rows: tokens, labels and findings."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace

from .canonical import boundary_cause
from .context import context, remember, row_key
from .findings import ERROR, INFO, WARNING, MaskIssue
from .locate import template_text
from .profiles import prompt_completion_refusal
from .render import render_chat
from .results import MaskResult
from .settings import MaskSettings
from .spans import Spans
from .steps import (
    apply_markers,
    double_bos,
    fmt_tokens,
    note_refused,
    template_raised,
    truncate,
    unavailable,
    unsloth_add_special,
    zero,
)
from .tokenizers import TokenizerHandle


def analyze_prompt_completion(
    prompt: str | list[dict],
    completion: str | list[dict],
    handle: TokenizerHandle,
    settings: MaskSettings,
    preference: bool = False,
) -> MaskResult:
    """TRL's prompt/completion rows: the prompt is masked unless strategy is full.

    `preference`: one branch of a chosen/rejected pair, which a preference trainer trains
    whole (TRL's DPOTrainer: the full ids past the prompt's), generation blocks or not.
    """
    roles = ["prompt", "completion"]
    if not handle.ok:
        return unavailable(handle.error or "tokenizer unavailable")
    ctx = context(handle, settings)
    key = row_key(("pc", prompt, completion, preference))
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    tok = handle.tokenizer
    backend = handle.backend
    issues: list[MaskIssue] = []
    if isinstance(prompt, list) and isinstance(completion, list):
        if ctx.template_error:
            return unavailable(ctx.template_error)
        try:
            p_text, _ = render_chat(ctx, prompt, add_generation_prompt=True)
            full_text, gen = render_chat(ctx, prompt + completion)
        except Exception as exc:
            return template_raised(exc, prompt + completion)
        add_special = False
    else:
        p_text = template_text(prompt)
        c_text = template_text(completion)
        eos = tok.eos_token if isinstance(tok.eos_token, str) else ""
        if eos and not c_text.endswith(eos):  # TRL appends the EOS to the completion
            c_text += eos
        full_text = p_text + c_text
        add_special = True
        gen = None
    p_ids = backend.encode(p_text, add_special_tokens=add_special).ids
    enc = backend.encode(full_text, add_special_tokens=add_special)
    ids = enc.ids
    n = len(ids)
    np_ = len(p_ids)
    if ids[:np_] != p_ids:
        k = next(
            (j for j, (x, y) in enumerate(zip(ids, p_ids, strict=False)) if x != y), min(n, np_)
        )
        if settings.profile.completion_start == "prefix":  # TRL 1.x: where they diverge
            np_ = k
        issues.append(
            MaskIssue(
                "L009",
                WARNING,
                f"the prompt tokenizes differently alone than followed by the completion "
                f"(token {k}): the prompt/completion boundary is off"
                + (boundary_cause(p_text, c_text) if isinstance(prompt, str) else ""),
                0,
                detail=(
                    f"prompt alone: {fmt_tokens(ctx, p_ids[max(0, k - 3) : k + 3])}\n"
                    f"in context:   {fmt_tokens(ctx, ids[max(0, k - 3) : k + 3])}"
                ),
            )
        )
    full = settings.strategy == "full" or settings.train_on_prompt
    trained = [True] * n if full else [False] * np_ + [True] * (n - np_)
    trained = trained[:n]
    if gen is not None and settings.strategy == "assistant-only" and not preference:
        # TRL: assistant_only_loss keeps only the generation blocks' tokens as well.
        spans_ = Spans(enc, n)
        in_gen = [False] * n
        for s, e in gen:
            a, b = spans_.tokens(s, e)
            in_gen[a:b] = [True] * (b - a)
        trained = [t and g for t, g in zip(trained, in_gen, strict=True)]
    turn_of: list[int | None] = [0 if i < np_ else 1 for i in range(n)]
    reason = (
        (["full"] * n) if full else (["prompt"] * min(np_, n) + ["completion"] * max(0, n - np_))
    )
    spans = Spans(enc, n)
    for k in range(n):  # an added BOS is template scaffolding
        if spans._chars(k) == (0, 0) and ids[k] == ctx.bos_id:
            turn_of[k] = None
            if not full:
                reason[k] = "template"
    res = MaskResult(
        rendered=full_text,
        ids=ids,
        trained_mask=trained,
        turn_of=turn_of,
        reason_of=reason,
        issues=issues,
        roles=roles,
        _offsets=enc,
        _pieces=ctx.piece,
    )
    truncate(res, settings)
    if full and np_:
        res.issues.append(
            MaskIssue(
                "L011",
                INFO,
                f"{'strategy full' if settings.strategy == 'full' else 'train-on-prompt'} trains "
                f"the {np_} prompt tokens; strategy completion-only trains the completion only",
                0,
            )
        )
    double_bos(ctx, res)
    note_refused(res, prompt_completion_refusal(settings.profile, prompt, completion))
    if not any(res.trained_mask) and not any(i.code == "L005" for i in res.issues):
        res.issues.insert(
            0, MaskIssue("L001", ERROR, "the row trains on zero tokens: the completion is empty", 1)
        )
    remember(ctx, key, res)
    return res


def analyze_text(text: str, handle: TokenizerHandle, settings: MaskSettings) -> MaskResult:
    """A language-modelling `text` row: trained whole, the BOS too, with the EOS the trainer
    appends (TRL's labels copy input_ids: no completion mask applies); its empty prompt
    is no prompt trained (L011). With strategy markers, Unsloth's train_on_responses_only
    over the dataset_text_field."""
    if settings.strategy == "markers":
        return _text_markers(text, handle, settings)
    whole = replace(settings, strategy="full", train_on_prompt=False)
    res = copy.copy(analyze_prompt_completion("", text, handle, whole))
    res.issues = [i for i in res.issues if i.code != "L011"]  # not the cached list
    return res


def _text_markers(text: str, handle: TokenizerHandle, settings: MaskSettings) -> MaskResult:
    """unsloth_zoo's sft_prepare_dataset tokenizes the text (usually a chat rendered to
    text) with special tokens unless it starts with the BOS, and appends no EOS; what
    follows each response-part is trained."""
    if not handle.ok:
        return unavailable(handle.error or "tokenizer unavailable")
    ctx = context(handle, settings)
    key = row_key(("text-markers", text))
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    enc = handle.backend.encode(text, add_special_tokens=unsloth_add_special(ctx, text))
    ids = enc.ids
    n = len(ids)
    res = MaskResult(
        rendered=text,
        ids=ids,
        trained_mask=[False] * n,
        turn_of=[None] * n,
        reason_of=["before response-part"] * n,
        roles=[],
        _offsets=enc,
        _pieces=ctx.piece,
    )
    apply_markers(ctx, res, text, ids, res.trained_mask, res.reason_of, Spans(enc, n))
    truncate(res, settings)
    zero(ctx, res, settings)
    remember(ctx, key, res)
    return res


def analyze_pretokenized(
    input_ids: Sequence[int],
    labels: Sequence[int] | None,
    handle: TokenizerHandle | None = None,
    settings: MaskSettings | None = None,
) -> MaskResult:
    """Rows that carry their own `input_ids`/`labels`: trained where labels are not -100,
    then cut at `settings.max_seq_length` as the trainer cuts them (TRL truncates
    input_ids and labels alike, and drops a row left with no trained label: L005).

    The structural problems of such rows (lengths, missing labels, ids outside the
    vocabulary) are the T rules' findings, located at the exact key; this only builds the
    tokens the preview shows.
    """
    ids = [int(x) for x in input_ids]
    n = len(ids)
    res = MaskResult(ids=ids, roles=[])
    piece = None
    if handle is not None and handle.ok:
        piece = handle.backend.id_to_token
        res._pieces = piece
    lab = [int(x) for x in labels] if labels is not None else []
    res.trained_mask = [x != -100 for x in lab[:n]] + [False] * max(0, n - len(lab))
    res.turn_of = [None] * n
    res.reason_of = ["labels" if t else "label -100" for t in res.trained_mask]
    # Offsets: concatenate the pieces so the preview has something to point at.
    text_parts, offsets, pos = [], [], 0
    for t in ids:
        p = (piece(t) if piece else None) or f"<{t}>"
        text_parts.append(p)
        offsets.append((pos, pos + len(p)))
        pos += len(p)
    res.rendered = "".join(text_parts)
    res._offsets = offsets
    if settings is not None:
        truncate(res, settings)
    return res
