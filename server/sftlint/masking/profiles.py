"""Trainer profiles: which tokens a trainer trains, as its own data-preparation code does.

A profile fixes the strategy and the trainer's quirks for the release it names; the
config's own keys (`strategy`, `roles-to-train`, `train-on-eos`, `max-seq-length`, ...)
still override its defaults. docs/trainers.md names the upstream function each mirrors.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

TRAINERS = ("generic", "trl", "axolotl", "llama-factory", "unsloth", "mistral-finetune")
_ALIASES = {
    "llamafactory": "llama-factory",
    "llama_factory": "llama-factory",
    "mistral_finetune": "mistral-finetune",
    "unsloth_zoo": "unsloth",
}
# The release each profile mirrors when `trainer-version` is not given.
CURRENT = {
    "trl": "1.16.0",
    "axolotl": "0.19.0",
    "llama-factory": "0.9.5",
    "unsloth": "2026.10.9",
}
# unsloth_zoo 2026.9.7 ends a trained span at the eos, a bos or the next message opener;
# earlier releases end it at the next instruction marker.
UNSLOTH_BOUNDARY_SPANS = (2026, 9, 7)
# TRL 1.x starts the completion where the prompt's ids and the full ids first differ;
# 0.x (0.24 recorded) at the prompt's length.
TRL_PREFIX_COMPLETION = (1,)


@dataclass(frozen=True, slots=True)
class Profile:
    trainer: str = "generic"
    version: str | None = None
    # MaskSettings values the profile sets unless the config sets them.
    defaults: tuple[tuple[str, Any], ...] = ()
    # Where a prompt/completion row's completion starts: "length" of the prompt's ids, or
    # the first "prefix" position where the prompt's ids and the full ids differ.
    completion_start: str = "length"
    # Chat rows under strategy completion-only train every token (TRL: completion_only_loss
    # only applies to prompt/completion rows).
    chat_completion_is_full: bool = False
    # Unsloth: a trained span ends at the next "instruction" marker, or at the first
    # eos/bos/next-message "boundary".
    span_end: str = "instruction"
    # Whether `{% generation %}` blocks decide the assistant tokens (Axolotl: it finds each
    # turn itself), and whether the end-of-turn tokens train-on-eos trains are the eos alone
    # unless eot-tokens says otherwise (Axolotl's default `eot_tokens`).
    generation_blocks: bool = True
    eot_is_eos: bool = False
    # Axolotl: tool-call arguments given as JSON strings are parsed (the template then
    # writes them back its own way: `{"a":1}` becomes `{"a": 1}`).
    parse_tool_arguments: bool = False
    # Axolotl: a row's `system` key opens the conversation (its field_system), and a row
    # of a file whose other rows have one gets an empty one (the file is one table).
    system_column: bool = False
    # Axolotl: a role outside its default role map keeps its raw name (ShareGPT's
    # function_call and observation turns reach the template as they are).
    raw_roles: bool = False
    # Axolotl: a row longer than sequence_len (max-seq-length) is dropped, not cut.
    drops_long_rows: bool = False
    # mistral-finetune: a row with `tools` (or its own `only_last: true`) trains only its
    # last message.
    tools_train_last_only: bool = False
    # mistral-finetune: the ids are mistral-common's, message by message, and a last
    # assistant tool call loses its ids (masking/mistralfinetune.py).
    mistral_common_ids: bool = False

    @property
    def label(self) -> str:
        """How `show` and the hover name it: "trl 1.16.0"."""
        return f"{self.trainer} {self.version}" if self.version else self.trainer


GENERIC = Profile()


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version))


def normalize(trainer: str) -> str:
    name = trainer.strip().lower()
    return _ALIASES.get(name, name)


def profile(trainer: str | None, version: str | None = None) -> Profile:
    """The profile of `trainer` at `version` (its current release when None); ValueError
    for an unknown trainer or a version that is not dotted numbers."""
    if not isinstance(trainer, str | None) or not isinstance(version, str | None):
        raise ValueError("trainer and trainer-version: expected strings")
    name = normalize(trainer or "generic")
    if name not in TRAINERS:
        raise ValueError(f"unknown value {trainer!r} (expected one of {', '.join(TRAINERS)})")
    if name == "generic":
        return Profile()
    version = version or CURRENT.get(name)
    release = version_tuple(version) if version else ()
    if version and not release:
        raise ValueError(f"trainer-version {version!r} is not a release number such as 1.16.0")
    if name == "trl":
        return Profile(
            name,
            version,
            (("strategy", "completion-only"), ("max_seq_length", 1024)),
            completion_start="prefix" if release >= TRL_PREFIX_COMPLETION else "length",
            chat_completion_is_full=True,
        )
    if name == "unsloth":
        return Profile(
            name,
            version,
            (("strategy", "markers"),),
            span_end="boundary" if release >= UNSLOTH_BOUNDARY_SPANS else "instruction",
        )
    if name == "axolotl":
        return Profile(
            name,
            version,
            (("strategy", "assistant-only"), ("max_seq_length", 512)),
            generation_blocks=False,
            eot_is_eos=True,
            parse_tool_arguments=True,
            drops_long_rows=True,
            system_column=True,
            raw_roles=True,
        )
    if name == "llama-factory":
        return Profile(name, version, (("max_seq_length", 2048),))
    if name == "mistral-finetune":
        return Profile(
            name,
            version,
            (("strategy", "assistant-only"),),
            tools_train_last_only=True,
            mistral_common_ids=True,
        )
    return Profile(name, version)


# Axolotl's ChatTemplatePrompter roles when the config sets none
# (prompt_strategies/chat_template.py): any other role is passed on as it is.
AXOLOTL_ROLES = frozenset({"human", "user", "assistant", "gpt", "system", "tool"})


def chat_refusal(prof: Profile, messages: list[dict]) -> str | None:
    """Why the profile's trainer refuses or drops a chat row, or None when it takes it."""
    if prof.parse_tool_arguments:
        for i, m in enumerate(messages):
            for call in m.get("tool_calls") or []:
                if _string_args(call) and _parsed(call) is call:
                    return (
                        f"Axolotl raises on this row: turn {i + 1} has tool-call arguments that "
                        'are not JSON ("Error parsing tool_calls arguments as JSON")'
                    )
    if prof.trainer == "trl" and messages and not _trl0_conversational(prof, messages):
        return _TRL0_REFUSAL.format(version=prof.version)
    return None


