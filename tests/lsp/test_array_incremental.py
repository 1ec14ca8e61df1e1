"""Edits of a JSON array document give the diagnostics of a fresh open of the final text
(hypothesis), through the index that re-reads only the elements an edit touches."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
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


C001 = ("C001", (19, 14), (19, 16), "output: assistant content is empty: the model learns to "
        "answer with nothing")  # fmt: skip


def test_broken_structure_is_one_finding_and_the_rest_stays() -> None:
    """A deleted `}`, an unclosed string, a missing comma: one finding where the array
    broke; the rows after it keep theirs (row 4's empty answer), as a fresh open says."""
    rows = [{"instruction": f"Say hi {i}", "input": "", "output": f"hi {i}"} for i in range(5)]
    rows[3]["output"] = ""
    doc = LineDocument.from_text("file://" + PATH, PATH, "json", 1, json.dumps(rows, indent=2))
    linter = IncrementalLinter(PATH, Settings(), doc.lines)

    def edit(start: tuple[int, int], end: tuple[int, int], text: str) -> list[tuple]:
        s = doc.apply(start, end, text)
        linter.splice(s.start, s.stop, s.count)
        found = linter.findings()[0]
        assert found == engine.check_bytes(PATH, doc.source, Settings()).findings
        return [(f.code, _at(f.range.start), _at(f.range.end), f.message) for f in found]

    assert edit((0, 0), (0, 0), "") == [C001]
    unclosed = "invalid JSON: expected a double-quoted key, found end of row"
    assert edit((10, 2), (10, 3), "") == [("J001", (10, 3), (10, 3), unclosed), C001]
    assert edit((10, 2), (10, 2), "}") == [C001]
    quote = "invalid JSON: expected ',' or '}' after object member, found '\"'"
    assert edit((9, 20), (9, 20), '"') == [("J001", (9, 20), (9, 21), quote), C001]
    assert edit((9, 20), (9, 21), "") == [C001]
    comma = "invalid JSON: unexpected '{' after the JSON value"
    assert edit((10, 3), (10, 4), "") == [("J001", (11, 2), (15, 3), comma), C001]


def _at(p) -> tuple[int, int]:
    return (p.line, p.column)


def test_valid_arrays_are_never_cut() -> None:
    """Objects nested at a row's own indentation (`indent=0`), after `[`, `:` or an
    array's `,`: valid JSON reads as its rows, one per element, with no finding."""
    rows = [CHAT | {"meta": {"id": i}, "more": [{"a": 1}, {"b": [{"c": 2}]}]} for i in range(3)]
    for rows_text in (json.dumps(rows, indent=0), json.dumps(rows, indent=2)):
        data = rows_text.encode()
        info = reader.FileInfo()
        read = [r.value for r in reader.read_json_array(PATH, data, info)]
        assert read == rows and info.problems == []


def test_edits_made_while_the_first_read_runs_are_applied_to_it() -> None:
    """The server reads the opened text in a thread; edits arriving meanwhile are applied
    to that read when it lands (not dropped, not read again whole)."""
    rows = [ALPACA, EMPTY, ALPACA | {"output": "again"}]
    text = json.dumps(rows, indent=2).replace("\n", "\r\n")
    doc = LineDocument.from_text("file://" + PATH, PATH, "json", 1, text)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    taken = linter.array_text()
    assert taken is not None and linter.pending()
    generation, text = taken
    edits = (((8, 15), (8, 15), "x"), ((2, 0), (2, 0), "\r\n\n"), ((14, 3), (14, 4), ""))
    for start, end, new in edits:
        s = doc.apply(start, end, new)
        linter.splice(s.start, s.stop, s.count)
    linter.array_checked(generation, text, linter.read_array(text))
    assert linter.array_text() is None  # installed: nothing to read whole again
    found = linter.findings()[0]
    assert found == engine.check_bytes(PATH, doc.source, Settings()).findings
    message = "invalid JSON: expected ',' or '}' after object member, found 'x'"
    crlf = "17 of 19 lines end with CRLF (\\r\\n)"
    conflict = (
        "same prompt as the row at line 2 with a different answer (2 rows share this "
        "prompt, 2 distinct answers)"
    )
    assert [(f.code, f.range.start.line, f.message) for f in found] == [
        ("J011", 0, crlf),
        ("J001", 10, message),
        ("K006", 13, conflict),  # rows 1 and 3 ask the same with other answers
    ]


def test_an_edit_of_every_element_is_read_again_off_the_event_loop() -> None:
    """All elements on one line: an edit there leaves no element to read from, so the
    whole text is handed out again (the server reads it in a thread), not read in place."""
    doc = LineDocument.from_text("file://" + PATH, PATH, "json", 1, json.dumps([ALPACA, EMPTY]))
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    assert [f.code for f in linter.findings()[0]] == ["C001"]
    s = doc.apply((0, 1), (0, 1), " ")
    linter.splice(s.start, s.stop, s.count)
    assert list(linter.lint_steps()) == [0] and linter.pending()
    taken = linter.array_text()
    assert taken is not None
    generation, text = taken
    linter.array_checked(generation, text, linter.read_array(text))
    assert not linter.pending()
    assert linter.findings()[0] == engine.check_bytes(PATH, doc.source, Settings()).findings


# A BOM + CRLF array: a chat element, then four equal Alpaca rows (lines 13-16).
_FOUR_SAME = BOM.decode() + (
    "[\n  " + ",\n  ".join([element(CHAT, True)] + [element(ALPACA, False)] * 4) + "\n]\n"
).replace("\n", "\r\n")
# A no-op edit of the third Alpaca row, then lines 3-8 of the chat element deleted.
_NO_OP_THEN_CUT = [((14, 0, 0), (14, 0, 0), ""), ((3, 0, 0), (9, 0, 0), "")]


def _replayed(text: str, edits: list) -> str:
    for a, b, new in edits:
        text = apply_reference(text, a, b, new)
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
@example((_FOUR_SAME, _NO_OP_THEN_CUT, _replayed(_FOUR_SAME, _NO_OP_THEN_CUT)))
def test_edits_before_the_first_read_lands_equal_fresh_open(case) -> None:
    """As the server does: the opened text read elsewhere while any edits arrive."""
    text, edits, final = case
    doc = LineDocument.from_text("file://" + PATH, PATH, "json", 1, text)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    taken = linter.array_text()
    for a, b, new in edits:
        s = doc.apply((a[0], a[1]), (b[0], b[1]), new)
        linter.splice(s.start, s.stop, s.count)
    if taken is not None and linter.is_array:
        generation, read = taken
        linter.array_checked(generation, read, linter.read_array(read))
    data = final.encode("utf-8", "surrogatepass")
    assert linter.findings()[0] == engine.check_bytes(PATH, data, Settings()).findings


def test_a_splice_replayed_past_the_texts_end_is_read_again() -> None:
    """Splices made during the first read are replayed on it when it lands, over a text
    that may have fewer lines than they saw: the rows an early splice touched (the third
    Alpaca row, at line 14 then) are read again where later splices moved them (line 8),
    not lost for being past the current text's end (D001 of line 9 was missing)."""
    doc = LineDocument.from_text("file://" + PATH, PATH, "json", 1, _FOUR_SAME)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    taken = linter.array_text()
    assert taken is not None
    for a, b, new in _NO_OP_THEN_CUT:
        s = doc.apply((a[0], a[1]), (b[0], b[1]), new)
        linter.splice(s.start, s.stop, s.count)
    generation, text = taken
    linter.array_checked(generation, text, linter.read_array(text))
    found = linter.findings()[0]
    assert found == engine.check_bytes(PATH, doc.source, Settings()).findings
    bom = "file starts with a UTF-8 byte order mark (json.load rejects it)"
    crlf = "12 of 13 lines end with CRLF (\\r\\n)"
    comma = "invalid JSON: expected ',' or ']' after array element, found ':'"
    same = "exact duplicate of the row at line 8"
    assert [(f.code, f.range.start.line, f.message) for f in found] == [
        ("J006", 0, bom),
        ("J011", 0, crlf),
        ("J001", 3, comma),
        ("D001", 8, same),
        ("D001", 9, same),
        ("D001", 10, same),
    ]
