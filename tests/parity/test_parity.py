"""sftlint's trainer profiles against the trainers' own output (tests/parity/goldens).

One test per golden line: with the profile that names the trainer, its version and the
golden's settings, sftlint's token ids and labels equal the trainer's on every row the
trainer accepts; a row the trainer drops or refuses carries a finding (warning or error).
The goldens are recorded by `bash scripts/parity.sh` from the trainers' own code.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from parity_cases import (
    BUILTIN_TOKENIZERS,
    GOLDEN_FILES,
    GOLDENS,
    ROWS,
    config_for,
    tokenizer_folder,
)
from tokenizers import Tokenizer

from sftlint.engine import engine, rowview
from sftlint.io.reader import FileInfo, Row
from sftlint.masking import llamafactory
from sftlint.model import Severity
from sftlint.settings import resolve

# Rows where sftlint's profile is known to differ from the trainer, with why. Marked strict:
# such a test fails once the profile is fixed, so the entry must then be removed.
KNOWN_GAPS: dict[str, str] = {}


def _params() -> list[Any]:
    out = []
    for name in GOLDEN_FILES:
        path = GOLDENS / f"{name}.jsonl"
        if not path.is_file():
            reason = f"golden file {path.name} is absent (bash scripts/parity.sh records it)"
            out.append(pytest.param(None, id=name, marks=pytest.mark.skip(reason=reason)))
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            golden = json.loads(line)
            ident = f"{name}:{golden['case']}:{golden['rows_file']}:{golden['row']}"
            gap = KNOWN_GAPS.get(ident)
            marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
            out.append(pytest.param(golden, id=ident, marks=marks))
    return out


@cache
def _rows(rows_file: str) -> tuple[Row, ...]:
    path = ROWS / rows_file
    assert path.is_file(), f"the golden's rows file {path} is absent"
    return tuple(engine.iter_file_rows(str(path), FileInfo()))


def sftlint_view(golden: dict[str, Any]) -> rowview.RowView:
    settings = resolve(config_for(golden), None)
    return rowview.inspect_row(_rows(golden["rows_file"])[golden["row"]], settings)


def ids_and_labels(result: Any) -> tuple[list[int], list[int]]:
    """What the trainer keeps: the ids up to where max-seq-length cuts, and their labels."""
    end = result.truncated_at or len(result.ids)
    ids = result.ids[:end]
    return ids, [t if m else -100 for t, m in zip(ids, result.trained_mask, strict=False)]


_TODAY = re.compile(r"Today Date: (\d\d \w\w\w \d{4})")


def recorded_day(golden: dict[str, Any]) -> str | None:
    """The day the trainer wrote into the row (LLaMA-Factory's Llama 3 tool prompt), which
    is part of what it was given, like the tokenizer: sftlint is run on the same day."""
    if not golden.get("input_ids") or golden["tokenizer"] in BUILTIN_TOKENIZERS:
        return None
    tok = Tokenizer.from_file(str(tokenizer_folder(golden) / "tokenizer.json"))
    found = _TODAY.search(tok.decode(golden["input_ids"], skip_special_tokens=False))
    return found.group(1) if found else None


@pytest.mark.parametrize("golden", _params())
def test_same_ids_and_labels_as_the_trainer(
    golden: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    if day := recorded_day(golden):
        monkeypatch.setattr(llamafactory, "today", lambda: day)
    view = sftlint_view(golden)
    if golden["status"] != "ok":
        problems = [f for f in view.findings if f.severity >= Severity.WARNING]
        assert problems, f"the trainer {golden['status']} this row ({golden['reason']}) "
        return
    assert view.result is not None, [f.message for f in view.findings]
    ids, labels = ids_and_labels(view.result)
    assert ids == golden["input_ids"]
    assert labels == golden["labels"]
