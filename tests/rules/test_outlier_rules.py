"""K004: rows far longer than the rest of their file; K005: the few without a system prompt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lint_helpers import jsonl, lint
from sftlint.engine import engine, parallel
from sftlint.io.formats import Fields
from sftlint.settings import Settings


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
            "2 of 40 rows (5.0%) have no system prompt; the other 95.0% do (lines 4, 18)",
        )
    ]


def test_k005_one_finding_naming_the_first_rows() -> None:
    text = jsonl(*system_rows(200, {1, 5, 9, 13, 20, 40}))
    assert lint(text, "K005") == [
        (
            "K005",
            (2, 2),
            (2, 12),
            "6 of 200 rows (3.0%) have no system prompt; the other 97.0% do "
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
            f"1 of 20 rows (5.0%) have no system prompt; the other 95.0% do (line {last})",
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
                f"1 of 30 rows (3.3%) have no system prompt; the other 96.7% do (line {at + 1})",
            )
        ]


ABSENT = object()


def column_rows(n: int, lacking: dict[int, Any], layout: str = "messages") -> list[dict]:
    """`n` rows with their system prompt in a top-level `system` column, those of
    `lacking` with that value there instead (ABSENT: no column)."""
    out = []
    for i in range(n):
        if layout == "alpaca":
            row: dict[str, Any] = {"instruction": f"q{i:02}", "input": "", "output": "a"}
        elif layout == "sharegpt":
            row = {"conversations": [{"from": "human", "value": f"q{i:02}"},
                                     {"from": "gpt", "value": "a"}]}  # fmt: skip
        else:
            row = chat(i, f"answer {i:02}")
        system = lacking.get(i, "Be brief.")
        out.append(row if system is ABSENT else {"system": system, **row})
    return out


def test_k005_counts_a_system_column() -> None:
    # LLaMA-Factory's and Axolotl's layouts: the prompt in a `system` column; an empty,
    # blank or absent one is none. The finding is at the first such row's column.
    text = jsonl(*column_rows(40, {4: "", 9: ABSENT, 30: " \n"}))
    assert lint(text, "K005") == [
        (
            "K005",
            (5, 2),
            (5, 10),
            "3 of 40 rows (7.5%) have no system prompt; the other 92.5% do (lines 5, 10, 31)",
        )
    ]
    text = jsonl(*column_rows(40, {9: ABSENT}))  # at the conversation without the column
    assert lint(text, "K005") == [
        (
            "K005",
            (10, 2),
            (10, 12),
            "1 of 40 rows (2.5%) have no system prompt; the other 97.5% do (line 10)",
        )
    ]


def test_k005_counts_a_system_column_in_sharegpt_and_alpaca_rows() -> None:
    text = jsonl(*column_rows(20, {0: ""}, "sharegpt"))
    message = "1 of 20 rows (5.0%) have no system prompt; the other 95.0% do (line 1)"
    assert lint(text, "K005") == [("K005", (1, 2), (1, 10), message)]
    text = jsonl(*column_rows(20, {0: ""}, "alpaca"))
    assert lint(text, "K005") == [("K005", (1, 2), (1, 10), message)]
    text = jsonl(*column_rows(20, {0: ABSENT}, "alpaca"))  # the whole row: no key to show
    end = len(text.splitlines()[0]) + 1
    assert lint(text, "K005") == [("K005", (1, 1), (1, end), message)]


def test_k005_a_system_turn_and_a_system_column_are_both_a_prompt() -> None:
    # Half the rows carry it as a turn, half as a column: every row has one.
    rows = system_rows(20, set(range(10, 20)))
    for row in rows[10:]:
        row["system"] = "Be brief."
    assert lint(jsonl(*rows), "K005") == []
    # A system turn with a blank column beside it still opens the conversation.
    rows = [{"system": "", **row} for row in system_rows(40, {7})]
    assert lint(jsonl(*rows), "K005") == [
        (
            "K005",
            (8, 2),
            (8, 10),
            "1 of 40 rows (2.5%) have no system prompt; the other 97.5% do (line 8)",
        )
    ]


def test_k005_system_column_in_a_json_array() -> None:
    # Pretty-printed rows are summarized one by one (not by the fast path's shapes).
    text = json.dumps(column_rows(20, {19: ""}), indent=1)
    lines = text.splitlines()
    last = [i + 1 for i, line in enumerate(lines) if line == " {"][19]
    assert lines[last] == '  "system": "",'
    assert lint(text, "K005", "data.json") == [
        (
            "K005",
            (last + 1, 3),
            (last + 1, 11),
            f"1 of 20 rows (5.0%) have no system prompt; the other 95.0% do (line {last})",
        )
    ]


def test_k005_renamed_system_column() -> None:
    settings = Settings(fields=Fields(columns={"system": "persona"}))
    rows = [
        {"persona" if k == "system" else k: v for k, v in r.items()}
        for r in column_rows(20, {2: ""})
    ]
    assert lint(jsonl(*rows), "K005", settings=settings) == [
        (
            "K005",
            (3, 2),
            (3, 11),
            "1 of 20 rows (5.0%) have no system prompt; the other 95.0% do (line 3)",
        )
    ]
    assert lint(jsonl(*rows), "K005") == []  # read as `system`: no row has the column


def test_k004_finds_a_long_row_in_the_second_half_of_a_file_checked_in_two_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each half measures its longest line (K004's first bound): the worker's must count.
    path = tmp_path / "rows.jsonl"
    text = rows(100, {95: 6000})
    path.write_text(text)
    monkeypatch.setattr(parallel, "MIN_SIZE", 0)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)  # see test_fastpath
    assert parallel.split_point(path.read_bytes(), path.stat().st_size) is not None
    both = engine.check_path(path, Settings())
    single = engine.check_path(path, Settings(), jobs=1)
    assert [f.range.start.line for f in both.findings if f.code == "K004"] == [95]
    assert [repr(f) for f in both.findings] == [repr(f) for f in single.findings]
    longest = len(text.splitlines()[95]) + 1  # with its newline
    assert both.info.longest_line == single.info.longest_line == longest
