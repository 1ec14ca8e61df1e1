"""Helpers of the F, R and C rule tests: run the engine on text, read findings, apply fixes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sftlint.engine import engine
from sftlint.model import Edit, Finding, Fix
from sftlint.settings import Settings

# (code, (row, column), (end row, end column), message), 1-based as `--format json` prints.
Seen = tuple[str, tuple[int, int], tuple[int, int], str]


def jsonl(*rows: Any) -> str:
    """A JSON Lines text: dicts are serialized (json.dumps spacing), strings kept as is."""
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
    )


def findings(
    text: str, prefix: str, name: str = "data.jsonl", settings: Settings | None = None
) -> list[Finding]:
    result = engine.check_bytes(name, text.encode(), settings or Settings())
    return [f for f in result.findings if f.code.startswith(prefix)]


def seen(f: Finding) -> Seen:
    r = f.range
    return (
        f.code,
        (r.start.line + 1, r.start.column + 1),
        (r.end.line + 1, r.end.column + 1),
        f.message,
    )


def lint(
    text: str, prefix: str, name: str = "data.jsonl", settings: Settings | None = None
) -> list[Seen]:
    """Findings whose code starts with `prefix`, as comparable tuples."""
    return [seen(f) for f in findings(text, prefix, name, settings)]


def col(line: str, needle: str, nth: int = 0) -> int:
    """1-based column (code points) of the `nth` occurrence of `needle` in `line`."""
    at = -1
    for _ in range(nth + 1):
        at = line.index(needle, at + 1)
    return at + 1


def apply_edits(data: bytes, edits: Iterable[Edit]) -> bytes:
    """Apply edits by byte offset; every byte outside them is copied unchanged (written
    apart from `sftlint.engine.fixes.apply`, which the tests check against it)."""
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: e.range.start.offset):
        assert e.range.start.offset >= pos
        out += [data[pos : e.range.start.offset], e.new_text.encode()]
        pos = e.range.end.offset
    return b"".join([*out, data[pos:]])


def apply(data: bytes, fix: Fix) -> bytes:
    """Apply a fix's edits (see `apply_edits`)."""
    return apply_edits(data, fix.edits)
