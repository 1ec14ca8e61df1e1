"""One cause on many rows: one more diagnostic with its counts, first rows and fix, kept
right through edits, beside the per-row ones up to the cap (as `sftlint check` groups)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import start
from tests.lsp.test_diagnostics import change, diagnostics_for, open_doc, rng, track_versions

from sftlint.report import groups

pytestmark = pytest.mark.asyncio

C006 = (
    "turn 2 (messages[1].content): assistant content starts with a space: the model learns "
    "to open its answers with it"
)
KEY = "C006:1c5f088d6c"
AT, END = 83, 89  # the answer's string (" A0."): where C006 points, in rows 0-9


def row(i: int, space: str = " ") -> str:
    return (
        f'{{"messages": [{{"role": "user", "content": "Q{i}?"}}, '
        f'{{"role": "assistant", "content": "{space}A{i}."}}]}}'
    )


def seen(diags: list[lsp.Diagnostic]) -> list[tuple[object, lsp.Range, str, object]]:
    return [(d.code, d.range, d.message, d.data) for d in diags]


def grouped(first: int, findings: int, shown: str) -> tuple[object, lsp.Range, str, object]:
    message = f"{C006} [{findings} findings in {findings} rows: {shown}; fix: Trim the whitespace]"
    data = {"group": KEY, "findings": findings, "rows": findings}
    return ("C006", rng(first, AT, first, END), message, data)


def per_row(line: int) -> tuple[object, lsp.Range, str, object]:
    return ("C006", rng(line, AT, line, END), C006, {"fixes": 1})


def unspace(client: LanguageClient, uri: str, version: int, line: int) -> None:
    change(client, uri, version, rng(line, AT + 1, line, AT + 2), "")  # the space


async def test_one_cause_many_rows_jsonl(client: LanguageClient, tmp_path: Path) -> None:
    track_versions(client)
    await start(client, tmp_path)
    uri = await open_doc(client, tmp_path / "chat.jsonl", "\n".join(map(row, range(8))) + "\n")
    expected = [grouped(0, 8, "1, 2, 3, 4, 5, …"), *map(per_row, range(8))]
    assert seen(await diagnostics_for(client, uri, 1)) == expected
    unspace(client, uri, 2, 0)  # the first row fixed: the count and the first rows follow
    expected = [grouped(1, 7, "2, 3, 4, 5, 6, …"), *map(per_row, range(1, 8))]
    assert seen(await diagnostics_for(client, uri, 2)) == expected
    unspace(client, uri, 3, 7)
    unspace(client, uri, 4, 4)
    expected = [grouped(1, 5, "2, 3, 4, 6, 7"), *map(per_row, (1, 2, 3, 5, 6))]
    assert seen(await diagnostics_for(client, uri, 4)) == expected
    unspace(client, uri, 5, 2)  # four rows left: below the count that groups
    assert seen(await diagnostics_for(client, uri, 5)) == list(map(per_row, (1, 3, 5, 6)))


async def test_grouped_beside_the_cap_in_an_array(client: LanguageClient, tmp_path: Path) -> None:
    track_versions(client)
    (tmp_path / "sftlint.toml").write_text("max-problems = 3\n")
    await start(client, tmp_path)
    text = "[\n" + ",\n".join(map(row, range(12))) + "\n]\n"
    uri = await open_doc(client, tmp_path / "chat.json", text, "json")
    hidden = (
        "{} more problems not shown (the editor shows the first 3; setting "
        f'"sftlint.maxProblems"): run `sftlint check {tmp_path / "chat.json"}` to see them all'
    )
    expected = [grouped(1, 12, "2, 3, 4, 5, 6, …"), *map(per_row, (1, 2, 3))]
    got = seen(await diagnostics_for(client, uri, 1))
    assert got == [*expected, (None, rng(0, 0, 0, 0), hidden.format(9), None)]
    unspace(client, uri, 2, 2)
    change(client, uri, 3, rng(1, 0, 2, 0), "")  # the first element deleted
    expected = [grouped(2, 10, "3, 4, 5, 6, 7, …"), *map(per_row, (2, 3, 4))]
    got = seen(await diagnostics_for(client, uri, 3))
    assert got == [*expected, (None, rng(0, 0, 0, 0), hidden.format(7), None)]


def cli_view(path: Path) -> list[tuple[object, ...]]:
    """What the server should show for `path`, from `sftlint check --format json`: one
    entry a cause with GROUP_MIN findings or more, then every finding."""
    out = subprocess.run(
        [sys.executable, "-m", "sftlint", "check", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found = json.loads(out)
    found = found["findings"] if isinstance(found, dict) else found
    counts = Counter(f["group"] for f in found)
    rows: dict[str, list[int]] = {}
    for f in found:
        rows.setdefault(f["group"], []).append(f["location"]["row"])

    def where(f: dict) -> tuple[int, int, int, int]:
        s, e = f["location"], f["end_location"]
        return (s["row"] - 1, s["column"] - 1, e["row"] - 1, e["column"] - 1)

    firsts = {}
    for f in found:
        firsts.setdefault(f["group"], f)
    heads = [
        (firsts[k]["code"], where(firsts[k]), n, len(set(rows[k])), sorted(set(rows[k]))[:5])
        for k, n in counts.items()
        if n >= groups.GROUP_MIN
    ]
    return [*heads, *((f["code"], where(f), f["message"]) for f in found)]


def server_view(diags: list[lsp.Diagnostic]) -> list[tuple[object, ...]]:
    def where(d: lsp.Diagnostic) -> tuple[int, int, int, int]:
        r = d.range
        return (r.start.line, r.start.character, r.end.line, r.end.character)

    heads = [
        (d.code, where(d), d.data["findings"], d.data["rows"], _rows(d.message))
        for d in diags
        if d.data and "group" in d.data
    ]
    rest = [(d.code, where(d), d.message) for d in diags if not (d.data and "group" in d.data)]
    return [*heads, *rest]


def _rows(message: str) -> list[int]:
    listed = message.rsplit(" rows: ", 1)[1].split(";")[0].rstrip("]")
    return [int(x) for x in listed.split(", ") if x != "…"]


async def test_after_edits_as_the_cli_has_it(client: LanguageClient, tmp_path: Path) -> None:
    """F003 (an unrecognised layout) and C006 on many rows, edited: the server's grouped
    and per-row diagnostics are what `sftlint check --format json` gives for the text."""
    track_versions(client)
    await start(client, tmp_path)
    alpaca = [f'{{"instruction": "Q{i}?", "response": "A{i}."}}' for i in range(6)]
    lines = [*alpaca, *map(row, range(7))]
    path = tmp_path / "mixed.jsonl"
    uri = await open_doc(client, path, "\n".join(lines) + "\n")
    await diagnostics_for(client, uri, 1)
    unspace(client, uri, 2, 7)
    lines[7] = row(1, "")
    change(client, uri, 3, rng(3, 0, 3, len(alpaca[3])), row(99))  # F003 -> C006
    lines[3] = row(99)
    change(client, uri, 4, rng(10, 0, 11, 0), "")
    del lines[10]
    diags = await diagnostics_for(client, uri, 4)
    path.write_text("\n".join(lines) + "\n")
    assert server_view(diags) == cli_view(path)
    assert [d.code for d in diags if d.data and "group" in d.data] == ["F003", "C006"]


async def test_file_on_disk(client: LanguageClient, tmp_path: Path) -> None:
    """`sftlint.checkFileOnDisk` (a file too big to open) groups the same way."""
    await start(client, tmp_path)
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(map(row, range(6))) + "\n")
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="sftlint.checkFileOnDisk", arguments=[path.as_uri()])
    )
    assert result == {"problems": 6, "shown": 6}
    expected = [grouped(0, 6, "1, 2, 3, 4, 5, …"), *map(per_row, range(6))]
    assert seen(client.diagnostics[path.as_uri()]) == expected


async def test_control_tokens_one_cause(client: LanguageClient, tmp_path: Path) -> None:
    """C004: a string holding several control tokens is one diagnostic, and the rows whose
    strings hold the same tokens one grouped diagnostic, as `sftlint check` has them."""
    track_versions(client)
    await start(client, tmp_path)
    lines = [
        f'{{"messages": [{{"role": "user", "content": "Q{i}"}}, '
        f'{{"role": "assistant", "content": "A{i}<|im_end|>\\n<|im_start|>user"}}]}}'
        for i in range(6)
    ]
    path = tmp_path / "tokens.jsonl"
    path.write_text("\n".join(lines) + "\n")
    uri = await open_doc(client, path, path.read_text())
    diags = await diagnostics_for(client, uri, 1)
    assert server_view(diags) == cli_view(path)
    at = lines[0].index("<|im_end|>")
    message = (
        'turn 2 (messages[1].content): chat-template control tokens "<|im_end|>", '
        '"<|im_start|>" inside the text (2 in all): tokenizers read them as special tokens, '
        "which breaks turns and masks"
    )
    head = (
        "C004",
        rng(0, at, 0, at + 10),
        f"{message} [6 findings in 6 rows: 1, 2, 3, 4, 5, …]",
        {"group": "C004:0548094abf", "findings": 6, "rows": 6},
    )
    per_row = [("C004", rng(i, at, i, at + 10), message, None) for i in range(6)]
    assert seen(diags) == [head, *per_row]
