"""Tokenize and mask rows as the trainer will.

Importing this package does not import transformers; loading a tokenizer does.

    settings = MaskSettings.from_config(config, base_dir=config_dir)
    handle = load_tokenizer(settings)          # never raises; handle.error when unusable
    result = analyze_conversation(messages, handle, settings)
    result.tokens, result.turns, result.issues, result.rendered
"""

from __future__ import annotations

from .aggregate import FileSummary, MaskTotals, summarize_file
from .analysis import analyze_conversation, analyze_conversations
from .completion import analyze_pretokenized, analyze_prompt_completion, analyze_text
from .context import clear_caches
from .findings import RULES, RULES_BY_CODE, MaskIssue, MaskRule
from .results import MaskResult, Token, TurnSummary, visible
from .settings import STRATEGIES, MaskSettings, SettingsError
from .steps import not_tokenized
from .templates import BUILTIN_TEMPLATES
from .tokenizers import BUILTIN_TOKENIZERS, TokenizerHandle, load_tokenizer

__all__ = [
    "BUILTIN_TEMPLATES",
    "BUILTIN_TOKENIZERS",
    "RULES",
    "RULES_BY_CODE",
    "STRATEGIES",
    "FileSummary",
    "MaskIssue",
    "MaskResult",
    "MaskRule",
    "MaskSettings",
    "MaskTotals",
    "SettingsError",
    "Token",
    "TokenizerHandle",
    "TurnSummary",
    "analyze_conversation",
    "analyze_conversations",
    "analyze_pretokenized",
    "analyze_prompt_completion",
    "analyze_text",
    "clear_caches",
    "load_tokenizer",
    "not_tokenized",
    "summarize_file",
    "visible",
]
