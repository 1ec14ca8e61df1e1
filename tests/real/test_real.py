"""Real public files: every finding pinned (tests/real/README.md says where they come from)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sftlint.engine import engine
from sftlint.settings import Settings

HERE = Path(__file__).parent


def _found(path: Path) -> list[tuple[str, int, int, str]]:
    result = engine.check_path(path, Settings())
    return [
        (f.code, f.range.start.line + 1, f.range.start.column + 1, f.message)
        for f in result.findings
    ]


def test_openai_cookbook_toy_chat_file() -> None:
    """Exactly the two problems the cookbook planted, nothing else."""
    assert _found(HERE / "toy_chat_fine_tuning.jsonl") == [
        (
            "R015",
            4,
            2,
            "messages: no user turn: the assistant answers a prompt the row does not hold",
        ),
        (
            "C007",
            5,
            193,
            'turn 3 (messages[2].content): the text ends with "Eat a banana!" repeated 2000 '
            "times: degenerate generated text",
        ),
    ]


def test_llamafactory_demo_files(llamafactory: Path) -> None:
    """Every rule on: exact duplicate rows (D001), control tokens pasted into KTO answers
    (C004), a blank line (J007), prompts answered twice (K006: "你好" with two greetings,
    "order a pizza" with two refusals, a tool-use conversation with four reasoning traces);
    the curator rules (C006, C007, F008, K004) find nothing to say (the degenerate answers
    there are a rejected side and an undesirable KTO example)."""
    got: Counter[tuple[str, str]] = Counter()
    for path in sorted(llamafactory.glob("*.json*")):
        got.update((path.name, code) for code, *_ in _found(path))
    assert got == Counter(
        {
            ("alpaca_en_demo.json", "D001"): 14,
            ("dpo_en_demo.json", "D001"): 5,
            ("glaive_toolcall_en_demo.json", "D001"): 35,
            ("glaive_toolcall_en_demo.json", "K006"): 1,
            ("identity.json", "K006"): 2,
            ("kto_en_demo.json", "C004"): 2,  # "</s>" twice in one answer: one finding
            ("reason_tool_use_demo_50.jsonl", "K006"): 1,
            ("v1_multimodal_demo.jsonl", "D001"): 18,
            ("v1_multimodal_demo.jsonl", "J007"): 1,
            ("v1_sft_demo.jsonl", "D001"): 1,
            ("v1_sft_demo.jsonl", "K006"): 1,
        }
    )
