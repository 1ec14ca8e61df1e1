"""Tokenize and mask a chat row as the trainer will, and report what goes wrong (L001-L012).

Pipeline per row: render with the chat template (transformers' own renderer, tracking
`{% generation %}` spans), tokenize the rendered text with the fast tokenizer (batched),
map character spans to tokens, apply the strategy, then truncation, then checks.
Results are cached by (row content, settings, tokenizer). The context and cache, the
renderer, spans, shared steps, chat checks and canonical comparisons have their own
modules; prompt/completion, text and pre-tokenized rows are in `completion`.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import llamafactory
from .canonical import canonical, row_layout, slow_fast, ws_runs
from .chatchecks import check_eot_trained, headers, prompt_trained, text_changes
from .completion import analyze_prompt_completion as analyze_prompt_completion  # re-export
from .context import Context, context, remember, row_key
from .findings import WARNING, MaskIssue, turn_name
from .locate import Located, locate_messages, template_text
from .messages import mistral_layout
from .mistralfinetune import AlignedEncoding, aligned, drop_last_call_ids, finetune_ids, piece_bytes
from .profiles import chat_refusal, parse_tool_arguments
from .render import render_chat
from .results import MaskResult
from .settings import MaskSettings
from .spans import Spans
from .steps import (
    apply_markers,
    double_bos,
    not_tokenized,
    note_refused,
    template_raised,
    truncate,
    unavailable,
    unsloth_add_special,
    zero,
)
from .steps import (
    refused as refused,  # re-export
)
from .tokenizers import TokenizerHandle
from .toolcalls import tool_call_issues
from .traindetail import detail_problem, trained_tokens

_ROLE_REASON = {"user": "user turn", "system": "system", "tool": "tool turn"}


def analyze_conversation(
    messages: list[dict],
    handle: TokenizerHandle,
    settings: MaskSettings,
    tools: list | None = None,
    only_last: bool = False,
) -> MaskResult:
    """Tokens, labels and findings for one chat row (OpenAI message layout); `only_last`:
    the row's own `only_last: true`, which the mistral-finetune profile honours."""
    return analyze_conversations(
        [messages], handle, settings, tools=[tools], only_last=[only_last]
    )[0]


def analyze_conversations(
    rows: Sequence[list[dict]],
    handle: TokenizerHandle,
    settings: MaskSettings,
    tools: Sequence[list | None] | None = None,
    only_last: Sequence[bool] | None = None,
) -> list[MaskResult]:
    """Batch version: renders every row, then tokenizes them in one batch."""
    if not handle.ok:
        return [unavailable(handle.error or "tokenizer unavailable", m) for m in rows]
    ctx = context(handle, settings)
    if ctx.template_error:
        return [unavailable(ctx.template_error, m) for m in rows]
    out: list[MaskResult | None] = [None] * len(rows)
    pending: list[_Pending] = []
    cache = ctx.cache
    for i, messages in enumerate(rows):
        row_tools = tools[i] if tools else None
        last_only = bool(only_last and only_last[i] and settings.profile.tools_train_last_only)
        key = row_key((messages, row_tools, last_only))
        hit = cache.get(key)
        if hit is not None:
            out[i] = hit
            continue
        if settings.profile.trainer == "llama-factory":  # its own templates, not jinja
            res = out[i] = _llamafactory(ctx, messages)
            remember(ctx, key, res)
            continue
        if problem := _detail_problem(settings, messages):
            roles = [str(m.get("role")) for m in messages]
            res = out[i] = not_tokenized(*problem, roles)
            remember(ctx, key, res)
            continue
        if settings.profile.parse_tool_arguments:
            messages = parse_tool_arguments(messages)
        if ctx.mistral_json:
            messages, row_tools = mistral_layout(messages, row_tools)
        checked = messages  # the trainer validates the row before it drops call ids
        if settings.profile.mistral_common_ids:
            messages = drop_last_call_ids(messages)
        try:
            text, spans = render_chat(ctx, messages, row_tools)
        except Exception as exc:  # the template's own error, e.g. roles must alternate
            res = template_raised(exc, messages)
            res.issues.extend(tool_call_issues(checked, ctx.tool_checks, row_tools))
            remember(ctx, key, res)
            out[i] = res
            continue
        pending.append(_Pending(i, key, messages, row_tools, text, spans, checked, last_only))
    if pending:
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            _finish_pending(ctx, settings, handle, pending, out)
        finally:
            if gc_was_on:
                gc.enable()
    return out  # type: ignore[return-value]


