"""The server's causes on many rows (counts kept through edits, `lsp.causes`) equal the
engine's grouping of a fresh check of the final text (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sftlint.engine import engine
from sftlint.lsp import incremental
from sftlint.lsp.documents import LineDocument
from sftlint.lsp.incremental import IncrementalLinter
from sftlint.report import groups
from sftlint.settings import Settings


def chat(answer: str) -> str:
    turns = f'{{"role":"user","content":"q"}},{{"role":"assistant","content":"{answer}"}}'
    return '{"messages":[' + turns + "]}"


# C006 (a leading space), C007-like trailing space, R004 (an unknown role), clean rows.
ROWS = [
    chat(" a"),
    chat(" b"),
    chat("c "),
    chat("d"),
    '{"messages":[{"role":"bot","content":"x"}]}',
]


def expected(path: str, text: bytes) -> list[tuple]:
    found = engine.check_bytes(path, text, Settings()).findings
    out = []
    for group in groups.grouped(found):
        if len(group) > 1:
            rows = sorted({groups.row_of(f) for f in group})
            first = group[0].range.start
            key = groups.group_key(group[0])
            out.append((key, len(group), len(rows), rows[: groups.SHOWN_ROWS], first.line))
    return sorted(out, key=lambda g: g[3][0])


def got(linter: IncrementalLinter) -> list[tuple]:
    out = []
    for (line, f), key, findings, rows, shown in linter.groups():
        out.append((key, findings, rows, shown, f.range.start.line + (line or 0)))
    return out


@st.composite
def case(draw):
    rows = draw(st.lists(st.sampled_from(ROWS), min_size=4, max_size=14))
    edits = []
    n = len(rows)
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, n))
        stop = draw(st.integers(start, min(n, start + 3)))
        new = draw(st.lists(st.sampled_from(ROWS), max_size=3))
        edits.append((start, stop, new))
        n += len(new) - (stop - start)
    return rows, edits


def run(path: str, rows: list[str], edits: list[tuple[int, int, list[str]]], array: bool) -> None:
    def text(rows: list[str]) -> str:
        if array:
            return "[\n" + "".join(r + ",\n" for r in rows) + "{}]\n"  # last element: {}
        return "".join(r + "\n" for r in rows)

    head = 1 if array else 0
    kind = "json" if array else "jsonl"
    doc = LineDocument.from_text("file://" + path, path, kind, 1, text(rows))
    linter = IncrementalLinter(path, Settings(), doc.lines)
    assert linter.is_array == array
    batch_min, incremental.BATCH_MIN = incremental.BATCH_MIN, 2
    try:  # lines linted in batches too, as big files are
        for _ in linter.lint_steps(chunk=3):
            pass
        linter.groups()
        for start, stop, new in edits:  # whole rows replaced, the lines between
            a, b = start + head, stop + head
            s = doc.apply((a, 0), (b, 0), "".join(r + ("," if array else "") + "\n" for r in new))
            linter.splice(s.start, s.stop, s.count)
            rows[start:stop] = new
            linter.groups()  # between edits too: the kept counts, not a fresh count
    finally:
        incremental.BATCH_MIN = batch_min
    assert doc.source.decode() == text(rows)
    assert got(linter) == expected(path, doc.source)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_jsonl_causes_follow_edits(c) -> None:
    run("/tmp/props/causes.jsonl", *c, array=False)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_array_causes_follow_edits(c) -> None:
    run("/tmp/props/causes.json", *c, array=True)
