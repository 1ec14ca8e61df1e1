"""Tokenize and mask a row as the trainer will, and report what goes wrong (L001-L012).

Pipeline per row: render with the chat template (transformers' own renderer, tracking
`{% generation %}` spans), tokenize the rendered text with the fast tokenizer (batched),
map character spans to tokens, apply the strategy, then truncation, then checks.
Results are cached by (row content, settings, tokenizer).
"""

from __future__ import annotations

import copy
import gc
import marshal
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import llamafactory, wscause
from .findings import ERROR, INFO, WARNING, MaskIssue, turn_name
from .locate import Located, header_text, locate_messages, template_text
from .markers import (
    MarkerIds,
    contains,
    marker_ids,
    message_start,
    responses_only_mask,
    responses_only_mask_boundary,
    template_parts,
)
from .messages import mistral_layout
from .mistralfinetune import AlignedEncoding, aligned, drop_last_call_ids, finetune_ids, piece_bytes
from .profiles import chat_refusal, parse_tool_arguments, prompt_completion_refusal
from .results import MaskResult, visible
from .settings import MaskSettings
from .templates import (
    MISTRAL_TEMPLATES,
    builtin_template,
    has_generation_blocks,
    is_builtin,
    resolve_template,
)
from .tokenizers import TokenizerHandle, quiet_transformers
from .toolcalls import tool_call_checks, tool_call_issues
from .traindetail import detail_problem, trained_tokens

# Strings that close a turn in the common templates (used when they are in the vocabulary).
_EOT_CANDIDATES = (
    "<|im_end|>",
    "<end_of_turn>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|end|>",
    "<|endoftext|>",
    "</s>",
    "[/INST]",
    "[/TOOL_RESULTS]",
    "<|END_OF_TURN_TOKEN|>",
)
_ROLE_REASON = {"user": "user turn", "system": "system", "tool": "tool turn"}
_DATE = re.compile(r"\b(19|20)\d\d\b|\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")
# Results kept for rows analysed again unchanged (hover, preview, show of a recent row). A
# file check analyses each row once and the server keeps its own per-row outcomes, so a
# larger cache only holds memory: a result keeps its ids, mask and tokenizer encoding,
# ~60 bytes a token (50,000 rows of 550 tokens held 1.6 GB).
_CACHE_MAX = 64
# Whitespace runs whose splitting differs between tokenizers (probed, not scanned: cheap).
_WS_PROBES = ("  ", "\n\n", "\n ", " \n", "\t", "\r", "\xa0", "\u3000")


# --------------------------------------------------------------------------------------
# Per (tokenizer, settings) context
# --------------------------------------------------------------------------------------
@dataclass(eq=False)
class _Context:
    handle: TokenizerHandle
    settings: MaskSettings
    template: str | None = None
    template_error: str | None = None
    has_gen: bool = False
    mistral_json: bool = False  # a Mistral built-in: tools and tool JSON as mistral-common's
    tool_checks: frozenset[str] = frozenset()  # the tool-call findings that apply
    template_kwargs: dict = field(default_factory=dict)
    bos: str | None = None
    bos_id: int | None = None
    eos_id: int | None = None
    eot_strings: tuple[str, ...] = ()
    boundaries: tuple[str, ...] = ()
    eot_ids: frozenset[int] = frozenset()
    vocab_size: int = 0
    markers: MarkerIds | None = None
    opener: list[int] = field(default_factory=list)  # Unsloth: the opener all roles share
    marker_parts: tuple[str, str] = ("", "")  # (instruction-part, response-part) in use
    # The end-of-turn ids train-on-eos may train (Axolotl's eot_tokens); None: any.
    eot_train_ids: frozenset[int] | None = None
    canonical_seen: dict = field(default_factory=dict)
    memo: dict = field(default_factory=dict)
    cache: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def piece(self, tid: int) -> str | None:
        return self.handle.backend.id_to_token(tid)

    def encode_plain(self, text: str) -> list[int]:
        return self.handle.backend.encode(text, add_special_tokens=False).ids


_CONTEXTS: dict[tuple, _Context] = {}
_CONTEXTS_LOCK = threading.Lock()


def _context(handle: TokenizerHandle, settings: MaskSettings) -> _Context:
    key = (handle.key, settings.key)
    ctx = _CONTEXTS.get(key)
    if ctx is not None:
        return ctx
    with _CONTEXTS_LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is None:
            ctx = _CONTEXTS[key] = _build_context(handle, settings)
    return ctx


