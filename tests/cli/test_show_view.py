"""`sftlint show`: what its text and JSON say about the tokens of a row."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import run

GEMMA = Path(__file__).parents[1] / "fixtures" / "tokenizers" / "gemma"
FOLDED = (
    b'{"messages": [{"role": "system", "content": "Be brief."}, '
    b'{"role": "user", "content": "Hi there"}, {"role": "assistant", "content": "Hello"}]}\n'
)
MASK = ["--tokenizer", str(GEMMA), "--chat-template", "gemma3"]


def test_legend_is_printed_with_colour_too(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_bytes(FOLDED)
    r = run(["show", "d.jsonl:1", *MASK, "--color", "always"], tmp_path)
    assert r.stdout.splitlines()[2] == (
        "legend: \x1b[30;42mtrained\x1b[0m \x1b[2;37;100mmasked (-100)\x1b[0m, ␣ space, ↵ newline"
    )
    r = run(["show", "d.jsonl:1", *MASK], tmp_path)
    assert r.stdout.splitlines()[2] == (
        "legend: [token] trained, token masked (-100), ␣ space, ↵ newline"
    )


def test_folded_system_prompt_is_labelled_as_such(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_bytes(FOLDED)
    r = run(["show", "d.jsonl:1", *MASK], tmp_path)
    titles = [line for line in r.stdout.splitlines() if line.startswith(("turn", "template"))]
    assert titles[:4] == [
        "template",
        "turn 2 · user · 10 tokens, 0 trained",
        "turn 1 · system prompt folded into turn 2 · 3 tokens, 0 trained",
        "turn 2 · user (continued)",
    ]


def test_json_tokens_carry_their_text_and_1_based_turns(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_bytes(FOLDED)
    r = run(["show", "d.jsonl:1", *MASK, "--json"], tmp_path)
    data = json.loads(r.stdout)
    assert [t["turn"] for t in data["turns"]] == [1, 2, 3]
    assert "index" not in data["turns"][0]
    system = "".join(t["text"] for t in data["tokens"] if t["turn"] == 1)
    assert system == "Be brief."
    assert {t["reason"] for t in data["tokens"] if t["turn"] == 1} == {
        "system prompt folded into turn 2"
    }
    trained = "".join(t["text"] for t in data["tokens"] if t["trained"])
    assert trained == "Hello<end_of_turn>"
    assert "".join(t["text"] for t in data["tokens"]) == data["rendered"]
