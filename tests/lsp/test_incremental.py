"""Incremental edits give the diagnostics of a fresh open of the final text (hypothesis)."""

from __future__ import annotations

from dataclasses import astuple
from functools import partial

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sftlint.engine import engine
from sftlint.lsp import convert, incremental
from sftlint.lsp.documents import LineDocument, index_to_utf16
from sftlint.lsp.incremental import IncrementalLinter
from sftlint.settings import Settings

PATH = "/tmp/props/train.jsonl"
ROW = '{"messages": [{"role": "user", "content": "h😀i"}, {"role": "assistant", "content": "ok"}]}'
BAD = '{"messages": [{"role": "bot", "content": ""}]}'
# Compact and clean: batches give such rows their shape's shared result (digest kept apart).
CLEAN = '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}'
PIECES = [ROW, BAD, "", "\r", "\r\n", "\n", "😀", '"', "{", "}", ",", "bot", ROW + "\n"]
PIECES += [CLEAN + "\n", "\n" + CLEAN, CLEAN]


def diagnostics(lines_source: str) -> list:
    doc = LineDocument.from_text("file://" + PATH, PATH, "jsonl", 1, lines_source)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    return [convert.diagnostic(f) for f in linter.findings()[0]]


def lsp_lines(text: str) -> list[str]:
    """Lines as LSP counts them (\\r\\n, \\r and \\n all end a line)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@st.composite
def edit(draw, text: str):
    lines = lsp_lines(text)

    def pos():
        line = draw(st.integers(0, len(lines) - 1))
        col = draw(st.integers(0, len(lines[line])))
        return line, index_to_utf16(lines[line], col), col

    a, b = pos(), pos()
    if (a[0], a[1]) > (b[0], b[1]):
        a, b = b, a
    new = draw(st.lists(st.sampled_from(PIECES), max_size=3).map("".join))
    return a, b, new


def apply_reference(text: str, a, b, new: str) -> str:
    """The client's view: offsets over LSP lines."""
    starts = [0]
    i = 0
    while i < len(text):
        if text[i] == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
            i += 2
            starts.append(i)
            continue
        if text[i] in "\r\n":
            starts.append(i + 1)
        i += 1
    return text[: starts[a[0]] + a[2]] + new + text[starts[b[0]] + b[2] :]


@st.composite
def scenario(draw):
    text = draw(st.lists(st.sampled_from([ROW, BAD, "", CLEAN, CLEAN]), min_size=1, max_size=6))
    text = draw(st.sampled_from(["\n", "\r\n"])).join(text) + "\n"
    edits = []
    current = text
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 9)) == 0:
            a, b, new = (0, 0, 0), (10**6, 0, 0), ""  # delete everything
            lines = lsp_lines(current)
            b = (len(lines) - 1, index_to_utf16(lines[-1], len(lines[-1])), len(lines[-1]))
        else:
            a, b, new = draw(edit(current))
        edits.append((a, b, new))
        current = apply_reference(current, a, b, new)
    return text, edits, current


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_edits_equal_fresh_open(case) -> None:
    text, edits, final = case
    doc = LineDocument.from_text("file://" + PATH, PATH, "jsonl", 1, text)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    batch_min, incremental.BATCH_MIN = incremental.BATCH_MIN, 2
    try:  # lines linted in batches of two or more (and one left alone), as big files are
        for _ in linter.lint_steps(chunk=2):
            pass
        linter.findings()
        for a, b, new in edits:
            s = doc.apply((a[0], a[1]), (b[0], b[1]), new)
            linter.splice(s.start, s.stop, s.count)
            linter.findings()  # lint between edits too: exercises the cached file state
    finally:
        incremental.BATCH_MIN = batch_min
    assert doc.source.decode("utf-8", "surrogatepass") == final
    assert [convert.diagnostic(f) for f in linter.findings()[0]] == diagnostics(final)
    # ... and the same findings as the engine on the whole text.
    expected = engine.check_bytes(PATH, final.encode("utf-8", "surrogatepass"), Settings())
    assert linter.findings()[0] == expected.findings


def _retype(
    doc: LineDocument, linter: IncrementalLinter, line: int, text: str
) -> list[tuple[str, int]]:
    """Replace line `line` by `text`: the linter's findings, equal to the engine's on the
    text, as (code, line)."""
    end = index_to_utf16(doc.line_text(line), len(doc.line_text(line)))
    s = doc.apply((line, 0), (line, end), text)
    linter.splice(s.start, s.stop, s.count)
    found = linter.findings()[0]
    assert found == engine.check_bytes(PATH, doc.source, Settings()).findings
    return [(f.code, f.range.start.line) for f in found]


