"""What the masking tests share: the fixture tokenizers' folder, rows with system prompts,
unicode and tool calls, and tokenizer settings. A module of its own (not conftest) so that
its name is unique across tests/: `from conftest import` takes whichever folder's conftest
was imported last when several folders are collected together."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sftlint.masking import MaskSettings, load_tokenizer
from sftlint.model import Finding

FIXTURES = Path(__file__).parents[1] / "fixtures" / "tokenizers"

TOOL_CALL = {
    "id": "abcdefghi",
    "type": "function",
    "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})},
}

# Multi-turn rows with system prompts, unicode and tool calls.
ROWS: list[list[dict]] = [
    [
        {"role": "user", "content": "Name three prime numbers."},
        {"role": "assistant", "content": "2, 3 and 5."},
    ],
    [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Name three prime numbers."},
        {"role": "assistant", "content": "2, 3 and 5."},
        {"role": "user", "content": "And two more?"},
        {"role": "assistant", "content": "7 and 11."},
    ],
    [
        {"role": "user", "content": "Weather in 東京 — please, with °C?"},
        {"role": "assistant", "content": "晴れ, 21 °C 🌞 … naïve café “quotes”."},
        {"role": "user", "content": "Thanks!"},
        {"role": "assistant", "content": "You are welcome."},
    ],
    [
        {"role": "system", "content": "You call tools."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
        {"role": "tool", "tool_call_id": "abcdefghi", "content": '{"temp": 21}'},
        {"role": "assistant", "content": "It is 21 °C in Paris."},
    ],
]


def settings(**kw) -> MaskSettings:
    return MaskSettings.from_config(kw, base_dir=FIXTURES)


def loaded(name: str):
    """A tokenizer handle that must load (fixture folders or built-ins)."""
    h = load_tokenizer(settings(tokenizer=name))
    assert h.error is None, h.error
    return h


def described(findings: Iterable[Finding]) -> list[tuple]:
    """Each finding's code, severity, 1-based start and end (line, column), message and
    cause: what a test pins of a finding."""
    return [
        (
            f.code,
            f.severity.label,
            (f.range.start.line, f.range.start.column + 1),
            (f.range.end.line, f.range.end.column + 1),
            f.message,
            f.cause,
        )
        for f in findings
    ]
