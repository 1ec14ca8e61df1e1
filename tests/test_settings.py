"""Config discovery, validation (file:line errors) and resolution into Settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sftlint.cli.main import main
from sftlint.model import Severity
from sftlint.settings import (
    ConfigError,
    MaskConfig,
    find_config,
    load_config,
    resolve,
    settings_for,
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


def test_found_by_walking_up_nearest_first(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", "[tool.sftlint]\nignore = ['C']\n")
    _write(tmp_path / "a" / "pyproject.toml", "[project]\nname = 'x'\n")  # no sftlint table
    data = _write(tmp_path / "a" / "b" / "d.jsonl", "")
    assert find_config(data) == tmp_path / "pyproject.toml"
    _write(tmp_path / "a" / ".sftlint.toml", "ignore = ['R']\n")
    assert find_config(data) == tmp_path / "a" / ".sftlint.toml"
    _write(tmp_path / "a" / "sftlint.toml", "ignore = ['K']\n")
    assert find_config(data) == tmp_path / "a" / "sftlint.toml"
    assert settings_for(data).ignore == ["K"]


def test_snake_case_aliases_and_mappings(tmp_path: Path) -> None:
    cfg = _write(
        tmp_path / "sftlint.toml",
        """\
select = ["J", "R"]
extend_select = ["C001"]
per_file_ignores = {"valid/*.jsonl" = ["R0"]}
field_messages = "dialog"
message_property_mappings = {role = "speaker", content = "text"}
max_problems = 50
format = "messages"

[roles]
assistant = ["bot", "model"]
user = "human"