def test_duplicates_of_shape_rows_follow_edits() -> None:
    """Rows of a batch share their shape's result; their digests, kept apart, still make
    and unmake duplicates as lines are edited in place (the line count unchanged)."""
    rows = [CLEAN.replace('"hi"', f'"hi {i}"') for i in range(8)]
    doc = LineDocument.from_text("file://" + PATH, PATH, "jsonl", 1, "\n".join(rows) + "\n")
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    batch_min, incremental.BATCH_MIN = incremental.BATCH_MIN, 2
    try:
        linter.lint_all()
    finally:
        incremental.BATCH_MIN = batch_min
    assert all(r.shape for r in linter.results[1:-1])  # not line 0 (a BOM?) nor the last
    assert linter.findings()[0] == []

    retype = partial(_retype, doc, linter)
    assert retype(6, rows[2]) == [("D001", 6)]  # now a copy of row 2 (a shape row)
    assert retype(2, rows[5]) == [("D001", 5)]  # row 2 becomes a copy of row 5 instead
    # Row 5 is a copy of none now, but asks row 7's question with another answer (K006).
    assert retype(5, rows[7].replace("ok", "ko")) == [("K006", 7)]
    assert retype(3, rows[2]) == [("D001", 6), ("K006", 7)]  # line 3 comes first now


def test_k004_follows_a_row_typed_long_and_short_again() -> None:
    """Typing in a row (the line count unchanged) can make it far longer than the rest, or
    move the median: K004 is then what a fresh open gives, though the row keeps its shape."""
    rows = [CLEAN.replace('"hi"', f'"hi {i:02}"') for i in range(24)]
    doc = LineDocument.from_text("file://" + PATH, PATH, "jsonl", 1, "\n".join(rows) + "\n")
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    linter.lint_all()
    assert linter.findings()[0] == []

    retype = partial(_retype, doc, linter)
    long = rows[5].replace('"hi 05"', '"' + "x" * 5000 + '"')
    assert retype(5, long) == [("K004", 5)]
    assert retype(5, long.replace("x" * 5000, "y" * 6000)) == [("K004", 5)]  # its length
    assert retype(5, rows[5]) == []
    # Most rows grow past the long row's tenth: it is no longer an outlier.
    assert retype(9, long) == [("K004", 9)]
    for i in range(12):
        if i != 9:
            retype(i, rows[i].replace(f'"hi {i:02}"', f'"{i:02}' + "z" * 600 + '"'))
    assert linter.findings()[0] == []  # 12 rows of 24 over 600 bytes: the median is one


def test_json_array_rechecked_whole() -> None:
    path = "/tmp/props/train.json"
    text = "[\n" + ROW + ",\n" + BAD + "\n]\n"
    doc = LineDocument.from_text("file://" + path, path, "json", 1, text)
    linter = IncrementalLinter(path, Settings(), doc.lines)
    assert linter.is_array
    s = doc.apply((2, 22), (2, 27), '"assistant"')
    linter.splice(s.start, s.stop, s.count)
    final = doc.source
    assert linter.findings()[0] == engine.check_bytes(path, final, Settings()).findings


LINES = [ROW, BAD, "", " ", "\r", ROW + "\r", "\ufeff" + ROW, "{", "[1]", '{"text": "a"}', "😀"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(LINES), min_size=1, max_size=12),
    st.booleans(),
    st.booleans(),
    st.integers(1, 5),
)
def test_batched_open_equals_engine(lines: list[str], bom: bool, newline: bool, chunk: int) -> None:
    """One checker over many lines gives each line what linting it alone gives."""
    text = ("\ufeff" if bom else "") + "\n".join(lines) + ("\n" if newline else "")
    data = text.encode("utf-8")
    batched = IncrementalLinter(PATH, Settings(), data.split(b"\n"))
    batch_min, incremental.BATCH_MIN = incremental.BATCH_MIN, 1
    try:
        for _ in batched.lint_steps(chunk=chunk):
            pass
    finally:
        incremental.BATCH_MIN = batch_min
    alone = IncrementalLinter(PATH, Settings(), data.split(b"\n"))
    alone.lint_all()  # fewer than BATCH_MIN lines: one by one
    assert [(r.findings, r.signature, r.crlf) for r in batched.results] == [
        (r.findings, r.signature, r.crlf) for r in alone.results
    ]
    expected = engine.check_bytes(PATH, data, Settings()).findings
    assert batched.findings()[0] == expected
    assert batched.findings(3) == (expected[:3], len(expected))


