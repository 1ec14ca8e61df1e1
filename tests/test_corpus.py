"""Real files written by other people (LLaMA-Factory's demo data): pinned findings.

A clean real file must give no error; every finding pinned here is one a user would
agree with, and the comment beside it says why.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sftlint.engine import engine
from sftlint.settings import Settings

# file -> {code: count}. D001: byte-identical rows (the demo files repeat rows), checked
# independently when the counts were pinned. K006: a prompt answered in two ways.
EXPECTED_COUNTS: dict[str, dict[str, int]] = {
    "alpaca_en_demo.json": {"D001": 14},
    "c4_demo.jsonl": {},
    "dpo_en_demo.json": {"D001": 5},
    # function_call / observation roles are fine
    "glaive_toolcall_en_demo.json": {"D001": 35, "K006": 1},
    "identity.json": {"K006": 2},  # {{name}} placeholders are content, not template syntax
    "kto_en_demo.json": {"C004": 2},
    "mllm_demo.json": {},  # <image> placeholders match the images lists
    # reasoning parts and tool calls are fine
    "reason_tool_use_demo_50.jsonl": {"K006": 1},
    "v1_dpo_demo.jsonl": {},
    "v1_multimodal_demo.jsonl": {"D001": 18, "J007": 1},  # its 6 rows repeated 4 times
    "v1_sft_demo.jsonl": {"D001": 1, "K006": 1},
}

# The findings that are not duplicates, exactly.
EXPECTED_DETAILS = {
    # A Llama 2 rendering left "</s>" inside an answer, twice: a tokenizer reads it as EOS.
    # One finding for the string, at its first token.
    ("kto_en_demo.json", 2504, 894, "C004"): "turn 2 (messages[1].content): chat-template "
    'control token "</s>" inside the text (2 times): tokenizers read it as a special token, '
    "which breaks turns and masks",
    # A pasted Zephyr turn marker inside a user turn.
    ("kto_en_demo.json", 4790, 1842, "C004"): "turn 8 (messages[7].content): chat-template "
    'control token "<|user|>" inside the text: tokenizers read it as a special token, which '
    "breaks turns and masks",
    # Prompts answered in two ways (the rows were compared by hand): "order a pizza" (3 rows:
    # 2 refusals, one of them twice), "你好" and "你是谁？" with other greetings, a tool-use
    # conversation with four reasoning traces.
    ("glaive_toolcall_en_demo.json", 5198, 3, "K006"): "same prompt as the row at line 1889 "
    "with a different answer (3 rows share this prompt, 2 distinct answers)",
    ("identity.json", 87, 3, "K006"): "same prompt as the row at line 82 with a different "
    "answer (2 rows share this prompt, 2 distinct answers)",
    ("identity.json", 307, 3, "K006"): "same prompt as the row at line 102 with a different "
    "answer (2 rows share this prompt, 2 distinct answers)",
    ("reason_tool_use_demo_50.jsonl", 17, 1, "K006"): "same prompt as the row at line 12 with "
    "a different answer (4 rows share this prompt, 4 distinct answers)",
    ("v1_sft_demo.jsonl", 18, 1, "K006"): "same prompt as the row at line 17 with a different "
    "answer (2 rows share this prompt, 2 distinct answers)",
    # The file ends with an empty line: `for line in f: json.loads(line)` fails on it.
    ("v1_multimodal_demo.jsonl", 25, 1, "J007"): "blank line: `json.loads` fails on it in "
    "line-by-line loaders",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_corpus_file(name: str, llamafactory: Path) -> None:
    result = engine.check_path(llamafactory / name, Settings())
    counts = Counter(f.code for f in result.findings)
    assert dict(counts) == EXPECTED_COUNTS[name]
    assert result.info.rows > 0
    for f in result.findings:
        if f.code == "D001":
            continue
        key = (name, f.range.start.line + 1, f.range.start.column + 1, f.code)
        assert EXPECTED_DETAILS[key] == f.message


def test_corpus_has_every_file(llamafactory: Path) -> None:
    names = {p.name for p in llamafactory.iterdir() if p.suffix in (".json", ".jsonl")}
    assert names == set(EXPECTED_COUNTS)
