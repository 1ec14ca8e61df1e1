"""`--format json`: the finding and fix objects of the JSON contract (rows, columns 1-based)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from sftlint import registry
from sftlint.engine import fixes
from sftlint.engine.rowview import RowView, no_tokens_reason, totals
from sftlint.io.reader import BOM
from sftlint.model import Finding, Fix, Range
from sftlint.report import groups

if TYPE_CHECKING:
    from sftlint.masking.results import MaskResult


def _loc(r: Range) -> tuple[dict[str, int], dict[str, int]]:
    return (
        {"row": r.start.line + 1, "column": r.start.column + 1},
        {"row": r.end.line + 1, "column": r.end.column + 1},
    )


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding in the `--format json` contract (rows and columns 1-based)."""
    rule = registry.get(f.code)
    fix = fixes.safe_fix(f) or (f.fixes[0] if f.fixes else None)
    start, end = _loc(f.range)
    return {
        "code": f.code,
        "severity": f.severity.label,
        "message": f.message,
        "filename": f.path,
        "location": start,
        "end_location": end,
        "url": rule.url if rule else None,
        "fix": fix_json(fix) if fix else None,
        "name": rule.name if rule else None,
        "fixes": [fix_json(x) for x in f.fixes],
        "related": [
            {"filename": r.path, "message": r.message, "location": _loc(r.range)[0]}
            for r in f.related
        ],
        "group": groups.group_key(f),
    }


def _edit_loc(r: Range) -> tuple[dict[str, int], dict[str, int]]:
    start, end = _loc(r)
    if r.start.offset == 0 and r.end.offset == len(BOM) and r.end.column == 0:
        # The byte order mark: columns of line 1 start after it (as editors show the
        # line), but removing it removes U+FEFF, one character when the file is read as
        # UTF-8, so the edit spans column 1 to 2: exactly the 3 bytes `--fix` removes.
        end = {"row": 1, "column": 2}
    return start, end


def fix_json(fix: Fix) -> dict[str, Any]:
    return {
        "message": fix.title,
        "applicability": "safe" if fix.safe else "unsafe",
        "edits": [
            {
                "filename": e.path,
                "content": e.new_text,
                "location": _edit_loc(e.range)[0],
                "end_location": _edit_loc(e.range)[1],
            }
            for e in fix.edits
        ],
    }


def dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n"


# The text view's whitespace glyphs, back to the characters they show.
_GLYPHS = str.maketrans({"␣": " ", "↵": "\n", "⇥": "\t", "␍": "\r"})


def tokens_json(result: MaskResult) -> list[dict[str, Any]]:
    """A row's tokens: `text` is the token's own text (the glyphs `Token.text` shows
    whitespace with are the text view's), `turn` 1-based as everywhere people read it."""
    tokens = result.tokens
    rendered = result.rendered or ""
    spans = [(t.start, t.end) for t in tokens]
    out = []
    for k, t in enumerate(tokens):
        shared = spans[k] in (
            spans[k - 1] if k else None,
            spans[k + 1] if k + 1 < len(spans) else None,
        )
        own = t.end > t.start and not shared
        out.append(
            {
                "id": t.id,
                # A token with no span of its own (an added BOS, a byte-fallback piece of
                # one character) is its vocabulary piece.
                "text": rendered[t.start : t.end] if own else t.text.translate(_GLYPHS),
                "start": t.start,
                "end": t.end,
                "turn": None if t.turn is None else t.turn + 1,
                "trained": t.trained,
                "reason": t.reason,
            }
        )
    return out


def row_json(filename: str, view: RowView) -> dict[str, Any]:
    """The `sftlint show --json` payload (`row` is the 1-based line where the row starts)."""
    result = view.result
    payload = {
        "filename": filename,
        "row": view.row.line + 1,
        "format": view.format,
        "tokens": tokens_json(result) if result else [],
        "turns": [
            {"turn": t.index + 1, "role": t.role, "tokens": t.tokens, "trained": t.trained}
            for t in result.turns
        ]
        if result
        else [],
        "rendered": result.rendered if result else None,
        "totals": totals(result),
        "findings": [finding_json(f) for f in view.findings],
    }
    why = no_tokens_reason(result)
    if why:  # the row was analysed but has no tokens: say why (the preview shows it)
        payload["message"] = why
    return payload
