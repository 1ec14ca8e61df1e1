"""T: pre-tokenized rows (`input_ids`, `labels`, `attention_mask`).

Rows that carry token ids go straight into the collator: a length mismatch, a label that is
not a token id or -100, or a row whose labels are all -100 is not caught until the batch
is built (or never, when the loss is silently 0). Ids beyond the tokenizer's vocabulary
need the tokenizer: the masking engine calls `check_vocab` once it has loaded one.
"""

from __future__ import annotations

import json
from typing import Any

from sftlint.io import formats
from sftlint.model import Severity
from sftlint.registry import Rule, register
from sftlint.rules.checks import FileContext, RowContext, file_check, row_check

IGNORE_INDEX = -100  # PyTorch CrossEntropyLoss's default ignore_index, used by every trainer
# Per-token sequences that must line up with `input_ids`.
ALIGNED_KEYS = ("labels", "attention_mask", "token_type_ids", "position_ids")

register(
    Rule(
        "T001",
        "sequence-length-mismatch",
        Severity.ERROR,
        "`labels` / `attention_mask` length differs from `input_ids`",
        """\
Every per-token sequence of a pre-tokenized row (`labels`, `attention_mask`,
`token_type_ids`, `position_ids`) must have one entry per token of `input_ids`. Collators
pad them side by side; when the lengths differ, batching fails (`expected sequence of
length 14 at dim 1 (got 12)`) or, worse, labels are shifted against their tokens.

Bad:
```json
{"input_ids": [1, 306, 4966, 2], "labels": [-100, 306, 4966]}
```
Good:
```json
{"input_ids": [1, 306, 4966, 2], "labels": [-100, 306, 4966, 2]}
```
""",
    ),
    Rule(
        "T002",
        "no-trainable-labels",
        Severity.ERROR,
        "Every label of the row is -100",
        """\
A label of -100 means "do not learn this token". When every label is -100 the row adds
nothing to the loss; when a whole batch is like this the loss is NaN or 0, and a file of
such rows ends in *"All labels in your dataset are -100"* or *"The model did not return a
loss from the inputs"*. Usually the masking step masked the response too.

Bad:
```json
{"input_ids": [1, 306, 4966, 2], "labels": [-100, -100, -100, -100]}
```
Good:
```json
{"input_ids": [1, 306, 4966, 2], "labels": [-100, -100, 4966, 2]}
```
""",
    ),
    Rule(
        "T003",
        "missing-labels",
        Severity.ERROR,
        "`labels` missing in some rows while the others have it",
        """\
Some pre-tokenized rows have `labels` and others do not. `datasets` fills the missing
column with `null`, and the collator either fails on `None` or builds the batch without
labels, so the model returns no loss (*"The model did not return a loss from the
inputs, only the following keys: logits"*).

Bad:
```json
{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}
{"input_ids": [1, 4966, 2]}
```
Good:
```json
{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}
{"input_ids": [1, 4966, 2], "labels": [-100, 4966, 2]}
```
""",
    ),
    Rule(
        "T004",
        "invalid-token-id",
        Severity.ERROR,
        "Token id that is not a non-negative integer (labels: or -100)",
        """\
`input_ids` must hold non-negative integers, and `labels` non-negative integers or -100.
A string, a float, `null` or a negative number makes the tensor conversion fail, or (a
label of -1) triggers a CUDA device-side assert in the loss, far from the row at fault.

Bad:
```json
{"input_ids": [1, "306", 2], "labels": [-1, 306, 2]}
```
Good:
```json
{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}
```
""",
    ),
    Rule(
        "T005",
        "invalid-attention-mask",
        Severity.ERROR,
        "`attention_mask` value that is not 0 or 1",
        """\
An attention mask marks each token as attended (1) or padding (0). Any other value is
multiplied into the attention scores (or rejected when cast to bool) and corrupts the
forward pass.

Bad:
```json
{"input_ids": [1, 306, 2], "attention_mask": [1, 2, 1]}
```
Good:
```json
{"input_ids": [1, 306, 2], "attention_mask": [1, 1, 1]}
```
""",
    ),
    Rule(
        "T006",
        "empty-input-ids",
        Severity.ERROR,
        "`input_ids` is empty",
        """\
A row without tokens cannot be trained on; an empty sequence in a batch fails in the
collator or yields a NaN loss.

Bad:
```json
{"input_ids": [], "labels": []}
```
Good:
```json
{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}
```
""",
    ),
    Rule(
        "T007",
        "labels-not-input-ids",
        Severity.WARNING,
        "A trained label differs from the token at its position",
        """\
For causal language models the trainer shifts `labels` itself: `labels[i]` must be
`input_ids[i]` or -100. Labels that differ were usually shifted by hand (the model then
learns to predict two tokens ahead) or built from another tokenization. Encoder-decoder
data, where labels are the decoder's targets, is not what this rule is for.

Bad:
```json
{"input_ids": [1, 306, 4966, 2], "labels": [306, 4966, 2, -100]}
```
Good:
```json
{"input_ids": [1, 306, 4966, 2], "labels": [-100, 306, 4966, 2]}
```
""",
    ),
    Rule(
        "T008",
        "token-id-out-of-vocab",
        Severity.ERROR,
        "Token id not below the tokenizer's vocabulary size",
        """\
A token id at or above the vocabulary size indexes past the embedding matrix: an
`IndexError` on CPU, a CUDA device-side assert on GPU. It means the rows were tokenized
with another tokenizer than the one configured (`tokenizer` in the sftlint config); only
checked when a tokenizer is configured.

Bad (vocabulary of 32000):
```json
{"input_ids": [1, 306, 128001], "labels": [-100, 306, 128001]}
```
Good:
```json
{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}
```
""",
    ),
)


