"""L rules through the real CLI: the masking engine's findings placed on the row's JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GEMMA = ROOT / "tests" / "fixtures" / "tokenizers" / "gemma"
ROWS = [
    {
        "messages": [
            {"role": "user", "content": "Name three prime numbers."},
            {"role": "assistant", "content": "2, 3 and 5."},
        ]
    },
    {
        "messages": [
            {"role": "user", "content": "What is the capital of France?"},
            {"role": "assistant", "content": "Paris."},
        ]
    },
]
V1_STYLE = (
    "{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}"
    "{{ '[INST] ' + m.content + ' [/INST]' }}{% else %}{{ ' ' + m.content + eos_token }}"
    "{% endif %}{% endfor %}"
)


def sftlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sftlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def write_rows(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def findings(proc: subprocess.CompletedProcess[str]) -> list[tuple]:
    return [
        (f["code"], f["location"]["row"], f["location"]["column"], f["message"])
        for f in json.loads(proc.stdout)
    ]


def test_failure_1_bare_gemma_markers(tmp_path: Path) -> None:
    (tmp_path / "sftlint.toml").write_text(
        f'tokenizer = "{GEMMA}"\nchat-template = "gemma3"\nstrategy = "markers"\n'
        'instruction-part = "user\\n"\nresponse-part = "model\\n"\n'
    )
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint("check", "train.jsonl", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    got = findings(proc)
    assert got[0] == (
        "L001",
        1,
        1,
        "2 of 2 rows train on nothing: the trainer will stop with 'All labels in your "
        "dataset are -100'; use instruction-part '<start_of_turn>user\\n' and response-part "
        "'<start_of_turn>model\\n' as the rows render them",
    )
    # Each row: trains nothing (at the conversation key), and both markers occur as text
    # but not as token sequences (at the turn's content). No L007 on rows training nothing.
    assert got[1:5] == [
        (
            "L001",
            1,
            2,
            "the row trains on zero tokens: the response-part's token sequence "
            "never occurs in the token ids",
        ),
        (
            "L002",
            1,
            43,
            "instruction-part 'user\\n' occurs in the rendered text of turn 1 "
            "(user) but its token sequence does not occur in the row's ids",
        ),
        (
            "L002",
            1,
            106,
            "response-part 'model\\n' occurs in the rendered text of turn 2 "
            "(assistant) but its token sequence does not occur in the row's ids",
        ),
        (
            "L001",
            2,
            2,
            "the row trains on zero tokens: the response-part's token sequence "
            "never occurs in the token ids",
        ),
    ]
    assert [c for c, *_ in got].count("L007") == 0


def test_the_fixed_markers_train(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint(
        "check",
        "train.jsonl",
        "--format",
        "json",
        "--tokenizer",
        str(GEMMA),
        "--chat-template",
        "gemma3",
        "--strategy",
        "assistant-only",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert findings(proc) == []


def test_failure_3_extra_space_token_reported_at_the_turn(tmp_path: Path) -> None:
    (tmp_path / "v1-style.jinja").write_text(V1_STYLE)
    write_rows(tmp_path / "train.jsonl", ROWS[:1])
    proc = sftlint(
        "check",
        "train.jsonl",
        "--format",
        "json",
        "--tokenizer",
        "mistral-v3",
        "--chat-template",
        "v1-style.jinja",
        cwd=tmp_path,
    )
    [l009] = [f for f in findings(proc) if f[0] == "L009"]
    # At the user turn's content: the extra ▁ (29473) sits before [/INST].
    assert l009[1:3] == (1, 43)
    assert l009[3].startswith("turn 1 (user): transformers gives ␣(29473) [/INST](4) at token")


def test_unloadable_tokenizer_is_one_finding(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint(
        "check",
        "train.jsonl",
        "--format",
        "json",
        "--tokenizer",
        str(tmp_path / "missing"),
        cwd=tmp_path,
    )
    got = findings(proc)
    assert [f[0] for f in got] == ["L012"]
    assert got[0][1:3] == (1, 1)


def test_show_json_contract(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint(
        "show",
        "train.jsonl:2",
        "--json",
        "--tokenizer",
        str(GEMMA),
        "--chat-template",
        "gemma3",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["filename"] == "train.jsonl"
    assert data["row"] == 2
    assert data["findings"] == []
    tokens = data["tokens"]
    assert {"id", "text", "trained", "turn"} <= set(tokens[0])
    trained = "".join(t["text"] for t in tokens if t["trained"])
    assert trained == "Paris.<end_of_turn>"
    assert {t["turn"] for t in tokens if t["trained"]} == {1}
    assert data["totals"] == {"tokens": len(tokens), "trained": sum(t["trained"] for t in tokens)}


def test_show_plain_text_when_not_a_terminal(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint(
        "show",
        "train.jsonl:2",
        "--tokenizer",
        str(GEMMA),
        "--chat-template",
        "gemma3",
        cwd=tmp_path,
    )
    lines = proc.stdout.splitlines()
    assert lines[1].endswith("trained (" + lines[1].split("(")[-1])
    assert "legend: [token] trained, token masked (-100), ␣ space, ↵ newline" in lines
    assert "turn 2 · assistant · " in proc.stdout
    assert "[Paris] [.] [<end_of_turn>]" in proc.stdout
    assert "\x1b[" not in proc.stdout


def test_show_without_tokenizer_says_how(tmp_path: Path) -> None:
    write_rows(tmp_path / "train.jsonl", ROWS)
    proc = sftlint("show", "train.jsonl:1", cwd=tmp_path)
    assert "No tokenizer configured" in proc.stdout
    assert proc.returncode == 0
