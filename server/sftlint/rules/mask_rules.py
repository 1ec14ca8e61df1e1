"""L: the loss mask, as the trainer builds it. Runs only when a tokenizer is configured.

The masking engine (`sftlint.masking`) renders and tokenizes each row and reports
`MaskIssue`s by turn index; this module places them on the row's JSON (the turn's
content, or the conversation key for the whole row) and adds the file-level verdict
("N of M rows train on nothing") with the marker fix computed from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sftlint.io import formats
from sftlint.io.positions import point
from sftlint.model import Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import FileContext, Reporter, RowContext, file_check, row_check
from sftlint.rules.marker_fix import marker_fix
from sftlint.rules.mask_branches import analyze_branches
from sftlint.rules.pretokenized_rules import check_vocab
from sftlint.settings import Settings

if TYPE_CHECKING:  # the masking engine is imported only when a tokenizer is configured
    from sftlint.masking.aggregate import FileSummary, MaskTotals
    from sftlint.masking.settings import MaskSettings
    from sftlint.masking.tokenizers import TokenizerHandle

# What the offered fixes do, by code (the masking engine's rules carry no fix text).
_FIXES = {
    "L001": "set instruction-part / response-part to the turn headers that occur in the "
    "rendered rows, in the config file that sets them",
}


def _register() -> None:
    from sftlint.masking.findings import RULES  # no transformers import

    register(
        *(
            Rule(
                r.code,
                r.name,
                Severity.parse(r.severity),
                r.summary.rstrip("."),
                r.explanation,
                fix=_FIXES.get(r.code),
                fix_mode="editor",  # the marker fix edits the config file, not the dataset
            )
            for r in RULES
        )
    )


_register()


@dataclass(slots=True)
class MaskState:
    settings: MaskSettings
    handle: TokenizerHandle
    totals: MaskTotals
    # id(row context) -> (the context, its chat input, its result), for the rows of the
    # group `prefetch` analysed: their own `analyze` takes them instead of building the
    # chat input and its cache key again. The context is held, so its id is not reused.
    prefetched: dict[int, tuple[RowContext, _Chat, Any]] = field(default_factory=dict)


def mask_state(settings: Settings) -> MaskState | str:
    """A file's masking state, or why its masking settings, tokenizer or chat template cannot
    be used."""
    from sftlint import masking
    from sftlint.masking.templates import resolve_template

    base = settings.config_path.parent if settings.config_path else None
    try:
        mask_settings = masking.MaskSettings.from_config(settings.mask.table(), base_dir=base)
    except masking.SettingsError as err:
        return f"masking settings: {err}"
    handle = masking.load_tokenizer(mask_settings)
    if handle.error:
        return handle.error
    try:  # a template that cannot load is the file's one finding, not one per row
        resolve_template(mask_settings, handle.tokenizer, handle.default_template)
    except (ValueError, OSError) as err:
        return str(err)
    return MaskState(mask_settings, handle, masking.MaskTotals())


def _state(ctx: RowContext) -> MaskState | None:
    """The file's masking state, created (and a load failure reported) on first use."""
    state = ctx.reporter.state
    if "mask" in state:
        return state["mask"]
    got = mask_state(ctx.reporter.settings)
    if isinstance(got, str):
        ctx.report("L012", got, (), "value")
        state["mask"] = None
        return None
    state["mask"] = got
    return got


def active(ctx: RowContext) -> bool:
    return bool(ctx.reporter.settings.mask.tokenizer)


Path = tuple[str | int, ...]


# Row formats -> LLaMA-Factory's `formatting` (its converter reads the raw row).
_LLAMAFACTORY_LAYOUTS = {
    formats.MESSAGES: "openai",
    formats.SHAREGPT: "sharegpt",
    formats.ALPACA: "alpaca",
    formats.PROMPT_COMPLETION: "alpaca",  # string rows only: see _llamafactory_unread
}
# The dataset_info columns of LLaMA-Factory's alpaca formatting that read a prompt/completion
# row (its data/README recipe; the parity goldens' alpaca cases record them).
LLAMAFACTORY_PROMPT_COMPLETION = {"prompt": "prompt", "response": "completion"}


