"""Custom requests of the VS Code extension (any client may send them).

`sftlint/rowTokens` `{uri, line}`: the row containing the 0-based `line`, in the JSON shape
of `sftlint show --json` (plus `message` when there are no tokens to show, and why); null
outside rows. `sftlint/fileStats` `{uri}`: `{tokenizer, chatTemplate, strategy, rows,
tokens, trainedTokens}` (token counts null without a usable tokenizer).
"""

from __future__ import annotations

from typing import Any

from sftlint.lsp import masking, rows
from sftlint.lsp.documents import LineDocument
from sftlint.lsp.linting import Linting
from sftlint.lsp.masking import MaskService
from sftlint.report import json as report_json

ROW_TOKENS = "sftlint/rowTokens"
FILE_STATS = "sftlint/fileStats"


def _param(params: Any, name: str) -> Any:
    value = params.get(name) if isinstance(params, dict) else getattr(params, name, None)
    if value is None:
        raise ValueError(f"missing parameter {name!r}")
    return value


async def _no_tokens(settings: Any, masks: MaskService) -> str | None:
    """Why the row has no tokens, when the reason is the settings."""
    note = masking.withheld_note(settings)
    if not masking.configured(settings):
        return note or masking.NO_TOKENIZER
    return await masks.error(settings)


async def row_tokens(linting: Linting, masks: MaskService, params: Any) -> dict[str, Any] | None:
    uri, line = _param(params, "uri"), _param(params, "line")
    if not isinstance(line, int):
        raise ValueError("line must be an integer")
    state = linting.documents.get(uri)
    if state is None:
        return None
    await linting.current(uri)  # a JSON array's rows are then found in its index
    row = rows.row_at(state.doc, line, state.linter.array_rows)
    if row is None:
        return None
    view = await masks.view(row, state.settings, await masks.columns(state.doc, state.settings))
    payload = report_json.row_json(state.doc.path, view)
    if view.result is None:
        settings = masking.effective(state.settings)
        message = await _no_tokens(settings, masks)
        if message is None and view.format is None:
            message = "the row is not a JSON object"
        elif message is None:
            message = f"nothing to tokenize in a {view.format} row"
        payload["message"] = message
    return payload


def _snapshot(doc: LineDocument) -> LineDocument:
    """A copy the executor can read while edits change the document."""
    return LineDocument(doc.uri, doc.path, doc.language_id, doc.version, list(doc.lines))


async def file_stats(linting: Linting, masks: MaskService, params: Any) -> dict[str, Any] | None:
    state = linting.documents.get(_param(params, "uri"))
    if state is None:
        return None
    settings = masking.effective(state.settings)
    mask = settings.mask
    all_rows = await masks.run(lambda doc: list(rows.iter_rows(doc)), _snapshot(state.doc))
    tokens = trained = None
    if masking.configured(settings) and await masks.error(settings) is None:
        columns = await masks.columns(state.doc, settings)
        tokens, trained = await masks.totals(all_rows, settings, columns)
    strategy = mask.strategy
    if masking.configured(settings) and strategy is None:
        strategy = "assistant-only"  # the engine's default
    return {
        "tokenizer": mask.tokenizer,
        "chatTemplate": mask.chat_template,
        "strategy": strategy,
        "rows": len(all_rows),
        "tokens": tokens,
        "trainedTokens": trained,
    }
