"""File-level view of the per-row results: totals and the "trains on nothing" error."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .findings import ERROR, WARNING, MaskIssue
from .markers import marker_ids, responses_only_mask
from .results import MaskResult
from .settings import MaskSettings
from .tokenizers import TokenizerHandle


@dataclass(slots=True)
class FileSummary:
    rows: int = 0
    tokens: int = 0
    trained_tokens: int = 0
    rows_training_nothing: int = 0
    rows_not_tokenized: int = 0  # rendered or tokenized to nothing: each has a finding
    empty_rows: list[int] = field(default_factory=list)  # indices into the results
    issues: list[MaskIssue] = field(default_factory=list)  # file-level (turn is None)


class MaskTotals:
    """Streams per-row results into a FileSummary, keeping only a small sample of rows
    (for the marker fix), never all of them."""

    SAMPLE = 50

    def __init__(self) -> None:
        self.summary = FileSummary()
        self.sample: list[MaskResult] = []
        self.users: Counter[str] = Counter()
        self.assistants: Counter[str] = Counter()
        self._seen = 0

    def add(self, result: MaskResult | None, *branches: MaskResult) -> None:
        """One row's result; a preference row passes its chosen and rejected branches, counted
        as one row that trains nothing when either branch does."""
        index = self._seen
        self._seen += 1
        parts = [r for r in (result, *branches) if r is not None and r.ids]
        if not parts:
            self.summary.rows_not_tokenized += 1
            return
        result = parts[0]
        s = self.summary
        s.rows += 1
        s.tokens += sum(r.total_tokens for r in parts)
        counts = [r.trained_tokens for r in parts]
        s.trained_tokens += sum(counts)
        if 0 in counts:
            s.rows_training_nothing += 1
            s.empty_rows.append(index)
        if "user" in result.headers:
            self.users[result.headers["user"]] += 1
        if "assistant" in result.headers:
            self.assistants[result.headers["assistant"]] += 1
        if len(self.sample) < self.SAMPLE:
            self.sample.append(result)

    def extend(self, later: MaskTotals) -> None:
        """Add the totals of the rows that follow these, counted apart (a part of the file
        checked on another worker): the totals of one pass over all the rows."""
        s, o = self.summary, later.summary
        s.rows += o.rows
        s.tokens += o.tokens
        s.trained_tokens += o.trained_tokens
        s.rows_training_nothing += o.rows_training_nothing
        s.rows_not_tokenized += o.rows_not_tokenized
        s.empty_rows += [self._seen + i for i in o.empty_rows]
        # Counter.update keeps first-seen order: most_common breaks ties as one pass does.
        self.users.update(later.users)
        self.assistants.update(later.assistants)
        self.sample += later.sample[: self.SAMPLE - len(self.sample)]
        self._seen += later._seen

    def __getstate__(self) -> dict[str, Any]:
        # What crosses processes: the sample keeps only the ids the marker fix reads, not
        # the tokenizer its results point to.
        state = self.__dict__.copy()
        state["sample"] = [MaskResult(ids=r.ids) for r in self.sample]
        return state

    def finish(self, settings: MaskSettings, handle: TokenizerHandle | None = None) -> FileSummary:
        """Totals, and L001 at file level when rows train on nothing, with a fix computed
        from the turn headers that really occur in the rendered rows (checked against the
        rows' ids when `handle` is given)."""
        s = self.summary
        if not s.rows_training_nothing:
            return s
        n, m = s.rows_training_nothing, s.rows
        fix = None
        if settings.strategy == "markers":
            fix = _marker_fix(self.users, self.assistants, self.sample, handle)
        if n == m:
            msg = (
                f"{n} of {m} rows train on nothing: the trainer will stop with "
                "'All labels in your dataset are -100'"
            )
            sev = ERROR
        else:
            msg = (
                f"{n} of {m} rows train on nothing: "
                "the trainer drops them or computes no loss on them"
            )
            sev = ERROR if n * 10 >= m * 9 else WARNING  # Unsloth warns from 90 %
        if fix:
            msg += (
                f"; use instruction-part {fix['instruction-part']!r} and response-part "
                f"{fix['response-part']!r} as the rows render them"
            )
        s.issues.append(MaskIssue("L001", sev, msg, None, fix=fix))
        return s


def summarize_file(
    results: Sequence[MaskResult | None],
    settings: MaskSettings,
    handle: TokenizerHandle | None = None,
) -> FileSummary:
    totals = MaskTotals()
    for r in results:
        totals.add(r)
    return totals.finish(settings, handle)


def _candidates(header: str) -> list[str]:
    out = []
    for c in (header, header.rstrip(" "), header.strip()):
        if c and c not in out:
            out.append(c)
    return out


def _marker_fix(
    users: Counter[str],
    assistants: Counter[str],
    results: Sequence[MaskResult],
    handle: TokenizerHandle | None,
) -> dict[str, str] | None:
    if not users or not assistants:
        return None
    user = users.most_common(1)[0][0]
    assistant = assistants.most_common(1)[0][0]
    if handle is None or not handle.ok:
        return {"instruction-part": user, "response-part": assistant}
    backend = handle.backend

    def encode(text: str) -> list[int]:
        return backend.encode(text, add_special_tokens=False).ids

    sample = [r for r in results if r.ids][:50]
    # Prefer the header exactly as rendered; fall back to trimmed forms that work.
    for q in _candidates(user):
        for a in _candidates(assistant):
            ids = marker_ids(q, a, encode)
            if all(any(responses_only_mask(r.ids, ids)) for r in sample):
                return {"instruction-part": q, "response-part": a}
    return {"instruction-part": user, "response-part": assistant}
