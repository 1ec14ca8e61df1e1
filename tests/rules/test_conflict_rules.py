"""K006: rows with one prompt and different answers (conflicting duplicates)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lint_helpers import findings, jsonl, lint
from sftlint.engine import engine
from sftlint.report.groups import group_key, grouped
from sftlint.report.sarif import sarif
from sftlint.settings import Settings


def chat(question: str, answer: str, system: str | None = None, **extra: object) -> dict:
    turns = [{"role": "system", "content": system}] if system is not None else []
    turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return {"messages": turns, **extra}


def message(line: int, shared: int, answers: int) -> str:
    return (
        f"same prompt as the row at line {line} with a different answer ({shared} rows share "
        f"this prompt, {answers} distinct answers)"
    )


def test_k006_one_finding_at_the_later_row_naming_the_first() -> None:
    text = jsonl(chat("2+2?", "4"), chat("hi", "hello"), chat("2+2?", "5"))
    width = len(text.splitlines()[2])
    assert lint(text, "K006") == [("K006", (3, 1), (3, width + 1), message(1, 2, 2))]
    (found,) = findings(text, "K006")
    assert found.severity.label == "warning"
    assert [(r.range.start.line, r.range.end.column, r.message) for r in found.related] == [
        (0, len(text.splitlines()[0]), "first row with this prompt")
    ]


def test_k006_one_finding_a_group_with_every_other_answer_related() -> None:
    """Four rows, three answers (one of them twice, a byte-identical copy: D001's)."""
    rows = [chat("2+2?", "4"), chat("2+2?", "4"), chat("2+2?", "5"), chat("x", "y")]
    text = jsonl(*rows, chat("2+2?", "22"))
    assert [(f.code, f.range.start.line) for f in findings(text, "")] == [
        ("D001", 1),
        ("K006", 2),
    ]
    (found,) = findings(text, "K006")
    assert found.message == message(1, 4, 3)
    assert [(r.range.start.line, r.message) for r in found.related] == [
        (0, "first row with this prompt"),
        (4, "another answer to this prompt"),
    ]


@pytest.mark.parametrize(
    "other",
    [
        chat("2+2?", "4"),  # the same answer: an exact duplicate, D001's
        chat("2+2?", "4", id=7),  # the same prompt and answer, another id
        chat("2+2?", "5", system="Answer wrongly."),  # another system prompt
        chat("2+2?", "5", tools=[{"name": "calc"}]),  # other tools at hand
        chat("2+2?", "5", images=["a.png"]),  # another image to look at
        chat("2+2 ?", "5"),  # another question
        chat("2+2?", ""),  # no answer: C001's
        {"messages": [{"role": "user", "content": "2+2?"}, {"role": "bot", "content": "5"}]},
        {"prompt": "2+2?", "chosen": "4", "rejected": "5"},  # preference pairs differ so
    ],
)
def test_k006_quiet_when_the_prompts_differ_or_the_answer_is_the_same(other: dict) -> None:
    assert lint(jsonl(chat("2+2?", "4"), other), "K006") == []


def test_k006_alpaca_and_prompt_completion_rows() -> None:
    alpaca = {"instruction": "Add.", "input": "2 2", "output": "4"}
    text = jsonl(alpaca, alpaca | {"input": "2 3", "output": "5"}, alpaca | {"output": "5"})
    assert [(f.range.start.line, f.message) for f in findings(text, "K006")] == [
        (2, message(1, 2, 2))
    ]
    pc = {"prompt": "2+2=", "completion": "4"}
    text = jsonl(pc, pc | {"prompt": "2+3="}, pc | {"completion": "5"})
    assert [(f.range.start.line, f.message) for f in findings(text, "K006")] == [
        (2, message(1, 2, 2))
    ]


def test_k006_the_same_on_the_fast_path_and_off_it(tmp_path: Path) -> None:
    """Compact rows the fast path proves clean carry its digests, rows written with spaces
    (or in a JSON array) the full checks': one prompt is one prompt either way."""
    compact = json.dumps(chat("2+2?", "4"), separators=(",", ":"))
    spaced = json.dumps(chat("2+2?", "5"))
    path = tmp_path / "rows.jsonl"
    path.write_text(f"{compact}\n{spaced}\n{compact.replace('4', '6')}\n")
    found = engine.check_path(path, Settings(), jobs=1).findings
    assert [(f.code, f.range.start.line, f.message) for f in found] == [
        ("K006", 1, message(1, 3, 3))
    ]
    array = tmp_path / "rows.json"
    array.write_text(json.dumps([chat("2+2?", "4"), chat("2+2?", "5")], indent=2))
    found = engine.check_path(array, Settings()).findings
    assert [(f.code, f.range.start.line, f.message) for f in found] == [
        ("K006", 13, message(2, 2, 2))  # the second element's `{`
    ]


def test_k006_many_groups_print_as_one_cause() -> None:
    """Each group is one finding; the groups of a file share one cause (the text output
    prints them once)."""
    text = jsonl(*(chat(f"q{i}", a) for i in range(6) for a in ("yes", "no")))
    found = findings(text, "K006")
    assert [f.range.start.line for f in found] == [1, 3, 5, 7, 9, 11]
    assert [len(g) for g in grouped(found)] == [6]


def test_k006_sarif_names_the_other_rows_as_related_locations() -> None:
    text = jsonl(chat("2+2?", "4"), chat("2+2?", "5"), chat("2+2?", "22"))
    (found,) = findings(text, "K006")
    (result,) = sarif([found])["runs"][0]["results"]
    assert result["partialFingerprints"] == {"sftlintGroup/v1": group_key(found)}
    assert [
        (r["message"]["text"], r["physicalLocation"]["region"]["startLine"])
        for r in result["relatedLocations"]
    ] == [("first row with this prompt", 1), ("another answer to this prompt", 3)]
