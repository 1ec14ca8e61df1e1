"""K004: rows far longer than the rest of their file."""

from __future__ import annotations

from lint_helpers import jsonl, lint


def chat(i: int, answer: str) -> dict:
    return {
        "messages": [
            {"role": "user", "content": f"q{i:02}"},
            {"role": "assistant", "content": answer},
        ]
    }


def rows(n: int, long: dict[int, int]) -> str:
    """`n` rows answering "answer NN", those of `long` with that many characters."""
    return jsonl(*(chat(i, "x" * long[i] if i in long else f"answer {i:02}") for i in range(n)))


def test_k004_one_row_far_longer_than_the_rest() -> None:
    text = rows(30, {7: 6000})
    length = len(text.splitlines()[7].encode())
    median = len(text.splitlines()[0].encode())
    assert lint(text, "K004") == [
        (
            "K004",
            (8, 1),
            (8, length + 1),
            f"row is {length:,} bytes, {length // median}x the file's median row ({median} "
            "bytes): far longer than the rest (a runaway generation, a pasted document, rows "
            "glued together?)",
        )
    ]


def test_k004_quiet_on_small_files_long_tails_and_short_rows() -> None:
    assert lint(rows(19, {7: 6000}), "K004") == []  # too few rows to compare
    assert lint(rows(30, {7: 6000, 8: 6000}), "K004") == []  # 2 of 30: the file's nature
    assert lint(rows(30, {7: 3000}), "K004") == []  # under 4 KiB
