"""Trainer profiles: what each sets, its quirks on small rows, and how faces name it.
(Row-by-row agreement with the trainers' own code is tests/parity.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mask_helpers import FIXTURES, loaded, settings

from sftlint.cli import masksetup
from sftlint.masking import SettingsError, analyze_conversation, profiles
from sftlint.settings import ConfigError, settings_for

CHAT = [
    {"role": "user", "content": "Name three prime numbers."},
    {"role": "assistant", "content": "2, 3 and 5."},
]


def trained_text(result) -> str:
    return "".join(t.text for t in result.tokens if t.trained)


def test_profile_defaults_and_overrides() -> None:
    trl = settings(tokenizer="chatml", trainer="trl")
    assert (trl.strategy, trl.max_seq_length, trl.trainer_version) == (
        "completion-only",
        1024,
        "1.16.0",
    )
    assert settings(tokenizer="chatml", trainer="trl", strategy="assistant-only").strategy == (
        "assistant-only"
    )
    old = settings(tokenizer="chatml", trainer="trl", trainer_version="0.24.0").profile
    assert old.completion_start == "length"
    assert settings(tokenizer="chatml", trainer="trl").profile.completion_start == "prefix"
    assert settings(trainer="unsloth", trainer_version="2026.9.6").profile.span_end == (
        "instruction"
    )
    assert settings(trainer="unsloth", trainer_version="2026.9.7").profile.span_end == "boundary"
    assert settings().trainer == "generic"


def test_bad_trainer_values_say_why() -> None:
    with pytest.raises(SettingsError) as err:
        settings(trainer="trll")
    assert str(err.value) == (
        "trainer: unknown value 'trll' (expected one of generic, trl, axolotl, llama-factory, "
        "unsloth, mistral-finetune)"
    )
    with pytest.raises(SettingsError) as err:
        settings(trainer="unsloth", trainer_version="latest")
    assert str(err.value) == (
        "trainer: trainer-version 'latest' is not a release number such as 1.16.0"
    )
    with pytest.raises(SettingsError) as err:
        settings(trainer="trl", trainer_version=1.16)
    assert str(err.value) == "trainer: trainer and trainer-version: expected strings"
    assert profiles.label("trl", 1.16) is None  # type: ignore[arg-type]
    with pytest.raises(SettingsError) as err:
        settings(trainer="unsloth", instruction_part="<|im_start|>user\n")
    assert str(err.value) == "strategy markers needs both instruction-part and response-part"


def test_config_key_is_checked_against_the_schema(tmp_path: Path) -> None:
    cfg = tmp_path / "sftlint.toml"
    cfg.write_text('trainer = "trll"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        settings_for(tmp_path / "d.jsonl", config=cfg)
    assert str(err.value) == (
        f'{cfg}:1: trainer: "trll" is not one of "generic", "trl", "axolotl", '
        '"llama-factory", "unsloth", "mistral-finetune"'
    )
    cfg.write_text('trainer = "axolotl"\neot-tokens = ["<end_of_turn>"]\n', encoding="utf-8")
    mask = settings_for(tmp_path / "d.jsonl", config=cfg).mask
    assert (mask.trainer, mask.eot_tokens) == ("axolotl", ("<end_of_turn>",))


def test_cli_trainer_choices_are_the_profiles() -> None:
    assert masksetup.TRAINERS == profiles.TRAINERS


def test_trl_trains_every_token_of_a_conversation() -> None:
    handle = loaded("chatml")
    res = analyze_conversation(CHAT, handle, settings(tokenizer="chatml", trainer="trl"))
    assert res.trained_tokens == res.total_tokens > 0


def test_axolotl_trains_the_eos_alone_unless_eot_tokens_says() -> None:
    handle = loaded("gemma")
    res = analyze_conversation(CHAT, handle, settings(tokenizer="gemma", trainer="axolotl"))
    assert trained_text(res) == "2,␣3␣and␣5."
    assert [(i.code, i.message) for i in res.issues if i.code == "L007"] == [
        (
            "L007",
            "turn 2 (assistant): its end-of-turn token <end_of_turn> is not trained, so the "
            "model never learns to stop: Axolotl trains only its eot_tokens (default: the eos "
            "token <eos>); add <end_of_turn> to eot_tokens",
        )
    ]
    listed = settings(tokenizer="gemma", trainer="axolotl", eot_tokens=["<eos>"])
    assert [i.message for i in analyze_conversation(CHAT, handle, listed).issues] == [
        "turn 2 (assistant): its end-of-turn token <end_of_turn> is not trained, so the "
        "model never learns to stop: Axolotl trains only its eot_tokens; add <end_of_turn> "
        "to eot_tokens"
    ]
    eot = settings(tokenizer="gemma", trainer="axolotl", eot_tokens=["<end_of_turn>"])
    res = analyze_conversation(CHAT, handle, eot)
    assert trained_text(res) == "2,␣3␣and␣5.<end_of_turn>"
    assert not [i for i in res.issues if i.code == "L007"]


def test_axolotl_never_trains_a_header_the_content_repeats() -> None:
    handle = loaded("chatml")
    row = [CHAT[0], {"role": "assistant", "content": "assistant\n"}]
    res = analyze_conversation(row, handle, settings(tokenizer="chatml", trainer="axolotl"))
    assert trained_text(res) == "assistant↵<|im_end|>"


def test_llama_factory_drops_turns_that_do_not_alternate() -> None:
    handle = loaded("chatml")
    row = [{"role": "user", "content": "First."}, *CHAT]
    lf = settings(tokenizer="chatml", trainer="llama-factory", chat_template="qwen")
    res = analyze_conversation(row, handle, lf)
    assert res.ids == []
    assert [(i.code, i.severity, i.message) for i in res.issues] == [
        (
            "L016",
            "warning",
            "LLaMA-Factory drops this row (Invalid role tag): turn 2 has a role its converter "
            "does not accept at that place (turns must alternate user/observation and "
            "assistant/function)",
        )
    ]


def test_llama_factory_trains_the_whole_assistant_slot() -> None:
    handle = loaded("chatml")
    lf = settings(tokenizer="chatml", trainer="llama-factory", chat_template="qwen")
    res = analyze_conversation(CHAT, handle, lf)
    assert trained_text(res) == "2,␣3␣and␣5.<|im_end|>↵"
    # Messages go through LLaMA-Factory's openai converter, which adds its own system text
    # (and so qwen's default system prompt is not used).
    assert res.rendered.startswith("<|im_start|>system\ndetailed thinking off<|im_end|>\n")


def test_mistral_finetune_trains_only_the_last_message_of_a_row_with_tools() -> None:
    handle = loaded("chatml")
    row = [*CHAT, {"role": "user", "content": "More?"}, {"role": "assistant", "content": "7."}]
    tools = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    mf = settings(tokenizer="chatml", trainer="mistral-finetune")
    assert trained_text(analyze_conversation(row, handle, mf, tools=tools)) == "7.<|im_end|>"
    assert trained_text(analyze_conversation(row, handle, mf)) == (
        "2,␣3␣and␣5.<|im_end|>7.<|im_end|>"
    )


def test_show_names_the_profile(tmp_path: Path) -> None:
    data = tmp_path / "chat.jsonl"
    data.write_text(
        '{"messages": [{"role": "user", "content": "Hi"}, '
        '{"role": "assistant", "content": "Hello"}]}\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sftlint",
            "show",
            f"{data}:1",
            "--color",
            "never",
            "--tokenizer",
            str(FIXTURES / "chatml"),
            "--trainer",
            "unsloth",
            "--trainer-version",
            "2026.9.6",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.stdout.splitlines()[0] == (
        f"{data}:1  messages  (as unsloth 2026.9.6 trains it · tokenizer {FIXTURES / 'chatml'})"
    )


def test_axolotl_empty_turns_train_nothing() -> None:
    handle = loaded("chatml")
    axolotl = settings(tokenizer="chatml", trainer="axolotl")
    empty_answer = [CHAT[0], {"role": "assistant", "content": ""}]
    assert trained_text(analyze_conversation(empty_answer, handle, axolotl)) == ""
    both = settings(tokenizer="chatml", trainer="axolotl", roles_to_train=["user", "assistant"])
    empty_question = [{"role": "user", "content": ""}, {"role": "assistant", "content": "Yo"}]
    assert trained_text(analyze_conversation(empty_question, handle, both)) == "Yo<|im_end|>"


def test_axolotl_drops_rows_over_sequence_len() -> None:
    handle = loaded("chatml")
    axolotl = settings(tokenizer="chatml", trainer="axolotl", max_seq_length=8)
    res = analyze_conversation(CHAT, handle, axolotl)
    assert [(i.code, i.message) for i in res.issues] == [
        ("L016", f"Axolotl drops this row: {len(res.ids)} tokens, more than sequence_len 8")
    ]
    assert res.truncated_at is None


def test_axolotl_refuses_tools_that_are_not_json(tmp_path: Path) -> None:
    data = tmp_path / "chat.jsonl"
    row = '{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Yo"}]'
    data.write_text(row + ', "tools": ""}\n', encoding="utf-8")
    tokenizer = str(FIXTURES / "chatml")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sftlint",
            "check",
            str(data),
            "--no-progress",
            "--tokenizer",
            tokenizer,
            "--trainer",
            "axolotl",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.stdout.splitlines()[0] == (
        f'{data}:1:96: L016 Axolotl raises on this row: its "tools" value is a string that is '
        'not JSON ("Error parsing tool parameters as JSON")'
    )
