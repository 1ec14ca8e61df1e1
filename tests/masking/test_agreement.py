"""Row by row, token by token agreement with the reference implementations."""

from __future__ import annotations

import pytest
from mask_helpers import ROWS, settings

from sftlint.masking import analyze_conversation
from sftlint.masking.templates import builtin_template

GEMMA_ROWS = [r for r in ROWS if "tool_calls" not in str(r)]


def _reference_mask(handle, row, template):
    out = handle.tokenizer.apply_chat_template(
        row,
        chat_template=template,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    return list(out["input_ids"]), [bool(x) for x in out["assistant_masks"]]


@pytest.mark.parametrize(
    ("fixture", "template", "rows"),
    [
        ("chatml", "chatml", ROWS),
        ("chatml", "phi4", ROWS),
        ("chatml", "llama3", ROWS),
        ("gemma", "gemma3", GEMMA_ROWS),
        ("mistral_v3", "mistral-v3", ROWS),
        ("mistral_tekken", "mistral-tekken", ROWS),
    ],
)
def test_generation_blocks_equal_transformers_mask(request, fixture, template, rows):
    handle = request.getfixturevalue(fixture)
    s = settings(tokenizer=handle.name, chat_template=template)
    for row in rows:
        res = analyze_conversation(row, handle, s)
        ids, mask = _reference_mask(handle, row, builtin_template(template))
        assert res.ids == ids
        assert res.trained_mask == mask, res.rendered
        assert res.trained_tokens > 0


@pytest.mark.parametrize("fixture", ["mistral_v1", "mistral_v3", "mistral_tekken"])
def test_mistral_builtins_equal_canonical(request, fixture):
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    handle = request.getfixturevalue(fixture)
    s = settings(tokenizer=handle.name, canonical_check="all")
    mt = handle.mistral_tokenizer()
    for row in ROWS:
        res = analyze_conversation(row, handle, s)
        if fixture == "mistral_v1" and any(m["role"] == "tool" for m in row):
            # v1 has no tool calls: mistral-common refuses them, so there is nothing to
            # compare, and the analysis must not fail on them either.
            assert res.ids
            continue
        canon = mt.encode_chat_completion(ChatCompletionRequest.from_openai(row)).tokens
        assert res.ids == canon, res.rendered
        assert not [i for i in res.issues if i.code == "L009"]


# --- an independent re-implementation of Unsloth's train_on_responses_only ----------------
def _unsloth_reference(ids, q, a):
    """Written from Unsloth's description: find the response marker, train until the next
    instruction marker (or to the end when the last token is reached)."""
    labels = [-100] * len(ids)
    n = len(ids)

    def at(seq, j):
        return ids[j : j + len(seq)] == seq

    j = 0
    while j < n:
        if at(a, j):
            start = j + len(a)
            stop = None
            x = start
            while x < n:
                if x == n - 1:
                    stop = n
                    break
                if at(q, x):
                    stop = x
                    break
                x += 1
            if stop is None:
                j += 1
                continue
            labels[start:stop] = ids[start:stop]
            j = stop + len(q) if stop < n else n
            continue
        j += 1
    return [x != -100 for x in labels]


@pytest.mark.parametrize(
    ("fixture", "q", "a", "rows"),
    [
        ("chatml", "<|im_start|>user\n", "<|im_start|>assistant\n", ROWS),
        ("gemma", "<start_of_turn>user\n", "<start_of_turn>model\n", GEMMA_ROWS),
        ("mistral_v3", "[INST]", "[/INST]", ROWS),
    ],
)
def test_markers_equal_unsloth(request, fixture, q, a, rows):
    handle = request.getfixturevalue(fixture)
    s = settings(tokenizer=handle.name, strategy="markers", instruction_part=q, response_part=a)
    backend = handle.backend
    qi = backend.encode(q, add_special_tokens=False).ids
    ai = backend.encode(a, add_special_tokens=False).ids
    for row in rows:
        res = analyze_conversation(row, handle, s)
        assert res.trained_mask == _unsloth_reference(res.ids, qi, ai)
        assert res.trained_tokens > 0
        assert not [i for i in res.issues if i.code in ("L001", "L002")]