[severity]
R005 = "warning"
""",
    )
    table = load_config(cfg)
    s = resolve(table, cfg, tmp_path / "valid" / "x.jsonl")
    assert s.select == ["J", "R", "C001"]
    assert s.ignore == ["R0"]
    assert s.max_problems == 50
    assert s.severity("R005") is Severity.WARNING
    assert s.fields.messages[0] == "dialog"
    assert (s.fields.role[0], s.fields.content[0]) == ("speaker", "text")
    assert s.fields.extra_roles == {"bot": "assistant", "model": "assistant", "human": "user"}
    assert s.fields.forced_format == "messages"
    assert resolve(table, cfg, tmp_path / "train.jsonl").ignore == []


def test_llamafactory_columns_and_tags(tmp_path: Path) -> None:
    cfg = _write(
        tmp_path / "sftlint.toml",
        '[columns]\nmessages = "chat"\n[tags]\nrole_tag = "who"\ncontent_tag = "said"\n'
        'user_tag = "person"\nassistant_tag = "ai"\n',
    )
    s = settings_for(tmp_path / "d.jsonl", config=cfg)
    assert s.fields.messages[0] == "chat"
    assert (s.fields.role[0], s.fields.content[0]) == ("who", "said")
    assert s.fields.extra_roles == {"person": "user", "ai": "assistant"}


def test_mask_keys_and_paths_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "conf" / "tok").mkdir(parents=True)
    _write(tmp_path / "conf" / "t.jinja", "{{ x }}")
    cfg = _write(
        tmp_path / "conf" / "sftlint.toml",
        'tokenizer = "tok"\nchat_template = "t.jinja"\nroles_to_train = ["assistant"]\n'
        "train_on_eos = 'turn'\nmax_seq_length = 2048\ntrain_on_prompt = false\n",
    )
    s = settings_for(tmp_path / "data.jsonl", config=cfg)
    assert s.mask == MaskConfig(
        tokenizer=str(tmp_path / "conf" / "tok"),
        chat_template=str(tmp_path / "conf" / "t.jinja"),
        roles_to_train=("assistant",),
        train_on_eos="turn",
        max_seq_length=2048,
        train_on_prompt=False,
    )
    # Names that are not paths (built-ins, hub ids) stay as written; CLI overrides win.
    cfg.write_text('tokenizer = "mistral-v3"\nchat-template = "chatml"\n', encoding="utf-8")
    s = settings_for(tmp_path / "d.jsonl", {"strategy": "full", "chat-template": "llama3"}, cfg)
    assert s.mask == MaskConfig(tokenizer="mistral-v3", chat_template="llama3", strategy="full")


def test_cli_select_replaces_and_ignore_extends(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "sftlint.toml", 'select = ["J"]\nignore = ["J001"]\n')
    s = settings_for(tmp_path / "d.jsonl", {"select": ["R"], "ignore": ["R001"]}, cfg)
    assert (s.select, s.ignore) == (["R"], ["J001", "R001"])
    assert s.enabled("R002") and not s.enabled("R001") and not s.enabled("J002")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('select = ["J"]\nselec = ["R"]\n', 2, 'unknown key "selec"; did you mean "select"?'),
        ('select = "J"\n', 1, "select: expected an array, got a string"),
        ("max-problems = 0\n", 1, "max-problems: must be at least 1, got 0"),
        (
            'ignore = ["J", "X12"]\n',
            1,
            'ignore[1]: "X12" is not a rule family (families: J, F, R, C, K, T, M, D, L, G)',
        ),
        (
            '\n[severity]\nJ001 = "fatal"\n',
            3,
            'severity.J001: "fatal" is not one of "error", "warning", "info"',
        ),
        (
            "[roles]\nbot = 'assistant'\n",
            2,
            'roles: "bot" is not one of "system", "user", "assistant", "tool"',
        ),
        (
            'strategy = "sometimes"\n',
            1,
            'strategy: "sometimes" is not one of "assistant-only", "markers", '
            '"completion-only", "full"',
        ),
        (
            "max_problems = 5\nmax-problems = 6\n",
            2,
            'key "max-problems" given twice (also as "max_problems")',
        ),
    ],
)
def test_bad_config_names_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    cfg = _write(tmp_path / "sftlint.toml", text)
    assert _error(cfg) == f"{cfg}:{line}: {message}"


def test_bad_toml_names_line_and_column(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "sftlint.toml", 'select = ["J"]\nignore = [J]\n')
    assert _error(cfg) == f"{cfg}:2:11: invalid TOML: invalid value"


def test_pyproject_lines_count_from_the_file_start(tmp_path: Path) -> None:
    cfg = _write(
        tmp_path / "pyproject.toml",
        "[project]\nname = 'x'\n\n[tool.sftlint]\nselect = ['J']\n\n"
        "[tool.sftlint.per-file-ignores]\n'*.jsonl' = ['J9x']\n",
    )
    assert _error(cfg) == (
        f'{cfg}:8: per-file-ignores."*.jsonl"[0]: "J9x" is not a rule code or prefix'
    )


def test_bad_config_exits_2_through_the_cli(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "sftlint.toml", "verbose = 1\n")
    _write(tmp_path / "d.jsonl", '{"text": "a"}\n')
    proc = subprocess.run(
        [sys.executable, "-m", "sftlint", "check", "d.jsonl"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr == f'sftlint: error: {cfg}:1: unknown key "verbose"\n'
    assert proc.stdout == ""


def test_forced_config_and_missing_config(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _write(tmp_path / "d.jsonl", "oops\n")
    _write(tmp_path / "sftlint.toml", 'ignore = ["J001"]\n')
    other = _write(tmp_path / "other" / "strict.toml", 'select = ["J001"]\n')
    assert main(["check", str(tmp_path / "d.jsonl"), "--no-progress"]) == 0
    assert main(["check", str(tmp_path / "d.jsonl"), "--config", str(other)]) == 1
    missing = tmp_path / "nope.toml"
    capsys.readouterr()
    assert main(["check", str(tmp_path / "d.jsonl"), "--config", str(missing)]) == 2
    assert capsys.readouterr().err == f"sftlint: error: {missing}: config file not found\n"


def test_exclude_and_include_when_walking(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _write(tmp_path / "sftlint.toml", 'exclude = ["skip/*"]\ninclude = ["*.rows"]\n')
    _write(tmp_path / "skip" / "x.jsonl", "oops\n")
    _write(tmp_path / "keep" / "y.rows", '{"text": "a"}\n')
    _write(tmp_path / "keep" / "z.jsonl", '{"text": "b"}\n')
    assert main(["check", str(tmp_path), "--color", "never"]) == 0
    assert capsys.readouterr().out == "All checks passed! (2 files, 2 rows)\n"
