"""C006 and C007: whitespace at the edges of answers, degenerate repetition."""

from __future__ import annotations

from lint_helpers import apply, col, findings, jsonl, lint
from sftlint.model import Severity

Q = {"role": "user", "content": "Capital of France?"}


def chat(answer: str) -> dict:
    return {"messages": [Q, {"role": "assistant", "content": answer}]}


def span(line: str, value: str) -> tuple[int, int]:
    """1-based start and end columns of a JSON string value (quotes included) on `line`."""
    start = col(line, value)
    return start, start + len(value)


def test_c006_leading_space_is_a_warning_with_a_trim_fix() -> None:
    text = jsonl(chat(" Paris.\n"))
    line = text.splitlines()[0]
    start, end = span(line, '" Paris.\\n"')
    [f] = findings(text, "C006")
    assert (f.severity, f.range.start.column + 1, f.range.end.column + 1, f.message) == (
        Severity.WARNING,
        start,
        end,
        "turn 2 (messages[1].content): assistant content starts with a space and ends with a "
        "newline: the model learns to open its answers with it",
    )
    [fix] = f.fixes
    assert not fix.safe
    assert apply(text.encode(), fix) == jsonl(chat("Paris.")).encode()


def test_c006_trailing_only_is_a_note() -> None:
    text = jsonl(chat("Paris.\n\n"))
    [f] = findings(text, "C006")
    assert (f.severity, f.message) == (
        Severity.INFO,
        "turn 2 (messages[1].content): assistant content ends with 2 newlines: the model "
        "learns to write it before the end of its turn",
    )


def test_c006_fix_removes_only_the_escaped_whitespace() -> None:
    # Escapes elsewhere in the string stay as written: no re-serialization.
    row = (
        '{"messages": [{"role": "user", "content": "q"}, '
        '{"role": "assistant", "content": "\\u0020\\tPar\\u00eds \\ud83d\\ude00\\r\\n"}]}\n'
    )
    [f] = findings(row, "C006")
    assert f.message == (
        'turn 2 (messages[1].content): assistant content starts with whitespace (" \\t") and '
        'ends with whitespace ("\\r\\n"): the model learns to open its answers with it'
    )
    assert (
        apply(row.encode(), f.fixes[0])
        == row.replace("\\u0020\\t", "").replace("\\r\\n", "").encode()
    )


def test_c006_indented_code_is_named_and_not_trimmed() -> None:
    text = jsonl({"instruction": "Write f.", "input": "", "output": "    def f():\n        pass"})
    [f] = findings(text, "C006")
    assert (f.message, f.fixes) == (
        "output: assistant content has every line indented with 4 spaces: the model learns "
        "to open its answers with it",
        [],
    )


def test_c006_only_answers() -> None:
    text = jsonl(
        {"messages": [{"role": "user", "content": " hi\n"}, {"role": "assistant", "content": "a"}]},
        chat("Paris."),
        chat("   "),  # whitespace only: C001
    )
    assert lint(text, "C006") == []


def test_c007_repeated_line() -> None:
    text = jsonl(chat("\n".join(["I am so sorry."] * 20)), chat("\n".join(["ok."] * 40)))
    line = text.splitlines()[0]
    start = col(line, '"I am so')
    assert lint(text, "C007") == [
        (
            "C007",
            (1, start),
            (1, len(line) - 2),  # the string ends before "}]}
            'turn 2 (messages[1].content): the line "I am so sorry." is repeated 20 times '
            "(20 of 20 lines): degenerate generated text",
        )
    ]


def test_c007_text_ending_in_a_loop() -> None:
    text = jsonl(chat("Here is my answer. " + "the cat sat on the mat and " * 40 + "x"))
    assert lint(text, "C007") == []  # not a loop at the end
    text = jsonl(chat("Here is my answer. " + "the cat sat on the mat and" + " and" * 200))
    [f] = lint(text, "C007")
    assert f[3] == (
        'turn 2 (messages[1].content): the text ends with " and" repeated 201 times: '
        "degenerate generated text"
    )


def test_c007_natural_long_answers_pass() -> None:
    code = "\n".join(f"    x{i} = compute({i})" for i in range(60))
    prose = " ".join(f"Sentence {i} says something new about item {i}." for i in range(80))
    table = "\n".join(["| a | b |", "|---|---|", *(f"| {i} | {i * i} |" for i in range(40))])
    text = jsonl(chat("x\n" + code), chat(prose), chat(table), chat("\n\n".join(["}"] * 30)))
    assert lint(text, "C007") == []