def test_findings_between_and_limit_after_lines_move() -> None:
    """The index of lines with findings and the line starts follow inserted lines."""
    text = "\n".join([ROW, BAD, ROW, BAD]) + "\n"
    doc = LineDocument.from_text("file://" + PATH, PATH, "jsonl", 1, text)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    linter.findings()
    s = doc.apply((2, 0), (2, 0), BAD + "\n")  # a new bad row before line 3
    linter.splice(s.start, s.stop, s.count)
    final = doc.source
    expected = engine.check_bytes(PATH, final, Settings()).findings
    assert linter.findings() == (expected, len(expected))
    assert linter.findings(2) == (expected[:2], len(expected))
    assert linter.findings_between(2, 2) == [f for f in expected if f.range.start.line == 2]
    assert {f.range.start.line for f in expected} >= {1, 2, 4}


# Compact rows (as orjson writes them): the ones the fast path proves clean are linted
# without a Row; dirty, spaced, CRLF, duplicate and blank lines around them go the long way.
COMPACT = [
    '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}',
    '{"messages":[{"role":"user","content":"h😀"},{"role":"assistant","content":"yo"}]}',
    '{"messages":[{"role":"bot","content":""}]}',
    '{"instruction":"a","input":"","output":"b"}',
    '{"instruction":"a","input":"","output":""}',
    '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}\r',
    ROW,
    "",
    "[1]",
    "{",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(COMPACT), min_size=1, max_size=12), st.integers(2, 5))
def test_batched_open_of_compact_rows_equals_engine(rows: list[str], chunk: int) -> None:
    text = "\n".join(rows) + "\n"
    doc = LineDocument.from_text("file://" + PATH, PATH, "jsonl", 1, text)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    batch_min, incremental.BATCH_MIN = incremental.BATCH_MIN, 2
    try:
        for _ in linter.lint_steps(chunk=chunk):
            pass
    finally:
        incremental.BATCH_MIN = batch_min
    expected = engine.check_bytes(PATH, text.encode(), Settings())
    assert linter.findings()[0] == expected.findings
    assert [astuple(s) for s in linter.summaries()] == [astuple(s) for s in expected.summaries]


def test_lone_cr_is_counted_apart_from_crlf_as_edits_come() -> None:
    """J011 counts a lone CR (inside a row, or ending the file) apart from CRLF, as the
    engine does, while the lines holding them are edited."""
    doc = LineDocument.from_text("file://" + PATH, PATH, "jsonl", 1, ROW + "\r\n" + CLEAN)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)

    def j011(a: tuple[int, int], b: tuple[int, int], text: str) -> list[str]:
        s = doc.apply(a, b, text)
        linter.splice(s.start, s.stop, s.count)
        found = linter.findings()[0]
        assert found == engine.check_bytes(PATH, doc.source, Settings()).findings
        return [f.message for f in found if f.code == "J011"]

    lone = "lone CR (\\r): a line break to editors, not to JSON Lines readers"
    assert j011((1, 1), (1, 1), "\r") == [f"1 of 2 lines end with CRLF (\\r\\n); 1 {lone}"]
    assert j011((0, 92), (1, 0), "\n") == [f"1 {lone}"]  # the CRLF is gone
    assert j011((2, 81), (2, 81), "\r") == [f"2 {lone}"]  # one ends the file
    # The client's line 3 starts after that CR (a line break to it): a "\n" there makes CRLF.
    assert j011((3, 0), (3, 0), "\n") == [f"1 of 2 lines end with CRLF (\\r\\n); 1 {lone}"]


def test_findings_between_lines_past_a_lone_cr_are_the_editors() -> None:
    """Hovers and code actions ask by the client's line: past a lone CR, one more."""
    doc = LineDocument.from_text("file://" + PATH, PATH, "jsonl", 1, ROW + "\r\n" + BAD + "\n")
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    s = doc.apply((0, 13), (0, 13), "\r")  # the client's line 0 now ends there
    linter.splice(s.start, s.stop, s.count)
    expected = engine.check_bytes(PATH, doc.source, Settings()).findings
    assert [(f.code, f.range.start.line) for f in linter.findings_between(2, 2)] == [
        (f.code, 2) for f in expected if f.range.start.line == 2
    ]
    assert [f.code for f in linter.findings_between(2, 2)] == ["R004", "C002"]
