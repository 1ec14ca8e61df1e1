"""K005 (a file-level majority) follows edits in the server as the engine reports it."""

from __future__ import annotations

import json

from sftlint.engine import engine
from sftlint.lsp import incremental
from sftlint.lsp.documents import LineDocument, index_to_utf16
from sftlint.lsp.incremental import IncrementalLinter
from sftlint.settings import Settings

SYSTEM = '{"role":"system","content":"Be brief."},'


def row(i: int, system: bool = True) -> str:
    """A compact clean row (batched as a shape row), opening with a system turn or not."""
    turns = f'{{"role":"user","content":"q{i}"}},{{"role":"assistant","content":"a{i}"}}'
    return '{"messages":[' + (SYSTEM if system else "") + turns + "]}"


def _linter(path: str, text: str) -> tuple[LineDocument, IncrementalLinter]:
    kind = "json" if path.endswith(".json") else "jsonl"
    doc = LineDocument.from_text("file://" + path, path, kind, 1, text)
    return doc, IncrementalLinter(path, Settings(), doc.lines)


def _retype(doc: LineDocument, linter: IncrementalLinter, line: int, text: str) -> list:
    """Replace a line; the server's K005 findings, checked equal to the engine's."""
    end = index_to_utf16(doc.line_text(line), len(doc.line_text(line)))
    s = doc.apply((line, 0), (line, end), text)
    linter.splice(s.start, s.stop, s.count)
    found = linter.findings()[0]
    assert found == engine.check_bytes(doc.path, doc.source, Settings()).findings
    return [(f.code, f.range.start.line, f.message) for f in found if f.code == "K005"]


def test_k005_follows_edits_of_jsonl_rows() -> None:
    path = "/tmp/props/sys.jsonl"
    doc, linter = _linter(path, "\n".join(row(i) for i in range(24)) + "\n")
    batch_min, incremental.BATCH_MIN = incremental.BATCH_MIN, 2
    try:  # rows linted in batches: shape rows share their template
        linter.lint_all()
    finally:
        incremental.BATCH_MIN = batch_min
    assert linter.findings()[0] == []
    message = "1 of 24 rows (4.2%) have no system prompt; the other 95.8% do (line 6)"
    assert _retype(doc, linter, 5, row(5, system=False)) == [("K005", 5, message)]
    assert _retype(doc, linter, 5, row(5)) == []


def test_k005_follows_edits_of_array_elements() -> None:
    path = "/tmp/props/sys.json"
    rows = [json.loads(row(i)) for i in range(20)]
    text = "[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n"
    doc, linter = _linter(path, text)
    assert linter.is_array
    assert linter.findings()[0] == []
    rows[3]["messages"].pop(0)
    message = "1 of 20 rows (5.0%) have no system prompt; the other 95.0% do (line 5)"
    assert _retype(doc, linter, 4, json.dumps(rows[3]) + ",") == [("K005", 4, message)]


def column_row(i: int, system: str = "Be brief.") -> str:
    """A compact clean row with its system prompt in a top-level `system` column."""
    turns = f'{{"role":"user","content":"q{i}"}},{{"role":"assistant","content":"a{i}"}}'
    return f'{{"system":"{system}","messages":[{turns}]}}'


def test_k005_follows_edits_of_a_system_column() -> None:
    # Blanking the column of one row, in a batch of rows of one shape: the row's flag is
    # its own (the shape's template flipped), as in the engine.
    path = "/tmp/props/column.jsonl"
    doc, linter = _linter(path, "\n".join(column_row(i) for i in range(24)) + "\n")
    batch_min, incremental.BATCH_MIN = incremental.BATCH_MIN, 2
    try:
        linter.lint_all()
    finally:
        incremental.BATCH_MIN = batch_min
    assert linter.findings()[0] == []
    message = "1 of 24 rows (4.2%) have no system prompt; the other 95.8% do (line 9)"
    assert _retype(doc, linter, 8, column_row(8, "")) == [("K005", 8, message)]
    assert _retype(doc, linter, 8, column_row(8, " ")) == [("K005", 8, message)]
    assert _retype(doc, linter, 8, column_row(8, "Be kind.")) == []
