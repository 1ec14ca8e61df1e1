"""docs/rules.md is generated from the registry and the rule urls point into it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from sftlint import registry

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_rules_doc", ROOT / "scripts/gen_rules_doc.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_doc_is_up_to_date() -> None:
    gen = _generator()
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == gen.render(), "docs/rules.md is stale: run python scripts/gen_rules_doc.py"


def test_every_rule_url_points_at_its_heading() -> None:
    gen = _generator()
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    headings = re.findall(r"^### (.+)$", doc, re.M)
    for rule in registry.all_rules():
        base, _, fragment = rule.url.partition("#")
        assert base == registry.DOCS_URL
        assert fragment == gen.anchor(rule) == f"{rule.code.lower()}-{rule.name}"
        assert f"{rule.code} {rule.name}" in headings