def _build_context(handle: TokenizerHandle, settings: MaskSettings) -> _Context:
    ctx = _Context(handle, settings)
    if not handle.ok:
        return ctx
    tok = handle.tokenizer
    try:
        ctx.template = resolve_template(settings, tok, handle.default_template)
        if is_builtin(ctx.template):
            from .templatebounds import trust  # jinja2: transformers is loaded by now

            trust(ctx.template)
        ctx.has_gen = has_generation_blocks(ctx.template)
        ctx.mistral_json = ctx.template in map(builtin_template, MISTRAL_TEMPLATES)
    except (ValueError, OSError) as exc:
        ctx.template_error = str(exc)
    ctx.tool_checks = tool_call_checks(handle, settings.profile)
    ctx.template_kwargs = dict(tok.special_tokens_map)
    ctx.bos = tok.bos_token if isinstance(tok.bos_token, str) else None
    ctx.bos_id = tok.bos_token_id
    ctx.eos_id = tok.eos_token_id
    backend = handle.backend
    vocab_has = {s for s in _EOT_CANDIDATES if backend.token_to_id(s) is not None}
    if isinstance(tok.eos_token, str):
        vocab_has.add(tok.eos_token)
    ctx.eot_strings = tuple(sorted(vocab_has))
    ctx.eot_ids = frozenset(backend.token_to_id(s) for s in vocab_has) - {None}
    ctx.boundaries = ctx.eot_strings + ((ctx.bos,) if ctx.bos else ())
    ctx.vocab_size = backend.get_vocab_size(with_added_tokens=True)
    eot_tokens = settings.eot_tokens
    if eot_tokens is None and settings.profile.eot_is_eos:
        eot_tokens = (tok.eos_token,) if isinstance(tok.eos_token, str) else ()
    if eot_tokens is not None:
        ctx.eot_train_ids = frozenset(backend.token_to_id(s) for s in eot_tokens) - {None}
    if not settings.profile.generation_blocks:
        ctx.has_gen = False  # Axolotl finds each turn itself
    if settings.strategy == "markers":
        _build_markers(ctx, settings)
    return ctx


def _build_markers(ctx: _Context, settings: MaskSettings) -> None:
    """The marker ids (and, for Unsloth 2026.9.7+, the opener all roles share). The
    unsloth profile reads markers the config does not set off the chat template."""
    q, r = settings.instruction_part, settings.response_part
    tok = ctx.handle.tokenizer
    if not (q and r) and settings.profile.trainer == "unsloth" and ctx.template:
        specials = sorted(
            {str(s) for s in [*tok.all_special_tokens, *tok.get_added_vocab()] if s},
            key=len,
            reverse=True,
        )
        try:
            q, r = template_parts(lambda m: _render(ctx, m)[0], specials)
        except Exception as exc:  # the template raises on the probe, or has no markers
            ctx.template_error = f"instruction-part and response-part: not found ({exc})"
            return
    if not (q and r):
        return
    ctx.marker_parts = (q, r)
    ctx.markers = marker_ids(q, r, ctx.encode_plain)
    added = getattr(tok, "added_tokens_decoder", None) or {}
    special_ids = {i for i, t in added.items() if getattr(t, "special", False)}
    special_ids.update(tok.all_special_ids or [])
    ctx.opener = message_start(
        ctx.markers, special_ids, lambda i: bool(getattr(added.get(i), "content", "").strip())
    )


def clear_caches() -> None:
    with _CONTEXTS_LOCK:
        _CONTEXTS.clear()


