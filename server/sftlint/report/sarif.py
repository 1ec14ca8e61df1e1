"""`--format sarif`: SARIF 2.1.0, one run, the reported rules with their docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sftlint import __version__, registry
from sftlint.model import Finding, Fix, Range, Severity
from sftlint.report import groups

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return p.as_posix()


def _region(r: Range) -> dict[str, int]:
    return {
        "startLine": r.start.line + 1,
        "startColumn": r.start.column + 1,
        "endLine": r.end.line + 1,
        "endColumn": r.end.column + 1,
        "byteOffset": r.start.offset,
        "byteLength": r.end.offset - r.start.offset,
    }


def _sarif_fix(fix: Fix) -> dict[str, Any]:
    by_file: dict[str, list[dict[str, Any]]] = {}
    for e in fix.edits:
        by_file.setdefault(e.path, []).append(
            {
                "deletedRegion": {
                    "byteOffset": e.range.start.offset,
                    "byteLength": e.range.end.offset - e.range.start.offset,
                },
                "insertedContent": {"text": e.new_text},
            }
        )
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {"artifactLocation": {"uri": _uri(path)}, "replacements": reps}
            for path, reps in by_file.items()
        ],
    }


def _sarif_result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code,
        "level": _SARIF_LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.path)},
                    "region": _region(f.range),
                }
            }
        ],
    }
    if f.code in index:
        result["ruleIndex"] = index[f.code]
    # Findings of one code and one cause (report/groups.py), as SARIF viewers group them.
    result["partialFingerprints"] = {"sftlintGroup/v1": groups.group_key(f)}
    if f.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "message": {"text": r.message},
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(r.path)},
                    "region": _region(r.range),
                },
            }
            for i, r in enumerate(f.related)
        ]
    if f.fixes:
        result["fixes"] = [_sarif_fix(x) for x in f.fixes]
    return result


def sarif(findings: list[Finding]) -> dict[str, Any]:
    rules = [r for r in (registry.get(c) for c in sorted({f.code for f in findings})) if r]
    index = {r.code: i for i, r in enumerate(rules)}
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sftlint",
                        "version": __version__,
                        "informationUri": registry.DOCS_URL,
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "fullDescription": {"text": r.summary},
                                "help": {"text": r.explanation, "markdown": r.explanation},
                                "helpUri": r.url,
                                "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
                            }
                            for r in rules
                        ],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_sarif_result(f, index) for f in findings],
            }
        ],
    }
