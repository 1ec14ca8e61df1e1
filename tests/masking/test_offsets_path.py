"""Templates without `{% generation %}` blocks: turns are found by rendering and character
offsets. The mask must equal the generation-block path (itself equal to transformers'
`return_assistant_tokens_mask`) and an independent re-implementation of Axolotl's
`chat_template` turn search, for every train-on-eos mode and roles-to-train."""

from __future__ import annotations

import re

import pytest
from mask_helpers import ROWS, settings

from sftlint.masking import analyze_conversation, load_tokenizer
from sftlint.masking.templates import builtin_template, has_generation_blocks

GEMMA_ROWS = [r for r in ROWS if "tool_calls" not in str(r)]
CASES = [("chatml", "chatml", ROWS), ("llama3", "llama3", ROWS), ("gemma", "gemma3", GEMMA_ROWS)]
EOT = {"chatml": "<|im_end|>", "llama3": "<|eot_id|>", "gemma3": "<end_of_turn>"}
ROLES = [("assistant",), ("user", "assistant"), ("user",), ("assistant", "tool")]
EOS_MODES = ["turn", "all", "last", "none"]


def stripped(name: str) -> str:
    text = re.sub(r"\{%-?\s*(end)?generation\s*-?%\}", "", builtin_template(name))
    assert not has_generation_blocks(text) and text != builtin_template(name)
    return text


@pytest.fixture(scope="module")
def handles():
    out = {}
    for name in ("chatml", "llama3", "gemma"):
        h = load_tokenizer(settings(tokenizer=name))
        assert h.error is None, h.error
        out[name] = h
    return out


@pytest.mark.parametrize(("fixture", "template", "rows"), CASES)
def test_offsets_path_equals_transformers_assistant_mask(handles, fixture, template, rows):
    handle = handles[fixture]
    s = settings(tokenizer=fixture, chat_template=stripped(template))
    for row in rows:
        res = analyze_conversation(row, handle, s)
        ref = handle.tokenizer.apply_chat_template(
            row,
            chat_template=builtin_template(template),
            tokenize=True,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
        assert res.ids == list(ref["input_ids"])
        assert res.trained_mask == [bool(x) for x in ref["assistant_masks"]], res.rendered
        assert [i for i in res.issues if i.code in ("L001", "L004", "L007")] == []


@pytest.mark.parametrize("roles", ROLES)
@pytest.mark.parametrize("eos", EOS_MODES)
@pytest.mark.parametrize(("fixture", "template", "rows"), CASES)
def test_offsets_path_equals_generation_blocks(handles, fixture, template, rows, eos, roles):
    handle = handles[fixture]
    options = {"train_on_eos": eos, "roles_to_train": list(roles)}
    gen = settings(tokenizer=fixture, chat_template=template, **options)
    offsets = settings(tokenizer=fixture, chat_template=stripped(template), **options)
    for row in rows:
        a = analyze_conversation(row, handle, gen)
        b = analyze_conversation(row, handle, offsets)
        assert b.ids == a.ids
        assert b.trained_mask == a.trained_mask, (eos, roles, b.rendered)
        assert b.turn_of == a.turn_of
        assert sorted((i.code, i.message) for i in b.issues) == sorted(
            (i.code, i.message) for i in a.issues
        )


# --- an independent re-implementation of Axolotl's chat_template strategy ----------------
def _axolotl_trained(tok, template, turns, roles_to_train, train_on_eos, eot, field=None):
    """Axolotl's `ChatTemplateStrategy._tokenize_single_prompt` with `find_turn`, written
    from its source: each turn's token span is where the ids of the conversation up to it
    differ from the same conversation with the turn's content replaced by a dummy; the
    end-of-turn token counts when it lies within 3 tokens of the span's end."""

    def build(ts):
        out = tok.apply_chat_template(ts, chat_template=template, tokenize=True, return_dict=True)
        return list(out["input_ids"])

    def find_turn(i):
        dummy = build([*turns[:i], {"role": turns[i]["role"], "content": "[[dummy_message]]"}])
        full = build(turns[: i + 1])
        m = min(len(dummy), len(full))
        start = next((k for k in range(m) if dummy[k] != full[k]), None)
        if start is None:
            return -1, -1
        end = next((len(full) - k for k in range(m) if dummy[-1 - k] != full[-1 - k]), None)
        if end is None or end <= start:
            return -1, -1
        return start, end

    def first(ids, token_id, start):
        return next((k for k in range(start, len(ids)) if ids[k] == token_id), -1)

    ids = build(turns)
    labels = [False] * len(ids)
    eot_id = tok.convert_tokens_to_ids(eot)
    last_eot = last_eos = -1
    for i, turn in enumerate(turns):
        own = turn.get(field) if field else None
        should = own if own is not None else turn["role"] in roles_to_train
        if not should and train_on_eos != "all":
            continue
        start, end = find_turn(i)
        if should and start != -1 and end != -1:
            labels[start:end] = [True] * (end - start)
        for kind, token_id in (("eot", eot_id), ("eos", tok.eos_token_id)):
            k = first(ids, token_id, end)
            if k != -1 and abs(k - end) <= 3:
                if kind == "eot":
                    last_eot = k
                else:
                    last_eos = k
                if train_on_eos == "all" or (train_on_eos == "turn" and should):
                    labels[k] = True
    if train_on_eos == "last":
        for k in (last_eot, last_eos):
            if k != -1:
                labels[k] = True
    return ids, labels


@pytest.mark.parametrize("roles", ROLES)
@pytest.mark.parametrize("eos", EOS_MODES)
@pytest.mark.parametrize(("fixture", "template", "rows"), CASES)
def test_offsets_path_equals_axolotl(handles, fixture, template, rows, eos, roles):
    handle = handles[fixture]
    text = stripped(template)
    s = settings(
        tokenizer=fixture, chat_template=text, train_on_eos=eos, roles_to_train=list(roles)
    )
    for row in rows:
        res = analyze_conversation(row, handle, s)
        ids, labels = _axolotl_trained(handle.tokenizer, text, row, roles, eos, EOT[template])
        assert res.ids == ids
        assert res.trained_mask == labels, (eos, roles, res.rendered)


@pytest.mark.parametrize(("fixture", "template", "rows"), CASES)
def test_message_field_training_equals_axolotl(handles, fixture, template, rows):
    handle = handles[fixture]
    text = stripped(template)
    s = settings(tokenizer=fixture, chat_template=text, message_field_training="train")
    row = [dict(m) for m in rows[1]]  # system, user, assistant, user, assistant
    row[1]["train"] = True  # a user turn trained
    row[2]["train"] = False  # an assistant turn masked
    res = analyze_conversation(row, handle, s)
    ids, labels = _axolotl_trained(
        handle.tokenizer, text, row, ("assistant",), "turn", EOT[template], field="train"
    )
    assert res.ids == ids
    assert res.trained_mask == labels
    assert [t.trained > 0 for t in res.turns] == [False, True, False, False, True]
    assert {t.reason for t in res.tokens if t.turn == 2} >= {"masked by train"}
