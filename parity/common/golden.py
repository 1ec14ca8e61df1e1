"""Small helpers shared by every parity/<trainer>/record.py (stdlib only, no sftlint import).

Runs inside a trainer's own venv: it must import nothing but the standard library.

Golden line (one JSON object per (case, row)):
    {"trainer", "trainer_version", "case", "tokenizer", "settings", "rows_file", "row",
     "status": "ok" | "dropped" | "error", "reason", "input_ids", "labels"}
`labels` holds -100 where the trainer computes no loss. Dropped/error rows carry the
trainer's message in `reason` and null ids/labels.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

PARITY = Path(__file__).resolve().parents[1]
REPO = PARITY.parent
ROWS = PARITY / "rows"
TOKENIZERS = REPO / "tests" / "fixtures" / "tokenizers"
GOLDENS = REPO / "tests" / "parity" / "goldens"


def read_rows(name: str) -> list[dict]:
    """The rows of parity/rows/<name>, in file order (index = 0-based line)."""
    with open(ROWS / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def tokenizer_path(name: str) -> str:
    return str(TOKENIZERS / name)


def versions(*dists: str) -> dict:
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for d in dists:
        try:
            out[d] = metadata.version(d)
        except metadata.PackageNotFoundError:
            out[d] = None
    return out


def as_int_list(x) -> list[int]:
    if hasattr(x, "tolist"):
        x = x.tolist()
    return [int(v) for v in x]


class GoldenWriter:
    """Collects golden lines and writes <trainer>-<version>.jsonl + .meta.json."""

    def __init__(self, trainer: str, version: str):
        self.trainer = trainer
        self.version = version
        self.lines: list[dict] = []
        self.cases: dict[str, dict] = {}
        self.t0 = time.time()

    def case(self, case: str, tokenizer: str, settings: dict, rows_file: str, **extra) -> None:
        self.cases[case] = {
            "tokenizer": tokenizer,
            "settings": settings,
            "rows_file": rows_file,
            **extra,
        }

    def add(
        self, case: str, row: int, status: str, reason=None, input_ids=None, labels=None
    ) -> None:
        c = self.cases[case]
        if status == "ok":
            assert input_ids is not None and labels is not None
            input_ids, labels = as_int_list(input_ids), as_int_list(labels)
            assert len(input_ids) == len(labels), (case, row)
        else:
            input_ids = labels = None
        self.lines.append(
            {
                "trainer": self.trainer,
                "trainer_version": self.version,
                "case": case,
                "tokenizer": c["tokenizer"],
                "settings": c["settings"],
                "rows_file": c["rows_file"],
                "row": row,
                "status": status,
                "reason": reason,
                "input_ids": input_ids,
                "labels": labels,
            }
        )

    def write(self, meta: dict) -> Path:
        counts: dict[str, dict[str, int]] = {}
        for line in self.lines:
            counts.setdefault(line["case"], {}).setdefault(line["status"], 0)
            counts[line["case"]][line["status"]] += 1
        for name, c in self.cases.items():
            c["counts"] = counts.get(name, {})
        meta = {
            "trainer": self.trainer,
            "trainer_version": self.version,
            **meta,
            "cases": self.cases,
            "seconds": round(time.time() - self.t0, 1),
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
        }
        return write_goldens(f"{self.trainer}-{self.version}", self.lines, meta, indent=1)


def write_goldens(name: str, lines: list[dict], meta: dict, indent: int = 2) -> Path:
    """tests/parity/goldens/NAME.jsonl (a compact JSON line each) and NAME.meta.json."""
    GOLDENS.mkdir(parents=True, exist_ok=True)
    out = GOLDENS / f"{name}.jsonl"
    with open(out, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    meta_text = json.dumps(meta, indent=indent, ensure_ascii=False) + "\n"
    out.with_suffix(".meta.json").write_text(meta_text, encoding="utf-8")
    return out


def short_error(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"
