"""D rules: duplicate rows, and splits of one dataset that disagree (sftlint.engine.dataset)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from lint_helpers import apply_edits
from sftlint.engine import converted, dataset, engine
from sftlint.engine.discovery import is_dataset_file
from sftlint.model import Edit, Finding
from sftlint.settings import Settings

TRAIN = '{"input_ids": [1, 306, 2], "labels": [-100, 306, 2]}\n'
VAL = '{"input_ids": [1, 4966, 2], "output_ids": [-100, 4966, 2]}\n'


def where(f: Finding) -> tuple[int, int, int, int]:
    r = f.range
    return (r.start.line + 1, r.start.column + 1, r.end.line + 1, r.end.column + 1)


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)


# --- D001 ----------------------------------------------------------------------------


def test_d001_duplicate_jsonl_row(tmp_path: Path) -> None:
    a, b = '{"text": "a"}\n', '{"text": "b"}\n'
    path = tmp_path / "d.jsonl"
    path.write_text(a + b + a + b)
    findings = [f for f in engine.check_path(path, Settings()).findings if f.code == "D001"]
    assert [(where(f), f.message) for f in findings] == [
        ((3, 1, 3, 14), "exact duplicate of the row at line 1"),
        ((4, 1, 4, 14), "exact duplicate of the row at line 2"),
    ]
    assert [(where_r(r), r.message) for r in findings[0].related] == [((1, 1), "first occurrence")]
    (fix,) = findings[0].fixes
    assert fix.title == "Delete this duplicate row"
    assert apply_edits(path.read_bytes(), fix.edits) == (a + b + b).encode()
    assert apply_edits(path.read_bytes(), findings[1].fixes[0].edits) == (a + b + a).encode()


def test_d001_among_chat_rows_that_all_have_a_prompt(tmp_path: Path) -> None:
    # Every row has a prompt digest here: the file is searched for duplicates only when
    # two rows share one (a row written twice does), whichever way the row was read.
    def chat(q: str, a: str, sep: str = ",") -> str:
        turns = [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        return json.dumps({"messages": turns}, separators=(sep, ":")) + "\n"

    # the last row has the first's value in other bytes: no D001 (nor K006: one answer)
    rows = [chat("q1", "a1"), chat("q2", "a2"), chat("q1", "a1"), chat("q2", "b2")]
    rows.append(chat("q1", "a1", ", "))
    path = tmp_path / "d.jsonl"
    path.write_text("".join(rows))
    findings = engine.check_path(path, Settings()).findings
    assert [(f.code, f.range.start.line + 1, f.message) for f in findings] == [
        ("D001", 3, "exact duplicate of the row at line 1"),
        ("K006", 4, "same prompt as the row at line 2 with a different answer (2 rows share "
         "this prompt, 2 distinct answers)"),
    ]  # fmt: skip


def chat_row(q: str, a: str, **extra: str) -> str:
    turns = [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    return json.dumps({"messages": turns, **extra}, separators=(",", ":")) + "\n"


def test_d001_a_duplicate_of_the_second_answer_to_a_prompt(tmp_path: Path) -> None:
    # A row's digest is its prompt's (checks.row_digest): the rows of one prompt are told
    # apart by their bytes, and a copy of the second one is a duplicate of that one.
    rows = [chat_row("q", "a1"), chat_row("q", "a2"), chat_row("x", "y"), chat_row("q", "a2")]
    rows.append(chat_row("q", "a1", id="7"))  # the first's turns, another row
    path = tmp_path / "d.jsonl"
    path.write_text("".join(rows))
    data = path.read_bytes()
    packed = tmp_path / "d.jsonl.gz"
    packed.write_bytes(gzip.compress(data))
    # the engine's loop (the fast path's digests), the reader's (`summarize`), and a file
    # whose rows cannot be read at an offset (loaded again to be told apart)
    for result in (
        engine.check_path(path, Settings(), jobs=1),
        engine.check_bytes(str(path), data, Settings()),
        converted.check_converted(packed, Settings()),
    ):
        findings = [f for f in result.findings if f.code in ("D001", "K006")]
        assert [(f.code, f.range.start.line + 1, f.message) for f in findings] == [
            ("K006", 2, "same prompt as the row at line 1 with a different answer (4 rows share "
             "this prompt, 2 distinct answers)"),
            ("D001", 4, "exact duplicate of the row at line 2"),
        ]  # fmt: skip
        assert [where_r(r) for r in findings[1].related] == [(2, 1)]


def where_r(r: object) -> tuple[int, int]:
    return (r.range.start.line + 1, r.range.start.column + 1)  # type: ignore[attr-defined]


def test_d001_duplicate_in_json_array(tmp_path: Path) -> None:
    text = '[\n  {"text": "a"},\n  {"text": "b"},\n  {"text": "a"}\n]\n'
    path = tmp_path / "d.json"
    path.write_text(text)
    (f,) = [f for f in engine.check_path(path, Settings()).findings if f.code == "D001"]
    assert (where(f), f.message) == ((4, 3, 4, 16), "exact duplicate of the row at line 2")
    expected = '[\n  {"text": "a"},\n  {"text": "b"}\n]\n'
    assert apply_edits(path.read_bytes(), f.fixes[0].edits).decode() == expected


def test_d001_distinct_rows_pass(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a"}\n{"text": "a" }\n{"text": "b"}\n')
    assert [f for f in engine.check_path(path, Settings()).findings if f.code == "D001"] == []


def test_d001_corpus_duplicates_are_real(llamafactory: Path) -> None:
    """LLaMA-Factory's demo files do hold byte-identical rows (v1_multimodal_demo.jsonl is
    its six rows four times): a user deduplicating their data wants to know. And prompts
    answered twice (K006): "你好" with two greetings (identity.json, v1_sft_demo.jsonl),
    "order a pizza" with two refusals (glaive), one tool-use conversation with four
    reasoning traces (reason_tool_use_demo_50.jsonl)."""
    counts = {}
    for path in sorted(llamafactory.iterdir()):
        if is_dataset_file(path):
            found = Counter(f.code for f in engine.check_path(path, Settings()).findings)
            counts[path.name] = {c: n for c, n in found.items() if c[0] in "KTMD"}
    assert {k: v for k, v in counts.items() if v} == {
        "alpaca_en_demo.json": {"D001": 14},
        "dpo_en_demo.json": {"D001": 5},
        "glaive_toolcall_en_demo.json": {"D001": 35, "K006": 1},
        "identity.json": {"K006": 2},
        "reason_tool_use_demo_50.jsonl": {"K006": 1},
        "v1_multimodal_demo.jsonl": {"D001": 18},
        "v1_sft_demo.jsonl": {"D001": 1, "K006": 1},
    }


# --- grouping ------------------------------------------------------------------------


def test_split_names() -> None:
    assert dataset.split_of("train.jsonl") == ("train", "")
    assert dataset.split_of("my_val.json") == ("validation", "my")
    assert dataset.split_of("test-00001-of-00002.jsonl") == ("test", "")
    assert dataset.split_of("sft_dev.ndjson") == ("validation", "sft")
    assert dataset.split_of("contest.jsonl") is None
    assert dataset.split_of("train.csv") is None


def test_split_groups_by_dataset_name(tmp_path: Path) -> None:
    names = ["sft_train.jsonl", "sft_val.jsonl", "dpo_train.jsonl", "dpo_test.jsonl", "x.jsonl"]
    groups = dataset.split_groups(tmp_path / n for n in names)
    assert sorted([p.name for p in g] for g in groups) == [
        ["dpo_test.jsonl", "dpo_train.jsonl"],
        ["sft_train.jsonl", "sft_val.jsonl"],
    ]
    mixed = dataset.split_groups(tmp_path / n for n in ["train.jsonl", "my_val.json"])
    assert [[p.name for p in g] for g in mixed] == [["my_val.json", "train.jsonl"]]


# --- D002: the GLM-4V case -------------------------------------------------------------


def test_d002_glm4v_through_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    write(folder, {"train.jsonl": TRAIN * 2, "validation.jsonl": VAL * 2})
    proc = subprocess.run(
        [sys.executable, "-m", "sftlint", "check", "data", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    (d,) = [f for f in json.loads(proc.stdout) if f["code"] == "D002"]
    assert d["severity"] == "error"
    assert d["filename"] == "data/validation.jsonl"
    assert (d["location"], d["end_location"]) == (
        {"row": 1, "column": 29},
        {"row": 1, "column": 41},
    )
    assert d["message"] == (
        'key "output_ids" where the training split train.jsonl uses "labels" '
        "(2 rows of validation.jsonl use it)"
    )
    assert [x["message"] for x in d["fixes"]] == [
        'Rename "output_ids" to "labels" in this row',
        'Rename "output_ids" to "labels" in every row of validation.jsonl',
        'Rename "output_ids" to "labels" in every file of the dataset (validation.jsonl)',
    ]
    assert d["related"][0]["filename"] == "data/train.jsonl"
    assert d["related"][0]["location"] == {"row": 1, "column": 28}
    # The whole-file fix renames exactly the two keys.
    edits = d["fixes"][1]["edits"]
    assert [(e["filename"], e["content"], e["location"]) for e in edits] == [
        ("data/validation.jsonl", '"labels"', {"row": 1, "column": 29}),
        ("data/validation.jsonl", '"labels"', {"row": 2, "column": 29}),
    ]


def test_d002_sibling_read_from_disk_and_fix_across_files(tmp_path: Path) -> None:
    write(tmp_path, {"train.jsonl": TRAIN, "validation.jsonl": VAL * 2, "test.jsonl": VAL})
    val = str(tmp_path / "validation.jsonl")
    findings = dataset.check_splits([engine.check_path(val, Settings())], Settings())
    (d,) = findings
    assert (d.code, d.path, where(d)) == ("D002", val, (1, 29, 1, 41))
    every = d.fixes[2]
    assert every.title == (
        'Rename "output_ids" to "labels" in every file of the dataset '
        "(validation.jsonl, test.jsonl)"
    )
    by_file: dict[str, list[Edit]] = {}
    for e in every.edits:
        by_file.setdefault(e.path, []).append(e)
    fixed_val = VAL.replace('"output_ids"', '"labels"')
    assert (
        apply_edits((tmp_path / "validation.jsonl").read_bytes(), by_file[val])
        == (fixed_val * 2).encode()
    )
    test = str(tmp_path / "test.jsonl")
    assert apply_edits((tmp_path / "test.jsonl").read_bytes(), by_file[test]) == fixed_val.encode()
    assert (
        apply_edits((tmp_path / "validation.jsonl").read_bytes(), d.fixes[0].edits)
        == (fixed_val + VAL).encode()
    )


def test_d002_message_keys_and_config_listed_files(tmp_path: Path) -> None:
    a = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}]}\n'
    b = a.replace('"content"', '"text"')
    write(tmp_path, {"chat_a.jsonl": a, "chat_b.jsonl": b})
    settings = Settings(dataset_files=[tmp_path / "chat_a.jsonl", tmp_path / "chat_b.jsonl"])
    results = [engine.check_path(tmp_path / n, settings) for n in ("chat_a.jsonl", "chat_b.jsonl")]
    (d,) = dataset.check_splits(results, settings)
    assert d.path.endswith("chat_b.jsonl")
    assert where(d) == (1, 32, 1, 38)
    assert d.message == (
        'turn 1 (messages[0].text): key "text" where the first dataset file chat_a.jsonl '
        'uses "content" (1 row of chat_b.jsonl uses it)'
    )
    assert apply_edits((tmp_path / "chat_b.jsonl").read_bytes(), d.fixes[1].edits) == a.encode()


def test_d002_consistent_splits_pass(tmp_path: Path) -> None:
    write(tmp_path, {"train.jsonl": TRAIN * 2, "val.jsonl": TRAIN.replace("306", "307")})
    results = [engine.check_path(tmp_path / n, Settings()) for n in ("train.jsonl", "val.jsonl")]
    assert dataset.check_splits(results, Settings()) == []


def test_corpus_has_no_split_findings(llamafactory: Path) -> None:
    results = [
        engine.check_path(p, Settings())
        for p in sorted(llamafactory.iterdir())
        if is_dataset_file(p)
    ]
    assert dataset.check_splits(results, Settings()) == []


# --- D003, D004 ----------------------------------------------------------------------


def test_d003_eval_row_in_train(tmp_path: Path) -> None:
    other = TRAIN.replace("306", "42")
    write(tmp_path, {"train.jsonl": TRAIN + other, "test.jsonl": other})
    (d,) = dataset.check_splits(
        [engine.check_path(tmp_path / "test.jsonl", Settings())], Settings()
    )
    assert (d.code, where(d)) == ("D003", (1, 1, 1, 51))
    assert d.message == (
        "row also in the training split (train.jsonl, line 2): evaluated on a row it was trained on"
    )


def test_d003_eval_row_is_the_second_training_answer_to_its_prompt(tmp_path: Path) -> None:
    # Training rows of one prompt share a digest: each is compared, not only the first.
    train = chat_row("q", "a1") + chat_row("q", "a2") + chat_row("q", "a3")
    write(tmp_path, {"train.jsonl": train, "test.jsonl": chat_row("z", "z") + chat_row("q", "a2")})
    (d,) = dataset.check_splits(
        [engine.check_path(tmp_path / "test.jsonl", Settings())], Settings()
    )
    assert (d.code, d.range.start.line) == ("D003", 1)
    assert d.message == (
        "row also in the training split (train.jsonl, line 2): evaluated on a row it was trained on"
    )


def test_d004_split_format(tmp_path: Path) -> None:
    sharegpt = (
        '{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "x"}]}\n'
    )
    messages = (
        '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}]}\n'
    )
    write(tmp_path, {"train.jsonl": messages, "dev.jsonl": sharegpt})
    (d,) = dataset.check_splits([engine.check_path(tmp_path / "dev.jsonl", Settings())], Settings())
    assert (d.code, where(d)) == ("D004", (1, 1, 1, 85))
    assert d.message == 'file format "sharegpt" where the training split train.jsonl is "messages"'
