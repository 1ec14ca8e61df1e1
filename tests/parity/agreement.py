"""The agreement table of docs/trainers.md, from the same comparison the parity tests make.

python3 tests/parity/agreement.py            # print the table
python3 tests/parity/agreement.py --write    # replace it in docs/trainers.md
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from parity_cases import GOLDEN_FILES, GOLDENS, ROOT, ROWS
from test_parity import ids_and_labels, recorded_day, sftlint_view

from sftlint.masking import llamafactory
from sftlint.model import Severity

DOC = ROOT / "docs" / "trainers.md"
BEGIN, END = "<!-- agreement:begin -->", "<!-- agreement:end -->"


def agreement() -> str:
    lines = [
        "| trainer | version | rows compared | same ids | same mask | refused rows "
        "| with a finding |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in GOLDEN_FILES:
        path = GOLDENS / f"{name}.jsonl"
        if not path.is_file():
            continue
        c: Counter[str] = Counter()
        for line in path.read_text(encoding="utf-8").splitlines():
            golden = json.loads(line)
            if not (ROWS / golden["rows_file"]).is_file():
                print(f"{name}: rows file {golden['rows_file']} absent", file=sys.stderr)
                continue
            if day := recorded_day(golden):
                llamafactory.today = lambda day=day: day  # the day the trainer ran
            view = sftlint_view(golden)
            if golden["status"] != "ok":
                c["refused"] += 1
                c["flagged"] += any(f.severity >= Severity.WARNING for f in view.findings)
                continue
            c["compared"] += 1
            if view.result is None:
                continue
            ids, labels = ids_and_labels(view.result)
            c["ids"] += ids == golden["input_ids"]
            c["mask"] += ids == golden["input_ids"] and labels == golden["labels"]
        trainer, _, version = name.rpartition("-")
        lines.append(
            f"| {trainer} | {version} | {c['compared']} | {c['ids']} | {c['mask']} "
            f"| {c['refused']} | {c['flagged']} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update docs/trainers.md")
    table = agreement()
    if not parser.parse_args().write:
        print(table)
        return 0
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
