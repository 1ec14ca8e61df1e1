"""Mask pass speed and memory on realistic rows, as whole processes.

    python benchmarks/bench_mask.py [--rows 5000] [--repeat 3] [--big 100000] [--analysis]

(1) `sftlint check` on multi-turn rows of ~550 tokens (the chatml fixture tokenizer with the
built-in ChatML template, whose {% generation %} blocks sftlint follows; one row in five
has a tool definition, a tool call with null content and its result), against a whole
process that only reads the rows and calls `apply_chat_template(messages, tools=...,
tokenize=True)` per row (the bare loop). Both are fresh processes; a 1-row file gives each
one's start-up, so the per-row cost after start-up is compared too. Target: <= 1.0x.
Peak RSS of each (the largest process of the run). Target: sftlint <= 2x the file plus
the bare loop's footprint (its peak on a 1-row file: Python, transformers, the tokenizer).
The token totals of both must be equal.
(2) --big N: peak RSS of `sftlint check --tokenizer mistral-v3` on N such rows.
(3) --analysis: in process, sftlint's mask analysis of short rows against an
`apply_chat_template` loop, and a cached re-analysis (targets <= 1.0x and >= 50x).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
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
from sftlint.masking.templates import TEMPLATE_DIR, builtin_template  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "tokenizers" / "chatml"
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}
# The bare loop: read the rows, render and tokenize each, count the tokens.
BARE_LOOP = """
import json, sys
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained(sys.argv[1], local_files_only=True)
template = open(sys.argv[2], encoding="utf-8").read()
total = 0
with open(sys.argv[3], "rb") as f:
    for line in f:
        row = json.loads(line)
        out = tok.apply_chat_template(
            row["messages"], tools=row.get("tools"), chat_template=template, tokenize=True
        )
        total += len(out if isinstance(out, list) else out["input_ids"])
print(total)
"""

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


def make_agent_rows(n: int, seed: int = 0) -> list[dict]:
    """Multi-turn rows of ~550 tokens (chatml fixture); one in five calls a tool (a tool
    definition, a call with null content, its result, the answer)."""
    rng = random.Random(seed)

    def sent(lo: int, hi: int) -> str:
        k = rng.randint(lo, hi)
        return " ".join(rng.choice(WORDS) for _ in range(k)) + rng.choice([".", "?", "!"])

    rows = []
    for i in range(n):
        messages = []
        if rng.random() < 0.5:
            messages.append({"role": "system", "content": sent(10, 20)})
        for _ in range(3):
            messages.append({"role": "user", "content": sent(15, 40)})
            messages.append({"role": "assistant", "content": sent(35, 70)})
        row: dict = {"messages": messages}
        if rng.random() < 0.2:
            cid = f"call{i:05d}"
            args = {"city": rng.choice(["Paris", "Tokyo", "東京"]), "unit": "celsius"}
            messages[-1:] = [
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": cid,
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": json.dumps(args)},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": cid, "content": json.dumps({"temp": i % 30})},
                {"role": "assistant", "content": sent(20, 40)},
            ]
            row["tools"] = [TOOL]
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


def run(cmd: list[str]) -> tuple[float, int, str, float]:
    """(wall seconds, peak RSS in bytes of the largest process, stdout, CPU seconds: user +
    system of all its threads) of a fresh process."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1"}
    wrapper = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(p.stdout)\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(r.ru_utime + r.ru_stime, r.ru_maxrss)\n"
    )
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, env=env, check=True
    ).stdout
    wall = time.perf_counter() - t0
    *lines, usage = out.rstrip("\n").split("\n")
    cpu, rss = usage.split()
    return wall, int(rss) * 1024, "\n".join(lines), float(cpu)


