"""The loss-mask settings of a run, loaded before the first row: a tokenizer, chat
template or strategy that cannot load stops the run with one configuration error,
instead of an L012 finding in every file."""

from __future__ import annotations

import argparse
import sys
from typing import IO, Any

from sftlint.cli.errors import UsageError
from sftlint.settings import Settings

# The masking engine's names, spelled here so that building the parser imports nothing
# heavy (a test keeps them equal to masking's BUILTIN_TOKENIZERS, BUILTIN_TEMPLATES,
# STRATEGIES).
TOKENIZERS = ("mistral-v1", "mistral-v3", "mistral-tekken")
TEMPLATES = (
    "chatml",
    "llama3",
    "gemma3",
    "phi3",
    "phi4",
    "mistral-v1",
    "mistral-v3",
    "mistral-tekken",
)
STRATEGIES = ("assistant-only", "markers", "completion-only", "full")
TRAINERS = ("generic", "trl", "axolotl", "llama-factory", "unsloth", "mistral-finetune")
_KEYS = (
    "tokenizer",
    "chat_template",
    "trainer",
    "trainer_version",
    "strategy",
    "instruction_part",
    "response_part",
)


def add_mask_options(parser: argparse.ArgumentParser) -> None:
    """The loss-mask flags `check` and `show` share; they override the config."""
    group = parser.add_argument_group("loss mask (override the config)")
    group.add_argument(
        "--tokenizer",
        metavar="NAME",
        help=f"a built-in ({', '.join(TOKENIZERS)}), a local folder holding tokenizer.json, "
        "or a Hugging Face repo id already in the local cache (sftlint never downloads)",
    )
    group.add_argument(
        "--chat-template",
        metavar="TEMPLATE",
        help="the tokenizer's own (default), a .jinja file, or a built-in: " + ", ".join(TEMPLATES),
    )
    group.add_argument(
        "--trainer",
        choices=TRAINERS,
        help="mask rows exactly as this trainer's own data preparation does "
        "(default: generic, sftlint's strategies)",
    )
    group.add_argument(
        "--trainer-version",
        metavar="VERSION",
        help="with --trainer: the release to mirror (e.g. 2026.9.6 for unsloth before "
        "2026.9.7, 0.24.0 for trl 0.x); default: the current release",
    )
    group.add_argument(
        "--strategy",
        choices=STRATEGIES,
        help="which tokens are trained on (default: assistant-only)",
    )
    group.add_argument(
        "--instruction-part",
        metavar="TEXT",
        help="with --strategy markers: the text that starts a user turn "
        "(Unsloth's instruction_part)",
    )
    group.add_argument(
        "--response-part",
        metavar="TEXT",
        help="with --strategy markers: the text that starts an assistant turn "
        "(Unsloth's response_part)",
    )


def mask_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The config keys the mask flags set (kebab-case)."""
    out: dict[str, Any] = {}
    for key in _KEYS:
        value = getattr(args, key, None)
        if value is not None:
            out[key.replace("_", "-")] = value
    return out


def require_mask(settings: Settings, from_flags: bool, stream: IO[str] | None) -> None:
    """Load the tokenizer and template `settings` name (cached for the rows that follow);
    raise UsageError when they cannot load. `from_flags`: the command line set a mask key
    (the error then names no config file). `stream`: where "loading tokenizer …" shows
    while it loads (a terminal), or None."""
    from sftlint.rules import mask_rules

    name = settings.mask.tokenizer
    if not name:
        return
    if stream is not None:
        stream.write(f"loading tokenizer {name}…")
        stream.flush()
    try:
        state = mask_rules.mask_state(settings)
    finally:
        if stream is not None:
            stream.write("\r\x1b[2K")
            stream.flush()
    if isinstance(state, str):
        source = settings.config_path if settings.config_path and not from_flags else None
        raise UsageError(f"{source}: {state}" if source else state)


def status_stream(no_progress: bool) -> IO[str] | None:
    """stderr when it is a terminal and progress is wanted, as for the progress bar."""
    return sys.stderr if not no_progress and sys.stderr.isatty() else None