# --------------------------------------------------------------------------------------
# Character spans -> token ranges (same overlap rule as transformers' assistant mask)
# --------------------------------------------------------------------------------------
class _Spans:
    """Maps character spans to token index ranges without materialising all offsets."""

    __slots__ = ("enc", "n", "offsets")

    def __init__(self, enc: Any, n: int) -> None:
        self.enc = enc
        self.n = n
        self.offsets: list[tuple[int, int]] | None = None

    def _chars(self, k: int) -> tuple[int, int]:
        if self.offsets is not None:
            return self.offsets[k]
        r = self.enc.token_to_chars(k)
        return r if r is not None else (0, 0)

    def tokens(self, s: int, e: int) -> tuple[int, int]:
        """[a, b): the tokens t with start(t) < e and end(t) > s."""
        if e <= s or self.n == 0:
            return (0, 0)
        enc = self.enc
        a = enc.char_to_token(s)
        b = enc.char_to_token(e - 1)
        if a is None or b is None or b < a:
            return self._walk(s, e)
        # Neighbours sharing the boundary characters (byte-fallback pieces, zero-width
        # tokens) need the careful walk; ordinary boundaries do not.
        if a > 0 and self._chars(a - 1)[1] > s:
            return self._walk(s, e)
        if b + 1 < self.n and self._chars(b + 1)[0] < e:
            return self._walk(s, e)
        return (a, b + 1)

    def _walk(self, s: int, e: int) -> tuple[int, int]:
        enc = self.enc
        a = None
        for c in range(s, min(e, s + 64)):
            a = enc.char_to_token(c)
            if a is not None:
                break
        b = None
        for c in range(e - 1, max(s, e - 64) - 1, -1):
            b = enc.char_to_token(c)
            if b is not None:
                break
        if a is None or b is None:
            return self._scan(s, e)
        if b < a:
            a, b = b, a
        while a > 0:
            ps, pe = self._chars(a - 1)
            if pe > s and ps < e:
                a -= 1
            else:
                break
        while b + 1 < self.n:
            ns, ne = self._chars(b + 1)
            if ns < e and ne > s:
                b += 1
            else:
                break
        return (a, b + 1)

    def _scan(self, s: int, e: int) -> tuple[int, int]:
        if self.offsets is None:
            self.offsets = list(self.enc.offsets)
        a = b = None
        for k, (ts, te) in enumerate(self.offsets):
            if ts < e and te > s:
                if a is None:
                    a = k
                b = k
        return (a, b + 1) if a is not None and b is not None else (0, 0)

    def first_at_or_after(self, c: int) -> int:
        """Index of the first token starting at or after character c."""
        if self.offsets is None:
            self.offsets = list(self.enc.offsets)
        for k, (ts, _te) in enumerate(self.offsets):
            if ts >= c and not (ts == 0 and _te == 0 and c > 0):
                return k
        return self.n


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------
def _render(
    ctx: _Context,
    messages: list[dict],
    tools: list | None = None,
    add_generation_prompt: bool = False,
) -> tuple[str, list[tuple[int, int]] | None]:
    """Render like `apply_chat_template(tokenize=False)`, plus the generation spans."""
    ctu = _ctu()
    from .templatebounds import bounded  # jinja2: imported with transformers, not before

    template = ctx.template
    assert template is not None  # else _context set template_error and nothing renders

    normalize = getattr(ctu, "_normalize_chat_messages", None)
    convo = normalize(messages) if normalize else messages
    render = getattr(ctu, "render_jinja_template", None)
    if render is None:  # an older/newer transformers: the public API, without spans
        with bounded(template):
            text = ctx.handle.tokenizer.apply_chat_template(
                convo,
                tools=tools,
                chat_template=ctx.template,
                tokenize=False,
                add_generation_prompt=add_generation_prompt,
            )
        return text, None
    with bounded(template):  # the repository's template is untrusted: time and size
        rendered, gen = render(
            conversations=[convo],
            tools=tools,
            chat_template=ctx.template,
            return_assistant_tokens_mask=ctx.has_gen,
            add_generation_prompt=add_generation_prompt,
            **ctx.template_kwargs,
        )
    spans = [tuple(x) for x in gen[0]] if ctx.has_gen and gen else None
    return rendered[0], spans


_CTU: Any = None


def _ctu() -> Any:
    global _CTU
    if _CTU is None:
        with quiet_transformers():
            from transformers.utils import chat_template_utils

        from .templatebounds import install

        install(chat_template_utils)
        _CTU = chat_template_utils
    return _CTU


def _row_key(obj: Any) -> bytes | str:
    try:
        # Version 2: no back-references, whose flags depend on reference counts, so equal
        # rows always give equal keys.
        return marshal.dumps(obj, 2)
    except ValueError:
        return repr(obj)


