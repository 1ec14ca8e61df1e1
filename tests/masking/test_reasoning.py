"""L008 "earlier <think> blocks dropped": Qwen 3 renders the reasoning of assistant turns
after the last user message only. `reasoning_content` (and LLaMA-Factory's `reasoning`
parts, mapped to it by the mask rules) and <think> blocks inside the content."""

from __future__ import annotations

import pytest
from mask_helpers import settings

from sftlint.masking import analyze_conversation

# Qwen 3's assistant branch, reduced: reasoning from `reasoning_content` or split off the
# content at </think>; rendered only for turns after the last user message.
QWEN3_LIKE = """\
{%- set ns = namespace(last_query=-1) -%}
{%- for m in messages -%}
{%- if m.role == 'user' -%}{%- set ns.last_query = loop.index0 -%}{%- endif -%}
{%- endfor -%}
{%- for m in messages -%}
{%- if m.role == 'assistant' -%}
{%- set content = m.content -%}
{%- set reasoning = '' -%}
{%- if m.reasoning_content is defined and m.reasoning_content is not none -%}
{%- set reasoning = m.reasoning_content -%}
{%- elif '</think>' in content -%}
{%- set reasoning = content.split('</think>')[0].rstrip('\\n') -%}
{%- set reasoning = reasoning.split('<think>')[-1].lstrip('\\n') -%}
{%- set content = content.split('</think>')[-1].lstrip('\\n') -%}
{%- endif -%}
{%- if loop.index0 > ns.last_query -%}
{{- '<|im_start|>assistant\\n<think>\\n' + reasoning.strip('\\n') + '\\n</think>\\n\\n' -}}
{{- content.lstrip('\\n') + '<|im_end|>\\n' -}}
{%- else -%}
{{- '<|im_start|>assistant\\n' + content + '<|im_end|>\\n' -}}
{%- endif -%}
{%- else -%}
{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' -}}
{%- endif -%}
{%- endfor -%}"""
# The same template keeping every turn's reasoning.
KEEPS_ALL = QWEN3_LIKE.replace("loop.index0 > ns.last_query", "true")

DROPPED = "turn 2 (assistant): the template drops the <think> block from this turn"
REASONING_ROW = [
    {"role": "user", "content": "Name three prime numbers."},
    {"role": "assistant", "reasoning_content": "Primes: 2, 3, 5.", "content": "2, 3 and 5."},
    {"role": "user", "content": "And two more?"},
    {"role": "assistant", "reasoning_content": "Next: 7, 11.", "content": "7 and 11."},
]
THINK_ROW = [
    {"role": "user", "content": "Name three prime numbers."},
    {"role": "assistant", "content": "<think>\nPrimes: 2, 3, 5.\n</think>\n\n2, 3 and 5."},
    {"role": "user", "content": "And two more?"},
    {"role": "assistant", "content": "<think>\nNext: 7, 11.\n</think>\n\n7 and 11."},
]


def _l008(res):
    return [(i.turn, i.message) for i in res.issues if i.code == "L008"]


def _trained_text(res, turn):
    return "".join(
        res.rendered[t.start : t.end] for t in res.tokens if t.trained and t.turn == turn
    )


@pytest.mark.parametrize("row", [REASONING_ROW, THINK_ROW])
def test_qwen3_like_template_drops_earlier_think_blocks(chatml, row):
    res = analyze_conversation(row, chatml, settings(tokenizer="chatml", chat_template=QWEN3_LIKE))
    assert "Primes" not in res.rendered and "<think>\nNext: 7, 11.\n</think>\n\n7 and 11." in (
        res.rendered
    )
    assert _l008(res) == [(1, DROPPED)]
    assert [i.severity for i in res.issues if i.code == "L008"] == ["info"]
    # The last turn trains its reasoning with its answer; the earlier one its answer only.
    assert _trained_text(res, 3) == "<think>\nNext: 7, 11.\n</think>\n\n7 and 11.<|im_end|>"
    assert _trained_text(res, 1) == "2, 3 and 5.<|im_end|>"
    assert [i for i in res.issues if i.code in ("L001", "L004")] == []


@pytest.mark.parametrize("row", [REASONING_ROW, THINK_ROW])
def test_no_finding_when_the_template_keeps_them(chatml, row):
    res = analyze_conversation(row, chatml, settings(tokenizer="chatml", chat_template=KEEPS_ALL))
    assert "Primes: 2, 3, 5." in res.rendered
    assert _l008(res) == []
    assert _trained_text(res, 1) == "<think>\nPrimes: 2, 3, 5.\n</think>\n\n2, 3 and 5.<|im_end|>"


def test_no_finding_without_reasoning(chatml):
    row = [{k: v for k, v in m.items() if k != "reasoning_content"} for m in REASONING_ROW]
    res = analyze_conversation(row, chatml, settings(tokenizer="chatml", chat_template=QWEN3_LIKE))
    assert _l008(res) == []


def test_builtin_chatml_keeps_think_in_content_but_drops_reasoning_content(chatml):
    s = settings(tokenizer="chatml", chat_template="chatml")
    assert _l008(analyze_conversation(THINK_ROW, chatml, s)) == []
    assert _l008(analyze_conversation(REASONING_ROW, chatml, s)) == [
        (1, "turns 2 and 4 (assistant): the template drops their <think> blocks"),
    ]


def test_one_cause_however_many_turns_lose_their_reasoning(chatml):
    """One turn or three: the same template behaviour, so the same cause (the text output
    prints a file's rows once); the messages still name the turns."""
    s = settings(tokenizer="chatml", chat_template="chatml")
    longer = [*REASONING_ROW, *REASONING_ROW[2:]]
    issues = [
        i
        for row in (REASONING_ROW[:2], longer)
        for i in analyze_conversation(row, chatml, s).issues
        if i.code == "L008"
    ]
    assert [(i.turn, i.message, i.cause) for i in issues] == [
        (1, "turn 2 (assistant): the template drops the <think> block from this turn", CAUSE),
        (1, "turns 2, 4 and 6 (assistant): the template drops their <think> blocks", CAUSE),
    ]


CAUSE = "the template drops earlier turns' <think> blocks"
