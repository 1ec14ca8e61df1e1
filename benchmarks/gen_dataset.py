"""Write a deterministic synthetic fine-tuning dataset for the benchmarks.

    python benchmarks/gen_dataset.py                      # messages, 100,000 rows (~130 MB)
    python benchmarks/gen_dataset.py --format sharegpt    # or alpaca
    python benchmarks/gen_dataset.py --rows 1000 --out /tmp/small.jsonl

Rows are clean (a real dataset's shape: multi-turn, system prompts, unicode, tool calls
with JSON arguments), so the benchmark measures the engine's cost on the common case, not
the cost of reporting. The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import orjson

DATA_DIR = Path(__file__).parent / "data"
FORMATS = ("messages", "sharegpt", "alpaca")

WORDS = (
    "the",
    "model",
    "data",
    "train",
    "token",
    "loss",
    "batch",
    "gradient",
    "answer",
    "question",
    "explain",
    "why",
    "how",
    "what",
    "because",
    "therefore",
    "example",
    "function",
    "value",
    "result",
    "python",
    "list",
    "string",
    "number",
    "error",
    "file",
    "step",
    "first",
    "second",
    "then",
    "finally",
    "check",
    "compute",
    "return",
    "input",
    "output",
    "system",
    "user",
    "context",
)
UNICODE = (
    "café",
    "naïve",
    "Größe",
    "日本語",
    "中文",
    "한국어",
    "Ελληνικά",
    "русский",
    "😀",
    "🚀",
    "∑",
    "→",
)
TOOLS = ("get_weather", "search_web", "run_python", "lookup_order")


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.3:
        words[rng.randrange(n)] = rng.choice(UNICODE)
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    text = " ".join(sentence(rng, rng.randint(6, 16)) for _ in range(sentences))
    if rng.random() < 0.2:
        text += '\n\n```python\nprint("hello")\n```'
    return text


def messages_row(rng: random.Random, index: int) -> dict:
    msgs: list[dict] = []
    if rng.random() < 0.5:
        msgs.append({"role": "system", "content": "You are a helpful assistant."})
    for turn in range(rng.randint(1, 3)):
        msgs.append({"role": "user", "content": paragraph(rng, rng.randint(1, 3))})
        if rng.random() < 0.2:
            call_id = f"call_{index}_{turn}"
            msgs.append(
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {
                                "name": rng.choice(TOOLS),
                                "arguments": orjson.dumps(
                                    {"query": sentence(rng, 4), "limit": rng.randint(1, 9)}
                                ).decode(),
                            },
                        }
                    ],
                }
            )
            msgs.append({"role": "tool", "tool_call_id": call_id, "content": paragraph(rng, 1)})
        msgs.append({"role": "assistant", "content": paragraph(rng, rng.randint(2, 7))})
    return {"messages": msgs}


def sharegpt_row(rng: random.Random, index: int) -> dict:
    names = {"system": "system", "user": "human", "assistant": "gpt", "tool": "observation"}
    conv = []
    system = None
    for m in messages_row(rng, index)["messages"]:
        if m["role"] == "system":
            system = m["content"]
        elif "tool_calls" in m:
            conv.append(
                {
                    "from": "function_call",
                    "value": orjson.dumps(m["tool_calls"][0]["function"]).decode(),
                }
            )
        else:
            conv.append({"from": names[m["role"]], "value": m["content"]})
    row: dict = {"conversations": conv}
    if system:
        row["system"] = system
    return row


def alpaca_row(rng: random.Random, index: int) -> dict:
    row = {
        "instruction": paragraph(rng, rng.randint(1, 3)),
        "input": paragraph(rng, 1) if rng.random() < 0.5 else "",
        "output": paragraph(rng, rng.randint(3, 10)),
    }
    if rng.random() < 0.3:
        row["history"] = [[paragraph(rng, 1), paragraph(rng, 2)]]
    return row


def rows(fmt: str, count: int, seed: int) -> Iterator[bytes]:
    make = {"messages": messages_row, "sharegpt": sharegpt_row, "alpaca": alpaca_row}[fmt]
    rng = random.Random(seed)
    for i in range(count):
        yield orjson.dumps(make(rng, i))


def messages_jsonl(count: int) -> Path:
    """benchmarks/data/messages-N.jsonl (the messages rows, seed 1234), written once."""
    path = DATA_DIR / f"messages-{count}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.writelines(r + b"\n" for r in rows("messages", count, 1234))
    return path


def messages_parquet(count: int, group: int = 10_000) -> Path:
    """benchmarks/data/messages-N.parquet: the same rows, in row groups of `group` rows,
    written once a group at a time (a million rows as dicts would not fit in memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = DATA_DIR / f"messages-{count}.parquet"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    source = rows("messages", count, 1234)
    # The first 50,000 rows hold every shape the generator makes: their schema is the file's.
    first = [orjson.loads(r) for r in itertools.islice(source, 50_000)]
    schema = pa.Table.from_pylist(first).schema
    with pq.ParquetWriter(path, schema) as writer:
        chunk = first
        while chunk:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema), row_group_size=group)
            chunk = [orjson.loads(r) for r in itertools.islice(source, 50_000)]
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=FORMATS, default="messages")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or DATA_DIR / f"{args.format}-{args.rows}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        for row in rows(args.format, args.rows, args.seed):
            f.write(row + b"\n")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {args.rows} rows)")


if __name__ == "__main__":
    main()
