"""The two seed failures of docs/failure-modes.md, reproduced end to end."""

from __future__ import annotations

from mask_helpers import ROWS, settings

from sftlint.masking import analyze_conversation, summarize_file

GEMMA_ROWS = [r for r in ROWS if "tool_calls" not in str(r)]


def test_failure_1_gemma_markers_train_nothing(gemma):
    s = settings(
        tokenizer="gemma", strategy="markers", instruction_part="user\n", response_part="model\n"
    )
    results = [analyze_conversation(r, gemma, s) for r in GEMMA_ROWS]
    for res in results:
        assert res.trained_tokens == 0
        codes = [i.code for i in res.issues]
        assert codes[0] == "L001"
        assert res.issues[0].message == (
            "the row trains on zero tokens: the response-part's token sequence never occurs "
            "in the token ids"
        )
        assert res.issues[0].fix == {
            "instruction-part": "<start_of_turn>user\n",
            "response-part": "<start_of_turn>model\n",
        }
        l002 = [i for i in res.issues if i.code == "L002"]
        assert l002[0].message == (
            "response-part 'model\\n' occurs in the rendered text of turn 2 (assistant) but its "
            "token sequence does not occur in the row's ids"
            if res.roles[0] != "system"
            else l002[0].message
        )
        assert "alone: ␣model(" in l002[0].detail
    summary = summarize_file(results, s, gemma)
    assert summary.rows == len(GEMMA_ROWS)
    assert summary.rows_training_nothing == len(GEMMA_ROWS)
    [issue] = summary.issues
    assert issue.code == "L001" and issue.severity == "error"
    assert issue.message == (
        f"{len(GEMMA_ROWS)} of {len(GEMMA_ROWS)} rows train on nothing: the trainer will stop "
        "with 'All labels in your dataset are -100'; use instruction-part "
        "'<start_of_turn>user\\n' and response-part '<start_of_turn>model\\n' as the rows "
        "render them"
    )
    fixed = settings(tokenizer="gemma", strategy="markers", **_kebab(issue.fix))
    for r in GEMMA_ROWS:
        res = analyze_conversation(r, gemma, fixed)
        assert res.trained_tokens > 0
        assert not [i for i in res.issues if i.code in ("L001", "L002")]
    assert (
        summarize_file([analyze_conversation(r, gemma, fixed) for r in GEMMA_ROWS], fixed).issues
        == []
    )


def _kebab(fix: dict) -> dict:
    return {k.replace("-", "_"): v for k, v in fix.items()}


def test_gemma_assistant_instead_of_model_fails_the_same_way(gemma):
    s = settings(
        tokenizer="gemma",
        strategy="markers",
        instruction_part="<start_of_turn>user\n",
        response_part="<start_of_turn>assistant\n",
    )
    res = analyze_conversation(GEMMA_ROWS[0], gemma, s)
    assert res.issues[0].code == "L001"
    assert res.issues[0].message == (
        "the row trains on zero tokens: response-part '<start_of_turn>assistant\\n' never "
        "occurs in the token ids"
    )


V1_STYLE = (
    "{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}"
    "{{ '[INST] ' + m.content + ' [/INST]' }}{% else %}{{ ' ' + m.content + eos_token }}"
    "{% endif %}{% endfor %}"
)


def test_failure_3_mistral_v3_extra_space_token(mistral_v3, tmp_path):
    (tmp_path / "v1-style.jinja").write_text(V1_STYLE)
    s = settings(tokenizer="mistral-v3", chat_template=str(tmp_path / "v1-style.jinja"))
    row = [
        {"role": "user", "content": "Hi there."},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Name three prime numbers."},
        {"role": "assistant", "content": "2, 3 and 5."},
    ]
    res = analyze_conversation(row, mistral_v3, s)
    assert res.rendered.startswith("<s>[INST] Hi there. [/INST] Hello.</s>")
    [l009] = [i for i in res.issues if i.code == "L009"]
    k = res.ids.index(4) - 1
    assert res.ids[k] == 29473
    assert l009.turn == 0
    assert l009.message == (
        f"turn 1 (user): transformers gives ␣(29473) [/INST](4) at token {k} where "
        "mistral-common's canonical encoding has [/INST](4) ␣Hello(23325)"
    )
    assert "mistral-common:" in l009.detail
    # The built-in template matches the canonical encoding: no L009.
    ok = analyze_conversation(row, mistral_v3, settings(tokenizer="mistral-v3"))
    assert not [i for i in ok.issues if i.code == "L009"]
    assert 29473 not in ok.ids[: ok.ids.index(4)]
