"""The per (tokenizer, settings) context of the mask analysis, and its row cache.

Built once per tokenizer and settings: the resolved chat template, the special and
end-of-turn ids, the markers strategy's ids; it holds the results of recent rows.
"""

from __future__ import annotations

import marshal
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from .markers import (
    MarkerIds,
    marker_ids,
    message_start,
    template_parts,
)
from .render import render_chat
from .results import MaskResult
from .settings import MaskSettings
from .templates import (
    MISTRAL_TEMPLATES,
    builtin_template,
    has_generation_blocks,
    is_builtin,
    resolve_template,
)
from .tokenizers import TokenizerHandle
from .toolcalls import tool_call_checks

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


# Results kept for rows analysed again unchanged (hover, preview, show of a recent row). A
# file check analyses each row once and the server keeps its own per-row outcomes, so a
# larger cache only holds memory: a result keeps its ids, mask and tokenizer encoding,
# ~60 bytes a token (50,000 rows of 550 tokens held 1.6 GB).
_CACHE_MAX = 64


@dataclass(eq=False)
class Context:
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


_CONTEXTS: dict[tuple, Context] = {}


_CONTEXTS_LOCK = threading.Lock()


def context(handle: TokenizerHandle, settings: MaskSettings) -> Context:
    key = (handle.key, settings.key)
    ctx = _CONTEXTS.get(key)
    if ctx is not None:
        return ctx
    with _CONTEXTS_LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is None:
            ctx = _CONTEXTS[key] = _build_context(handle, settings)
    return ctx


def _build_context(handle: TokenizerHandle, settings: MaskSettings) -> Context:
    ctx = Context(handle, settings)
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


def _build_markers(ctx: Context, settings: MaskSettings) -> None:
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
            q, r = template_parts(lambda m: render_chat(ctx, m)[0], specials)
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


def row_key(obj: Any) -> bytes | str:
    try:
        # Version 2: no back-references, whose flags depend on reference counts, so equal
        # rows always give equal keys.
        return marshal.dumps(obj, 2)
    except ValueError:
        return repr(obj)


def remember(ctx: Context, key: Any, res: MaskResult) -> None:
    with ctx.lock:
        ctx.cache[key] = res
        if len(ctx.cache) > _CACHE_MAX:
            ctx.cache.popitem(last=False)
