"""The registry of rules: stable codes grouped by family, each with its documentation.

As in ruff, a code is a family letter and three digits (`R003`); codes never change
meaning and are never reused. Each family module in `sftlint.rules` declares its rules
(code, name, default severity, one-line summary, long explanation with a bad and a good
example) next to the checks that report them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from sftlint.model import Severity

DOCS_URL = "https://github.com/sftlint/sftlint/blob/main/docs/rules.md"

FAMILIES: dict[str, str] = {
    "J": "file and JSON",
    "F": "format",
    "R": "roles and order",
    "C": "content",
    "K": "consistency",
    "T": "pre-tokenized",
    "M": "multimodal",
    "D": "dataset",
    "L": "loss mask (tokenizer and chat template)",
    "G": "trainer config",
}

# Modules whose import registers rules; imported on first use of the registry.
_FAMILY_MODULES = (
    "sftlint.rules.json_rules",
    "sftlint.rules.format_rules",
    "sftlint.rules.role_rules",
    "sftlint.rules.content_rules",
    "sftlint.rules.answer_rules",
    "sftlint.rules.consistency_rules",
    "sftlint.rules.outlier_rules",
    "sftlint.rules.conflict_rules",
    "sftlint.rules.pretokenized_rules",
    "sftlint.rules.multimodal_rules",
    "sftlint.rules.dataset_rules",
    "sftlint.rules.mask_rules",
    "sftlint.rules.trainer_config_rules",
)


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str  # kebab-case, e.g. "unknown-role"
    severity: Severity
    summary: str  # one line
    explanation: str  # Markdown: why it matters, a bad example, a good example
    fix: str | None = None  # what the offered fix does, if any
    # Who applies the fix: "safe" `check --fix`; "unsafe" `check --fix --unsafe-fixes` (it
    # changes what is trained on: review it); "editor" only a quick fix (it edits another file).
    fix_mode: str = "safe"

    @property
    def family(self) -> str:
        return FAMILIES[self.code[0]]

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.code.lower()}-{self.name}"


_RULES: dict[str, Rule] = {}
_loaded = False


def register(*rules: Rule) -> None:
    for rule in rules:
        if rule.code in _RULES and _RULES[rule.code] != rule:
            raise ValueError(f"rule code {rule.code} registered twice")
        if rule.code[0] not in FAMILIES:
            raise ValueError(f"rule code {rule.code} has no family")
        _RULES[rule.code] = rule


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for name in _FAMILY_MODULES:
            importlib.import_module(name)


def get(code: str) -> Rule | None:
    _load()
    return _RULES.get(code.upper())


def all_rules() -> list[Rule]:
    _load()
    return sorted(_RULES.values(), key=lambda r: (list(FAMILIES).index(r.code[0]), r.code))


def matches(code: str, selectors: list[str]) -> bool:
    """True when `code` is selected by any code or prefix in `selectors` (ruff's rule)."""
    return any(s == "ALL" or code.startswith(s.upper()) for s in selectors)
