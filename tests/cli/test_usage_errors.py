"""Every mistake a new user makes gets one clear error, exit 2, and no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli_helpers import GOOD_ROW, run
from sftlint import masking
from sftlint.cli import masksetup

CHATML = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "chatml"


@pytest.fixture
def rows(tmp_path: Path) -> Path:
    (tmp_path / "chat.jsonl").write_bytes(GOOD_ROW)
    return tmp_path


def _usage_error(r, last_line: str) -> None:
    """argparse's usage, then exactly one error line."""
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("usage: ")
    assert r.stderr.splitlines()[-1] == last_line


def _one_line(r, line: str) -> None:
    assert (r.returncode, r.stdout, r.stderr) == (2, "", line + "\n")


def test_unknown_code_or_prefix_names_the_nearest(rows: Path) -> None:
    _usage_error(
        run(["check", "chat.jsonl", "--select", "R999"], rows),
        'sftlint check: error: argument --select: "R999" selects no rule; did you mean R009? '
        "(`sftlint rules` lists them)",
    )
    _usage_error(
        run(["check", "chat.jsonl", "--select", "R04"], rows),
        'sftlint check: error: argument --select: "R04" selects no rule; did you mean '
        "R014, R004, R017? (`sftlint rules` lists them)",
    )


def test_unknown_family_lists_only_families_that_have_rules(rows: Path) -> None:
    _usage_error(
        run(["check", "chat.jsonl", "--ignore", "S"], rows),
        'sftlint check: error: argument --ignore: "S" is not a rule family '
        "(families: J, F, R, C, K, T, M, D, L, G)",
    )
    listed = [line[0] for line in run(["rules"], rows).stdout.splitlines() if line[:1].isalpha()]
    assert listed == ["J", "F", "R", "C", "K", "T", "M", "D", "L", "G"]


def test_unknown_tokenizer_lists_the_built_ins(rows: Path) -> None:
    for command in (["check", "chat.jsonl"], ["show", "chat.jsonl:1"]):
        _one_line(
            run([*command, "--tokenizer", "mistral-v4"], rows),
            "sftlint: error: unknown tokenizer 'mistral-v4': not a built-in (mistral-v1, "
            "mistral-v3, mistral-tekken), a local folder (mistral-v4 not found) or a Hugging "
            "Face repo id; did you mean 'mistral-v3'?",
        )


def test_uncached_repo_id_says_sftlint_never_downloads(rows: Path) -> None:
    _one_line(
        run(["check", "chat.jsonl", "--tokenizer", "nobody/no-such-model"], rows),
        "sftlint: error: tokenizer 'nobody/no-such-model' is not in the local Hugging Face "
        "cache and sftlint never downloads: fetch it once (`huggingface-cli download "
        "nobody/no-such-model`) or name a local folder",
    )


def test_unknown_chat_template_names_the_nearest(rows: Path) -> None:
    for command in (["check", "chat.jsonl"], ["show", "chat.jsonl:1"]):
        _one_line(
            run([*command, "--tokenizer", str(CHATML), "--chat-template", "chatm"], rows),
            "sftlint: error: chat template 'chatm' is neither a built-in (chatml, llama3, "
            "gemma3, phi3, phi4, mistral-v1, mistral-v3, mistral-tekken) nor a file "
            "(chatm not found); did you mean 'chatml'?",
        )


def test_config_file_setting_that_cannot_load_names_the_config(rows: Path) -> None:
    (rows / "sftlint.toml").write_text('tokenizer = "mistral-v4"\n')
    _one_line(
        run(["check", "chat.jsonl"], rows),
        f"sftlint: error: {rows / 'sftlint.toml'}: unknown tokenizer 'mistral-v4': not a "
        f"built-in (mistral-v1, mistral-v3, mistral-tekken), a local folder "
        f"({rows / 'mistral-v4'} not found) or a Hugging Face repo id; did you mean "
        "'mistral-v3'?",
    )


def test_show_strategy_has_choices_and_markers_its_flags(rows: Path) -> None:
    _usage_error(
        run(["show", "chat.jsonl:1", "--strategy", "bogus"], rows),
        "sftlint show: error: argument --strategy: invalid choice: 'bogus' (choose from "
        "'assistant-only', 'markers', 'completion-only', 'full')",
    )
    _one_line(
        run(["show", "chat.jsonl:1", "--tokenizer", str(CHATML), "--strategy", "markers"], rows),
        "sftlint: error: masking settings: strategy markers needs both instruction-part and "
        "response-part",
    )
    r = run(
        [
            "show",
            "chat.jsonl:1",
            "--tokenizer",
            str(CHATML),
            "--strategy",
            "markers",
            "--instruction-part",
            "<|im_start|>user\n",
            "--response-part",
            "<|im_start|>assistant\n",
        ],
        rows,
    )
    assert r.returncode == 0, r.stderr
    assert "strategy markers" in r.stdout.splitlines()[0]