def _is_id(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_label(v: Any) -> bool:
    return _is_id(v) or (v == IGNORE_INDEX and isinstance(v, int) and not isinstance(v, bool))


def _shown(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False)  # json, not orjson: keeps NaN visible
    return text if len(text) <= 40 else text[:37] + "..."


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def _first_bad(ctx: RowContext, key: str, ok: Any, what: str) -> bool:
    """Report the first entry of `key` failing `ok` (with the count); True if all are fine."""
    seq = ctx.value[key]
    bad = [i for i, v in enumerate(seq) if not ok(v)]
    if not bad:
        return True
    i = bad[0]
    more = f"; {_plural(len(bad), 'such value')} in {key}" if len(bad) > 1 else ""
    code = "T005" if key == "attention_mask" else "T004"
    ctx.report(code, f"{key}[{i}]: {_shown(seq[i])} is not {what}{more}", (key, i))
    return False


@row_check
def pretokenized_row(ctx: RowContext) -> None:
    if ctx.format != formats.PRETOKENIZED:
        return
    value = ctx.value
    ids = value.get("input_ids")
    if not isinstance(ids, list):
        ctx.report(
            "T004",
            f"input_ids: expected an array of token ids, got {_a(ids)}",
            ("input_ids",),
        )
        return
    ids_ok = _first_bad(ctx, "input_ids", _is_id, "a token id (a non-negative integer)")
    if not ids:
        ctx.report("T006", "input_ids: empty: the row has no tokens to train on", ("input_ids",))
    for key in ALIGNED_KEYS:
        seq = value.get(key)
        if seq is None:
            continue  # absent or null: T003 reports rows without labels
        if not isinstance(seq, list):
            code = "T005" if key == "attention_mask" else "T004"
            ctx.report(code, f"{key}: expected an array, got {_a(seq)}", (key,))
            continue
        if len(seq) != len(ids):
            ctx.report(
                "T001",
                f'{key}: {_plural(len(seq), "entry", "entries")} but "input_ids" has {len(ids)}',
                (key,),
            )
    labels = value.get("labels")
    labels_ok = False
    if isinstance(labels, list):
        labels_ok = _first_bad(ctx, "labels", _is_label, "a token id or -100")
        if labels and all(v == IGNORE_INDEX for v in labels):
            ctx.report(
                "T002",
                f"labels: all {len(labels)} labels are -100: the row trains on nothing",
                ("labels",),
            )
    mask = value.get("attention_mask")
    if isinstance(mask, list):
        _first_bad(ctx, "attention_mask", lambda v: type(v) is int and v in (0, 1), "0 or 1")
    if ids_ok and labels_ok and len(labels) == len(ids):  # type: ignore[arg-type]
        _labels_match_ids(ctx, ids, labels)  # type: ignore[arg-type]


def _a(value: Any) -> str:
    kind = {str: "string", bool: "boolean", int: "number", float: "number", dict: "object"}
    word = "null" if value is None else kind.get(type(value), "array")
    return word if word == "null" else ("an " if word[0] in "aeiou" else "a ") + word


def _labels_match_ids(ctx: RowContext, ids: list[int], labels: list[int]) -> None:
    differ = [i for i, lab in enumerate(labels) if lab != IGNORE_INDEX and lab != ids[i]]
    if not differ:
        return
    if all(i + 1 < len(ids) and labels[i] == ids[i + 1] for i in differ):
        ctx.report(
            "T007",
            'labels: shifted one position left of "input_ids"; the model shifts labels '
            "itself, so it would learn to predict two tokens ahead",
            ("labels",),
        )
        return
    i = differ[0]
    more = f"; {_plural(len(differ), 'such position')}" if len(differ) > 1 else ""
    ctx.report(
        "T007",
        f"labels[{i}]: {labels[i]} differs from input_ids[{i}] ({ids[i]}){more}",
        ("labels", i),
    )


@file_check
def missing_labels(ctx: FileContext) -> None:
    """Rows without `labels` in a file whose other pre-tokenized rows have them."""
    if not ctx.enabled("T003") or formats.PRETOKENIZED not in ctx.count("format"):
        return
    rows = [s for s in ctx.summaries if s.format == formats.PRETOKENIZED]
    having = sum(1 for s in rows if "labels" in s.keys)
    if not having or having == len(rows):
        return
    for s in rows:
        if "labels" not in s.keys:
            row = ctx.load(s)
            ctx.report(
                "T003",
                f'input_ids: no "labels" in this row, but {having} of {len(rows)} rows have them',
                row,
                ("input_ids",),
                "key",
            )


def check_vocab(ctx: RowContext, vocab_size: int) -> None:
    """T008, for the masking engine once a tokenizer is loaded (ids >= `vocab_size`)."""
    if ctx.format != formats.PRETOKENIZED:
        return
    for key in ("input_ids", "labels"):
        seq = ctx.value.get(key)
        if not isinstance(seq, list):
            continue
        beyond = [i for i, v in enumerate(seq) if _is_id(v) and v >= vocab_size]
        if beyond:
            i = beyond[0]
            more = f"; {_plural(len(beyond), 'such id')} in {key}" if len(beyond) > 1 else ""
            ctx.report(
                "T008",
                f"{key}[{i}]: token id {seq[i]} is not below the vocabulary size "
                f"{vocab_size}{more}",
                (key, i),
            )
