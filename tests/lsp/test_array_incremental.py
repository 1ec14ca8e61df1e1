"""Edits of a JSON array document give the diagnostics of a fresh open of the final text
(hypothesis), through the index that re-reads only the elements an edit touches."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.lsp.test_incremental import apply_reference, edit, lsp_lines

from sftlint.engine import engine
from sftlint.io import reader
from sftlint.io.reader import BOM
from sftlint.lsp import convert
from sftlint.lsp.documents import LineDocument, index_to_utf16
from sftlint.lsp.incremental import IncrementalLinter
from sftlint.settings import Settings

PATH = "/tmp/props/train.json"
ALPACA = {"instruction": "Say hi", "input": "", "output": "h😀i"}
EMPTY = {"instruction": "Say hi", "input": "", "output": ""}  # C001: an empty answer
CHAT = {"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "ok"}]}
ROWS = [ALPACA, EMPTY, CHAT, {"instruction": "other", "output": "yes"}]


def element(row: dict, pretty: bool) -> str:
    return (
        json.dumps(row, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        if pretty
        else (json.dumps(row, ensure_ascii=False))
    )


@st.composite
def array(draw) -> str:
    rows = draw(st.lists(st.sampled_from(ROWS), min_size=0, max_size=6))
    parts = [element(r, draw(st.booleans())) for r in rows]
    sep = draw(st.sampled_from([",\n  ", ", ", ",\n\n  "]))
    text = "[\n  " + sep.join(parts) + "\n]\n"
    if draw(st.integers(0, 5)) == 0:
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 9)) == 0:
        text = BOM.decode() + text
    return text


def pieces() -> st.SearchStrategy[str]:
    chosen = [element(r, True) for r in ROWS[:2]] + [element(r, False) for r in ROWS]
    chosen += ["{", "}", "[", "]", ",", '"', "\n", "\r\n", " ", "😀", "output", ",\n  {}", "x"]
    return st.lists(st.sampled_from(chosen), max_size=3).map("".join)


@st.composite
def scenario(draw):
    text = draw(array())
    edits, current = [], text
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 11)) == 0:  # replace everything
            lines = lsp_lines(current)
            a, new = (0, 0, 0), draw(array())
            b = (len(lines) - 1, index_to_utf16(lines[-1], len(lines[-1])), len(lines[-1]))
        else:
            a, b, _ = draw(edit(current))
            new = draw(pieces())
        edits.append((a, b, new))
        current = apply_reference(current, a, b, new)
    return text, edits, current


def fresh(text: str) -> list:
    doc = LineDocument.from_text("file://" + PATH, PATH, "json", 1, text)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    return [convert.diagnostic(f) for f in linter.findings()[0]]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_array_edits_equal_fresh_open(case) -> None:
    text, edits, final = case
    doc = LineDocument.from_text("file://" + PATH, PATH, "json", 1, text)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    linter.findings()
    for a, b, new in edits:
        s = doc.apply((a[0], a[1]), (b[0], b[1]), new)
        linter.splice(s.start, s.stop, s.count)
        linter.findings()  # between edits too: the index and the file checks kept
    assert doc.source.decode("utf-8", "surrogatepass") == final
    found = linter.findings()[0]
    assert [convert.diagnostic(f) for f in found] == fresh(final)
    data = final.encode("utf-8", "surrogatepass")
    assert found == engine.check_bytes(PATH, data, Settings()).findings
    if linter.is_array:  # the index holds the rows a read from the start gives
        index = linter.array_rows
        assert index is not None
        assert [_where(r) for r in index.starting(0)] == [
            _where(r) for r in reader.read_bytes(PATH, data, reader.FileInfo())
        ]


def _where(row: reader.Row) -> tuple:
    return (row.index, row.line, row.end_line, row.offset, row.prefix, row.raw)


def test_utf16_array_is_one_finding_through_edits() -> None:
    """A JSON array saved as UTF-16 (its NULs where a UTF-8 reader sees them) is the
    engine's one J008, before and after an edit that keeps it UTF-16 or makes it UTF-8."""
    wide = "".join(ch + "\x00" for ch in json.dumps([ALPACA, EMPTY], indent=2))
    doc = LineDocument.from_text("file://" + PATH, PATH, "json", 1, wide)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    message = "file is UTF-16 LE; sftlint reads UTF-8: re-save as UTF-8"
    assert [(f.code, f.message) for f in linter.findings()[0]] == [("J008", message)]
    last = len(doc.lines) - 1
    s = doc.apply((last, 0), (last, 0), "x\x00")
    linter.splice(s.start, s.stop, s.count)
    assert linter.findings()[0] == engine.check_bytes(PATH, doc.source, Settings()).findings
    s = doc.replace_all(json.dumps([ALPACA, EMPTY], indent=2))
    linter.splice(s.start, s.stop, s.count)
    found = [(f.code, f.range.start.line) for f in linter.findings()[0]]
    assert found == [("C001", 9)]