def write_rows(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def sftlint_cmd(path: Path, *mask: str) -> list[str]:
    return [sys.executable, "-m", "sftlint", "check", str(path), *mask]


def tokens_of(check_output: str) -> int:
    m = re.search(r"Tokens: [\d,]+ rows? tokenized, ([\d,]+) tokens", check_output)
    return int(m.group(1).replace(",", "")) if m else -1


def bench_processes(n: int, repeat: int) -> None:
    rows = make_agent_rows(n)
    load = os.getloadavg()[0]
    template = TEMPLATE_DIR / "chatml.jinja"
    mask = ("--tokenizer", str(FIXTURE), "--chat-template", "chatml")
    with tempfile.TemporaryDirectory() as tmp:
        big, one = Path(tmp) / "rows.jsonl", Path(tmp) / "one.jsonl"
        write_rows(big, rows)
        write_rows(one, rows[:1])
        bare = [sys.executable, "-c", BARE_LOOP, str(FIXTURE), str(template)]
        # Alternate the four runs, best wall time of `repeat` (the machine is shared).
        figures: dict[str, list[tuple[float, int, str, float]]] = {}
        for _ in range(repeat):
            for name, cmd in (
                ("bare 1", [*bare, str(one)]),
                ("bare n", [*bare, str(big)]),
                ("sftlint 1", sftlint_cmd(one, *mask)),
                ("sftlint n", sftlint_cmd(big, *mask)),
            ):
                figures.setdefault(name, []).append(run(cmd))
        got = {
            k: (min(r[0] for r in v), max(r[1] for r in v), v[0][2], min(r[3] for r in v))
            for k, v in figures.items()
        }
        size = big.stat().st_size
    bare_tokens = int(got["bare n"][2].strip())
    ours_tokens = tokens_of(got["sftlint n"][2])
    per_bare = (got["bare n"][0] - got["bare 1"][0]) / (n - 1) * 1e3
    per_ours = (got["sftlint n"][0] - got["sftlint 1"][0]) / (n - 1) * 1e3
    footprint = got["bare 1"][1]
    budget = 2 * size + footprint
    mb = 1 / 1e6
    print(f"{n} rows, {size * mb:.1f} MB, {bare_tokens / n:.0f} tokens a row, 1 in 5 with tools")
    print(f"  load average (1 min) {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(f"  token totals: bare loop {bare_tokens:,}, sftlint {ours_tokens:,}")
    print(f"  bare loop process : {got['bare n'][0]:6.2f} s ({per_bare:.3f} ms/row after start-up)")
    print(
        f"  sftlint check     : {got['sftlint n'][0]:6.2f} s ({per_ours:.3f} ms/row after start-up)"
    )
    print(
        f"  whole process {got['sftlint n'][0] / got['bare n'][0]:.2f}x, after start-up "
        f"{per_ours / per_bare:.2f}x (target <= 1.0x)"
    )
    cpu = {k: v[3] for k, v in got.items()}
    print(
        f"  CPU seconds (user + system, best): bare loop {cpu['bare n']:.2f} (1 row "
        f"{cpu['bare 1']:.2f}), sftlint {cpu['sftlint n']:.2f} (1 row {cpu['sftlint 1']:.2f}): "
        f"{cpu['sftlint n'] / cpu['bare n']:.2f}x whole, "
        f"{(cpu['sftlint n'] - cpu['sftlint 1']) / (cpu['bare n'] - cpu['bare 1']):.2f}x after "
        "start-up"
    )
    print(
        f"  peak RSS: bare loop {got['bare n'][1] * mb:.0f} MB (1 row: {footprint * mb:.0f} MB), "
        f"sftlint {got['sftlint n'][1] * mb:.0f} MB (budget 2x file + footprint: "
        f"{budget * mb:.0f} MB)"
    )


def bench_big(n: int) -> None:
    """Peak RSS of `sftlint check --tokenizer mistral-v3` on n rows, against 2x the file plus
    the footprint of the same check on 1 row (Python, the tokenizer, mistral-common)."""
    rows = make_agent_rows(n, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        path, one = Path(tmp) / "rows.jsonl", Path(tmp) / "one.jsonl"
        write_rows(path, rows)
        write_rows(one, rows[:1])
        size = path.stat().st_size
        _wall, footprint, _out, _cpu = run(sftlint_cmd(one, "--tokenizer", "mistral-v3"))
        wall, rss, out, cpu = run(sftlint_cmd(path, "--tokenizer", "mistral-v3"))
    print(
        f"mistral-v3, {n:,} rows ({size / 1e6:.0f} MB): sftlint check {wall:.1f} s "
        f"({cpu:.1f} s CPU), {tokens_of(out):,} tokens, peak RSS {rss / 1e6:.0f} MB "
        f"(budget 2x file + the 1-row footprint {footprint / 1e6:.0f} MB: "
        f"{(2 * size + footprint) / 1e6:.0f} MB)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs")
    ap.add_argument("--big", type=int, default=0, help="also N rows with mistral-v3 (peak RSS)")
    ap.add_argument("--analysis", action="store_true", help="the in-process benchmark too")
    args = ap.parse_args()
    bench_processes(args.rows, args.repeat)
    if args.big:
        bench_big(args.big)
    if args.analysis:
        rows = make_rows(args.rows)
        bench(
            "mistral-v3",
            MaskSettings.from_config({"tokenizer": "mistral-v3", "strategy": "assistant-only"}),
            rows,
            builtin_template("mistral-v3"),
            args.repeat,
        )
        bench(
            "chatml fixture",
            MaskSettings.from_config({"tokenizer": str(FIXTURE), "strategy": "assistant-only"}),
            rows,
            builtin_template("chatml"),
            args.repeat,
        )


if __name__ == "__main__":
    main()
