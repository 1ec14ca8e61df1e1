"""L017: a chat template whose control tokens the tokenizer splits into pieces is one
finding of the file, naming the tokens and the tokenizer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOKENIZERS = Path(__file__).resolve().parents[1] / "fixtures" / "tokenizers"
ROWS = b"".join(
    b'{"messages": [{"role": "user", "content": "%s"}, {"role": "assistant", "content": "ok"}]}\n'
    % q
    for q in (b"hi", b"yo")
)


def _check(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "chat.jsonl").write_bytes(ROWS)
    return subprocess.run(
        [sys.executable, "-m", "sftlint", "check", "chat.jsonl", "--select", "L", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_foreign_template_control_tokens_are_one_file_finding(tmp_path: Path) -> None:
    r = _check(tmp_path, "--tokenizer", str(TOKENIZERS / "chatml"), "--chat-template", "llama3")
    findings = [line for line in r.stdout.splitlines() if ": L" in line]
    assert findings == [
        f"chat.jsonl:1:1: L017 chat template llama3 writes control tokens that tokenizer "
        f"{TOKENIZERS / 'chatml'} does not have: <|eot_id|>, <|start_header_id|>, "
        "<|end_header_id|> are each split into pieces (<|eot_id|> is < | e ot _ id | >); "
        "use a template of the tokenizer's own family"
    ]
    assert r.returncode == 1


def test_own_family_template_has_no_finding(tmp_path: Path) -> None:
    for name in ("chatml", "llama3"):
        r = _check(tmp_path, "--tokenizer", str(TOKENIZERS / name), "--chat-template", name)
        assert "L017" not in r.stdout, r.stdout


def test_show_names_the_split_control_tokens_too(tmp_path: Path) -> None:
    (tmp_path / "chat.jsonl").write_bytes(ROWS)
    proc = subprocess.run(
        [sys.executable, "-m", "sftlint", "show", "chat.jsonl:1", "--tokenizer",
         str(TOKENIZERS / "chatml"), "--chat-template", "llama3"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1].startswith(
        "chat.jsonl:1:1: L017 chat template llama3 writes control tokens that tokenizer "
    )
