"""L009 names the whitespace at a boundary that makes the tokenizer merge across it."""

from __future__ import annotations

from mask_helpers import settings

from sftlint.masking import wscause
from sftlint.masking.analysis import analyze_prompt_completion


def test_whitespace_named_in_a_curators_words() -> None:
    assert wscause.leading(" 42", "completion") == "the completion starts with a space"
    assert wscause.leading("\n\nyes", "completion") == "the completion starts with 2 newlines"
    assert wscause.leading("    def f():\n        pass\n", "completion") == (
        "every line of the completion is indented with 4 spaces"
    )
    assert wscause.leading("  x = 1", "content") == "the content starts with 2 spaces"
    assert wscause.leading("\t x", "content") == 'the content starts with whitespace ("\\t ")'
    assert wscause.trailing("Answer: ", "prompt") == "the prompt ends with a space"
    for text in ("42", "", "   "):
        assert wscause.leading(text, "completion") is None
        assert wscause.trailing(text, "prompt") is None


def test_l009_boundary_names_the_prompts_trailing_space(chatml) -> None:
    s = settings(tokenizer="chatml", strategy="completion-only")
    res = analyze_prompt_completion("Answer: ", "42", chatml, s)
    assert [(i.code, i.message) for i in res.issues] == [
        (
            "L009",
            "the prompt tokenizes differently alone than followed by the completion (token 3): "
            "the prompt/completion boundary is off: the prompt ends with a space",
        )
    ]
    # Without whitespace at the edge the boundary is clean: no L009, no cause to name.
    assert analyze_prompt_completion("Answer:", " 42", chatml, s).issues == []