@dataclass(slots=True)
class _Pending:
    """A rendered row waiting for the batch tokenization."""

    index: int  # in the batch
    key: Any  # in the analysis cache
    messages: list[dict]  # as rendered
    tools: list | None
    text: str
    spans: Any  # the generation blocks' character spans
    checked: list[dict]  # as the trainer validates them (tool-call findings)
    only_last: bool  # mistral-finetune: the row's `only_last: true`


def _finish_pending(
    ctx: Context,
    settings: MaskSettings,
    handle: TokenizerHandle,
    pending: list[_Pending],
    out: list[MaskResult | None],
) -> None:
    if pending:
        add_special = unsloth_add_special(ctx, pending[0].text) if _is_markers(settings) else False
        encs = handle.backend.encode_batch(
            [p.text for p in pending], add_special_tokens=add_special
        )
        for p, enc in zip(pending, encs, strict=False):
            if settings.profile.mistral_common_ids and handle.mistral_file:
                enc = _mistral_encoding(ctx, p) or enc
            try:
                res = _finish_chat(ctx, p, enc)
            except Exception as exc:  # never let one odd row stop the file
                res = MaskResult(rendered=p.text, roles=[str(m.get("role")) for m in p.messages])
                res.issues.append(
                    MaskIssue(
                        "L004",
                        WARNING,
                        f"sftlint could not analyse this row's mask (internal error: {exc!r})",
                        None,
                    )
                )
            remember(ctx, p.key, res)
            out[p.index] = res


def _mistral_encoding(ctx: Context, p: _Pending) -> Any:
    """mistral-finetune's own ids placed on the rendered text; None when mistral-common
    refuses the row (L016 says why) or its ids are not the rendered text's (L009 then
    compares the two encodings)."""
    mistral = ctx.handle.mistral_tokenizer()
    ids = finetune_ids(mistral, p.messages, p.tools)
    if ids is None:
        return None
    memo: dict[int, bytes] = ctx.memo.setdefault("mistral_pieces", {})
    for t in set(ids) - memo.keys():
        memo[t] = piece_bytes(mistral, t)
    return aligned(p.text, ids, [memo[t] for t in ids])


def _is_markers(settings: MaskSettings) -> bool:
    return settings.strategy == "markers"


def _trainable(m: dict, settings: MaskSettings) -> tuple[bool, str]:
    """(trained?, reason when not) for one message, Axolotl-style."""
    role = str(m.get("role", ""))
    w = m.get("weight")
    if w is not None and not w:
        return False, "masked by weight"
    field_name = settings.message_field_training
    if field_name and m.get(field_name) is not None:  # Axolotl: a null flag is no flag
        return (bool(m[field_name]), f"masked by {field_name}")
    detail_name = settings.message_field_training_detail
    if detail_name and m.get(detail_name) is not None:  # Axolotl: spans given, none trained
        return (bool(m[detail_name]), f"masked by {detail_name}")
    if role in settings.roles_to_train:
        return True, ""
    return False, _ROLE_REASON.get(role, f"{role} not trained")


def _detail(settings: MaskSettings, m: dict) -> list[dict] | None:
    """The message's training-detail spans when they, not the whole turn, are trained."""
    name = settings.message_field_training_detail
    return m.get(name) or None if name else None


def _detail_problem(settings: MaskSettings, messages: list[dict]) -> tuple[str, int] | None:
    """(why, turn) for spans Axolotl cannot apply: it stops preparing the dataset there."""
    for i, m in enumerate(messages):
        detail = _detail(settings, m)
        if (
            detail
            and _trainable(m, settings)[0]
            and (why := detail_problem(m.get("content"), detail))
        ):
            return why, i
    return None


