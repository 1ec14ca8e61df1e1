"""The steps chat, text and prompt/completion rows share: the results of rows that are
not tokenized, the markers strategy, truncation, and the double-BOS and zero-token checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .context import Context
from .findings import ERROR, WARNING, MaskIssue, turn_name
from .markers import (
    contains,
    marker_ids,
    responses_only_mask,
    responses_only_mask_boundary,
)
from .results import MaskResult, visible
from .settings import MaskSettings
from .spans import Spans


def unsloth_add_special(ctx: Context, text: str) -> bool:
    """Unsloth tokenizes rendered text with special tokens unless a BOS is already there."""
    if not ctx.bos:
        return True
    return not (text.startswith(ctx.bos) or ctx.bos in (ctx.template or ""))


def unavailable(error: str, messages: Any = None) -> MaskResult:
    roles = [str(m.get("role")) for m in messages] if isinstance(messages, list) else []
    res = MaskResult(roles=[r for r in roles])
    res.issues.append(MaskIssue("L012", ERROR, error, None))
    return res


def not_tokenized(reason: str, turn: int | None, roles: list[str]) -> MaskResult:
    """The result of a row that cannot be handed to the chat template: no tokens, and
    L013 saying why (at `turn`, the turn at fault, or the whole row)."""
    res = MaskResult(roles=roles)
    res.issues.append(MaskIssue("L013", WARNING, f"the row is not tokenized: {reason}", turn))
    return res


def template_raised(exc: Exception, messages: list[dict]) -> MaskResult:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    res = MaskResult(roles=[str(m.get("role")) for m in messages if isinstance(m, dict)])
    res.issues.append(MaskIssue("L003", ERROR, f"the chat template raised: {msg}", None))
    return res


def refused(why: str, roles: list[str], turn: int | None = None) -> MaskResult:
    """The result of a row the profile's trainer refuses before tokenizing it (L016), at
    `turn` (an index past the turns names a key of the row, as the caller's paths say)."""
    res = MaskResult(roles=roles)
    res.issues.append(MaskIssue("L016", WARNING, why, turn))
    return res


def note_refused(res: MaskResult, why: str | None) -> None:
    """L016: the profile's trainer refuses or drops the row."""
    if why:
        res.issues.append(MaskIssue("L016", WARNING, why, None))


def apply_markers(
    ctx: Context,
    res: MaskResult,
    text: str,
    ids: list[int],
    trained: list[bool],
    reason: list[str],
    spans: Spans,
) -> None:
    s = ctx.settings
    if ctx.markers is None:
        res.issues.append(
            MaskIssue(
                "L012",
                ERROR,
                "strategy markers needs both instruction-part and response-part",
                None,
            )
        )
        return
    last_only = s.mask_history  # Unsloth's last_response_only
    if s.profile.span_end == "boundary":
        mask = responses_only_mask_boundary(
            ids, ctx.markers, ctx.bos_id, ctx.eos_id, ctx.opener, last_only
        )
    else:
        mask = responses_only_mask(ids, ctx.markers, last_only)
    for k, t in enumerate(mask):
        if t:
            trained[k] = True
            reason[k] = "after response-part"
    for label, part, must in (
        ("response-part", ctx.marker_parts[1], ctx.markers.a_must),
        ("instruction-part", ctx.marker_parts[0], ctx.markers.q_must),
    ):
        if part in text and not contains(ids, must):
            p = text.find(part)
            a, b = spans.tokens(p, p + len(part))
            turn = res.turn_of[a] if a < len(res.turn_of) else None
            alone = fmt_tokens(ctx, must)
            inside = fmt_tokens(ctx, ids[a:b])
            where = turn_name(turn, res.roles[turn] if turn is not None else None)
            res.issues.append(
                MaskIssue(
                    "L002",
                    ERROR,
                    f"{label} {part!r} occurs in the rendered text of {where} but"
                    " its token sequence does not occur in the row's ids",
                    turn,
                    detail=f"alone: {alone}\nin the row: {inside}",
                )
            )


def fmt_tokens(ctx: Context, ids: Sequence[int]) -> str:
    return " ".join(f"{visible(ctx.piece(t) or '?')}({t})" for t in ids) or "(no tokens)"


def truncate(res: MaskResult, settings: MaskSettings) -> None:
    limit = settings.max_seq_length
    n = len(res.ids)
    if not limit or n <= limit:
        return
    if settings.profile.drops_long_rows:  # Axolotl: excess_length_strategy drop (default)
        why = f"Axolotl drops this row: {n} tokens, more than sequence_len {limit}"
        cause = f"Axolotl drops rows longer than sequence_len {limit}"
        res.issues.append(MaskIssue("L016", WARNING, why, None, cause=cause))
        return
    before = sum(res.trained_mask)
    cut_trained = sum(res.trained_mask[limit:])
    res.truncated_at = limit
    res.trained_mask[limit:] = [False] * (n - limit)
    res.reason_of[limit:] = ["truncated"] * (n - limit)
    turns = sorted({t for t in res.turn_of[limit:] if t is not None})
    where = (
        f"turns {turns[0] + 1}-{turns[-1] + 1}"
        if len(turns) > 1
        else (f"turn {turns[0] + 1}" if turns else "the template's tail")
    )
    if not res.roles:  # pre-tokenized: ids, no turns
        where = "input_ids"
    if before and cut_trained == before:
        res.issues.append(
            MaskIssue(
                "L005",
                ERROR,
                f"max-seq-length {limit} cuts {n - limit} of {n} tokens ({where}) and with them "
                f"all {before} trained tokens",
                turns[0] if turns else None,
                # Rows longer than the limit: one cause, whichever turns they lose.
                cause=f"max-seq-length {limit} cuts every trained token",
            )
        )
    elif cut_trained:
        res.issues.append(
            MaskIssue(
                "L006",
                WARNING,
                f"max-seq-length {limit} cuts {n - limit} of {n} tokens ({where}), "
                f"{cut_trained} of {before} trained tokens",
                turns[0] if turns else None,
                cause=f"max-seq-length {limit} cuts trained tokens",
            )
        )


def double_bos(ctx: Context, res: MaskResult) -> None:
    ids = res.ids
    if ctx.bos_id is not None and len(ids) > 1 and ids[0] == ctx.bos_id and ids[1] == ctx.bos_id:
        res.issues.append(
            MaskIssue(
                "L010",
                WARNING,
                f"the row starts with two BOS tokens {ctx.bos!s}: the template (or the text) "
                "writes one and the tokenizer adds another",
                None,
            )
        )


def zero(ctx: Context, res: MaskResult, settings: MaskSettings) -> None:
    if not res.ids or any(res.trained_mask):
        return
    if any(i.code in ("L005", "L003", "L012") for i in res.issues):
        return  # a more precise error already explains it
    if settings.strategy == "markers":
        why = (
            f"response-part {ctx.marker_parts[1]!r} never occurs in the token ids"
            if not any(i.code == "L002" and "response-part" in i.message for i in res.issues)
            else "the response-part's token sequence never occurs in the token ids"
        )
        fix = _marker_fix(ctx, res)
    else:
        roles = settings.roles_to_train
        why = f"no turn with a role in roles-to-train ({', '.join(roles)}) is trained"
        fix = None
    res.issues.insert(
        0, MaskIssue("L001", ERROR, f"the row trains on zero tokens: {why}", None, fix=fix)
    )


def _marker_fix(ctx: Context, res: MaskResult) -> dict[str, str] | None:
    """The turn headers as this row renders them, in the first form whose token sequence
    Unsloth's search really finds in the row."""
    u, a = res.headers.get("user"), res.headers.get("assistant")
    if not (u and a):
        return None
    for q in _header_forms(u):
        for r in _header_forms(a):
            key = ("markers", q, r)
            ids = ctx.memo.get(key)
            if ids is None:
                ids = ctx.memo[key] = marker_ids(q, r, ctx.encode_plain)
            if any(responses_only_mask(res.ids, ids)):
                return {"instruction-part": q, "response-part": r}
    return {"instruction-part": u, "response-part": a}


def _header_forms(header: str) -> list[str]:
    out: list[str] = []
    for c in (header, header.rstrip(" "), header.strip()):
        if c and c not in out:
            out.append(c)
    return out
