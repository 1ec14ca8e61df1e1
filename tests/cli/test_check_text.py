"""`sftlint check` text output, exit codes, selection and errors, through the real binary."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from cli_helpers import BAD, GOOD_ROW, good_rows, run

J007 = "J007 [*] blank line: `json.loads` fails on it in line-by-line loaders"
J004 = (
    'J004 duplicate key "messages" in the row: the last one silently wins, '
    "the earlier value is lost"
)
J001 = "J001 invalid JSON: expected a JSON value, found '}'"


def test_text_output_as_ruff_prints_it(bad_file: Path) -> None:
    r = run(["check", "bad.jsonl", "--select", "J"], bad_file.parent)
    assert r.returncode == 1
    assert r.stdout == (
        f"bad.jsonl:2:1: {J007}\n"
        f"bad.jsonl:3:18: {J004}\n"
        f"bad.jsonl:4:17: {J001}\n"
        "Found 3 problems (2 errors, 1 warning) in 1 file, 3 rows.\n"
        "[*] 1 fixable with `sftlint check --fix` (1 more fixable with `--unsafe-fixes`).\n"
    )
    assert r.stderr == ""


def test_clean_file_exits_0(tmp_path: Path) -> None:
    (tmp_path / "ok.jsonl").write_bytes(good_rows(2))
    r = run(["check", "ok.jsonl"], tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, "All checks passed! (1 file, 2 rows)\n", "")


def test_info_findings_alone_exit_0(tmp_path: Path) -> None:
    (tmp_path / "crlf.jsonl").write_bytes(GOOD_ROW.replace(b"\n", b"\r\n"))
    r = run(["check", "crlf.jsonl", "--select", "J011"], tmp_path)
    assert r.returncode == 0
    assert r.stdout.splitlines()[-1] == "Found 1 problem (1 info) in 1 file, 1 row."


def test_color_on_a_terminal_or_forced(bad_file: Path) -> None:
    plain = run(["check", "bad.jsonl", "--select", "J007"], bad_file.parent)
    assert "\x1b[" not in plain.stdout
    forced = run(
        ["check", "bad.jsonl", "--select", "J007"], bad_file.parent, env={"FORCE_COLOR": "1"}
    )
    assert forced.stdout.splitlines()[0] == (
        "\x1b[1mbad.jsonl\x1b[0m\x1b[36m:\x1b[0m2\x1b[36m:\x1b[0m1\x1b[36m:\x1b[0m "
        "\x1b[1;33mJ007\x1b[0m [*] blank line: `json.loads` fails on it in line-by-line loaders"
    )
    no_color = run(
        ["check", "bad.jsonl", "--select", "J007"],
        bad_file.parent,
        env={"FORCE_COLOR": "1", "NO_COLOR": "1"},
    )
    assert no_color.stdout == plain.stdout
    always = run(
        ["check", "bad.jsonl", "--select", "J007", "--color", "always"],
        bad_file.parent,
        env={"NO_COLOR": "1"},
    )
    assert always.stdout == forced.stdout


def test_select_and_ignore_most_specific_wins(bad_file: Path) -> None:
    r = run(["check", "bad.jsonl", "--ignore", "J", "--select", "J004"], bad_file.parent)
    assert r.stdout.splitlines()[:-2] == [f"bad.jsonl:3:18: {J004}"]
    r = run(["check", "bad.jsonl", "--select", "J", "--ignore", "J00,J001"], bad_file.parent)
    assert r.stdout.splitlines()[0] == "All checks passed! (1 file, 3 rows)"
    r = run(["check", "bad.jsonl", "--select", "j0", "--ignore", "J00"], bad_file.parent)
    assert r.returncode == 0  # same length: ignore wins


def test_bad_selector_is_a_usage_error(bad_file: Path) -> None:
    r = run(["check", "bad.jsonl", "--select", "R-3"], bad_file.parent)
    assert r.returncode == 2
    assert r.stderr.splitlines()[-1] == (
        'sftlint check: error: argument --select: "R-3" is not a rule code or prefix '
        "(e.g. R, R0, R003, ALL)"
    )
    r = run(["check", "bad.jsonl", "--ignore", "X1"], bad_file.parent)
    assert r.returncode == 2
    assert 'argument --ignore: "X1" is not a rule family' in r.stderr


def test_statistics_replace_the_listing(bad_file: Path) -> None:
    r = run(["check", "bad.jsonl", "--select", "J", "--statistics"], bad_file.parent)
    assert r.returncode == 1
    assert r.stdout == (
        "1\tJ001\t[ ] invalid-json\n"
        "1\tJ004\t[ ] duplicate-key\n"
        "1\tJ007\t[*] blank-line\n"
        "Found 3 problems (2 errors, 1 warning) in 1 file, 3 rows.\n"
        "[*] 1 fixable with `sftlint check --fix` (1 more fixable with `--unsafe-fixes`).\n"
    )


def test_missing_file_exits_2_but_checks_the_rest(bad_file: Path) -> None:
    r = run(["check", "nope.jsonl", "bad.jsonl", "--select", "J001"], bad_file.parent)
    assert r.returncode == 2
    assert r.stderr == "sftlint: error: nope.jsonl: no such file or directory\n"
    assert r.stdout.splitlines()[0] == f"bad.jsonl:4:17: {J001}"


def test_unreadable_file_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    # A Unix socket named like a dataset: it exists, and opening it fails even for root.
    path = tmp_path / "sock.jsonl"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        r = run(["check", "sock.jsonl"], tmp_path)
    finally:
        server.close()
    assert r.returncode == 2
    assert r.stderr == "sftlint: error: sock.jsonl: is a socket, not a regular file\n"
    assert r.stdout == ""


def test_folder_walk_finds_dataset_files(tmp_path: Path) -> None:
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / ".hidden").mkdir()
    (tmp_path / "data" / "a.jsonl").write_bytes(GOOD_ROW)
    (tmp_path / "data" / "sub" / "b.json").write_bytes(b"[" + GOOD_ROW.strip() + b"]\n")
    (tmp_path / "data" / "sub" / "config.json").write_bytes(b'{"not": "rows"}\n')
    (tmp_path / "data" / ".hidden" / "c.jsonl").write_bytes(b"oops\n")
    r = run(["check", "data"], tmp_path)
    assert (r.returncode, r.stdout) == (0, "All checks passed! (2 files, 2 rows)\n")


def test_folder_without_datasets_says_nothing_was_checked(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "package.json").write_bytes(b'{"name": "x"}\n')
    r = run(["check", "empty"], tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "sftlint: warning: no dataset files found in empty: nothing was checked\n"


def test_stdin(tmp_path: Path) -> None:
    r = run(["check", "-", "--select", "J"], tmp_path, stdin=BAD)
    assert r.returncode == 1
    assert r.stdout.splitlines()[0] == f"-:2:1: {J007}"
    r = run(["check", "-", "--stdin-filename", "x.jsonl", "--select", "J001"], tmp_path, stdin=BAD)
    assert r.stdout.splitlines()[0] == f"x.jsonl:4:17: {J001}"


def test_python_dash_m(bad_file: Path) -> None:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "sftlint", "check", "bad.jsonl", "--select", "J001"],
        cwd=bad_file.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0] == f"bad.jsonl:4:17: {J001}"


def test_no_command_prints_help_and_exits_2(tmp_path: Path) -> None:
    r = run([], tmp_path)
    assert r.returncode == 2
    assert r.stdout.startswith("usage: sftlint")
