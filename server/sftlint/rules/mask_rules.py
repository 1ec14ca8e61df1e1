"""L: the loss mask, as the trainer builds it. Runs only when a tokenizer is configured.

The masking engine (`sftlint.masking`) renders and tokenizes each row and reports
`MaskIssue`s by turn index; this module places them on the row's JSON (the turn's
content, or the conversation key for the whole row) and adds the file-level verdict
("N of M rows train on nothing") with the marker fix computed from the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sftlint import formats
from sftlint.checks import FileContext, RowContext, file_check, row_check
from sftlint.model import Severity
from sftlint.positions import point
from sftlint.registry import Rule, register
from sftlint.rules.pretokenized_rules import check_vocab


def _register() -> None:
    from sftlint.masking.findings import RULES  # no transformers import

    register(
        *(
            Rule(r.code, r.name, Severity.parse(r.severity), r.summary.rstrip("."), r.explanation)
            for r in RULES
        )
    )


_register()


@dataclass(slots=True)
class MaskState:
    settings: Any  # masking.MaskSettings
    handle: Any  # masking.TokenizerHandle
    totals: Any  # masking.MaskTotals


def _state(ctx: RowContext) -> MaskState | None:
    """The file's masking state, created (and a load failure reported) on first use."""
    state = ctx.reporter.state
    if "mask" in state:
        return state["mask"]
    from sftlint import masking

    settings = ctx.reporter.settings
    base = settings.config_path.parent if settings.config_path else None
    state["mask"] = None
    try:
        mask_settings = masking.MaskSettings.from_config(settings.mask, base_dir=base)
    except masking.SettingsError as err:
        ctx.report("L012", f"masking settings: {err}", (), "value")
        return None
    handle = masking.load_tokenizer(mask_settings)
    if handle.error:
        ctx.report("L012", handle.error, (), "value")
        return None
    state["mask"] = MaskState(mask_settings, handle, masking.MaskTotals())
    return state["mask"]


def active(ctx: RowContext) -> bool:
    return bool(ctx.reporter.settings.mask.get("tokenizer"))


def chat_messages(turns: list[formats.Turn], fmt: str) -> list[dict[str, Any]] | None:
    """The row's turns as OpenAI messages for the template; None when it cannot render."""
    out: list[dict[str, Any]] = []
    for t in turns:
        text = formats.content_text(t.content)
        if t.role is None or text is None:
            return None
        m: dict[str, Any] = {}
        if fmt == formats.MESSAGES and isinstance(t.message, dict):
            m.update(t.message)
        m["role"] = t.role
        m["content"] = text
        out.append(m)
    return out


def analyze(ctx: RowContext, st: MaskState) -> tuple[Any, list[tuple[str | int, ...]]] | None:
    """Mask result of the row plus the JSON path of each turn index it reports."""
    from sftlint import masking

    value, fmt = ctx.value, ctx.format
    if fmt in (formats.MESSAGES, formats.SHAREGPT, formats.ALPACA, formats.UNPAIRED_PREFERENCE):
        turns = ctx.turns
        messages = chat_messages(turns, fmt)
        if not messages:
            return None
        tools = value.get(ctx.fields.column("tools", "tools"))
        if isinstance(tools, str):
            import json

            try:
                tools = json.loads(tools)
            except ValueError:
                tools = None
        result = masking.analyze_conversation(
            messages, st.handle, st.settings, tools=tools if isinstance(tools, list) else None
        )
        return result, [t.content_path for t in turns]
    if fmt == formats.PROMPT_COMPLETION:
        prompt, completion = value.get("prompt"), value.get("completion")
        if not isinstance(prompt, str | list) or not isinstance(completion, str | list):
            return None
        result = masking.analyze_prompt_completion(prompt, completion, st.handle, st.settings)
        return result, [("prompt",), ("completion",)]
    if fmt == formats.PRETOKENIZED:
        ids, labels = value.get("input_ids"), value.get("labels")
        vocab = st.handle.backend.get_vocab_size(with_added_tokens=True)
        check_vocab(ctx, vocab)
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            return None
        if not isinstance(labels, list) or not all(isinstance(i, int) for i in labels):
            labels = None
        return masking.analyze_pretokenized(ids, labels, st.handle), []
    return None


@row_check
def loss_mask(ctx: RowContext) -> None:
    if not active(ctx):
        return
    st = _state(ctx)
    if st is None:
        return
    analysed = analyze(ctx, st)
    if analysed is None:
        st.totals.add(None)
        return
    result, paths = analysed
    st.totals.add(result)
    conversation = ctx.value and formats.messages_key(ctx.value, ctx.fields)
    trains_nothing = any(i.code == "L001" for i in result.issues)
    for issue in result.issues:
        if not ctx.enabled(issue.code) or (trains_nothing and issue.code == "L007"):
            continue  # an untrained end-of-turn token is moot in a row that trains nothing
        if issue.turn is not None and issue.turn < len(paths):
            path, part = paths[issue.turn], "value"
        else:
            path, part = ((conversation,), "key") if conversation else ((), "value")
        ctx.report(issue.code, issue.message, path, part, severity=Severity.parse(issue.severity))


@file_check
def mask_totals(ctx: FileContext) -> None:
    st: MaskState | None = ctx.reporter.state.get("mask")
    if st is None:
        return
    summary = st.totals.finish(st.settings, st.handle)
    ctx.reporter.stats["mask"] = {
        "rows": summary.rows,
        "tokens": summary.tokens,
        "trained_tokens": summary.trained_tokens,
        "rows_training_nothing": summary.rows_training_nothing,
    }
    for issue in summary.issues:
        if ctx.enabled(issue.code):
            ctx.reporter.add(
                issue.code,
                issue.message,
                ctx.path,
                point(0, 0, 0, 0),
                severity=Severity.parse(issue.severity),
            )