def _copy_flags(messages: list[dict[str, Any]], turns: list[Any], flag: str) -> None:
    """Axolotl's `get_conversation_thread` reads a message's training flag from the raw
    message, whatever its layout (a ShareGPT `from`/`value` turn keeps its `train` key)."""
    for m, t in zip(messages, turns, strict=False):
        if isinstance(t.message, dict) and flag in t.message:
            m[flag] = t.message[flag]


def _with_system_column(
    ctx: RowContext, messages: list[dict[str, Any]], paths: list[tuple[str | int, ...]]
) -> tuple[list[dict[str, Any]], list[tuple[str | int, ...]]]:
    """Axolotl's `get_conversation_thread`: a row's `system` key (field_system) becomes the
    first turn when the conversation does not start with one. Axolotl reads the file as
    one table, so a row without the key, in a file whose other rows have it, has it as
    null: an empty system turn (placed at the conversation's key)."""
    value = ctx.value
    if not isinstance(value, dict) or (messages and messages[0].get("role") == "system"):
        return messages, paths
    if "system" in value:
        path: tuple[str | int, ...] = ("system",)
    elif _null_system(ctx):
        path = (formats.messages_key(value, ctx.fields) or "system",)
    else:
        return messages, paths
    system = value.get("system")
    turn = {"role": "system", "content": system if isinstance(system, str) else ""}
    return [turn, *messages], [path, *paths]


def _null_system(ctx: RowContext) -> bool:
    """Whether the row lacks the `system` column other rows of its file have (null to
    Axolotl, which reads the file as one table)."""
    value = ctx.value
    return (
        isinstance(value, dict) and "system" not in value and "system" in (_file_columns(ctx) or ())
    )


NULL_SYSTEM_CAUSE = "axolotl: a row without the file's system column"


def _report_null_system(ctx: RowContext, st: MaskState, result: Any) -> None:
    """L008 for the empty system turn Axolotl gives a row without the file's `system`
    column: one cause for all such rows (the text output and the editor print it once)."""
    if not (
        st.settings.profile.system_column
        and ctx.format in _CHAT_FORMATS
        and result.roles[:1] == ["system"]
        and not (ctx.turns and ctx.turns[0].role == "system")
        and _null_system(ctx)
    ):
        return
    key = formats.messages_key(ctx.value, ctx.fields)
    ctx.report(
        "L008",
        "the row has no `system` column, which other rows of the file have: Axolotl reads "
        "the file as one table and gives the row an empty system turn; add its system "
        "prompt, or move every row's system prompt into its messages",
        (key,) if key else (),
        "key" if key else "value",
        cause=NULL_SYSTEM_CAUSE,
    )


def reads_table(settings: Settings) -> bool:
    """Whether the profile reads a row with the file's columns (Axolotl), so a face that
    holds the file's rows passes them (`state["columns"]`)."""
    from sftlint.masking import profiles

    try:
        prof = profiles.profile(settings.mask.trainer, settings.mask.trainer_version)
    except ValueError:  # the settings check reports it
        return False
    return prof.system_column and bool(settings.mask.tokenizer or settings.mask.pending_tokenizer)


def _file_columns(ctx: RowContext) -> frozenset[str] | None:
    """The file's columns (io/filecolumns.py), read once per file; a face that holds the
    rows itself (the editor's buffer) sets `state["columns"]` before any row."""
    from sftlint.io import filecolumns

    state = ctx.reporter.state
    if "columns" not in state:
        limit = ctx.reporter.settings.max_line_bytes
        state["columns"] = filecolumns.of_path(ctx.row.path, limit)
    return state["columns"]


def _raw_roles(
    messages: list[dict[str, Any]], turns: list[formats.Turn], fields: formats.Fields
) -> list[dict[str, Any]]:
    """Axolotl's `transform_message`: a role its role map does not name (ShareGPT's
    function_call, observation) reaches the template as it is, its value the content."""
    from sftlint.masking.profiles import AXOLOTL_ROLES

    out = []
    for m, t in zip(messages, turns, strict=False):
        raw = t.raw_role
        if isinstance(raw, str) and raw not in AXOLOTL_ROLES and raw not in fields.extra_roles:
            m = {k: v for k, v in m.items() if k != "tool_calls"}
            m["role"] = raw
            m["content"] = formats.content_text(t.content) or ""
        out.append(m)
    return out


