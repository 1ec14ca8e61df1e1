"""Untrusted chat templates render within sftlint's limits: L003 says which one was hit."""

from __future__ import annotations

import pytest
from mask_helpers import ROWS, settings

from sftlint.masking import analyze_conversation, templatebounds
from sftlint.masking.templatebounds import MAX_CHARS, MAX_STEPS

ROW = ROWS[0]
ECHO = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
LIMITS = {
    "loops": (
        "{% for i in range(10**5) %}{% for j in range(10**5) %}{% endfor %}{% endfor %}" + ECHO,
        f"more than {MAX_STEPS:,} loop steps and calls",
    ),
    "loop over a string": (
        "{% set s = 'ab' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}"
        + ECHO,
        f"more than {MAX_STEPS:,} loop steps and calls",
    ),
    "string multiplication": (
        "{{ 'x' * 10**9 }}" + ECHO,
        f"a value of 1,000,000,000 items or characters (the limit is {MAX_CHARS:,})",
    ),
    "doubling by ~": (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}" + ECHO,
        f"a value of {2 * MAX_CHARS:,} items or characters (the limit is {MAX_CHARS:,})",
    ),
    "doubling a list by +": (
        "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}"
        "{% set ns.l = ns.l + ns.l %}{% endfor %}" + ECHO,
        f"a value of {2 * MAX_CHARS:,} items or characters (the limit is {MAX_CHARS:,})",
    ),
    "a width": (
        "{{ 'x'.ljust(10**9) }}" + ECHO,
        f"a value of 1,000,000,000 items or characters (the limit is {MAX_CHARS:,})",
    ),
    "a huge power": (
        "{{ 10 ** 10000000000 }}" + ECHO,
        f"a value of 5,000,000,000 items or characters (the limit is {MAX_CHARS:,})",
    ),
    "output": (
        "{% for i in range(100) %}{{ 'y' * 1000000 }}{% endfor %}" + ECHO,
        f"a value of {17_000_000:,} items or characters (the limit is {MAX_CHARS:,})",
    ),
}


@pytest.mark.parametrize("name", LIMITS)
def test_a_template_past_a_limit_is_one_L003(chatml, name: str, monkeypatch) -> None:
    # On a loaded machine a million loop steps can take longer than the time budget:
    # that budget is tested on its own below.
    monkeypatch.setattr(templatebounds, "MAX_SECONDS", 600.0)
    template, why = LIMITS[name]
    s = settings(tokenizer=chatml.name, chat_template=template, strategy="full")
    res = analyze_conversation(ROW, chatml, s)
    assert [(i.code, i.message) for i in res.issues] == [
        ("L003", f"the chat template raised: rendering stopped: {why}")
    ]
    # The same template again fails at once: a hostile template costs one budget.
    again = analyze_conversation(ROWS[1], chatml, s)
    assert [i.message for i in again.issues] == [res.issues[0].message]


def test_a_template_past_the_time_budget_is_one_L003(chatml, monkeypatch) -> None:
    monkeypatch.setattr(templatebounds, "MAX_SECONDS", 0.05)
    monkeypatch.setattr(templatebounds, "MAX_STEPS", 10**12)
    template = "{% for i in range(10**5) %}{% for j in range(10**5) %}{% endfor %}{% endfor %}"
    s = settings(tokenizer=chatml.name, chat_template=template + ECHO + " ", strategy="full")
    res = analyze_conversation(ROW, chatml, s)
    assert [(i.code, i.message) for i in res.issues] == [
        ("L003", "the chat template raised: rendering stopped: it took more than 0.05 s")
    ]


def test_a_template_within_the_limits_renders_as_transformers_does(chatml) -> None:
    template = "{% for i in range(3) %}{{ i ~ '-' }}{% endfor %}" + ECHO
    s = settings(tokenizer=chatml.name, chat_template=template, strategy="full")
    res = analyze_conversation(ROW, chatml, s)
    assert res.rendered == (
        "0-1-2-<|im_start|>user\nName three prime numbers.<|im_end|>\n"
        "<|im_start|>assistant\n2, 3 and 5.<|im_end|>\n"
    )
    assert not [i for i in res.issues if i.code == "L003"]


def test_only_the_packages_own_templates_render_without_a_budget(chatml) -> None:
    from sftlint.masking.templatebounds import _budget, bounded
    from sftlint.masking.templates import builtin_template, is_builtin

    own = builtin_template("chatml")
    for template in (own, own + " ", ECHO):
        s = settings(tokenizer=chatml.name, chat_template=template)
        assert analyze_conversation(ROW, chatml, s).issues == []
    assert [is_builtin(t) for t in (own, own + " ", ECHO)] == [True, False, False]
    with bounded(own):
        assert _budget.get() is None
    for template in (own + " ", ECHO):  # one character off the built-in: untrusted
        with bounded(template):
            assert _budget.get() is not None