def test_show_help_documents_the_mask_options(rows: Path) -> None:
    help_text = " ".join(run(["show", "--help"], rows).stdout.split())
    for option in ("--tokenizer", "--chat-template", "--strategy"):
        assert option in help_text
    assert "a built-in (mistral-v1, mistral-v3, mistral-tekken)" in help_text
    assert "a built-in: " + ", ".join(masking.BUILTIN_TEMPLATES) in help_text
    assert "{" + ",".join(masking.STRATEGIES) + "}" in help_text
    # The parser spells the masking engine's names without importing it: they must agree.
    assert tuple(masking.BUILTIN_TOKENIZERS) == masksetup.TOKENIZERS
    assert masksetup.TEMPLATES == masking.BUILTIN_TEMPLATES
    assert masksetup.STRATEGIES == masking.STRATEGIES


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("localhost", '"localhost" is not HOST:PORT (e.g. 127.0.0.1:2087)'),
        ("127.0.0.1:99999", "port 99999 is out of range (1-65535)"),
    ],
)
def test_serve_address_must_be_host_and_port(rows: Path, address: str, why: str) -> None:
    _usage_error(
        run(["serve", "--tcp", address], rows), f"sftlint serve: error: argument --tcp: {why}"
    )


def test_misspelled_option_suggests_the_nearest_in_checks_usage(rows: Path) -> None:
    for argv in (["--selct", "R", "chat.jsonl"], ["check", "--selct", "R", "chat.jsonl"]):
        r = run(argv, rows)
        assert r.stderr.startswith("usage: sftlint check ")
    _usage_error(
        run(["--selct", "R", "chat.jsonl"], rows),
        "sftlint check: error: unrecognized arguments: --selct; did you mean "
        "`sftlint check --select`?",
    )
    _usage_error(
        run(["check", "--selct", "R", "chat.jsonl"], rows),
        "sftlint check: error: unrecognized arguments: --selct; did you mean --select?",
    )


def test_show_on_a_folder_says_it_is_a_directory(rows: Path) -> None:
    (rows / "examples").mkdir()
    _one_line(
        run(["show", "examples:1"], rows),
        "sftlint: error: examples is a directory; show takes FILE:ROW",
    )


def test_show_on_a_fifo_or_device_says_it_is_not_a_regular_file(rows: Path) -> None:
    os.mkfifo(rows / "pipe.jsonl")
    _one_line(
        run(["show", "pipe.jsonl:1"], rows),
        "sftlint: error: pipe.jsonl: is a FIFO (named pipe), not a regular file",
    )
    _one_line(
        run(["show", "/dev/null:1"], rows),
        "sftlint: error: /dev/null: is a device, not a regular file",
    )
    _one_line(
        run(["show", "nope.jsonl:1"], rows),
        "sftlint: error: nope.jsonl: no such file or directory",
    )


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        (
            "package.json",
            b'{"name": "x", "version": "1.0.0"}\n',
            "one JSON document, not an array of rows",
        ),
        (
            "tsconfig.json",
            b'{\n  "compilerOptions": {"strict": true}\n}\n',
            "one JSON document, not an array of rows",
        ),
        ("data.csv", b"prompt,completion\nhi,hello\n", ".csv is not supported"),
        ("data.bin", b"PAR1\x15\x04\x15", "a Parquet file: name it .parquet to check it"),
        (
            "notes.txt",
            b"just some text\nover two lines\n",
            "neither JSON Lines nor a JSON array of rows",
        ),
    ],
)
def test_a_named_file_that_is_not_a_dataset_is_one_error(
    rows: Path, name: str, data: bytes, why: str
) -> None:
    (rows / name).write_bytes(data)
    _one_line(
        run(["check", name], rows), f"sftlint: error: {name}: not a JSON/JSONL dataset ({why})"
    )
    # Beside a dataset in a folder, such files are skipped, and the summary names those
    # that look like data (a .json holding no rows, a CSV; package.json is known metadata).
    skipped = {
        "tsconfig.json": "a .json file holding no rows (one JSON document, not an array of "
        "rows or JSON Lines); add it to `include` in the config to check it anyway",
        "data.csv": ".csv files are not read: convert it to JSON Lines or Parquet",
    }
    said = f"Skipped {name}: {skipped[name]}\n" if name in skipped else ""
    r = run(["check", "."], rows)
    assert (r.returncode, r.stdout, r.stderr) == (
        0,
        f"{said}All checks passed! (1 file, 1 row)\n",
        "",
    )


def test_rows_under_another_name_are_checked(rows: Path) -> None:
    (rows / "rows.txt").write_bytes(GOOD_ROW * 2)
    r = run(["check", "rows.txt"], rows)
    assert (r.returncode, r.stdout) == (
        1,
        "rows.txt:2:1: D001 exact duplicate of the row at line 1\n"
        "Found 1 problem (1 warning) in 1 file, 2 rows.\n"
        "1 fixable with `sftlint check --fix --unsafe-fixes`.\n",
    )


def test_json_array_on_standard_input_is_read_as_an_array(rows: Path) -> None:
    array = (
        b"[\n  " + GOOD_ROW.strip() + b",\n  " + GOOD_ROW.strip().replace(b"hi", b"yo") + b"\n]\n"
    )
    r = run(["check", "-"], rows, stdin=array)
    assert (r.returncode, r.stdout, r.stderr) == (0, "All checks passed! (1 file, 2 rows)\n", "")
    r = run(["check", "-"], rows, stdin=array.replace(b"yo", b"hi"))
    assert (r.returncode, r.stdout) == (
        1,
        "-:3:3: D001 exact duplicate of the row at line 2\n"
        "Found 1 problem (1 warning) in 1 file, 2 rows.\n"
        "1 fixable with `sftlint check --fix --unsafe-fixes`.\n",
    )