# mistral-finetune's pydantic models that take a string only (mistral-common 1.4.4, which
# its commit pins): FinetuningAssistantMessage.content, ToolMessage.content and the
# TrainingInstructSample's system_prompt. A user turn may hold content parts.
_MISTRAL_STRING_CONTENT = {
    "assistant": "FinetuningAssistantMessage",
    "tool": "ToolMessage",
    "system": "TrainingInstructSample (system_prompt)",
}


def content_refusal(prof: Profile, turns: list[Any]) -> tuple[str, int] | None:
    """(why, turn index) when mistral-finetune refuses a row for a turn's content that is
    not a string (a list of text parts): `build_instruct_sample` raises pydantic's
    ValidationError; None when it takes the row. `turns` are the row's formats.Turn."""
    if not prof.mistral_common_ids:
        return None
    for t in turns:
        model = _MISTRAL_STRING_CONTENT.get(str(t.role))
        if model and isinstance(t.content, list):
            return (
                f"mistral-finetune refuses this row: its {model} takes content as a string "
                f"and turn {t.index + 1} ({t.role}) has a list of parts (pydantic "
                "ValidationError: Input should be a valid string)",
                t.index,
            )
    return None


def prompt_completion_refusal(prof: Profile, prompt: Any, completion: Any) -> str | None:
    """Why the profile's trainer refuses a prompt/completion row, or None."""
    if (
        prof.trainer == "trl"
        and isinstance(prompt, list)
        and isinstance(completion, list)
        and not (_trl0_conversational(prof, prompt) and _trl0_conversational(prof, completion))
    ):
        return _TRL0_REFUSAL.format(version=prof.version)
    return None


_TRL0_REFUSAL = (
    "TRL {version} fails on this row: its first message has no `content` key, so "
    "`is_conversational` does not see a conversation and the row is handled as text "
    "(TRL 1.x accepts it)"
)


def _trl0_conversational(prof: Profile, messages: list[Any]) -> bool:
    """TRL 0.x `is_conversational`: the first message must have `role` and `content`."""
    if version_tuple(prof.version or "") >= TRL_PREFIX_COMPLETION:
        return True
    first = messages[0] if messages else None
    return isinstance(first, dict) and "role" in first and "content" in first


def _llamafactory_refusal(messages: list[dict]) -> str | None:
    """LLaMA-Factory's converters: after an optional system prompt, turns alternate
    user/tool (odd positions) and assistant (even), and their count is even; other rows
    are dropped with "Invalid role tag" / "Invalid message count"."""
    turns = [m for m in messages if m.get("role") != "system" or m is not messages[0]]
    prompt_roles, answer_roles = ("user", "tool"), ("assistant",)
    for k, m in enumerate(turns):
        want = prompt_roles if k % 2 == 0 else answer_roles
        if m.get("role") not in want:
            return (
                f"LLaMA-Factory drops this row (Invalid role tag): turn {k + 1} after the system "
                f"prompt is {m.get('role')!r} where it expects {' or '.join(want)}"
            )
    if len(turns) % 2:
        return (
            "LLaMA-Factory drops this row (Invalid message count): it needs user/assistant "
            f"pairs and the row has {len(turns)} turns after the system prompt"
        )
    return None


def label(trainer: str | None, version: str | None = None) -> str | None:
    """How `show` and the hover name the profile ("trl 1.16.0"); None for generic (or a
    value the settings check reports)."""
    try:
        prof = profile(trainer, version)
    except ValueError:
        return None
    return None if prof.trainer == "generic" else prof.label


def parse_tool_arguments(messages: list[dict]) -> list[dict]:
    """Axolotl's `_transform_message`: tool-call arguments that are JSON strings become
    objects (a string that is not JSON stays: Axolotl raises on it, reported as L016)."""
    out = []
    for m in messages:
        calls = m.get("tool_calls")
        if isinstance(calls, list) and any(_string_args(c) for c in calls):
            m = {**m, "tool_calls": [_parsed(c) for c in calls]}
        out.append(m)
    return out


def _string_args(call: Any) -> bool:
    fn = call.get("function") if isinstance(call, dict) else None
    return isinstance(fn, dict) and isinstance(fn.get("arguments"), str)


def _parsed(call: Any) -> Any:
    if not _string_args(call):
        return call
    try:
        args = json.loads(call["function"]["arguments"])
    except ValueError:
        return call
    return {**call, "function": {**call["function"], "arguments": args}}


def tools_refusal(prof: Profile, tools: Any) -> str | None:
    """Axolotl's `_get_tools`: a `tools` value given as a string must be JSON."""
    if not prof.parse_tool_arguments or not isinstance(tools, str):
        return None
    try:
        json.loads(tools)
    except ValueError:
        return (
            'Axolotl raises on this row: its "tools" value is a string that is not JSON '
            '("Error parsing tool parameters as JSON")'
        )
    return None
