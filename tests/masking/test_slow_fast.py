"""L009 slow vs fast: transformers' slow SentencePiece tokenizer and the fast tokenizer.json
split the same rendered text differently around runs of spaces (failure 3)."""

from __future__ import annotations

import json
import shutil

import pytest
from mask_helpers import settings

from sftlint.masking import analyze_conversation, clear_caches, load_tokenizer

# A double space inside an assistant turn: the fast tokenizer takes "▁▁" + "and", the
# SentencePiece model (and mistral-common, which uses it) "▁" + "▁and".
DOUBLE_SPACE = [
    {"role": "user", "content": "Name three prime numbers."},
    {"role": "assistant", "content": "2, 3  and 5."},
]
SINGLE_SPACE = [
    {"role": "user", "content": "Name three prime numbers."},
    {"role": "assistant", "content": "2, 3 and 5."},
]
SLOW_FAST = (
    'turn 2 (assistant): 2 spaces before "and" split differently: the fast tokenizer gives '
    "␣␣(1027) and(1159) at token 13 where the slow (SentencePiece) tokenizer gives ␣(29473) "
    "␣and(1072)"
)
SLOW_FAST_DETAIL = (
    "fast (tokenizer.json): 2(29518) ,(29493) ␣(29473) 3(29538) ␣␣(1027) and(1159) ␣(29473) "
    "5(29550) .(29491) </s>(2)\n"
    "slow (SentencePiece):  2(29518) ,(29493) ␣(29473) 3(29538) ␣(29473) ␣and(1072) ␣(29473) "
    "5(29550) .(29491) </s>(2)"
)


def _l009(res):
    return [(i.turn, i.message) for i in res.issues if i.code == "L009"]


def test_builtin_mistral_v3_slow_and_fast_split_a_double_space_differently(mistral_v3):
    s = settings(tokenizer="mistral-v3")
    res = analyze_conversation(DOUBLE_SPACE, mistral_v3, s)
    slow = mistral_v3.slow_tokenizer()
    theirs = slow.encode(res.rendered, add_special_tokens=False)
    assert res.ids[13:15] == [1027, 1159] and theirs[13:15] == [29473, 1072]
    assert res.ids[:13] == theirs[:13]
    # mistral-common (SentencePiece itself) agrees with the slow tokenizer.
    assert _l009(res) == [
        (
            1,
            'turn 2 (assistant): 2 spaces before "and" split differently: transformers gives '
            "␣␣(1027) and(1159) at token 13 where mistral-common's canonical encoding has "
            "␣(29473) ␣and(1072)",
        ),
        (1, SLOW_FAST),
    ]
    [issue] = [i for i in res.issues if i.message == SLOW_FAST]
    assert issue.severity == "warning"
    assert issue.detail == SLOW_FAST_DETAIL


def test_rows_that_agree_have_no_l009(mistral_v3):
    res = analyze_conversation(SINGLE_SPACE, mistral_v3, settings(tokenizer="mistral-v3"))
    assert _l009(res) == []
    assert res.ids == mistral_v3.slow_tokenizer().encode(res.rendered, add_special_tokens=False)


def test_sampling_skips_seen_layouts_but_never_hides_a_disagreement(mistral_v3):
    clear_caches()
    s = settings(tokenizer="mistral-v3")
    first = analyze_conversation(SINGLE_SPACE, mistral_v3, s)
    assert _l009(first) == []
    # Same layout, different words: not compared again (this is the sampling).
    seen = [
        {"role": "user", "content": "Name two colours."},
        {"role": "assistant", "content": "Red and blue."},
    ]
    assert _l009(analyze_conversation(seen, mistral_v3, s)) == []
    # Every row with the whitespace run that disagrees is compared and reported.
    for content in ("2, 3  and 5.", "Red  and blue."):
        row = [SINGLE_SPACE[0], {"role": "assistant", "content": content}]
        assert [t for t, m in _l009(analyze_conversation(row, mistral_v3, s)) if "slow" in m] == [1]
    off = settings(tokenizer="mistral-v3", canonical_check="off")
    assert _l009(analyze_conversation(DOUBLE_SPACE, mistral_v3, off)) == []


