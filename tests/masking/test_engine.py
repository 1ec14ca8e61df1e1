"""Strategies, options, findings and the API's contracts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mask_helpers import ROWS, settings

from sftlint.masking import (
    RULES,
    MaskSettings,
    analyze_conversation,
    analyze_pretokenized,
    analyze_prompt_completion,
    load_tokenizer,
)

SERVER = Path(__file__).parents[2] / "server"


def test_import_does_not_import_transformers():
    code = "import sys, sftlint.masking; print('transformers' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SERVER)},
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_loading_prints_nothing():
    code = (
        "from sftlint.masking import MaskSettings, load_tokenizer\n"
        "h = load_tokenizer(MaskSettings.from_config({'tokenizer': 'mistral-v3'}))\n"
        "assert h.error is None, h.error\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SERVER), "HOME": str(Path.home())},
        check=True,
    )
    assert out.stdout == "" and "PyTorch" not in out.stderr


def test_settings_aliases():
    s = MaskSettings.from_config(
        {
            "chat_template": "chatml",
            "train-on-eos": "none",
            "roles_to_train": "user",
            "max-seq-length": "12",
        }
    )
    assert (s.chat_template, s.train_on_eos, s.roles_to_train, s.max_seq_length) == (
        "chatml",
        "none",
        ("user",),
        12,
    )


def test_unloadable_tokenizer_is_one_finding():
    s = settings(tokenizer="does/not-exist-anywhere")
    h = load_tokenizer(s)
    assert h.error and "sftlint never downloads" in h.error
    res = analyze_conversation(ROWS[0], h, s)
    assert [i.code for i in res.issues] == ["L012"]
    assert res.tokens == []


def test_tokens_and_turns(chatml):
    res = analyze_conversation(ROWS[0], chatml, settings(tokenizer="chatml"))
    assert res.rendered == (
        "<|im_start|>user\nName three prime numbers.<|im_end|>\n"
        "<|im_start|>assistant\n2, 3 and 5.<|im_end|>\n"
    )
    toks = res.tokens
    assert toks[0].text == "<|im_start|>" and toks[0].turn == 0 and toks[0].reason == "turn header"
    assert "".join(res.rendered[t.start : t.end] for t in toks) == res.rendered
    assert any(t.text == "↵" for t in toks)
    eot = [t for t in toks if t.text == "<|im_end|>"]
    assert [(t.turn, t.trained, t.reason) for t in eot] == [
        (0, False, "end of turn"),
        (1, True, "end of turn"),
    ]
    assert [(t.index, t.role, t.trained > 0) for t in res.turns] == [
        (0, "user", False),
        (1, "assistant", True),
    ]
    assert res.labels.count(-100) == res.total_tokens - res.trained_tokens


def test_cache_returns_same_result(chatml):
    s = settings(tokenizer="chatml")
    assert analyze_conversation(ROWS[1], chatml, s) is analyze_conversation(ROWS[1], chatml, s)


def test_weight_zero_and_train_on_eos_none(chatml):
    row = [dict(m) for m in ROWS[1]]
    row[2]["weight"] = 0
    res = analyze_conversation(row, chatml, settings(tokenizer="chatml"))
    assert res.turns[2].trained == 0 and res.turns[4].trained > 0
    assert {t.reason for t in res.tokens if t.turn == 2} >= {"masked by weight"}
    res = analyze_conversation(ROWS[0], chatml, settings(tokenizer="chatml", train_on_eos="none"))
    [l007] = [i for i in res.issues if i.code == "L007"]
    assert l007.message == (
        "turn 2 (assistant): its end-of-turn token <|im_end|> is not trained, so the model "
        "never learns to stop"
    )


def test_template_raised(gemma):
    row = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    res = analyze_conversation(row, gemma, settings(tokenizer="gemma"))
    assert [(i.code, i.message) for i in res.issues] == [
        (
            "L003",
            "the chat template raised: Conversation roles must alternate "
            "user/assistant/user/assistant/...",
        )
    ]


def test_gemma_folds_system_and_trims(gemma):
    row = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "  Name three prime numbers.  "},
        {"role": "assistant", "content": "2, 3 and 5."},
    ]
    res = analyze_conversation(row, gemma, settings(tokenizer="gemma"))
    msgs = [i.message for i in res.issues if i.code == "L008"]
    assert msgs == [
        "turn 1 (system): the template folds the system prompt into turn 2 (user)",
        "turn 2 (user): the template trims the content's leading/trailing whitespace",
    ] or sorted(msgs) == sorted(
        [
            "turn 1 (system): the template folds the system prompt into turn 2 (user)",
            "turn 2 (user): the template trims the content's leading/trailing whitespace",
        ]
    )


def test_truncation(chatml):
    s = settings(tokenizer="chatml", max_seq_length=10)
    res = analyze_conversation(ROWS[0], chatml, s)
    assert res.trained_tokens == 0
    assert [i.code for i in res.issues] == ["L005"]
    assert res.issues[0].severity == "error"
    assert {t.reason for t in res.tokens[10:]} == {"truncated"}
    full = analyze_conversation(ROWS[1], chatml, settings(tokenizer="chatml"))
    cut = full.total_tokens - 3
    res = analyze_conversation(ROWS[1], chatml, settings(tokenizer="chatml", max_seq_length=cut))
    assert [i.code for i in res.issues] == ["L006"]
    assert res.issues[0].message.startswith(f"max-seq-length {cut} cuts 3 of {full.total_tokens}")


def test_full_strategy_trains_prompt(chatml):
    res = analyze_conversation(ROWS[0], chatml, settings(tokenizer="chatml", strategy="full"))
    assert res.trained_tokens == res.total_tokens
    assert [i.code for i in res.issues] == ["L011"]


def test_mask_history(chatml):
    res = analyze_conversation(ROWS[1], chatml, settings(tokenizer="chatml", mask_history=True))
    assert res.turns[2].trained == 0 and res.turns[4].trained > 0


def test_prompt_completion(chatml):
    s = settings(tokenizer="chatml", strategy="completion-only")
    res = analyze_prompt_completion("Q: two plus two?\nA:", " four", chatml, s)
    assert res.rendered == "Q: two plus two?\nA: four<|im_end|>"
    assert res.trained_tokens > 0
    assert all(not t.trained for t in res.tokens if t.turn == 0)
    assert all(t.trained for t in res.tokens if t.turn == 1)


def test_pretokenized(chatml):
    # Structural problems are the T rules' findings; this only builds the preview tokens.
    res = analyze_pretokenized([5, 6, 7], [-100, 6, 7], chatml)
    assert res.issues == []
    assert [(t.id, t.trained, t.reason) for t in res.tokens] == [
        (5, False, "label -100"),
        (6, True, "labels"),
        (7, True, "labels"),
    ]
    res = analyze_pretokenized([5, 6, 7], [-100, 6], chatml)
    assert res.trained_mask == [False, True, False]


def test_double_bos(gemma):
    s = settings(tokenizer="gemma", strategy="completion-only")
    res = analyze_prompt_completion("<bos>Question?", " Answer.", gemma, s)
    assert "L010" in [i.code for i in res.issues]


def test_rules_cover_codes():
    codes = [r.code for r in RULES]
    assert codes == [f"L{n:03d}" for n in range(1, 18) if n != 15]
    for r in RULES:
        assert r.severity in ("error", "warning", "info")
        assert "Bad" in r.explanation and "Good" in r.explanation
