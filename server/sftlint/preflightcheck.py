"""`sftlint.preflight`: stop a training script before any GPU work when its rows would
fail or train nothing.

It runs `sftlint.check` with the tokenizer and the trainer's masking (the same mask pass
as `sftlint check --tokenizer`), keeps the findings that doom a run, and raises one
`PreflightError` naming each cause once, with its rows and its fix. A data collator, when
given, is called on the first rows: a batch without `labels` is a model that returns no
loss ("The model did not return a loss from the inputs, only the following keys:
logits"), which no dataset check can see.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sftlint.api import Finding, Rows, check
from sftlint.io import formats
from sftlint.masking.settings import MaskSettings, SettingsError
from sftlint.settings import settings_for

# The findings that stop a run or leave it nothing to learn, most specific first, and
# what to do about each.
BLOCKING = {
    "L012": "give a tokenizer folder or a model id already in the local Hugging Face cache",
    "L003": "fix the rows the chat template rejects (or the template)",
    "T003": "give every row labels, or none (the language-modelling collator then copies "
    "input_ids into labels)",
    "T002": "keep the labels of the response tokens (only prompt tokens are -100), or drop "
    "the rows",
    "L005": "raise max-seq-length (TRL max_length) or shorten the rows",
    "L001": "train the assistant turns: set the strategy and the markers the rows render with",
}
_SUMMARY = re.compile(r"^\d+ of \d+ rows ")  # L001's file-level finding
NO_LABELS_FIX = (
    "give the rows labels (prompt tokens -100), or use a collator that builds them "
    "(TRL's default DataCollatorForLanguageModeling copies input_ids into labels)"
)
_SHOWN_ROWS = 10  # rows named per cause; the count says how many there are
# trl.data_utils.is_conversational: one of these keys holds a list of role dicts.
_TRL_CONVERSATION_KEYS = ("prompt", "chosen", "rejected", "completion", "messages")
NOT_CONVERSATIONAL_FIX = (
    "drop strategy assistant-only (TRL then trains every token of text and pre-tokenized "
    "rows), or give the rows as messages"
)


class PreflightError(ValueError):
    """Training would fail or train nothing. `findings` are the blocking findings,
    `rows` the 0-based indices of the rows they name."""

    def __init__(self, message: str, findings: list[Finding], rows: list[int]) -> None:
        super().__init__(message)
        self.findings = findings
        self.rows = rows


def preflight(
    dataset: Rows,
    tokenizer: Any,
    trainer: str = "trl",
    *,
    data_collator: Callable[[list[dict[str, Any]]], Any] | None = None,
    **settings: Any,
) -> list[Finding]:
    """Raise `PreflightError` when `dataset` would train nothing under `trainer`'s masking
    with `tokenizer` (a transformers tokenizer, a tokenizer folder or a cached model id);
    else return every finding (warnings included). `settings` are mask config keys:
    `strategy`, `instruction_part`, `response_part`, `max_seq_length`, ..."""
    with tempfile.TemporaryDirectory(prefix="sftlint-tokenizer-") as tmp:
        path = _tokenizer_path(tokenizer, tmp)
        found = check(dataset, tokenizer=path, trainer=trainer, **settings)
    blocking = [f for f in found if f.code in BLOCKING and f.severity == "error"]
    causes, rows = _causes(blocking)
    refused = _trl_refuses_layout(dataset, trainer, settings)
    no_labels = _collator_drops_labels(dataset, data_collator)
    causes += [cause for cause in (refused, no_labels) if cause]
    if causes:
        total = len(dataset)
        head = f"sftlint preflight ({trainer}, {total} rows): training would fail or train nothing"
        raise PreflightError("\n".join([head, *causes]), blocking, rows)
    return found


def _tokenizer_path(tokenizer: Any, tmp: str) -> str:
    """A path or id as given; a tokenizer object saved as it is (its chat template
    included), since the user may have changed it since loading."""
    if isinstance(tokenizer, str):
        return tokenizer
    save = getattr(tokenizer, "save_pretrained", None)
    if save is None:
        raise TypeError(
            f"tokenizer: expected a transformers tokenizer, a folder or a model id, "
            f"not {type(tokenizer).__name__}"
        )
    save(tmp)
    return tmp


def _causes(blocking: list[Finding]) -> tuple[list[str], list[int]]:
    """One paragraph per cause: its rows, its message and its fix; and every row named.
    The most specific cause of a row wins (a row truncated to nothing is not also one that
    trains nothing). L001's file summary sits at row 0 whatever the rows: it gives the
    message (it carries the suggested markers), the per-row findings give the rows."""
    lines: list[str] = []
    named: set[int] = set()
    for code in BLOCKING:
        of_code = [f for f in blocking if f.code == code]
        summary = [f for f in of_code if _SUMMARY.search(f.message)]
        per_row = [f for f in of_code if f not in summary]
        rows = sorted({f.row for f in per_row if f.row is not None} - named)
        if not rows:
            continue
        named.update(rows)
        first = (summary or [f for f in per_row if f.row == rows[0]])[0]
        shown = ", ".join(map(str, rows[:_SHOWN_ROWS]))
        more = f" and {len(rows) - _SHOWN_ROWS} more" if len(rows) > _SHOWN_ROWS else ""
        noun = "row" if len(rows) == 1 else "rows"
        lines.append(f"- {code} {first.name}: {noun} {shown}{more}: {first.message}")
        lines.append(f"  fix: {BLOCKING[code]}")
    return lines, sorted(named)


def _trl_refuses_layout(dataset: Rows, trainer: str, settings: dict[str, Any]) -> str | None:
    """TRL's SFTTrainer refuses assistant_only_loss (strategy assistant-only) when the
    first row is not conversational, before it prepares any row (SFTTrainer.__init__:
    `is_conversational(next(iter(train_dataset)))`): text rows, pre-tokenized rows,
    prompt/completion strings, ShareGPT `conversations`. The row checks cannot see it: it
    is the trainer's refusal of the whole dataset."""
    if trainer != "trl" or len(dataset) == 0:
        return None
    overrides = {key.replace("_", "-"): value for key, value in settings.items()}
    resolved = settings_for(Path.cwd(), {**overrides, "trainer": trainer})  # as check() does
    try:
        strategy = MaskSettings.from_config(resolved.mask.table()).strategy
    except SettingsError:
        return None  # check() reported it (L012)
    first = dataset[0]
    if strategy != "assistant-only" or not isinstance(first, dict) or _conversational(first):
        return None
    layout = formats.detect(first, resolved.fields)
    return (
        f"- strategy assistant-only (TRL assistant_only_loss=True) needs conversational rows, "
        f"and row 0 is a {layout} row: TRL's SFTTrainer raises 'You set "
        "`assistant_only_loss=True`, but the dataset is not conversational' before training\n"
        f"  fix: {NOT_CONVERSATIONAL_FIX}"
    )


