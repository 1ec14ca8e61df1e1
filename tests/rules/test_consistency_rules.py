"""K rules: keys and types that differ from the rest of the file."""

from __future__ import annotations

from pathlib import Path

from lint_helpers import apply_edits
from sftlint.engine import engine
from sftlint.model import Finding
from sftlint.settings import Settings


def check(tmp_path: Path, text: str, name: str = "data.jsonl") -> tuple[bytes, list[Finding]]:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path.read_bytes(), engine.check_path(path, Settings()).findings


def of(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def where(f: Finding) -> tuple[int, int, int, int]:
    r = f.range
    return (r.start.line + 1, r.start.column + 1, r.end.line + 1, r.end.column + 1)


def row(assistant: str) -> str:
    head = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", '
    return head + assistant + "}]}\n"


def test_k001_synonym_key_with_rename_fixes(tmp_path: Path) -> None:
    text = (
        row('"content": "a"')
        + row('"text": "b"')
        + row('"content": "c"')
        + row('"text": "d"')
        + row('"content": "e"')
    )
    data, findings = check(tmp_path, text)
    k = of(findings, "K001")
    assert [where(f) for f in k] == [(2, 72, 2, 78), (4, 72, 4, 78)]
    assert k[0].message == (
        'turn 2 (messages[1].text): message key "text" where the rest of the file uses '
        '"content"; did you mean "content"?'
    )
    this_row, every_row = k[0].fixes
    assert this_row.title == 'Rename "text" to "content" in this row'
    assert (
        apply_edits(data, this_row.edits) == text.replace('"text": "b"', '"content": "b"').encode()
    )
    assert every_row.title == 'Rename "text" to "content" in every row of this file (2 rows)'
    assert apply_edits(data, every_row.edits) == text.replace('"text"', '"content"').encode()


def test_k001_misspelled_known_key(tmp_path: Path) -> None:
    text = row('"content": "a"') + row('"content": "b", "weigth": 0') + row('"content": "c"')
    _, findings = check(tmp_path, text)
    (k,) = of(findings, "K001")
    assert where(k) == (2, 88, 2, 96)
    assert k.message == (
        'turn 2 (messages[1].weigth): unknown message key "weigth"; did you mean "weight"?'
    )
    assert len(k.fixes) == 1  # one row: "every row" would be the same edit


def test_k001_typo_of_key_the_file_uses(tmp_path: Path) -> None:
    text = row('"content": "a"') + row('"contnet": "b"') + row('"content": "c"')
    _, findings = check(tmp_path, text)
    (k,) = of(findings, "K001")
    assert where(k) == (2, 72, 2, 81)
    assert k.message == (
        'turn 2 (messages[1].contnet): message key "contnet" where the rest of the file uses '
        '"content"; did you mean "content"?'
    )


def test_k001_clean_file_with_tool_keys(tmp_path: Path) -> None:
    text = (
        '{"messages": [{"role": "user", "content": "t?"}, {"role": "assistant", "content": null, '
        '"tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", '
        '"arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "1", "content": "3"}, '
        '{"role": "assistant", "content": "3", "weight": 1}]}\n'
    ) + row('"content": "c"')
    _, findings = check(tmp_path, text)
    assert of(findings, "K001") == [] and of(findings, "K003") == []


def test_k002_misspelled_row_key(tmp_path: Path) -> None:
    text = (
        '{"instruction": "a", "input": "", "output": "b"}\n'
        '{"instruction": "c", "input": "", "ouptut": "d"}\n'
        '{"instruction": "e", "input": "", "output": "f"}\n'
    )
    data, findings = check(tmp_path, text)
    (k,) = of(findings, "K002")
    assert k.severity.label == "warning"
    assert where(k) == (2, 35, 2, 43)
    assert (
        k.message == 'key "ouptut" where the rest of the file uses "output"; did you mean "output"?'
    )
    assert apply_edits(data, k.fixes[0].edits) == text.replace('"ouptut"', '"output"').encode()


def test_k002_consistent_unusual_names_pass(tmp_path: Path) -> None:
    text = '{"inputs": "a", "targets": "b"}\n' * 2 + '{"inputs": "c", "targets": "d"}\n'
    _, findings = check(tmp_path, text)
    assert of(findings, "K002") == []


def test_k003_type_drift_with_retype_fix(tmp_path: Path) -> None:
    text = (
        row('"content": "a", "weight": 1')
        + row('"content": "b", "weight": "0"')
        + row('"content": "c", "weight": 0.5')
    )
    data, findings = check(tmp_path, text)
    (k,) = of(findings, "K003")
    assert where(k) == (2, 98, 2, 101)
    assert (
        k.message == 'turn 2 (messages[1].weight): "weight" is a string here but a number in 2 rows'
    )
    (fix,) = k.fixes
    assert fix.title == 'Replace "0" with 0'
    assert apply_edits(data, fix.edits) == text.replace('"weight": "0"', '"weight": 0').encode()


def test_k003_row_key_and_no_fix_for_non_numeric(tmp_path: Path) -> None:
    text = '{"text": "a", "score": 1}\n{"text": "b", "score": "high"}\n{"text": "c", "score": 2}\n'
    _, findings = check(tmp_path, text)
    (k,) = of(findings, "K003")
    assert where(k) == (2, 24, 2, 30)
    assert k.message == '"score" is a string here but a number in 2 rows'
    assert k.fixes == []


def test_k003_null_and_ties_pass(tmp_path: Path) -> None:
    text = (
        '{"text": "a", "score": 1, "tag": "x"}\n{"text": "b", "score": null, "tag": 1}\n'
        '{"text": "c", "score": 2}\n'
    )
    _, findings = check(tmp_path, text)
    assert of(findings, "K003") == []
