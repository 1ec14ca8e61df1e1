"""T rules: pre-tokenized rows."""

from __future__ import annotations

from pathlib import Path

from sftlint.engine import engine
from sftlint.io import formats, reader
from sftlint.model import Finding
from sftlint.rules import checks
from sftlint.rules.pretokenized_rules import check_vocab
from sftlint.settings import Settings

GOOD = (
    '{"input_ids": [1, 306, 4966, 2], "labels": [-100, 306, 4966, 2], '
    '"attention_mask": [1, 1, 1, 1]}\n'
)


def check(tmp_path: Path, text: str) -> list[Finding]:
    path = tmp_path / "tok.jsonl"
    path.write_bytes(text.encode())
    return [f for f in engine.check_path(path, Settings()).findings if f.code[0] == "T"]


def located(findings: list[Finding]) -> list[tuple[str, int, int, int, int, str]]:
    return [
        (
            f.code,
            f.range.start.line + 1,
            f.range.start.column + 1,
            f.range.end.line + 1,
            f.range.end.column + 1,
            f.message,
        )
        for f in findings
    ]


def test_clean_rows_pass(tmp_path: Path) -> None:
    assert check(tmp_path, GOOD * 3) == []


def test_t001_length_mismatch(tmp_path: Path) -> None:
    text = (
        GOOD
        + '{"input_ids": [1, 306, 4966, 2], "labels": [-100, 306, 4966], "attention_mask": [1]}\n'
    )
    assert located(check(tmp_path, text)) == [
        ("T001", 2, 44, 2, 61, 'labels: 3 entries but "input_ids" has 4'),
        ("T001", 2, 81, 2, 84, 'attention_mask: 1 entry but "input_ids" has 4'),
    ]


def test_t002_all_labels_masked(tmp_path: Path) -> None:
    text = GOOD + '{"input_ids": [1, 306], "labels": [-100, -100]}\n'
    assert located(check(tmp_path, text)) == [
        ("T002", 2, 35, 2, 47, "labels: all 2 labels are -100: the row trains on nothing")
    ]


def test_t003_labels_missing_in_some_rows(tmp_path: Path) -> None:
    text = GOOD + '{"input_ids": [1, 306, 2]}\n' + GOOD
    assert located(check(tmp_path, text)) == [
        ("T003", 2, 2, 2, 13, 'input_ids: no "labels" in this row, but 2 of 3 rows have them')
    ]


def test_t003_no_row_has_labels_passes(tmp_path: Path) -> None:
    assert check(tmp_path, '{"input_ids": [1, 306, 2]}\n' * 2) == []


def test_t004_invalid_ids(tmp_path: Path) -> None:
    text = '{"input_ids": [1, "306", 2.0, 3], "labels": [-1, -100, 7, 3]}\n'
    assert located(check(tmp_path, text)) == [
        (
            "T004",
            1,
            19,
            1,
            24,
            'input_ids[1]: "306" is not a token id (a non-negative integer); '
            "2 such values in input_ids",
        ),
        ("T004", 1, 46, 1, 48, "labels[0]: -1 is not a token id or -100"),
    ]


def test_t004_input_ids_not_an_array(tmp_path: Path) -> None:
    assert located(check(tmp_path, '{"input_ids": "1 2 3"}\n')) == [
        ("T004", 1, 15, 1, 22, "input_ids: expected an array of token ids, got a string")
    ]


def test_t005_attention_mask_values(tmp_path: Path) -> None:
    text = '{"input_ids": [1, 2, 3], "attention_mask": [1, true, 2]}\n'
    assert located(check(tmp_path, text)) == [
        (
            "T005",
            1,
            48,
            1,
            52,
            "attention_mask[1]: true is not 0 or 1; 2 such values in attention_mask",
        )
    ]


def test_t006_empty_input_ids(tmp_path: Path) -> None:
    assert located(check(tmp_path, '{"input_ids": [], "labels": []}\n')) == [
        ("T006", 1, 15, 1, 17, "input_ids: empty: the row has no tokens to train on")
    ]


def test_t007_shifted_labels(tmp_path: Path) -> None:
    text = '{"input_ids": [1, 306, 4966, 2], "labels": [306, 4966, 2, -100]}\n'
    assert located(check(tmp_path, text)) == [
        (
            "T007",
            1,
            44,
            1,
            64,
            'labels: shifted one position left of "input_ids"; the model shifts labels '
            "itself, so it would learn to predict two tokens ahead",
        )
    ]


def test_t007_label_differs_from_token(tmp_path: Path) -> None:
    text = '{"input_ids": [1, 306, 4966, 2], "labels": [-100, 306, 999, 2]}\n'
    assert located(check(tmp_path, text)) == [
        ("T007", 1, 56, 1, 59, "labels[2]: 999 differs from input_ids[2] (4966)")
    ]


def test_t008_vocab_hook(tmp_path: Path) -> None:
    text = '{"input_ids": [1, 32000, 40000], "labels": [-100, 32000, 5]}'
    row = reader.Row("tok.jsonl", 0, 0, 0, 0, text.encode())
    reader.parse_row(row)
    reporter = checks.Reporter(Settings())
    fmt = formats.detect(row.value, formats.Fields())
    check_vocab(checks.RowContext(row, fmt, formats.Fields(), reporter), 32000)
    assert located(reporter.findings) == [
        (
            "T008",
            1,
            19,
            1,
            24,
            "input_ids[1]: token id 32000 is not below the vocabulary size 32000; "
            "2 such ids in input_ids",
        ),
        ("T008", 1, 51, 1, 56, "labels[1]: token id 32000 is not below the vocabulary size 32000"),
    ]
    clean = checks.Reporter(Settings())
    check_vocab(checks.RowContext(row, fmt, formats.Fields(), clean), 50000)
    assert clean.findings == []