def _llamafactory(ctx: RowContext, st: MaskState) -> tuple[Any, list[tuple[str | int, ...]]]:
    from sftlint.masking import llamafactory
    from sftlint.masking.analysis import analyze_llamafactory

    fields = ctx.fields
    layout = _LLAMAFACTORY_LAYOUTS[ctx.format]
    paths: list[Path]
    if ctx.format == formats.PROMPT_COMPLETION:
        example = llamafactory.convert(ctx.value, layout, LLAMAFACTORY_PROMPT_COMPLETION, {})
        roles, paths = ["prompt", "completion"], [("prompt",), ("completion",)]
    else:
        columns, tags = fields.columns, fields.tags
        if not columns and not tags and layout in llamafactory.DEFAULT_ENTRIES:
            # No dataset_info: the entry that reads this layout, the turns from the row's key
            # (DatasetAttr's own defaults read `conversations` with from/value tags).
            columns, tags = llamafactory.DEFAULT_ENTRIES[layout]
            key = formats.messages_key(ctx.value, fields) or "messages"
            columns = {"messages": key, **columns}
        example = llamafactory.convert(ctx.value, layout, columns, tags)
        roles, paths = [str(t.role) for t in ctx.turns], [t.content_path for t in ctx.turns]
    return analyze_llamafactory(example, st.handle, st.settings, roles), paths


_CHAT_FORMATS = (formats.MESSAGES, formats.SHAREGPT, formats.ALPACA, formats.UNPAIRED_PREFERENCE)


@dataclass(slots=True)
class _Chat:
    """A chat row as the template receives it, with the JSON path of each turn index."""

    messages: list[dict[str, Any]]
    tools: Any
    paths: list[Path]
    only_last: bool = False  # mistral-finetune reads a row's `only_last` (truthy)


def _chat_input(ctx: RowContext, st: MaskState) -> _Chat | tuple[Any, list[Path]] | None:
    """A chat row's messages and tools, or the result of a row that is not rendered."""
    from sftlint import masking
    from sftlint.masking import profiles
    from sftlint.masking.analysis import refused
    from sftlint.masking.messages import NotRendered, row_tools, template_messages

    value = ctx.value
    turns = ctx.turns
    paths = [t.content_path for t in turns]
    messages = template_messages(turns, ctx.format)
    tools = row_tools(value, ctx.fields)
    roles = [str(t.role) for t in turns]
    tools_key = ctx.fields.column("tools", "tools")
    if why := profiles.tools_refusal(st.settings.profile, value.get(tools_key)):
        return refused(why, roles, len(turns)), [*paths, (tools_key,)]
    if refusal := profiles.content_refusal(st.settings.profile, turns):
        return refused(refusal[0], roles, refusal[1]), paths
    if isinstance(messages, NotRendered):
        return masking.not_tokenized(messages.reason, messages.turn, roles), paths
    if isinstance(tools, NotRendered):  # reported at the tools key
        paths.append((tools_key,))
        return masking.not_tokenized(tools.reason, len(turns), roles), paths
    if not messages:
        return None
    for flag in (st.settings.message_field_training, st.settings.message_field_training_detail):
        if flag:
            _copy_flags(messages, turns, flag)
    if st.settings.profile.raw_roles:
        messages = _raw_roles(messages, turns, ctx.fields)
    if st.settings.profile.system_column:
        messages, paths = _with_system_column(ctx, messages, paths)
    if tools:  # the index past the turns: a finding on the row's tools (L016)
        paths = [*paths, (tools_key,)]
    return _Chat(messages, tools, paths, bool(isinstance(value, dict) and value.get("only_last")))