def _finish_chat(ctx: Context, p: _Pending, enc: Any) -> MaskResult:
    settings = ctx.settings
    messages, tools, text, gen = p.messages, p.tools, p.text, p.spans
    ids = enc.ids
    n = len(ids)
    spans = Spans(enc, n)
    roles = [str(m.get("role", "")) for m in messages]
    res = MaskResult(rendered=text, ids=ids, roles=roles, _offsets=enc, _pieces=ctx.piece)
    issues = res.issues

    # Anchor assistant turns on their generation blocks when they pair up one to one.
    assistants = [i for i, r in enumerate(roles) if r == "assistant"]
    anchors = (
        dict(zip(assistants, gen, strict=False)) if gen and len(gen) == len(assistants) else None
    )
    known = _tool_call_spans(ctx, messages, tools, text) if gen is None else None
    locs = locate_messages(text, messages, ctx.eot_strings, ctx.boundaries, anchors, known)

    turn_of: list[int | None] = [None] * n
    reason: list[str] = ["template"] * n
    trained = [False] * n
    tok_region: dict[int, tuple[int, int]] = {}
    tok_content: dict[int, tuple[int, int]] = {}
    tok_eot: dict[int, tuple[int, int]] = {}
    # A folded system prompt lies inside its host turn's header: placed last, so the
    # host's header does not claim its tokens.
    for loc in sorted(locs, key=lambda loc: loc.host is not None):
        why = _ROLE_REASON.get(loc.role, loc.role)
        if loc.host is not None:
            why = f"system prompt folded into turn {loc.host + 1}"
        ca = cb = None
        if loc.end > loc.start:
            ca, cb = tok_content[loc.index] = spans.tokens(loc.start, loc.end)
        if loc.region is not None and loc.host is None:
            a, b = tok_region[loc.index] = spans.tokens(*loc.region)
            turn_of[a:b] = [loc.index] * (b - a)
            reason[a:b] = [why] * (b - a)
            if ca is not None and ca > a:  # the header: region start up to the content
                reason[a:ca] = ["turn header"] * (ca - a)
        if ca is not None and cb is not None:
            reason[ca:cb] = [why] * (cb - ca)
            if loc.host is not None:  # a folded system prompt keeps its own index
                turn_of[ca:cb] = [loc.index] * (cb - ca)
        if loc.eot and loc.host is None:
            k = enc.char_to_token(loc.eot[0])
            ea, eb = tok_eot[loc.index] = (
                (k, k + 1) if k is not None and ids[k] in ctx.eot_ids else spans.tokens(*loc.eot)
            )
            reason[ea:eb] = ["end of turn"] * (eb - ea)
            if loc.role != "assistant" and _eot_far(tok_content.get(loc.index), ea):
                # Axolotl takes a turn's end-of-turn token only within 3 tokens of its span.
                del tok_eot[loc.index]

    res.turn_of = turn_of
    res.reason_of = reason
    strategy = settings.strategy
    if strategy == "completion-only" and settings.profile.chat_completion_is_full:
        strategy = "full"  # TRL: completion_only_loss masks prompt/completion rows only
    trainable = [_trainable(m, settings) for m in messages]
    train_on_prompt = settings.train_on_prompt
    if train_on_prompt and not settings.profile.generation_blocks:
        # Axolotl's train_on_inputs: every turn is trained as a turn (content and end of
        # turn), the template's headers are not.
        trainable = [(True, "") for _ in messages]
        train_on_prompt = False
    if (tools or p.only_last) and settings.profile.tools_train_last_only:  # mistral-finetune
        last_i = len(messages) - 1
        only = "row with tools" if tools else "only_last"
        trainable = [
            (t and i == last_i, why if i == last_i or not t else f"{only}: last message only")
            for i, (t, why) in enumerate(trainable)
        ]
    if settings.mask_history:  # LLaMA-Factory: only the last assistant turn
        last = max((i for i in assistants if trainable[i][0]), default=None)
        trainable = [
            (t and i == last, "masked history" if t and i != last else why)
            for i, (t, why) in enumerate(trainable)
        ]
    if strategy == "completion-only":  # chat rows: the last assistant turn is the completion
        last = assistants[-1] if assistants else None
        trainable = [(i == last, "prompt" if i != last else "") for i in range(len(messages))]

    trained_turns: list[int] = []
    if strategy == "full" or train_on_prompt:
        trained = [True] * n
        for k in range(n):
            reason[k] = "full" if strategy == "full" else "train-on-prompt"
        trained_turns = [i for i in assistants]
    elif strategy == "markers":
        apply_markers(ctx, res, text, ids, trained, reason, spans)
        trained_turns = [i for i in assistants if i in tok_content]
    else:
        # assistant-only / completion-only on chat rows
        gen_owner: dict[int, tuple[int, int]] = {}
        if gen is not None:
            if anchors is not None:
                gen_owner = {i: span for i, span in anchors.items()}
            else:  # unpaired blocks: attribute by containment, train like transformers
                for s, e in gen:
                    owner = next(
                        (
                            x.index
                            for x in locs
                            if x.found and s <= x.start < e and x.role == "assistant"
                        ),
                        None,
                    )
                    if owner is None:
                        a, b = spans.tokens(s, e)
                        trained[a:b] = [True] * (b - a)
                        reason[a:b] = ["generation block"] * (b - a)
                    else:
                        gen_owner[owner] = (s, e)
        for loc in locs:
            i = loc.index
            ok, why = trainable[i]
            if i in gen_owner:
                a, b = spans.tokens(*gen_owner[i])
                if ok:
                    trained[a:b] = [True] * (b - a)
                    reason[a:b] = ["assistant"] * (b - a)
                    for k in range(b - 1, max(a, b - 3) - 1, -1):  # the block's closing tokens
                        if ids[k] in ctx.eot_ids:
                            reason[k] = "end of turn"
                    trained_turns.append(i)
                else:
                    reason[a:b] = [why] * (b - a)
                continue
            if not ok:
                if loc.role == "assistant" and i in tok_content:
                    a, b = tok_content[i]
                    reason[a:b] = [why] * (b - a)
                continue
            if not loc.found or loc.region is None:
                issues.append(
                    MaskIssue(
                        "L004",
                        WARNING,
                        f"{turn_name(i, loc.role)}: its text cannot be found in the rendered "
                        "row, so its tokens cannot be located and it is not trained",
                        i,
                    )
                )
                continue
            # An assistant turn: its content through the end of the turn (tool-call tails
            # included), without the end-of-turn token, which train-on-eos decides. Other
            # turns: their content, as Axolotl's turn search finds it (a tool result's
            # "</tool_response>" is template text).
            end = loc.eot[0] if loc.eot and loc.role == "assistant" else loc.end
            a, b = spans.tokens(loc.start, end)
            if detail := _detail(settings, messages[i]):
                # Axolotl: the spans' tokens, laid from the turn's first token on.
                on = trained_tokens(ctx.handle.tokenizer, messages[i]["content"], detail)
                for k in (a + j for j, t in enumerate(on) if t and a + j < n):
                    trained[k] = True
                    reason[k] = loc.role
                trained_turns.append(i)
            elif b > a:
                trained[a:b] = [True] * (b - a)
                reason[a:b] = [loc.role if loc.role != "assistant" else "assistant"] * (b - a)
                trained_turns.append(i)
            elif loc.kind != "empty":
                issues.append(
                    MaskIssue(
                        "L004",
                        WARNING,
                        f"{turn_name(i, loc.role)}: no token covers its text in the rendered row",
                        i,
                    )
                )
        _apply_train_on_eos(
            ctx, settings, locs, tok_eot, trained, reason, trained_turns, gen_owner, ids
        )

    res.trained_mask = trained
    res.reason_of = reason
    headers(res, text, locs)
    text_changes(ctx, res, text, messages, locs, tok_region, spans)
    check_eot_trained(ctx, res, locs, tok_eot, trained_turns)
    truncate(res, settings)
    prompt_trained(res, settings)
    double_bos(ctx, res)
    note_refused(res, chat_refusal(settings.profile, messages))
    handle = ctx.handle
    own_ids = isinstance(enc, AlignedEncoding)  # mistral-common's ids: nothing to compare
    if (
        settings.canonical_check != "off"
        and not own_ids
        and (handle.mistral_file or handle.sp_model)
    ):
        # Second tokenizations are sampled: one row per layout not yet seen to agree.
        layout = (
            row_layout(messages) | {("tools", bool(tools))}
            if settings.canonical_check == "layout"
            else None
        )
        if handle.mistral_file:
            canonical(ctx, res, messages, tools, layout)
        if handle.sp_model:
            slow_fast(ctx, res, None if layout is None else layout | ws_runs(res.rendered))
    res.issues.extend(tool_call_issues(p.checked, ctx.tool_checks, tools))
    zero(ctx, res, settings)
    return res


