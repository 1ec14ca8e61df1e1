"""D: the dataset as a whole. Duplicate rows here; the checks across files (splits that
disagree, rows that leak from train into evaluation) are in `sftlint.engine.dataset`.
"""

from __future__ import annotations

from sftlint.engine.checks import FileContext, RowSummary, file_check
from sftlint.io.reader import Row
from sftlint.model import Edit, Fix, Range, Related, Severity
from sftlint.registry import Rule, register

register(
    Rule(
        "D001",
        "duplicate-row",
        Severity.WARNING,
        "Row is an exact duplicate of an earlier row",
        """\
The row is byte for byte the same as an earlier row of the file. Each copy is trained on
again, so the model sees the example twice as often as the rest (over-fitting on it and
skewing the data mix), and a duplicate that was meant to be edited is usually a copy-paste
mistake. The finding points at the first occurrence.

Bad:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
Good:
```json
{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
```
""",
        fix="delete the duplicate row",
    ),
    Rule(
        "D002",
        "split-key-mismatch",
        Severity.ERROR,
        "A split names a field differently from the other splits",
        """\
Files that belong together (`train` / `validation` / `test` splits in one folder, or the
files listed in `dataset-files` in the config) must name their fields the same way. The
trainer's code is written for the training split: when evaluation reads a split whose
rows say `output_ids` where training had `labels`, it crashes at the first evaluation
step, hours into the run (GLM-4V: `KeyError: 'labels'` in `prediction_step`). The
training split is the reference; without one, the name most files use.

Bad (`train.jsonl`, then `validation.jsonl`):
```json
{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}
{"input_ids": [1, 4966, 2], "output_ids": [-100, 4966, 2]}
```
Good:
```json
{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}
{"input_ids": [1, 4966, 2], "labels": [-100, 4966, 2]}
```
""",
        fix="rename the key in this row, in the whole file, or in every file of the dataset",
    ),
    Rule(
        "D003",
        "split-leak",
        Severity.WARNING,
        "An evaluation row is also in the training split",
        """\
A row of the validation or test split is byte for byte a row of the training split. The
model is evaluated on an example it was trained on, so evaluation loss and accuracy look
better than they are.

Bad: `train.jsonl` and `test.jsonl` both hold
```json
{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}
```
Good: every evaluation row is absent from the training split.
""",
    ),
    Rule(
        "D004",
        "split-format-mismatch",
        Severity.ERROR,
        "A split has another row format than the training split",
        """\
The splits of one dataset are read by the same code, with the same chat template and
masking settings: a validation file in ShareGPT format beside an OpenAI `messages`
training file fails to load (`KeyError: 'messages'`) or is rendered wrongly.

Bad: `train.jsonl` holds `{"messages": [...]}` rows, `validation.jsonl`
`{"conversations": [{"from": "human", "value": "..."}]}` rows.
Good: both hold `{"messages": [...]}` rows.
""",
    ),
)


def delete_row_fix(ctx: FileContext, prev: RowSummary, row: Row) -> Fix | None:
    """Delete `row` with what separates it from the row before it (newline or comma)."""
    if ctx.info.layout == "jsonl" and prev.line != row.line - 1:
        return None  # blank lines in between: deleting them too is not what the title says
    before = ctx.load(prev)
    start = before.rowtext.position(len(before.rowtext.text))
    end = row.rowtext.position(len(row.rowtext.text))
    return Fix("Delete this duplicate row", (Edit(row.path, Range(start, end), ""),))


@file_check
def duplicate_rows(ctx: FileContext) -> None:
    if not ctx.enabled("D001"):
        return
    if not ctx.duplicates():
        return  # no two rows alike (the common case, decided at C speed)
    first: dict[int, RowSummary] = {}
    loaded: dict[int, Row] = {}  # first occurrences read again, by row index
    for i, s in enumerate(ctx.summaries):
        if s.format is None:
            continue  # rows that are not objects have their own findings
        seen = first.setdefault(s.digest, s)
        if seen is s:
            continue
        if seen.index not in loaded:
            loaded[seen.index] = ctx.load(seen)
        original = loaded[seen.index]
        row = ctx.load(s)
        if row.raw.strip() != original.raw.strip():
            continue  # a hash collision, not a duplicate
        fix = delete_row_fix(ctx, ctx.summaries[i - 1], row)
        ctx.report(
            "D001",
            f"exact duplicate of the row at line {original.line + 1}",
            row,
            fixes=[fix] if fix else [],
            related=[Related(row.path, original.whole(), "first occurrence")],
        )