def prefetch(ctxs: list[RowContext]) -> None:
    """Analyse the chat rows of `ctxs` together before their row checks run: rendered one
    by one, tokenized in one `encode_batch` (the tokenizer's threads share the work, and
    per-call costs are paid once). The results wait in the analysis cache, where each
    row's own `loss_mask` finds them: findings and totals are those of a row-by-row pass.
    """
    from sftlint import masking

    st = _state(ctxs[0]) if ctxs and active(ctxs[0]) else None
    if st is None or st.settings.profile.trainer == "llama-factory":
        return
    chats = [(ctx, _chat_input(ctx, st)) for ctx in ctxs if ctx.format in _CHAT_FORMATS]
    batch = [(ctx, c) for ctx, c in chats if isinstance(c, _Chat)]
    st.prefetched.clear()
    if len(batch) > 1:
        results = masking.analyze_conversations(
            [c.messages for _, c in batch],
            st.handle,
            st.settings,
            tools=[c.tools for _, c in batch],
            only_last=[c.only_last for _, c in batch],
        )
        st.prefetched = {id(ctx): (ctx, c, r) for (ctx, c), r in zip(batch, results, strict=True)}


def analyze(ctx: RowContext, st: MaskState) -> tuple[Any, list[tuple[str | int, ...]]] | None:
    """Mask result of the row plus the JSON path of each turn index it reports (for a
    preference row, its chosen branch)."""
    from sftlint import masking

    value, fmt = ctx.value, ctx.format
    if st.settings.profile.trainer == "llama-factory" and _llamafactory_unread(ctx):
        return None
    if fmt == formats.PREFERENCE:
        branches = analyze_branches(ctx, st)
        return (branches[0][1], branches[0][0].paths) if branches else None
    if st.settings.profile.trainer == "llama-factory" and fmt in _LLAMAFACTORY_LAYOUTS:
        return _llamafactory(ctx, st)
    if fmt in _CHAT_FORMATS:
        done = st.prefetched.pop(id(ctx), None)
        if done is not None and done[0] is ctx:
            return done[2], done[1].paths
        chat = _chat_input(ctx, st)
        if not isinstance(chat, _Chat):
            return chat
        result = masking.analyze_conversation(
            chat.messages, st.handle, st.settings, tools=chat.tools, only_last=chat.only_last
        )
        return result, chat.paths
    if fmt == formats.PROMPT_COMPLETION:
        prompt, completion = value.get("prompt"), value.get("completion")
        if not isinstance(prompt, str | list) or not isinstance(completion, str | list):
            return None
        result = masking.analyze_prompt_completion(prompt, completion, st.handle, st.settings)
        return result, [("prompt",), ("completion",)]
    if fmt == formats.TEXT:
        text = value.get("text")
        if not isinstance(text, str):
            return None
        return masking.analyze_text(text, st.handle, st.settings), [("text",), ("text",)]
    if fmt == formats.PRETOKENIZED:
        ids, labels = value.get("input_ids"), value.get("labels")
        vocab = st.handle.backend.get_vocab_size(with_added_tokens=True)
        check_vocab(ctx, vocab)
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            return None
        if "labels" not in value:
            # TRL's label building and the language-modelling collator copy input_ids.
            labels = ids
        elif not isinstance(labels, list) or not all(isinstance(i, int) for i in labels):
            labels = None
        return masking.analyze_pretokenized(ids, labels, st.handle, st.settings), []
    return None


@row_check
def loss_mask(ctx: RowContext) -> None:
    if not active(ctx):
        return
    st = _state(ctx)
    if st is not None:
        st.totals.add(*mask_row(ctx, st))