# --------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------
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
        return [_unavailable(handle.error or "tokenizer unavailable", m) for m in rows]
    ctx = _context(handle, settings)
    if ctx.template_error:
        return [_unavailable(ctx.template_error, m) for m in rows]
    out: list[MaskResult | None] = [None] * len(rows)
    pending: list[_Pending] = []
    cache = ctx.cache
    for i, messages in enumerate(rows):
        row_tools = tools[i] if tools else None
        last_only = bool(only_last and only_last[i] and settings.profile.tools_train_last_only)
        key = _row_key((messages, row_tools, last_only))
        hit = cache.get(key)
        if hit is not None:
            out[i] = hit
            continue
        if settings.profile.trainer == "llama-factory":  # its own templates, not jinja
            res = out[i] = _llamafactory(ctx, messages)
            _remember(ctx, key, res)
            continue
        if problem := _detail_problem(settings, messages):
            roles = [str(m.get("role")) for m in messages]
            res = out[i] = not_tokenized(*problem, roles)
            _remember(ctx, key, res)
            continue
        if settings.profile.parse_tool_arguments:
            messages = parse_tool_arguments(messages)
        if ctx.mistral_json:
            messages, row_tools = mistral_layout(messages, row_tools)
        checked = messages  # the trainer validates the row before it drops call ids
        if settings.profile.mistral_common_ids:
            messages = drop_last_call_ids(messages)
        try:
            text, spans = _render(ctx, messages, row_tools)
        except Exception as exc:  # the template's own error, e.g. roles must alternate
            res = _template_raised(exc, messages)
            res.issues.extend(tool_call_issues(checked, ctx.tool_checks, row_tools))
            _remember(ctx, key, res)
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
    ctx: _Context,
    settings: MaskSettings,
    handle: TokenizerHandle,
    pending: list[_Pending],
    out: list[MaskResult | None],
) -> None:
    if pending:
        add_special = _unsloth_add_special(ctx, pending[0].text) if _is_markers(settings) else False
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
            _remember(ctx, p.key, res)
            out[p.index] = res


def _mistral_encoding(ctx: _Context, p: _Pending) -> Any:
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


def _remember(ctx: _Context, key: Any, res: MaskResult) -> None:
    with ctx.lock:
        ctx.cache[key] = res
        if len(ctx.cache) > _CACHE_MAX:
            ctx.cache.popitem(last=False)


def _is_markers(settings: MaskSettings) -> bool:
    return settings.strategy == "markers"


def _unsloth_add_special(ctx: _Context, text: str) -> bool:
    """Unsloth tokenizes rendered text with special tokens unless a BOS is already there."""
    if not ctx.bos:
        return True
    return not (text.startswith(ctx.bos) or ctx.bos in (ctx.template or ""))


def _unavailable(error: str, messages: Any = None) -> MaskResult:
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


def _template_raised(exc: Exception, messages: list[dict]) -> MaskResult:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    res = MaskResult(roles=[str(m.get("role")) for m in messages if isinstance(m, dict)])
    res.issues.append(MaskIssue("L003", ERROR, f"the chat template raised: {msg}", None))
    return res


# --------------------------------------------------------------------------------------
# Chat rows
# --------------------------------------------------------------------------------------
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


def _finish_chat(ctx: _Context, p: _Pending, enc: Any) -> MaskResult:
    settings = ctx.settings
    messages, tools, text, gen = p.messages, p.tools, p.text, p.spans
    ids = enc.ids
    n = len(ids)
    spans = _Spans(enc, n)
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
        _apply_markers(ctx, res, text, ids, trained, reason, spans)
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
    _headers(res, text, locs)
    _text_changes(ctx, res, text, messages, locs, tok_region, spans)
    _check_eot_trained(ctx, res, locs, tok_eot, trained_turns)
    _truncate(res, settings)
    _prompt_trained(res, settings)
    _double_bos(ctx, res)
    _refused(res, chat_refusal(settings.profile, messages))
    handle = ctx.handle
    own_ids = isinstance(enc, AlignedEncoding)  # mistral-common's ids: nothing to compare
    if (
        settings.canonical_check != "off"
        and not own_ids
        and (handle.mistral_file or handle.sp_model)
    ):
        # Second tokenizations are sampled: one row per layout not yet seen to agree.
        layout = (
            _layout(messages) | {("tools", bool(tools))}
            if settings.canonical_check == "layout"
            else None
        )
        if handle.mistral_file:
            _canonical(ctx, res, messages, tools, layout)
        if handle.sp_model:
            _slow_fast(ctx, res, None if layout is None else layout | _ws_runs(res.rendered))
    res.issues.extend(tool_call_issues(p.checked, ctx.tool_checks, tools))
    _zero(ctx, res, settings)
    return res


