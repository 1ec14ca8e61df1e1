"""Row summaries kept as columns, and the engine's lean JSON Lines loop, change nothing."""

from __future__ import annotations

import pickle
from collections import Counter
from dataclasses import astuple
from pathlib import Path

import pytest

from sftlint.engine import engine
from sftlint.io.positions import NO_WIDTH
from sftlint.rules import checks
from sftlint.settings import Settings

ROW = b'{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}'


def _summaries() -> tuple[checks.Summaries, list[checks.RowSummary]]:
    template = checks.RowSummary(0, 0, 0, 0, 0, NO_WIDTH, "messages", ("messages",))
    own = checks.RowSummary(1, 1, 3, 50, 7, (2, 2), None, digest=-5, prompt=3)
    columns = checks.Summaries()
    columns.add_shaped(template, 0, 0, 40, 11, 3)
    columns.add(own)
    extend, append, counts = columns.shaped_writer()
    extend((4, 60, 40, 11, 0))
    append(template)
    counts[template] += 1
    shaped = {"format": "messages", "keys": ("messages",), "digest": 11}
    expected = [
        checks.RowSummary(0, 0, 0, 0, 40, NO_WIDTH, **shaped, prompt=3),
        own,
        checks.RowSummary(2, 4, 4, 60, 40, NO_WIDTH, **shaped),
    ]
    return columns, expected


def test_columns_read_back_as_summaries() -> None:
    columns, expected = _summaries()
    assert len(columns) == 3
    fields = [astuple(s) for s in expected]
    assert [astuple(s) for s in columns] == fields
    assert [astuple(columns[i]) for i in range(-3, 3)] == fields * 2
    assert [astuple(s) for s in columns[1:]] == fields[1:]
    with pytest.raises(IndexError):
        columns[3]
    assert columns.digests() == [11, -5, 11]
    assert columns.prompts() == [3, 3, 0]
    assert columns.prompt_sharing() == (True, False)  # rows 0 and 1; row 2 has none
    templates = columns.templates()
    assert [n for _, n in templates] == [2, 1]  # rows 0 and 2 share their template
    assert columns.formats() == {"messages": 2}  # row 1 is not an object: no format
    for attr in checks.Summaries.SHAPED:
        counts: Counter[object] = Counter()
        for t, n in templates:
            counts[getattr(t, attr)] += n
        assert counts == Counter(getattr(s, attr) for s in expected)


def test_shifted_parts_and_pickles() -> None:
    first, expected = _summaries()
    second = pickle.loads(pickle.dumps(_summaries()[0]))
    first.extend_shifted(second, lines=5)
    shifted = [
        (s.index + 3, s.line + 5, s.end_line + 5, *astuple(s)[3:]) for s in expected
    ]  # fmt: skip
    assert [astuple(s) for s in first] == [astuple(s) for s in expected] + shifted
    assert first.digests() == [11, -5, 11] * 2
    assert [n for _, n in first.templates()] == [2, 1, 2, 1]
    assert first.formats() == {"messages": 4}
    # A part that holds shifted parts itself keeps their shifts, added to its own.
    outer, _ = _summaries()
    outer.extend_shifted(pickle.loads(pickle.dumps(first)), lines=10)
    moved = [(s.index + 3, s.line + 10, s.end_line + 10, *astuple(s)[3:]) for s in first]
    assert [astuple(s) for s in outer] == [astuple(s) for s in expected] + moved
    assert [outer[i].line for i in (2, 3, 5, 6, 8)] == [4, 10, 14, 15, 19]


@pytest.mark.parametrize(
    ("noted", "later", "expected"),
    [
        ([5, 6], [7], (False, True)),
        ([5, 6], [7, 6], (True, True)),  # a later row shares a noted row's prompt
        ([5, 6], [7, 7], (True, True)),  # two later rows share one
        ([5, 0], [7], (False, False)),  # a noted row without a prompt
        ([5, 6], [0, 0], (False, False)),  # later rows without one
        ([5, 5], [7], (True, True)),
        ([], [5, 5], (True, True)),
        ([5, 6], [], (False, True)),
    ],
)
def test_prompt_sharing_of_rows_added_after_the_noted_ones(
    noted: list[int], later: list[int], expected: tuple[bool, bool]
) -> None:
    template = checks.RowSummary(0, 0, 0, 0, 0, NO_WIDTH, "messages", ("messages",))
    columns = checks.Summaries()
    for i, prompt in enumerate(noted):
        columns.add_shaped(template, i, 0, 40, i, prompt)
    columns.note_prompts()
    other = checks.Summaries()
    for i, prompt in enumerate(later):
        other.add_shaped(template, i, 0, 40, i, prompt)
    columns.extend_shifted(pickle.loads(pickle.dumps(other)), lines=len(noted))
    assert columns.prompt_sharing() == expected
    whole = checks.Summaries()  # the same rows, none noted
    whole.extend_shifted(columns, lines=0)
    assert whole.prompt_sharing() == expected


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + ROW + b"\n" + ROW + b"\n" + ROW,  # BOM, no final newline
        ROW + b"\r\n" + ROW + b"\n\n" + ROW + b"  \n" + ROW + b" ",  # CRLF, blank, spaces
        ROW + b"\n" + ROW.replace(b'"role":"user"', b'"role":"user","role":"user"') + b"\n",
        b"\n" + ROW + b"\n" + ROW[:-3] + b"\n" + ROW.replace(b"hi", b"h\x00") + b"\n" + ROW,
    ],
)
def test_lean_loop_reads_like_the_reader(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes(data)
    lean = engine.check_path(path, Settings(), jobs=1)
    checker = engine.FileChecker(str(path), Settings(), engine.loader_for_bytes(str(path), data))
    info = engine.FileInfo()
    for row in engine.iter_file_rows(str(path), info):
        checker.check_row(row)
    plain = checker.finish(info)
    assert [repr(f) for f in lean.findings] == [repr(f) for f in plain.findings]
    assert [astuple(s) for s in lean.summaries] == [astuple(s) for s in plain.summaries]
    assert lean.info == plain.info and lean.formats == plain.formats
    assert lean.findings  # each file has something to say


def test_columns_made_at_once_count_their_templates_when_asked() -> None:
    template = checks.RowSummary(0, 0, 0, 0, 0, NO_WIDTH, "messages", ("messages",))
    own = checks.RowSummary(1, 1, 1, 10, 5, NO_WIDTH, "alpaca", ("instruction",), prompt=2)
    columns = checks.Summaries.from_columns(
        [0, 1, 2], [0, 10, 20], [9, 5, 9], [7, 8, 7], [1, 2, 3], [template, own, template], [1]
    )
    assert columns.templates() == [(template, 2), (own, 1)]
    assert columns.formats() == {"messages": 2, "alpaca": 1}
    assert [(s.index, s.line, s.offset, s.digest, s.prompt) for s in columns] == [
        (0, 0, 0, 7, 1),
        (1, 1, 10, 0, 2),  # its own summary, as it was given
        (2, 2, 20, 7, 3),
    ]
