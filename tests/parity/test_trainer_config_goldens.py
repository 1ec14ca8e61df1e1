"""`--trainer-config` against the trainers' own preparation of their example configs.

parity/configs/ holds real example configs of Axolotl, LLaMA-Factory and TRL (pointed at the
fixture tokenizers and small local data), and goldens recorded from each trainer's own data path
by `bash scripts/parity.sh configs` (parity/configs/README.md). For every row of every dataset a
config names, `sftlint show DATA --json --trainer-config CONFIG` must give the ids the trainer
keeps and its trained tokens; `sftlint check --trainer-config CONFIG` must report every row the
trainer drops, refuses, cuts or trains nothing on.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDENS = ROOT / "parity" / "configs" / "goldens"
GOLDEN_FILES = sorted(GOLDENS.glob("*.json"))

# The codes a row's finding may carry, by what the trainer did to the row: L016 (the trainer
# refuses or drops it), or the more precise finding that explains it (docs/trainers.md).
DROPPED = {"L016", "L001", "L003", "L005"}
CUT = {"L005", "L006"}
TRAINS_NOTHING = {"L001", "L016"}
# and no row the trainer keeps whole, training something, carries any of them
CHANGED = DROPPED | CUT | TRAINS_NOTHING
# a file's count of such rows ("5 of 34 rows train on nothing"), located at its first line
FILE_SUMMARY = re.compile(r"\d+ of \d+ rows ")


def sftlint(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("sftlint")
    command = [exe] if exe else [sys.executable, "-m", "sftlint"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_COLOR": "1"}
    return subprocess.run(
        [*command, *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )


def json_values(text: str) -> list[Any]:
    """The JSON values printed one after another (`show --json` prints one per row)."""
    decoder, out, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(text, at)
        out.append(value)
    return out


@cache
def golden(name: str) -> dict[str, Any]:
    return json.loads((GOLDENS / f"{name}.json").read_text(encoding="utf-8"))


@cache
def shown(config: str, data: str) -> tuple[dict[str, Any], ...]:
    """Every row of `data` as `sftlint show --json --trainer-config` prints it, in file order."""
    proc = sftlint("show", data, "--json", "--trainer-config", config)
    # exit 1: a row has an error finding (the rows are printed all the same)
    assert proc.returncode in (0, 1) and proc.stdout, proc.stderr
    return tuple(json_values(proc.stdout))


@cache
def checked(config: str) -> tuple[dict[str, Any], ...]:
    """The findings of `sftlint check --trainer-config CONFIG --format json` (exit 0 or 1)."""
    proc = sftlint("check", "--trainer-config", config, "--format", "json", "--no-progress")
    assert proc.returncode in (0, 1), proc.stderr
    return tuple(json.loads(proc.stdout))


def kept(view: dict[str, Any]) -> tuple[list[int], list[int]]:
    """The ids the trainer keeps (those max-seq-length does not cut) and their labels."""
    tokens = [t for t in view["tokens"] if t["reason"] != "truncated"]
    return [t["id"] for t in tokens], [t["id"] if t["trained"] else -100 for t in tokens]


def _row_params() -> list[Any]:
    out = []
    for path in GOLDEN_FILES:
        g = golden(path.stem)
        for ds in g["datasets"]:
            # rows the trainer keeps; the others: test_check_reports_every_row_the_trainer_changes
            for r in (r for r in ds["rows"] if r["status"] == "ok"):
                ident = f"{path.stem}:{Path(ds['path']).name}:{r['row']}"
                out.append(pytest.param(path.stem, ds["path"], r["row"], id=ident))
    return out


@pytest.mark.parametrize(("name", "data", "row"), _row_params())
def test_show_gives_each_row_as_the_trainer_prepares_it(name: str, data: str, row: int) -> None:
    g = golden(name)
    (want,) = [
        r for ds in g["datasets"] if ds["path"] == data for r in ds["rows"] if r["row"] == row
    ]
    views = shown(g["config"], data)
    rows_in_file = sum(len(ds["rows"]) for ds in g["datasets"] if ds["path"] == data)
    assert len(views) == rows_in_file
    ids, labels = kept(views[row])
    assert ids == want["input_ids"]
    assert labels == want["labels"]


@pytest.mark.parametrize("name", [p.stem for p in GOLDEN_FILES])
def test_show_data_row_gives_that_row_as_the_trainer_prepares_it(name: str) -> None:
    """`show DATA:LINE`: the last row each dataset keeps and trains, addressed by its line."""
    g = golden(name)
    for ds in g["datasets"]:
        kept_rows = [r for r in ds["rows"] if r["status"] == "ok"]
        want = ([r for r in kept_rows if set(r["labels"]) != {-100}] or kept_rows)[-1]
        line = shown(g["config"], ds["path"])[want["row"]]["row"]
        proc = sftlint("show", f"{ds['path']}:{line}", "--json", "--trainer-config", g["config"])
        assert proc.returncode in (0, 1) and proc.stdout, proc.stderr
        assert kept(json.loads(proc.stdout)) == (want["input_ids"], want["labels"]), ds["path"]


def _what_the_trainer_did(r: dict[str, Any]) -> tuple[str, set[str]]:
    """What the trainer did to a row, and the codes that may report it (none: kept whole)."""
    if r["status"] != "ok":
        return f"{r['status']}: {r['reason']}", DROPPED
    if r["truncated"]:
        return "cut to its max length", CUT
    if all(label == -100 for label in r["labels"]):
        return "trains nothing", TRAINS_NOTHING
    return "kept whole, trains something", set()


def _line_spans(config: str, data: str) -> list[tuple[int, int]]:
    """Each row's first and last line (1-based), from where `show` says each row starts."""
    starts = [v["row"] for v in shown(config, data)]
    ends = [s - 1 for s in starts[1:]] + [10**9]
    return list(zip(starts, ends, strict=True))


@pytest.mark.parametrize("name", [p.stem for p in GOLDEN_FILES])
def test_check_reports_every_row_the_trainer_changes(name: str) -> None:
    g = golden(name)
    findings = checked(g["config"])
    wrong = []
    for ds in g["datasets"]:
        spans = _line_spans(g["config"], ds["path"])
        for r in ds["rows"]:
            what, codes = _what_the_trainer_did(r)
            first, last = spans[r["row"]]
            found = {
                f["code"]
                for f in findings
                if (ROOT / f["filename"]).resolve() == (ROOT / ds["path"]).resolve()
                and first <= f["location"]["row"] <= last
                and not FILE_SUMMARY.match(f["message"])
            } & CHANGED
            if (codes and not found & codes) or (not codes and found):
                wrong.append(f"{ds['path']} row {r['row']} ({what}): {sorted(found)}")
    assert not wrong, "\n".join(wrong)