_DUMMY = "[[dummy_message]]"


def _eot_far(content: tuple[int, int] | None, eot_token: int) -> bool:
    """Whether the end-of-turn token lies more than 3 tokens after the turn's content."""
    return content is not None and eot_token - content[1] > 3


def _tool_call_spans(
    ctx: Context, messages: list[dict], tools: list | None, text: str
) -> dict[int, tuple[int, int]] | None:
    """Where the template writes each content-less tool-call turn, as Axolotl finds turns:
    render the conversation up to the turn with and without a dummy content and take the
    characters that differ. Only without `{% generation %}` blocks, which say it exactly."""
    out: dict[int, tuple[int, int]] = {}
    every = not ctx.settings.profile.generation_blocks  # the axolotl profile: every turn
    for i, m in enumerate(messages):
        if not every and (not m.get("tool_calls") or template_text(m.get("content"))):
            continue
        try:
            full, _ = render_chat(ctx, messages[: i + 1], tools)
            dummy, _ = render_chat(
                ctx, [*messages[:i], {"role": m.get("role"), "content": _DUMMY}], tools
            )
        except Exception:  # the template refuses the partial conversation: search the text
            continue
        n = min(len(full), len(dummy))
        s = next((k for k in range(n) if full[k] != dummy[k]), n)
        t = next((k for k in range(n - s) if full[-1 - k] != dummy[-1 - k]), n - s)
        e = len(full) - t
        if e > s and text[s:e] == full[s:e]:
            out[i] = (s, e)
    return out or None