_DUMMY = "[[dummy_message]]"


def _eot_far(content: tuple[int, int] | None, eot_token: int) -> bool:
    """Whether the end-of-turn token lies more than 3 tokens after the turn's content."""
    return content is not None and eot_token - content[1] > 3


def _tool_call_spans(
    ctx: _Context, messages: list[dict], tools: list | None, text: str
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
            full, _ = _render(ctx, messages[: i + 1], tools)
            dummy, _ = _render(
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
    ctx: _Context,
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


def _apply_markers(
    ctx: _Context,
    res: MaskResult,
    text: str,
    ids: list[int],
    trained: list[bool],
    reason: list[str],
    spans: _Spans,
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
            alone = _fmt_tokens(ctx, must)
            inside = _fmt_tokens(ctx, ids[a:b])
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


def _fmt_tokens(ctx: _Context, ids: Sequence[int]) -> str:
    return " ".join(f"{visible(ctx.piece(t) or '?')}({t})" for t in ids) or "(no tokens)"


def _headers(res: MaskResult, text: str, locs: list[Located]) -> None:
    """Turn headers as rendered, for the file-level marker fix."""
    for loc in locs:
        if loc.role not in ("user", "assistant") or loc.role in res.headers or loc.host is not None:
            continue
        h = header_text(text, loc, locs)
        if not h.strip():
            # No header of its own (Mistral): the text since the previous content.
            prev = max((o.end for o in locs if o.found and o.end <= loc.start), default=0)
            h = text[prev : loc.start].lstrip()
        if h.strip():
            res.headers[loc.role] = h


def _text_changes(
    ctx: _Context,
    res: MaskResult,
    text: str,
    messages: list[dict],
    locs: list[Located],
    tok_region: dict[int, tuple[int, int]],
    spans: _Spans,
) -> None:
    dropped = [loc for loc in locs if loc.kind != "trimmed" and _reasoning_dropped(loc)]
    if dropped:  # one template behaviour: one finding naming every turn that loses it
        first = dropped[0]
        if len(dropped) == 1:
            what = f"{turn_name(first.index, first.role)}: the template drops the <think> block "
            what += "from this turn"
        else:
            numbers = [str(loc.index + 1) for loc in dropped]
            what = (
                f"turns {', '.join(numbers[:-1])} and {numbers[-1]} ({first.role}): the "
                "template drops their <think> blocks"
            )
        res.issues.append(MaskIssue("L008", INFO, what, first.index))
    for loc in locs:
        role = loc.role
        name = turn_name(loc.index, role)
        if loc.kind == "trimmed":
            res.issues.append(
                MaskIssue(
                    "L008",
                    INFO,
                    f"{name}: the template trims the content's leading/trailing whitespace",
                    loc.index,
                )
            )
        elif _reasoning_dropped(loc):
            pass  # reported above
        elif (
            loc.kind == "missing"
            and role == "system"
            and template_text(messages[loc.index].get("content"))
        ):
            res.issues.append(
                MaskIssue(
                    "L008", WARNING, f"{name}: the template drops the system prompt", loc.index
                )
            )
        if role == "system" and loc.host is not None:
            res.issues.append(
                MaskIssue(
                    "L008",
                    INFO,
                    f"{name}: the template folds the system prompt into turn {loc.host + 1} "
                    f"({res.roles[loc.host]})",
                    loc.index,
                )
            )
    # Text the row does not hold, before the first turn (a default system prompt, a date).
    start = min((loc.region[0] for loc in locs if loc.region and loc.host is None), default=0)
    injected = text[:start]
    if not injected or injected in ctx.boundaries:
        return
    for special in (*ctx.boundaries, *(ctx.template_kwargs.get("additional_special_tokens") or [])):
        injected = injected.replace(special, "")
    injected = re.sub(r"<\|[^|>]*\|>|<[a-z_]+>|\[[A-Z_/]+\]", "", injected).strip()
    if len(injected) > 3:
        what = "a date" if _DATE.search(injected) else "text"
        res.issues.append(
            MaskIssue(
                "L008",
                INFO,
                f"the template injects {what} the row does not hold before turn 0: "
                f"{injected[:60]!r}",
                None,
            )
        )


def _reasoning_dropped(loc: Located) -> bool:
    return loc.kind == "think" or loc.reasoning_dropped


def _check_eot_trained(
    ctx: _Context,
    res: MaskResult,
    locs: list[Located],
    tok_eot: dict[int, tuple[int, int]],
    trained_turns: list[int],
) -> None:
    for i in trained_turns:
        if res.roles[i] != "assistant" or i not in tok_eot:
            continue
        a, b = tok_eot[i]
        if b > a and not any(res.trained_mask[a:b]):
            piece = ctx.piece(res.ids[a]) or "?"
            res.issues.append(
                MaskIssue(
                    "L007",
                    WARNING,
                    f"{turn_name(i, 'assistant')}: its end-of-turn token {piece} is not trained, "
                    "so the model never learns to stop",
                    i,
                )
            )
            return  # once per row


def _truncate(res: MaskResult, settings: MaskSettings) -> None:
    limit = settings.max_seq_length
    n = len(res.ids)
    if not limit or n <= limit:
        return
    if settings.profile.drops_long_rows:  # Axolotl: excess_length_strategy drop (default)
        why = f"Axolotl drops this row: {n} tokens, more than sequence_len {limit}"
        res.issues.append(MaskIssue("L016", WARNING, why, None))
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
            )
        )


def _prompt_trained(res: MaskResult, settings: MaskSettings) -> None:
    if settings.strategy != "full" and not settings.train_on_prompt:
        return
    count = sum(
        1
        for t, m in zip(res.turn_of, res.trained_mask, strict=False)
        if m and (t is None or res.roles[t] != "assistant")
    )
    if count:
        why = "strategy full" if settings.strategy == "full" else "train-on-prompt"
        res.issues.append(
            MaskIssue(
                "L011",
                INFO,
                f"{why} trains {count} prompt tokens (system/user/tool turns and template "
                "text); set strategy: assistant-only to train on the answers only",
                None,
            )
        )


def _double_bos(ctx: _Context, res: MaskResult) -> None:
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


def _llamafactory(ctx: _Context, messages: list[dict]) -> MaskResult:
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
        return _unavailable(handle.error or "tokenizer unavailable")
    ctx = _context(handle, settings)
    if ctx.template_error:
        return _unavailable(ctx.template_error)
    why = example if isinstance(example, str) else None
    if not isinstance(example, str):
        try:
            res = llamafactory.analyze(example, handle, settings, roles)
        except (ValueError, KeyError, TypeError) as exc:  # LLaMA-Factory raises too
            why = (
                f"LLaMA-Factory raises on this row: a function turn is not JSON tool calls ({exc})"
            )
        else:
            _zero(ctx, res, settings)
            return res
    res = MaskResult(roles=roles)
    _refused(res, why)
    return res


def refused(why: str, roles: list[str], turn: int | None = None) -> MaskResult:
    """The result of a row the profile's trainer refuses before tokenizing it (L016), at
    `turn` (an index past the turns names a key of the row, as the caller's paths say)."""
    res = MaskResult(roles=roles)
    res.issues.append(MaskIssue("L016", WARNING, why, turn))
    return res


def _refused(res: MaskResult, why: str | None) -> None:
    """L016: the profile's trainer refuses or drops the row."""
    if why:
        res.issues.append(MaskIssue("L016", WARNING, why, None))


def _zero(ctx: _Context, res: MaskResult, settings: MaskSettings) -> None:
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


def _marker_fix(ctx: _Context, res: MaskResult) -> dict[str, str] | None:
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


# --------------------------------------------------------------------------------------
# Mistral built-ins: compare with mistral-common's canonical encoding
# --------------------------------------------------------------------------------------
def _layout(messages: list[dict]) -> frozenset:
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


def _canonical(
    ctx: _Context,
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
    _disagree(
        ctx,
        res,
        canon,
        "transformers gives",
        "mistral-common's canonical encoding has",
        messages=messages,
    )


def _ws_runs(text: str) -> frozenset:
    """The kinds of whitespace run in the rendered row, where the slow and the fast
    tokenizer may split differently (a double space: "▁▁" + "and" vs "▁" + "▁and")."""
    return frozenset([probe for probe in _WS_PROBES if probe in text])  # strings: no clash


def _slow_fast(ctx: _Context, res: MaskResult, layout: frozenset | None) -> None:
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
    _disagree(
        ctx,
        res,
        theirs,
        "the fast tokenizer gives",
        "the slow (SentencePiece) tokenizer gives",
        ("fast (tokenizer.json)", "slow (SentencePiece)"),
    )


def _boundary_cause(prompt: str, completion: str) -> str:
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


def _disagree(
    ctx: _Context,
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
    got = _fmt_tokens(ctx, ours[k : k + 2]) if k < len(ours) else "(end)"
    want = _fmt_tokens(ctx, theirs[k : k + 2]) if k < len(theirs) else "(end)"
    role = res.roles[turn] if turn is not None else None
    lo = max(0, k - 4)
    width = max(len(labels[0]), len(labels[1])) + 1
    res.issues.append(
        MaskIssue(
            "L009",
            WARNING,
            f"{turn_name(turn, role)}: {ours_says} {got} at token {k} where {theirs_says} {want}"
            + _turn_cause(messages, turn),
            turn,
            detail=(
                f"{(labels[0] + ':').ljust(width)} {_fmt_tokens(ctx, ours[lo : k + 6])}\n"
                f"{(labels[1] + ':').ljust(width)} {_fmt_tokens(ctx, theirs[lo : k + 6])}"
            ),
        )
    )


# --------------------------------------------------------------------------------------
# Prompt/completion and pre-tokenized rows
# --------------------------------------------------------------------------------------
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
        return _unavailable(handle.error or "tokenizer unavailable")
    ctx = _context(handle, settings)
    key = _row_key(("pc", prompt, completion, preference))
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    tok = handle.tokenizer
    backend = handle.backend
    issues: list[MaskIssue] = []
    if isinstance(prompt, list) and isinstance(completion, list):
        if ctx.template_error:
            return _unavailable(ctx.template_error)
        try:
            p_text, _ = _render(ctx, prompt, add_generation_prompt=True)
            full_text, gen = _render(ctx, prompt + completion)
        except Exception as exc:
            return _template_raised(exc, prompt + completion)
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
                + (_boundary_cause(p_text, c_text) if isinstance(prompt, str) else ""),
                0,
                detail=(
                    f"prompt alone: {_fmt_tokens(ctx, p_ids[max(0, k - 3) : k + 3])}\n"
                    f"in context:   {_fmt_tokens(ctx, ids[max(0, k - 3) : k + 3])}"
                ),
            )
        )
    full = settings.strategy == "full" or settings.train_on_prompt
    trained = [True] * n if full else [False] * np_ + [True] * (n - np_)
    trained = trained[:n]
    if gen is not None and settings.strategy == "assistant-only" and not preference:
        # TRL: assistant_only_loss keeps only the generation blocks' tokens as well.
        spans_ = _Spans(enc, n)
        in_gen = [False] * n
        for s, e in gen:
            a, b = spans_.tokens(s, e)
            in_gen[a:b] = [True] * (b - a)
        trained = [t and g for t, g in zip(trained, in_gen, strict=True)]
    turn_of: list[int | None] = [0 if i < np_ else 1 for i in range(n)]
    reason = (
        (["full"] * n) if full else (["prompt"] * min(np_, n) + ["completion"] * max(0, n - np_))
    )
    spans = _Spans(enc, n)
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
    _truncate(res, settings)
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
    _double_bos(ctx, res)
    _refused(res, prompt_completion_refusal(settings.profile, prompt, completion))
    if not any(res.trained_mask) and not any(i.code == "L005" for i in res.issues):
        res.issues.insert(
            0, MaskIssue("L001", ERROR, "the row trains on zero tokens: the completion is empty", 1)
        )
    _remember(ctx, key, res)
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
        return _unavailable(handle.error or "tokenizer unavailable")
    ctx = _context(handle, settings)
    key = _row_key(("text-markers", text))
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    enc = handle.backend.encode(text, add_special_tokens=_unsloth_add_special(ctx, text))
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
    _apply_markers(ctx, res, text, ids, res.trained_mask, res.reason_of, _Spans(enc, n))
    _truncate(res, settings)
    _zero(ctx, res, settings)
    _remember(ctx, key, res)
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
        _truncate(res, settings)
    return res
