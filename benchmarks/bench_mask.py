"""Mask analysis speed vs a bare `apply_chat_template` loop.

    PYTHONPATH=server python benchmarks/bench_mask.py [--rows 5000]

For mistral-v3 and the ChatML fixture tokenizer, on the same multi-turn rows:
(a) a bare loop calling tokenizer.apply_chat_template(row, tokenize=True) per row,
(b) sftlint's full mask analysis of the rows (assistant-only),
(c) sftlint re-analysing one unchanged row (served from its cache).
Targets: (b)/(a) <= 1.0 and (a per row)/(c) >= 50.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from sftlint.masking import (  # noqa: E402
    MaskSettings,
    analyze_conversation,
    analyze_conversations,
    clear_caches,
    load_tokenizer,
)
from sftlint.masking.templates import builtin_template  # noqa: E402

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "prime",
    "numbers",
    "weather",
    "Paris",
    "Tokyo",
    "café",
    "東京",
    "answer",
    "question",
    "explain",
    "because",
    "result",
    "function",
    "please",
    "thanks",
    "sure",
    "here",
    "list",
]


def make_rows(n: int, seed: int = 0) -> list[list[dict]]:
    rng = random.Random(seed)

    def sent(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k)) + rng.choice([".", "?", "!"])

    rows = []
    for _ in range(n):
        row = []
        if rng.random() < 0.5:
            row.append({"role": "system", "content": sent(rng.randint(4, 12))})
        for _turn in range(rng.randint(1, 4)):
            row.append({"role": "user", "content": sent(rng.randint(5, 40))})
            row.append({"role": "assistant", "content": sent(rng.randint(5, 60))})
        rows.append(row)
    return rows


def bench(
    label: str, settings: MaskSettings, rows: list[list[dict]], template: str, repeat: int
) -> None:
    handle = load_tokenizer(settings)
    if handle.error:
        print(f"{label}: {handle.error}")
        return
    tok = handle.tokenizer
    # Warm both paths (template compilation, first-call overheads).
    tok.apply_chat_template(rows[0], chat_template=template, tokenize=True)
    analyze_conversation(rows[0], handle, settings)
    clear_caches()

    # Alternate (a) and (b) and keep the best of `repeat` runs: the machine may be shared.
    a = b = float("inf")
    results = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for row in rows:
            tok.apply_chat_template(row, chat_template=template, tokenize=True)
        a = min(a, time.perf_counter() - t0)
        clear_caches()  # (b) starts cold every time
        t0 = time.perf_counter()
        results = analyze_conversations(rows, handle, settings)
        b = min(b, time.perf_counter() - t0)

    one = rows[len(rows) // 2]
    reps = 20_000
    t0 = time.perf_counter()
    for _ in range(reps):
        analyze_conversation(one, handle, settings)
    c = (time.perf_counter() - t0) / reps

    n = len(rows)
    tokens = sum(r.total_tokens for r in results)
    trained = sum(r.trained_tokens for r in results)
    print(f"{label}: {n} rows, {tokens} tokens, {trained} trained")
    print(f"  (a) apply_chat_template loop : {a:7.3f} s  ({a / n * 1e6:7.1f} us/row)")
    print(f"  (b) sftlint mask analysis    : {b:7.3f} s  ({b / n * 1e6:7.1f} us/row)")
    print(f"  (c) cached re-analysis       : {c * 1e6:7.2f} us/row")
    print(f"  (b)/(a) = {b / a:.2f}  (target <= 1.0)")
    print(f"  (a per row)/(c) = {a / n / c:.0f}  (target >= 50)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs of (a) and (b)")
    args = ap.parse_args()
    rows = make_rows(args.rows)
    fixture = ROOT / "tests" / "fixtures" / "tokenizers" / "chatml"
    bench(
        "mistral-v3",
        MaskSettings.from_config({"tokenizer": "mistral-v3", "strategy": "assistant-only"}),
        rows,
        builtin_template("mistral-v3"),
        args.repeat,
    )
    bench(
        "chatml fixture",
        MaskSettings.from_config({"tokenizer": str(fixture), "strategy": "assistant-only"}),
        rows,
        builtin_template("chatml"),
        args.repeat,
    )


if __name__ == "__main__":
    main()
