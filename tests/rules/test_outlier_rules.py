"""K004: rows far longer than the rest of their file."""

from __future__ import annotations

import json

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


def test_k004_at_exactly_ten_times_the_median() -> None:
    """The bar is inclusive: a row of 10x the median is reported, one byte less is not
    (the bounds the check tests before it sorts the lengths)."""

    def file(extra: int) -> tuple[str, int, int]:
        normal = chat(0, "a" * 500)
        median = len(json.dumps(normal))
        base = len(json.dumps(chat(0, "")))
        long = chat(7, "b" * (10 * median - base + extra))
        text = "\n".join(json.dumps(long if i == 7 else normal) for i in range(30)) + "\n"
        return text, len(json.dumps(long)), median

    text, length, median = file(0)
    assert length == 10 * median
    assert [code for code, *_ in lint(text, "K004")] == ["K004"]
    text, length, median = file(-1)
    assert length == 10 * median - 1
    assert lint(text, "K004") == []


SYSTEM = {"role": "system", "content": "Be brief."}


def system_rows(n: int, lacking: set[int]) -> list[dict]:
    """`n` chat rows opening with a system turn, but those of `lacking`."""
    out = []
    for i, row in enumerate(chat(i, f"answer {i:02}") for i in range(n)):
        if i not in lacking:
            row["messages"].insert(0, SYSTEM)
        out.append(row)
    return out


def test_k005_few_rows_without_the_system_prompt() -> None:
    text = jsonl(*system_rows(40, {3, 17}))
    assert lint(text, "K005") == [
        (
            "K005",
            (4, 2),
            (4, 12),
            "2 of 40 chat rows (5.0%) have no system prompt; the other 95.0% do (lines 4, 18)",
        )
    ]


def test_k005_one_finding_naming_the_first_rows() -> None:
    text = jsonl(*system_rows(200, {1, 5, 9, 13, 20, 40}))
    assert lint(text, "K005") == [
        (
            "K005",
            (2, 2),
            (2, 12),
            "6 of 200 chat rows (3.0%) have no system prompt; the other 97.0% do "
            "(lines 2, 6, 10, 14, 21, ...)",
        )
    ]


def test_k005_in_a_json_array() -> None:
    # Pretty-printed rows are summarized one by one, not through the fast path.
    text = json.dumps(system_rows(20, {19}), indent=1)
    lines = text.splitlines()
    last = [i + 1 for i, line in enumerate(lines) if line == " {"][19]  # row 20 opens there
    assert lines[last] == '  "messages": ['
    assert lint(text, "K005", "data.json") == [
        (
            "K005",
            (last + 1, 3),
            (last + 1, 13),
            f"1 of 20 chat rows (5.0%) have no system prompt; the other 95.0% do (line {last})",
        )
    ]


def test_k005_quiet_without_an_overwhelming_majority() -> None:
    assert lint(jsonl(*system_rows(19, {3})), "K005") == []  # too few rows
    assert lint(jsonl(*system_rows(40, {1, 2, 3, 4, 5})), "K005") == []  # 87.5%: a mix
    assert lint(jsonl(*system_rows(40, set())), "K005") == []


def test_k005_rows_of_one_shape_with_and_without_the_system_turn() -> None:
    # [user, assistant, user] has the keys and types of [system, user, assistant]: the
    # fast path's shape is the same, its system-turn flag is the row's own.
    lacking = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant",
               "content": "a"}, {"role": "user", "content": "q"}]}  # fmt: skip
    for at in (0, 7):
        rows = system_rows(30, set())
        rows[at] = lacking
        assert lint(jsonl(*rows), "K005") == [
            (
                "K005",
                (at + 1, 2),
                (at + 1, 12),
                "1 of 30 chat rows (3.3%) have no system prompt; the other 96.7% do "
                f"(line {at + 1})",
            )
        ]
