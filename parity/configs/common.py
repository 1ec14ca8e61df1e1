"""Helpers shared by the parity/configs/record_*.py scripts (stdlib only: they run in the trainers' venvs).

Golden file `parity/configs/goldens/<trainer>-<config stem>.json`, one per example config:
    {"trainer", "trainer_version", "config" (repo-relative), "versions", "upstream", "method",
     "harness" (what the record script does differently from the trainer's CLI, and why),
     "settings" (what the trainer resolved), "whole_run_check",
     "datasets": [{"path" (repo-relative data file), "rows": [
         {"row": 0-based index in the file, "status": "ok" | "dropped" | "error", "reason",
          "truncated": bool, "input_ids", "labels" (-100 = no loss)}]}]}
"""

from __future__ import annotations

import json
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GOLDENS = HERE / "goldens"


def rel(path: Path) -> str:
    return str(Path(path).resolve().relative_to(ROOT))


def versions(*dists: str) -> dict:
    out = {"python": platform.python_version()}
    for d in dists:
        try:
            out[d] = metadata.version(d)
        except metadata.PackageNotFoundError:
            out[d] = None
    return out


def read_rows(path: Path) -> list[dict]:
    """A JSON Lines or JSON array data file's rows, in file order."""
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix == ".json":
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def full_keys(rows: list[dict]) -> list[dict]:
    """Every row with every top-level key of its file (null where it lacks it): what `datasets`
    gives a row when it loads the whole file, so a one-row run sees the row as the whole run does."""
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    return [{k: row.get(k) for k in keys} for row in rows]


def ints(x) -> list[int]:
    if hasattr(x, "tolist"):
        x = x.tolist()
    return [int(v) for v in x]


def row_result(
    row: int, status: str, reason=None, input_ids=None, labels=None, truncated=False
) -> dict:
    if status == "ok":
        input_ids, labels = ints(input_ids), ints(labels)
        assert len(input_ids) == len(labels), row
    else:
        input_ids = labels = None
    return {
        "row": row,
        "status": status,
        "reason": reason,
        "truncated": bool(truncated),
        "input_ids": input_ids,
        "labels": labels,
    }


def short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def error(e: BaseException) -> str:
    return short(f"{type(e).__name__}: {e}")


def write_golden(trainer: str, config: Path, golden: dict, started: float) -> Path:
    GOLDENS.mkdir(parents=True, exist_ok=True)
    out = GOLDENS / f"{trainer}-{Path(config).stem}.json"
    golden = {
        "trainer": trainer,
        "config": rel(config),
        **golden,
        "seconds": round(time.time() - started, 1),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    out.write_text(json.dumps(golden, ensure_ascii=False) + "\n", encoding="utf-8")
    counts = {}
    for ds in golden["datasets"]:
        for r in ds["rows"]:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
    print(f"wrote {rel(out)}: {counts}, whole run: {golden['whole_run_check']}", file=sys.stderr)
    return out