def _conversational(row: dict[str, Any]) -> bool:
    for key in _TRL_CONVERSATION_KEYS:
        value = row.get(key)
        if isinstance(value, list) and value:
            return isinstance(value[0], dict) and "role" in value[0]
    return False


def _collator_drops_labels(
    dataset: Rows, collator: Callable[[list[dict[str, Any]]], Any] | None
) -> str | None:
    """Call the collator on the first two rows' model inputs, as the trainer will."""
    if collator is None or len(dataset) == 0:
        return None
    rows: Sequence[Any] = [dataset[i] for i in range(min(2, len(dataset)))]
    named = "row 0" if len(rows) == 1 else "rows 0-1"
    keys = ("input_ids", "attention_mask", "labels")
    features = [{k: row[k] for k in keys if k in row} for row in rows]
    if not all("input_ids" in f for f in features):
        return None  # text rows: the trainer tokenizes them before its collator runs
    try:
        batch = collator(features)
    except Exception as exc:  # the run would stop on its first batch the same way
        return f"- the data collator raised {type(exc).__name__}: {exc} ({named})"
    if "labels" in batch:
        return None
    given = ", ".join(batch.keys())
    return (
        f"- labels missing: the data collator's batch has {given} and no labels ({named}), so the "
        "model computes no loss (transformers' Trainer: 'The model did not return a loss "
        "from the inputs')\n"
        f"  fix: {NO_LABELS_FIX}"
    )
