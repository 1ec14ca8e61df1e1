"""`sftlint check` starts fast: no transformers, jsonschema, jinja2... unless needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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

PROBE = """
import sys
from sftlint.cli.main import main
code = main(sys.argv[1:])
print("LOADED", ",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


def _loaded(args: list[str], cwd: Path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
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
