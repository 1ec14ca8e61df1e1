"""`sftlint rules` and `sftlint rule CODE`."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import run
from sftlint import registry
from sftlint.cli.main import main


def test_rules_lists_every_rule_grouped_by_family(capsys: pytest.CaptureFixture) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "J  file and JSON"
    assert lines[1] == "  J001  error    invalid-json: Row is not valid JSON"
    # As ruff: [*] what `--fix` applies; the others say what applies them.
    assert "  J007  warning  blank-line: Blank line in a JSON Lines file [*]" in lines
    assert (
        "  D001  warning  duplicate-row: Row is an exact duplicate of an earlier row "
        "[fix with --unsafe-fixes]"
    ) in lines
    assert (
        "  L001  error    trains-on-nothing: The row trains on zero tokens: every label is -100 "
        "[fix in the editor]"
    ) in lines
    listed = [line.split()[0] for line in lines if line.startswith("  ")]
    assert listed == [r.code for r in registry.all_rules()]
    headers = [line for line in lines if line and not line.startswith(" ")]
    families = dict.fromkeys(code[0] for code in listed)
    assert headers == [f"{f}  {registry.FAMILIES[f]}" for f in families]


def test_rule_explains_any_case_and_by_name(capsys: pytest.CaptureFixture) -> None:
    assert main(["rule", "j001"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "# J001 invalid-json\n\n"
        "Row is not valid JSON. Default severity: error. Family: file and JSON.\n\n"
        "The row cannot be parsed as JSON."
    )
    assert "Bad:" in out and "Good:" in out
    assert main(["rule", "blank-line"]) == 0
    assert capsys.readouterr().out.startswith("# J007 blank-line\n")


def test_unknown_rule_exits_2_with_a_hint(tmp_path: Path) -> None:
    r = run(["rule", "J0001"], tmp_path)
    assert r.returncode == 2
    assert r.stderr == (
        'sftlint: error: no rule "J0001"; did you mean "J001"? (`sftlint rules` lists them)\n'
    )
    r = run(["rule", "ZZZZZZZZ"], tmp_path)
    assert (r.returncode, r.stderr) == (
        2,
        'sftlint: error: no rule "ZZZZZZZZ" (`sftlint rules` lists them)\n',
    )
