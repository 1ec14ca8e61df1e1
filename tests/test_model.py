"""Moving findings: `Finding.moved` (a piece of a file put where the piece is) and
`Finding.mapped` (any move of the positions in one file)."""

from __future__ import annotations

from sftlint.model import Edit, Finding, Fix, Position, Range, Related, Severity


def rng(line: int, offset: int) -> Range:
    return Range(Position(line, 2, 2, offset), Position(line, 5, 4, offset + 3))


def finding() -> Finding:
    return Finding(
        "D001",
        Severity.WARNING,
        "duplicate",
        "a.jsonl",
        rng(1, 10),
        [Fix("Delete", (Edit("a.jsonl", rng(1, 10), ""), Edit("b.jsonl", rng(1, 10), "")))],
        [Related("a.jsonl", rng(0, 0), "first"), Related("b.jsonl", rng(0, 0), "there")],
        row_line=1,
    )


def test_moved_shifts_every_position_in_its_file() -> None:
    moved = finding().moved(3, 100)
    assert moved.range == rng(4, 110)
    assert moved.fixes == [
        Fix("Delete", (Edit("a.jsonl", rng(4, 110), ""), Edit("b.jsonl", rng(1, 10), "")))
    ]
    assert moved.related == [Related("a.jsonl", rng(3, 100), "first"), finding().related[1]]
    assert moved.row_line == 4
    assert (moved.code, moved.severity, moved.message, moved.path) == (
        "D001",
        Severity.WARNING,
        "duplicate",
        "a.jsonl",
    )


def test_moved_by_nothing_is_the_finding() -> None:
    f = finding()
    assert f.moved(0, 0) is f


def test_mapped_moves_positions_of_the_file_named() -> None:
    def down(p: Position) -> Position:
        return p.moved(1) if p.line >= 1 else p

    moved = finding().mapped(down, "b.jsonl")
    assert moved.range == rng(1, 10)  # in a.jsonl: stays
    assert moved.fixes[0].edits == (
        Edit("a.jsonl", rng(1, 10), ""),
        Edit("b.jsonl", rng(2, 10), ""),
    )
    assert moved.related == finding().related  # both on line 0: `down` leaves them
    assert moved.row_line == 1