def mask_row(ctx: RowContext, st: MaskState) -> tuple[Any, ...]:
    """Report the row's loss-mask findings; return what the file totals count of it
    (`MaskTotals.add(*returned)`): its result, or a preference row's branch results."""
    if st.settings.profile.trainer == "llama-factory" and (unread := _llamafactory_unread(ctx)):
        if ctx.enabled("L013"):
            message, cause, path = unread
            part = "key" if path else "value"
            ctx.report("L013", message, path, part, severity=Severity.INFO, cause=cause)
        return (None,)
    if ctx.format == formats.PREFERENCE:
        return _preference_mask(ctx, st)
    analysed = analyze(ctx, st)
    if analysed is None:
        _report_not_tokenized(ctx)
        return (None,)
    result, paths = analysed
    conversation = ctx.value and formats.messages_key(ctx.value, ctx.fields)
    trains_nothing = any(i.code == "L001" for i in result.issues)
    for issue in result.issues:
        if not ctx.enabled(issue.code) or (trains_nothing and issue.code == "L007"):
            continue  # an untrained end-of-turn token is moot in a row that trains nothing
        if issue.turn is not None and issue.turn < len(paths):
            path, part = paths[issue.turn], "value"
        else:
            path, part = ((conversation,), "key") if conversation else ((), "value")
        if issue.code == "L013" and _explained(ctx, issue.turn, path):
            continue
        severity = Severity.parse(issue.severity)
        ctx.report(issue.code, issue.message, path, part, severity=severity, cause=issue.cause)
    if ctx.enabled("L008"):
        _report_null_system(ctx, st, result)
    return (result,)


def _explained(ctx: RowContext, turn: int | None, path: Path) -> bool:
    """Whether a structural error of this row already points into the turn (or key) that
    keeps the row from being rendered: it is the cause, and L013 would say it twice."""
    if turn is not None and turn < len(ctx.turns):
        path = ctx.turns[turn].path
    span = ctx.row.span(path, "value")
    lo, hi = span.start.offset, span.end.offset
    for f in reversed(ctx.reporter.findings):
        if f.row_line != ctx.row.line:
            return False  # the row's own findings are the last ones reported
        if f.severity >= Severity.ERROR and lo <= f.range.start.offset <= hi:
            return True
    return False


def _report_not_tokenized(ctx: RowContext) -> None:
    """A row with nothing the trainer can render: it is missing from the token totals, and
    says so (the structural rules say what is wrong with its shape)."""
    if not ctx.enabled("L013") or ctx.format == formats.UNKNOWN:
        return  # an unknown layout has its own finding
    conversation = ctx.value and formats.messages_key(ctx.value, ctx.fields)
    path, part = ((conversation,), "key") if conversation else ((), "value")
    ctx.report(
        "L013",
        f"the row is not tokenized: its {ctx.format} layout holds nothing the trainer renders",
        path,
        part,
    )


LLAMAFACTORY_PREFERENCE_CAUSE = "llama-factory: preference rows are not mirrored"
LLAMAFACTORY_TEXT_CAUSE = "llama-factory: text rows are not mirrored"
LLAMAFACTORY_CHAT_COMPLETION_CAUSE = "llama-factory: conversational prompt/completion rows"
LLAMAFACTORY_V1_CAUSE = "llama-factory: v1 content parts are not mirrored"


def _llamafactory_unread(ctx: RowContext) -> tuple[str, str, Path] | None:
    """(message, cause, key) for a row the llama-factory profile does not tokenize: the
    profile mirrors LLaMA-Factory's sft stage, which trains neither a preference row (its
    dpo/rm stages do) nor a text row (dropped: no response; its pt stage trains it), and none
    of whose converters reads prompt and completion message lists (the goldens' alpaca,
    alpaca_text and openai_prompt cases); nor, with no trainer config, a row in the layout
    of its v1 data engine. Counted, not tokenized: one cause per file."""
    value, fmt = ctx.value, ctx.format
    if fmt == formats.PREFERENCE:
        conversation = formats.messages_key(value, ctx.fields)
        return (
            "the row is not tokenized: sftlint mirrors LLaMA-Factory's sft stage, not the "
            "preference stages (dpo, rm) that train this chosen/rejected row",
            LLAMAFACTORY_PREFERENCE_CAUSE,
            (conversation,) if conversation else (),
        )
    if fmt == formats.TEXT:
        return (
            "the row is not tokenized: LLaMA-Factory's sft stage, which sftlint mirrors, drops "
            "a text row (it has no response); its pretraining stage (pt) trains it",
            LLAMAFACTORY_TEXT_CAUSE,
            ("text",),
        )
    if fmt == formats.PROMPT_COMPLETION and any(
        isinstance(value.get(k), list) for k in ("prompt", "completion")
    ):
        return (
            "the row is not tokenized: LLaMA-Factory reads no conversational prompt/completion "
            "row (its alpaca formatting raises on the message lists; its openai formatting reads "
            'one list, and the prompt alone is dropped): put the turns in one "messages" list',
            LLAMAFACTORY_CHAT_COMPLETION_CAUSE,
            ("prompt",),
        )
    key = formats.messages_key(value, ctx.fields) if fmt == formats.MESSAGES else None
    if key and not (ctx.fields.columns or ctx.fields.tags) and _v1_parts(value[key]):
        # No trainer config says which engine trains the file; with one, its sft stage does.
        return (
            'the row is not tokenized: its {"type", "value"} content parts are LLaMA-Factory '
            "v1's layout (USE_V1=1), which sftlint does not mirror; the sft stage it mirrors "
            'raises on them ("Expected a string")',
            LLAMAFACTORY_V1_CAUSE,
            (key,),
        )
    return None


