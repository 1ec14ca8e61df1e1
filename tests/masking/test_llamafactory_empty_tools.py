"""LLaMA-Factory's ToolFormatter writes no tool prompt for an empty tool list (`"[]"`, as
glaive_toolcall_en_demo's rows without tools hold): data/formatter.py, ToolFormatter.apply."""

from __future__ import annotations

from sftlint.masking.llamafactory import tool_prompt


def test_an_empty_tool_list_gives_no_tool_prompt() -> None:
    for fmt in ("qwen", "llama3", "default"):
        assert tool_prompt(fmt, "[]") == ""
        assert tool_prompt(fmt, "{}") == ""


def test_a_tool_list_gives_the_qwen_tool_prompt() -> None:
    text = tool_prompt("qwen", '[{"name": "f", "parameters": {}}]')
    assert text.startswith("\n\n# Tools\n\nYou may call one or more functions")
    assert '{"type": "function", "function": {"name": "f", "parameters": {}}}' in text
