"""Edits that add or remove lines between two lints (`filechecks.Window`): the file checks'
findings are kept when the lines come back as they were, and equal a fresh check's after
any edits (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sftlint.engine import engine
from sftlint.lsp import incremental
from sftlint.lsp.documents import LineDocument
from sftlint.lsp.incremental import IncrementalLinter
from sftlint.settings import Settings

PATH = "/tmp/window/train.jsonl"
CLEAN = '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"}]}'
OTHER = '{"messages":[{"role":"user","content":"yo"},{"role":"assistant","content":"ok"}]}'
THIRD = CLEAN.replace('"hi"', '"zz"')
SYSTEM = (
    '{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q"},'
    '{"role":"assistant","content":"a"}]}'
)
SPACED = (
    '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": " ok"}]}'
)
ALPACA = '{"instruction": "i", "output": "o"}'
LINES = [CLEAN, OTHER, SYSTEM, SPACED, ALPACA, "", "{", CLEAN + "\r"]


def linter_of(text: str) -> tuple[LineDocument, IncrementalLinter]:
    doc = LineDocument.from_text("file://" + PATH, PATH, "jsonl", 1, text)
    linter = IncrementalLinter(PATH, Settings(), doc.lines)
    linter.findings()
    return doc, linter


def test_a_row_deleted_and_put_back_keeps_the_file_checks() -> None:
    # D001 (rows 1 and 3), K006 (row 2 answers their question otherwise), F001 (Alpaca)
    rows = [CLEAN, SPACED, CLEAN, ALPACA, OTHER]
    doc, linter = linter_of("\n".join(rows) + "\n")
    before = linter.findings()[0]
    kept = linter._file.findings
    assert sorted({f.code for f in before}) == ["C006", "D001", "F001", "K006"]
    s = doc.apply((4, 0), (5, 0), "")  # the last row goes ...
    linter.splice(s.start, s.stop, s.count)
    s = doc.apply((4, 0), (4, 0), OTHER + "\n")  # ... and comes back before any lint
    linter.splice(s.start, s.stop, s.count)
    assert linter.findings()[0] == before
    assert linter._file.findings is kept  # not run again
    s = doc.apply((4, 0), (5, 0), "")  # gone for good: run again (F001 counts 4 rows)
    linter.splice(s.start, s.stop, s.count)
    after = [f.message for f in linter.findings()[0] if f.code == "F001"]
    assert after == [
        'row format "alpaca" (1 row) differs from the file\'s format "messages" (3 of 4 rows)'
    ]
    assert linter._file.findings is not kept


def test_a_row_deleted_and_another_put_in_its_place_runs_them_again() -> None:
    doc, linter = linter_of("\n".join([OTHER, CLEAN, SYSTEM, THIRD, OTHER]) + "\n")
    assert [f.code for f in linter.findings()[0]] == ["D001"]  # line 4, of line 0
    replace(doc, linter, 1, 2, "")
    replace(doc, linter, 1, 1, ALPACA + "\n")  # as many lines as before, not the same row
    assert linter._file.window is not None  # lines the checks did not name: kept apart
    expected = engine.check_bytes(PATH, doc.source, Settings()).findings
    assert [f.code for f in expected] == ["F001", "D001"]
    assert linter.findings()[0] == expected


def test_a_row_put_back_with_another_answer_to_its_prompt_runs_them_again() -> None:
    # Rows of one prompt and one answer, told apart by an id: no finding. One comes back
    # with another answer: same shape and digest (checks.row_digest), other bytes.
    first, second = (CLEAN[:-1] + f',"id":"{n}"}}' for n in (1, 2))
    doc, linter = linter_of("\n".join([first, second, OTHER]) + "\n")
    assert linter.findings()[0] == []
    replace(doc, linter, 1, 2, "")
    replace(doc, linter, 1, 1, second.replace('"ok"', '"no"') + "\n")
    expected = engine.check_bytes(PATH, doc.source, Settings()).findings
    assert [f.code for f in expected] == ["K006"]
    assert linter.findings()[0] == expected


@st.composite
def scenario(draw):
    lines = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=8))
    steps = []
    n = len(lines)
    for _ in range(draw(st.integers(1, 8))):
        start = draw(st.integers(0, n))
        stop = draw(st.integers(start, min(n, start + 2)))
        if draw(st.booleans()) and stop > start:  # lines taken out and put back
            steps.append((start, stop, None, draw(st.booleans())))
        else:
            new = draw(st.lists(st.sampled_from(LINES), max_size=2))
            steps.append((start, stop, new, draw(st.booleans())))
            n += len(new) - (stop - start)
    return lines, steps


def replace(doc: LineDocument, linter: IncrementalLinter, a: int, b: int, new: str) -> None:
    s = doc.apply((a, 0), (b, 0), new)
    linter.splice(s.start, s.stop, s.count)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_edits_between_lints_equal_fresh_check(case) -> None:
    lines, steps = case
    doc, linter = linter_of("\n".join(lines) + "\n")
    batch_min, incremental.BATCH_MIN = incremental.BATCH_MIN, 2
    try:
        for start, stop, new, lint in steps:
            if new is None:
                taken = doc.source.decode().split("\n")[start:stop]
                replace(doc, linter, start, stop, "")
                replace(doc, linter, start, start, "".join(t + "\n" for t in taken))
            else:
                replace(doc, linter, start, stop, "".join(t + "\n" for t in new))
            if lint:
                linter.findings()
    finally:
        incremental.BATCH_MIN = batch_min
    expected = engine.check_bytes(PATH, doc.source, Settings())
    assert linter.findings()[0] == expected.findings


def test_length_outlier_after_a_row_is_added() -> None:
    # K004 reads every row's length (`IncrementalLinter._row_lengths`: no summaries built).
    long = SPACED.replace('" ok"', '" ' + "o" * 5000 + '"')
    doc, linter = linter_of("\n".join([CLEAN.replace("hi", f"q{i}") for i in range(24)]) + "\n")
    replace(doc, linter, 3, 3, long + "\n")
    expected = engine.check_bytes(PATH, doc.source, Settings()).findings
    assert [(f.code, f.range.start.line) for f in expected] == [
        ("K004", 3),
        ("C006", 3),
        ("C007", 3),  # "o" repeated
    ]
    assert expected[0].message.startswith("row is 5,088 bytes, 62x the file's median row")
    assert linter.findings()[0] == expected