def _v1_parts(messages: list[Any]) -> bool:
    """Whether a message holds LLaMA-Factory v1's content parts (v1/utils/types.py Content:
    `type` and `value`; OpenAI's parts hold `text`)."""
    return any(
        isinstance(part, dict) and "type" in part and "value" in part
        for m in messages
        if isinstance(m, dict) and isinstance(m.get("content"), list)
        for part in m["content"]
    )


def _preference_mask(ctx: RowContext, st: MaskState) -> tuple[Any, ...]:
    """Both branches of a preference row: each finding at the branch's key, named by it;
    one the branches share (the same prompt) reported once for both."""
    branches = analyze_branches(ctx, st)
    if not branches:
        _report_not_tokenized(ctx)
        return (None,)
    reports: dict[tuple[str, str, Path], tuple[list[str], str, str | None]] = {}
    for branch, result in branches:
        trains_nothing = any(i.code == "L001" for i in result.issues)
        for issue in result.issues:
            if not ctx.enabled(issue.code) or (trains_nothing and issue.code == "L007"):
                continue
            turn = issue.turn
            where = branch.paths[turn] if turn is not None and 0 <= turn < len(branch.paths) else ()
            key = (issue.code, issue.message, where)
            names, _, _ = reports.setdefault(key, ([], issue.severity, issue.cause))
            names.append(branch.name)
    for (code, message, where), (names, severity, cause) in reports.items():
        ctx.report(
            code,
            f"{' and '.join(names)}: {message}",
            where,
            severity=Severity.parse(severity),
            cause=cause,
        )
    return tuple(result for _, result in branches)


@file_check
def mask_totals(ctx: FileContext) -> None:
    st: MaskState | None = ctx.reporter.state.get("mask")
    if st is None:
        return
    summary = report_totals(ctx.reporter, ctx.path, st.totals, st)
    ctx.reporter.stats["mask"] = totals_stats(summary)


def report_totals(reporter: Reporter, path: str, totals: MaskTotals, st: MaskState) -> FileSummary:
    """The file-level verdict of `totals` (a `MaskTotals`): its findings (L001 "N of M rows
    train on nothing" with the marker fix, L017 control tokens the tokenizer splits)
    reported at 1:1; returns the `FileSummary`."""
    from sftlint.masking.controltokens import control_token_issue

    summary = totals.finish(st.settings, st.handle)
    config = reporter.settings.config_path
    split = control_token_issue(st.settings, st.handle)
    for issue in [*summary.issues, *([split] if split else [])]:
        if reporter.enabled(issue.code):
            fix = marker_fix(config, issue.fix) if config and issue.fix else None
            reporter.add(
                issue.code,
                issue.message,
                path,
                point(0, 0, 0, 0),
                severity=Severity.parse(issue.severity),
                fixes=[fix] if fix else (),
            )
    return summary


def totals_stats(summary: FileSummary) -> dict[str, int]:
    return {
        "rows": summary.rows,
        "tokens": summary.tokens,
        "trained_tokens": summary.trained_tokens,
        "rows_training_nothing": summary.rows_training_nothing,
        "rows_not_tokenized": summary.rows_not_tokenized,
    }