def _apply_train_on_eos(
    ctx: Context,
    settings: MaskSettings,
    locs: list[Located],
    tok_eot: dict[int, tuple[int, int]],
    trained: list[bool],
    reason: list[str],
    trained_turns: list[int],
    gen_owner: dict[int, tuple[int, int]],
    ids: list[int],
) -> None:
    mode = settings.train_on_eos
    last_trained = trained_turns[-1] if trained_turns else None
    # "all" trains every turn's end that is the EOS or the token closing assistant turns
    # (<|im_end|>, <end_of_turn>, <|eot_id|>), as Axolotl does with it in `eot_tokens`;
    # not [/INST], which ends a user turn but opens the answer.
    closers = {ctx.eos_id}
    for loc in locs:
        if loc.role == "assistant" and loc.index in tok_eot:
            closers.update(ids[slice(*tok_eot[loc.index])])
    for loc in locs:
        i = loc.index
        if i not in tok_eot or loc.host is not None:
            continue
        a, b = tok_eot[i]
        is_eos = loc.role == "assistant" or any(t in closers for t in ids[a:b])
        want = (
            (mode == "turn" and i in trained_turns)
            or (mode == "all" and is_eos)
            or (mode == "last" and i == last_trained)
        ) and (ctx.eot_train_ids is None or any(t in ctx.eot_train_ids for t in ids[a:b]))
        if i in gen_owner and i in trained_turns and mode == "turn":
            continue  # the generation block decides, exactly as transformers does
        if not want and i not in trained_turns and not any(trained[a:b]):
            continue  # an untrained turn's end stays as it is
        for k in range(a, b):
            trained[k] = want
            reason[k] = "end of turn" if want else "end of turn (not trained)"


def _llamafactory(ctx: Context, messages: list[dict]) -> MaskResult:
    """A chat row as LLaMA-Factory encodes it (its openai converter on the messages)."""
    roles = [str(m.get("role")) for m in messages]
    return analyze_llamafactory(
        llamafactory.from_messages(messages), ctx.handle, ctx.settings, roles
    )


def analyze_llamafactory(
    example: llamafactory.Example | str,
    handle: TokenizerHandle,
    settings: MaskSettings,
    roles: list[str],
) -> MaskResult:
    """A row LLaMA-Factory's converter produced (or refused: `example` says why)."""
    if not handle.ok:
        return unavailable(handle.error or "tokenizer unavailable")
    ctx = context(handle, settings)
    if ctx.template_error:
        return unavailable(ctx.template_error)
    why = example if isinstance(example, str) else None
    if not isinstance(example, str):
        try:
            res = llamafactory.analyze(example, handle, settings, roles)
        except (ValueError, KeyError, TypeError) as exc:  # LLaMA-Factory raises too
            why = (
                f"LLaMA-Factory raises on this row: a function turn is not JSON tool calls ({exc})"
            )
        else:
            zero(ctx, res, settings)
            return res
    res = MaskResult(roles=roles)
    note_refused(res, why)
    return res