def test_tekken_has_no_slow_tokenizer(mistral_tekken):
    assert mistral_tekken.sp_model is None and mistral_tekken.slow_tokenizer() is None
    row = [DOUBLE_SPACE[0], {"role": "assistant", "content": "2, 3  and 5."}]
    res = analyze_conversation(row, mistral_tekken, settings(tokenizer="mistral-tekken"))
    assert [m for _, m in _l009(res) if "slow" in m] == []


@pytest.fixture
def sp_folder(mistral_v3, tmp_path):
    """A local folder holding both tokenizer.json and tokenizer.model, as published models do."""
    folder = tmp_path / "mistral-local"
    shutil.copytree(mistral_v3.tokenizer.name_or_path, folder)
    shutil.copyfile(mistral_v3.mistral_file, folder / "tokenizer.model")
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config["legacy"] = False  # as Mistral's published tokenizer_config.json sets it
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return folder


def test_local_folder_with_tokenizer_model_compares_slow_and_fast(sp_folder):
    s = settings(tokenizer=str(sp_folder), chat_template="mistral-v3")
    handle = load_tokenizer(s)
    assert handle.error is None
    assert handle.sp_model == str(sp_folder / "tokenizer.model")
    assert handle.sp_legacy is False  # as the folder's tokenizer_config.json says
    res = analyze_conversation(DOUBLE_SPACE, handle, s)
    [issue] = [i for i in res.issues if i.code == "L009"]  # no canonical check: not built-in
    assert (issue.turn, issue.message, issue.detail) == (1, SLOW_FAST, SLOW_FAST_DETAIL)
    assert _l009(analyze_conversation(SINGLE_SPACE, handle, s)) == []


def test_legacy_slow_tokenizer_inserts_the_extra_space_token(sp_folder):
    # Without `legacy` in tokenizer_config.json the slow LlamaTokenizer is legacy: it adds
    # a "▁" after every special token, the extra 29473 after [INST] of failure 3.
    config = json.loads((sp_folder / "tokenizer_config.json").read_text())
    del config["legacy"]
    (sp_folder / "tokenizer_config.json").write_text(json.dumps(config))
    s = settings(tokenizer=str(sp_folder), chat_template="mistral-v3")
    handle = load_tokenizer(s)
    assert handle.sp_legacy is True
    res = analyze_conversation(SINGLE_SPACE, handle, s)
    [issue] = [i for i in res.issues if i.code == "L009"]
    assert (issue.turn, issue.message) == (
        0,
        "turn 1 (user): the fast tokenizer gives ␣Name(7388) ␣three(2480) at token 2 where the "
        "slow (SentencePiece) tokenizer gives ␣(29473) ␣Name(7388)",
    )


def test_folder_without_tokenizer_model_has_no_slow_tokenizer(chatml):
    assert chatml.sp_model is None and chatml.slow_tokenizer() is None


def test_a_run_of_spaces_is_one_cause_across_rows(tmp_path):
    """The tokens that differ change from row to row (the word after the run), the cause
    does not: each L009 names the run, and the rows of a file group by it."""
    from sftlint.engine import engine
    from sftlint.report import groups
    from sftlint.settings import MaskConfig, Settings

    words = ["and", "or", "then", "but", "so", "yet"]
    rows = [
        {"messages": [DOUBLE_SPACE[0], {"role": "assistant", "content": f"2, 3  {w} 5."}]}
        for w in words
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    mask = MaskConfig(tokenizer="mistral-v3")
    found = [
        f for f in engine.check_path(path, Settings(mask=mask), jobs=1).findings if f.code == "L009"
    ]
    assert [(f.range.start.line, f.message.split(" split differently")[0]) for f in found] == [
        (row, f'turn 2 (assistant): 2 spaces before "{w}"')
        for row, w in enumerate(words)
        for _ in "ab"
    ]
    assert sorted({f.cause for f in found}) == [
        "fast (tokenizer.json) vs slow (SentencePiece): a run of whitespace inside the text",
        "transformers vs mistral-common: a run of whitespace inside the text",
    ]
    assert [len(g) for g in groups.grouped(found)] == [6, 6]
