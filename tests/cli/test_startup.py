"""`sftlint check` starts fast: no transformers, jsonschema, jinja2... unless needed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "transformers",
    "tokenizers",
    "torch",
    "numpy",
    "jinja2",
    "jsonschema",
    "mistral_common",
    "sentencepiece",
    "huggingface_hub",
    "pygls",
    "lsprotocol",
)

# `main(argv)` is sftlint called from Python; `main()` the program (`sftlint ...`).
PROBE = """
import sys
from sftlint.cli.main import main
code = main({argv})
print("LOADED", ",".join(m for m in {heavy!r} if sys.modules.get(m)), file=sys.stderr)
"""
CHATML = Path(__file__).resolve().parents[1] / "fixtures" / "tokenizers" / "chatml"


def _run(args: list[str], cwd: Path, program: bool = False) -> subprocess.CompletedProcess[str]:
    probe = PROBE.format(heavy=HEAVY, argv="" if program else "sys.argv[1:]")
    return subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _loaded(args: list[str], cwd: Path) -> list[str]:
    proc = _run(args, cwd)
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("LOADED"), proc.stderr
    return [m for m in line.removeprefix("LOADED").strip().split(",") if m]


def test_check_without_config_imports_nothing_heavy(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_bytes(
        b'{"messages": [{"role": "user", "content": "hi"}, '
        b'{"role": "assistant", "content": "x"}]}\n'
        b"oops\n"
    )
    assert _loaded(["check", "d.jsonl"], tmp_path) == []


def test_a_config_loads_jsonschema_only(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text('ignore = ["J001"]\n')
    (tmp_path / "d.jsonl").write_bytes(b'{"text": "a"}\n')
    assert _loaded(["check", "d.jsonl"], tmp_path) == ["jsonschema"]


def test_the_program_loads_tokenizers_without_torch(tmp_path: Path) -> None:
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed: nothing to keep out")
    (tmp_path / "d.jsonl").write_text(
        '{"messages": [{"role": "user", "content": "Hi there!"}, '
        '{"role": "assistant", "content": "Hello, caf\\u00e9 東京."}]}\n',
        encoding="utf-8",
    )
    args = ["check", "d.jsonl", "--tokenizer", str(CHATML), "--chat-template", "chatml"]
    program, library = _run(args, tmp_path, program=True), _run(args, tmp_path)
    loaded = {
        p: r.stderr.strip().splitlines()[-1].split()[1].split(",")
        for p, r in (("program", program), ("library", library))
    }
    assert "transformers" in loaded["program"]
    assert "torch" not in loaded["program"]
    assert "torch" in loaded["library"]  # transformers' own import
    # apply_chat_template(..., return_assistant_tokens_mask=True): 21 ids, 8 in the mask
    assert "Tokens: 1 row tokenized, 21 tokens, 8 trained" in program.stdout
    assert program.stdout == library.stdout
