"""`sftlint check --fix` and the fixes module: only the edited bytes change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli_helpers import BAD, GOOD_ROW, run
from sftlint.engine import fixes
from sftlint.model import Edit, Finding, Fix, Position, Range, Severity

BOM = b"\xef\xbb\xbf"


def test_fix_removes_only_the_fixed_bytes(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    original = BOM + BAD + b"\n\n" + GOOD_ROW.replace(b"hi", b"yo")
    path.write_bytes(original)
    path.chmod(0o640)
    inode = path.stat().st_ino
    r = run(["check", "--fix", "d.jsonl", "--select", "J"], tmp_path)
    assert r.returncode == 1
    # BOM gone, the three blank lines gone; the duplicate key (unsafe fix) and the bad
    # line stay byte for byte.
    bad_lines = BAD.split(b"\n")
    expected = (
        bad_lines[0] + b"\n" + bad_lines[2] + b"\n" + bad_lines[3] + b"\n"
        + GOOD_ROW.replace(b"hi", b"yo")
    )  # fmt: skip
    assert path.read_bytes() == expected
    assert r.stdout == (
        'd.jsonl:2:18: J004 duplicate key "messages" in the row: the last one silently wins, '
        "the earlier value is lost\n"
        "d.jsonl:3:17: J001 invalid JSON: expected a JSON value, found '}'\n"
        "Fixed 4 problems.\n"
        "Found 2 problems (2 errors) in 1 file, 4 rows.\n"
        "1 fixable with `sftlint check --fix --unsafe-fixes`.\n"
    )
    st = path.stat()
    assert oct(st.st_mode & 0o777) == oct(0o640)
    assert st.st_ino != inode  # replaced by rename, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl"]  # no temp file left


def test_fix_with_nothing_to_fix_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"oops\n")
    inode = path.stat().st_ino
    r = run(["check", "--fix", "d.jsonl"], tmp_path)
    assert r.returncode == 1
    assert path.stat().st_ino == inode
    assert "Fixed" not in r.stdout


def test_fix_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real.jsonl").write_bytes(GOOD_ROW + b"\n")
    (tmp_path / "link.jsonl").symlink_to("real.jsonl")
    r = run(["check", "--fix", "link.jsonl", "--select", "J"], tmp_path)
    assert r.stdout == "Fixed 1 problem.\nAll checks passed! (1 file, 1 row)\n"
    assert (tmp_path / "link.jsonl").is_symlink()
    assert (tmp_path / "real.jsonl").read_bytes() == GOOD_ROW


def test_fix_stdin_prints_the_fixed_text(tmp_path: Path) -> None:
    r = run(["check", "--fix", "-", "--select", "J"], tmp_path, stdin=BOM + GOOD_ROW + b"\n")
    assert r.returncode == 0
    assert r.stdout == GOOD_ROW.decode()
    assert r.stderr == "Fixed 2 problems.\nAll checks passed! (1 file, 1 row)\n"


def test_fix_in_json_array_file(tmp_path: Path) -> None:
    # The BOM fix is safe and applies; deleting trailing data (J010) is unsafe and does not.
    path = tmp_path / "a.json"
    body = b'[\n  {"text": "a"},\n  {"text": "b"}\n]\ngarbage\n'
    path.write_bytes(BOM + body)
    r = run(["check", "--fix", "a.json", "--select", "J"], tmp_path)
    assert path.read_bytes() == body
    assert r.stdout.splitlines()[-3:] == [
        "Fixed 1 problem.",
        "Found 1 problem (1 error) in 1 file, 2 rows.",
        "1 fixable with `sftlint check --fix --unsafe-fixes`.",
    ]
    r = run(["check", "--fix", "--unsafe-fixes", "a.json", "--select", "J"], tmp_path)
    assert path.read_bytes() == b'[\n  {"text": "a"},\n  {"text": "b"}\n]\n'
    assert r.stdout == "Fixed 1 problem.\nAll checks passed! (1 file, 2 rows)\n"


def test_unsafe_fixes_apply_only_with_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    other = GOOD_ROW.replace(b"hi", b"yo")
    drifted = other.replace(b'"content": "hello"', b'"text": "hello"')
    path.write_bytes(GOOD_ROW + GOOD_ROW + other + drifted)
    r = run(["check", "d.jsonl", "--select", "K001,D001"], tmp_path)
    assert r.stdout == (
        "d.jsonl:2:1: D001 exact duplicate of the row at line 1\n"
        'd.jsonl:4:72: K001 turn 2 (messages[1].text): message key "text" where the rest of '
        'the file uses "content"; did you mean "content"?\n'
        "Found 2 problems (1 error, 1 warning) in 1 file, 4 rows.\n"
        "2 fixable with `sftlint check --fix --unsafe-fixes`.\n"
    )
    r = run(["check", "d.jsonl", "--select", "K001,D001", "--unsafe-fixes"], tmp_path)
    assert r.stdout.splitlines()[0] == "d.jsonl:2:1: D001 [*] exact duplicate of the row at line 1"
    assert r.stdout.splitlines()[-1] == "[*] 2 fixable with `sftlint check --fix --unsafe-fixes`."
    r = run(["check", "d.jsonl", "--fix", "--select", "K001,D001"], tmp_path)
    assert path.read_bytes() == GOOD_ROW + GOOD_ROW + other + drifted  # nothing safe to fix
    r = run(["check", "d.jsonl", "--fix", "--unsafe-fixes", "--select", "K001,D001"], tmp_path)
    # The renamed row duplicates the one before it: the next pass deletes it too.
    assert path.read_bytes() == GOOD_ROW + other
    assert r.stdout == "Fixed 3 problems.\nAll checks passed! (1 file, 2 rows)\n"


def test_unsafe_fixes_rename_a_key_across_splits(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_bytes(b'{"input_ids": [1, 2], "labels": [-100, 2]}\n')
    (tmp_path / "validation.jsonl").write_bytes(b'{"input_ids": [1, 3], "output_ids": [-100, 3]}\n')
    r = run(["check", ".", "--fix", "--unsafe-fixes"], tmp_path)
    assert (r.returncode, r.stdout) == (
        0,
        "Fixed 1 problem.\nAll checks passed! (2 files, 2 rows)\n",
    )
    assert (tmp_path / "validation.jsonl").read_bytes() == (
        b'{"input_ids": [1, 3], "labels": [-100, 3]}\n'
    )


# --- the fixes module, on hand-made findings ----------------------------------------------


def _pos(offset: int) -> Position:
    return Position(0, offset, offset, offset)


def _edit(start: int, end: int, text: str, path: str = "f") -> Edit:
    return Edit(path, Range(_pos(start), _pos(end)), text)


def _finding(*fix: Fix) -> Finding:
    return Finding("J007", Severity.WARNING, "m", "f", Range(_pos(0), _pos(0)), list(fix))


def test_apply_keeps_every_byte_outside_the_edits() -> None:
    data = "héllo wörld!".encode()
    a = Fix("a", (_edit(0, 1, "H"),), safe=True)
    b = Fix("b", (_edit(7, 13, "WORLD"),), safe=True)  # "wörld" is 6 bytes
    out = fixes.apply(data, [b, a])
    assert out == "Héllo WORLD!".encode()
    assert out[1:7] == data[1:7] and out[-1:] == data[-1:]


def test_choose_skips_overlaps_unsafe_and_foreign_files() -> None:
    first = Fix("first", (_edit(2, 5, "x"),), safe=True)
    overlapping = Fix("overlap", (_edit(4, 6, "y"),), safe=True)
    unsafe = Fix("unsafe", (_edit(8, 9, "z"),), safe=False)
    foreign = Fix("foreign", (_edit(10, 11, "w"), _edit(0, 1, "v", path="other")), safe=True)
    same_spot = Fix("insert", (_edit(20, 20, "a"),), safe=True)
    same_spot_2 = Fix("insert 2", (_edit(20, 20, "b"),), safe=True)
    findings = [
        _finding(overlapping),
        _finding(first),
        _finding(unsafe),
        _finding(foreign),
        _finding(same_spot),
        _finding(same_spot_2),
    ]
    assert [f.title for f in fixes.choose(findings)] == ["first", "insert"]


def test_first_safe_fix_of_a_finding_is_used() -> None:
    unsafe = Fix("unsafe", (_edit(0, 1, "u"),), safe=False)
    safe = Fix("safe", (_edit(0, 1, "s"),), safe=True)
    assert fixes.safe_fix(_finding(unsafe, safe)) is safe
    assert fixes.fix_bytes(b"abc", [_finding(unsafe, safe)]) == fixes.Applied(b"sbc", 1)


def test_apply_refuses_overlapping_edits() -> None:
    with pytest.raises(ValueError):
        fixes.apply(b"abcdef", [Fix("a", (_edit(0, 3, ""), _edit(2, 4, "")), safe=True)])


def test_write_fixed_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    _, snapshot = fixes.read_for_fix(path)
    fixes.write_fixed(path, snapshot, b"new")
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o600
