"""Mask settings, read from the config (kebab-case keys, snake_case aliases)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .profiles import GENERIC, Profile, profile

STRATEGIES = ("assistant-only", "markers", "completion-only", "full")
TRAIN_ON_EOS = ("turn", "all", "last", "none")

# Aliases trainers use for the same strategy.
_STRATEGY_ALIASES = {
    "assistant_only": "assistant-only",
    "assistant-only-loss": "assistant-only",
    "chat_template": "assistant-only",
    "chat-template": "assistant-only",
    "train-on-responses-only": "markers",
    "train_on_responses_only": "markers",
    "completion_only": "completion-only",
    "completion-only-loss": "completion-only",
}


class SettingsError(ValueError):
    """A config value has the wrong type or an unknown option."""


@dataclass(frozen=True, slots=True)
class MaskSettings:
    tokenizer: str | None = None
    chat_template: str | None = None  # None: the tokenizer's own
    strategy: str = "assistant-only"
    instruction_part: str | None = None
    response_part: str | None = None
    roles_to_train: tuple[str, ...] = ("assistant",)
    train_on_eos: str = "turn"
    message_field_training: str | None = None  # e.g. "train": per-message bool/0-1
    # e.g. "train_detail": per-message character spans [{begin_offset, end_offset, train}]
    message_field_training_detail: str | None = None
    max_seq_length: int | None = None
    train_on_prompt: bool = False
    mask_history: bool = False
    # Compare with mistral-common for the Mistral built-ins: "layout" checks one row per
    # distinct layout (roles, edge whitespace, ...), "all" every row, "off" none.
    canonical_check: str = "layout"
    # The trainer whose data preparation is mirrored (`generic`: sftlint's strategies).
    trainer: str = "generic"
    trainer_version: str | None = None
    # Axolotl's eot_tokens: the tokens that end a turn (None: the profile's own list).
    eot_tokens: tuple[str, ...] | None = None
    profile: Profile = GENERIC
    base_dir: str | None = None  # relative paths are relative to the config file

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any] | None, base_dir: Path | str | None = None
    ) -> MaskSettings:
        """Build from a config mapping; unknown keys are ignored (other rules own them)."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in (config or {}).items():
            name = str(key).replace("-", "_")
            if name in known and name not in ("base_dir", "profile"):
                values[name] = value
        try:
            prof = profile(values.get("trainer"), values.get("trainer_version"))
        except ValueError as exc:
            raise SettingsError(f"trainer: {exc}") from exc
        values["profile"] = prof
        values["trainer"] = prof.trainer
        values["trainer_version"] = prof.version
        for name, value in prof.defaults:  # the config's own keys override it
            if values.get(name) is None:
                values[name] = value
        if values.get("eot_tokens") is not None:
            e = values["eot_tokens"]
            e = [e] if isinstance(e, str) else e
            if not isinstance(e, (list, tuple)) or not all(isinstance(x, str) for x in e):
                raise SettingsError("eot-tokens: expected a list of token strings")
            values["eot_tokens"] = tuple(e)
        if "strategy" in values and values["strategy"] is not None:
            s = str(values["strategy"]).strip().lower()
            s = _STRATEGY_ALIASES.get(s, s.replace("_", "-"))
            if s not in STRATEGIES:
                close = difflib.get_close_matches(s, STRATEGIES, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise SettingsError(
                    f"strategy: unknown value {values['strategy']!r} "
                    f"(expected one of {', '.join(STRATEGIES)}){hint}"
                )
            values["strategy"] = s
        if "train_on_eos" in values and values["train_on_eos"] is not None:
            v = values["train_on_eos"]
            v = {True: "turn", False: "none"}.get(v, v) if isinstance(v, bool) else str(v).lower()
            if v not in TRAIN_ON_EOS:
                raise SettingsError(
                    f"train-on-eos: unknown value {values['train_on_eos']!r} "
                    f"(expected one of {', '.join(TRAIN_ON_EOS)})"
                )
            values["train_on_eos"] = v
        if "roles_to_train" in values:
            r = values["roles_to_train"]
            if isinstance(r, str):
                r = [r]
            if not isinstance(r, (list, tuple)) or not all(isinstance(x, str) for x in r):
                raise SettingsError("roles-to-train: expected a list of role names")
            values["roles_to_train"] = tuple(r)
        if values.get("max_seq_length") is not None:
            try:
                values["max_seq_length"] = int(values["max_seq_length"])
            except (TypeError, ValueError) as exc:
                raise SettingsError("max-seq-length: expected an integer") from exc
            if values["max_seq_length"] <= 0:
                raise SettingsError("max-seq-length: expected a positive integer")
        if "canonical_check" in values:
            v = values["canonical_check"]
            v = {True: "layout", False: "off"}.get(v, v) if isinstance(v, bool) else str(v)
            if v not in ("layout", "all", "off"):
                raise SettingsError("canonical-check: expected layout, all or off")
            values["canonical_check"] = v
        for flag in ("train_on_prompt", "mask_history"):
            if flag in values and not isinstance(values[flag], bool):
                raise SettingsError(f"{flag.replace('_', '-')}: expected true or false")
        for text_key in ("tokenizer", "chat_template", "instruction_part", "response_part"):
            if values.get(text_key) is not None and not isinstance(values[text_key], str):
                raise SettingsError(f"{text_key.replace('_', '-')}: expected a string")
        given = [bool(values.get(k)) for k in ("instruction_part", "response_part")]
        # Unsloth reads both off the chat template when neither is given.
        auto = prof.trainer == "unsloth" and not any(given)
        if values.get("strategy") == "markers" and not all(given) and not auto:
            raise SettingsError("strategy markers needs both instruction-part and response-part")
        # Drop explicit nulls so defaults apply.
        values = {k: v for k, v in values.items() if v is not None or k == "chat_template"}
        return cls(**values, base_dir=str(base_dir) if base_dir is not None else None)

    def resolve_path(self, value: str) -> Path:
        p = Path(value).expanduser()
        if not p.is_absolute() and self.base_dir is not None:
            p = Path(self.base_dir) / p
        return p

    @property
    def key(self) -> tuple:
        """Hashable identity used in cache keys."""
        return (
            self.tokenizer,
            self.chat_template,
            self.strategy,
            self.instruction_part,
            self.response_part,
            self.roles_to_train,
            self.train_on_eos,
            self.message_field_training,
            self.message_field_training_detail,
            self.max_seq_length,
            self.train_on_prompt,
            self.mask_history,
            self.canonical_check,
            self.trainer,
            self.trainer_version,
            self.eot_tokens,
            self.base_dir,
        )
