"""The JSON Schemas in schemas/: valid schemas, real corpus rows pass, broken rows fail."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"

# Every data file of the corpus and the row format it is in.
CORPUS_FORMATS = {
    "alpaca_en_demo.json": "alpaca",
    "identity.json": "alpaca",
    "c4_demo.jsonl": "text",
    "dpo_en_demo.json": "preference",  # LLaMA-Factory ShareGPT preference
    "v1_dpo_demo.jsonl": "preference",  # LLaMA-Factory v1 chosen_messages/rejected_messages
    "glaive_toolcall_en_demo.json": "sharegpt",
    "kto_en_demo.json": "unpaired-preference",
    "mllm_demo.json": "messages",
    "reason_tool_use_demo_50.jsonl": "messages",
    "v1_multimodal_demo.jsonl": "messages",
    "v1_sft_demo.jsonl": "messages",
}
FORMATS = (
    "messages",
    "sharegpt",
    "alpaca",
    "prompt-completion",
    "preference",
    "unpaired-preference",
    "openai-preference",
    "pretokenized",
    "text",
)


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _rows(path: Path) -> list:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return json.loads(path.read_text(encoding="utf-8"))


def test_one_schema_per_format_and_the_root_link() -> None:
    assert SCHEMAS.resolve() == ROOT / "server" / "sftlint" / "schemas"
    names = sorted(p.name for p in SCHEMAS.glob("*.schema.json"))
    assert names == sorted([f"{f}.schema.json" for f in FORMATS] + ["config.schema.json"])
    for name in ("config", *FORMATS):
        _validator(name)


def test_corpus_lists_every_data_file(llamafactory: Path) -> None:
    data = {p.name for p in llamafactory.iterdir() if p.suffix in (".json", ".jsonl")}
    assert data == set(CORPUS_FORMATS)


@pytest.mark.parametrize(("name", "fmt"), sorted(CORPUS_FORMATS.items()))
def test_real_rows_match_their_schema(name: str, fmt: str, llamafactory: Path) -> None:
    validator = _validator(fmt)
    rows = _rows(llamafactory / name)
    assert rows
    errors = [(i, e.message) for i, row in enumerate(rows) for e in validator.iter_errors(row)]
    assert errors == []


GOOD = {
    "prompt-completion": [
        {"prompt": "2+2=", "completion": "4"},
        {
            "prompt": [{"role": "user", "content": "2+2?"}],
            "completion": [{"role": "assistant", "content": "4"}],
        },
    ],
    "pretokenized": [
        {"input_ids": [1, 2, 3], "labels": [-100, 2, 3], "attention_mask": [1, 1, 1]},
    ],
    "preference": [
        {"prompt": "hi", "chosen": "hello", "rejected": "go away"},
        {
            "chosen": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "a"}],
            "rejected": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "b"}],
        },
    ],
    "unpaired-preference": [{"prompt": "hi", "completion": "hello", "label": True}],
    "openai-preference": [
        {
            "input": {
                "messages": [{"role": "user", "content": "hi"}],
                "tools": [],
                "parallel_tool_calls": True,
            },
            "preferred_output": [{"role": "assistant", "content": "hello"}],
            "non_preferred_output": [{"role": "assistant", "content": "go away"}],
        }
    ],
    "messages": [
        {
            "messages": [
                {"role": "user", "content": "weather?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "w", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
                {"role": "assistant", "content": [{"type": "text", "text": "sunny"}]},
            ]
        }
    ],
}

BAD = {
    "messages": [
        {"messages": []},
        {"messages": [{"role": "bot", "content": "x"}]},
        {"messages": [{"role": "user"}]},
        {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
        {"messages": [{"role": "user", "content": "x", "weight": "1"}]},
    ],
    "sharegpt": [
        {"conversations": [{"from": "bot", "value": "x"}]},
        {"conversations": [{"from": "human", "content": "x"}]},
    ],
    "alpaca": [{"instruction": "x"}, {"instruction": "x", "output": 1}],
    "prompt-completion": [
        {"prompt": "x"},
        {"prompt": "x", "completion": [{"role": "assistant", "content": "y"}]},
    ],
    "preference": [{"prompt": "x", "chosen": "y"}, {"chosen": "a", "rejected": [{"role": "user"}]}],
    "unpaired-preference": [{"prompt": "x", "completion": "y"}, {"messages": [], "label": 1}],
    "openai-preference": [
        {"input": {"messages": [{"role": "user", "content": "x"}]}, "preferred_output": []},
        {
            "input": {"messages": [{"role": "user", "content": "x"}]},
            "preferred_output": [{"role": "user", "content": "y"}],
            "non_preferred_output": [{"role": "assistant", "content": "z"}],
        },
        {
            "messages": [{"role": "user", "content": "x"}],
            "preferred_output": [{"role": "assistant", "content": "y"}],
            "non_preferred_output": [{"role": "assistant", "content": "z"}],
        },
    ],
    "pretokenized": [
        {"input_ids": []},
        {"input_ids": [1, -2]},
        {"input_ids": [1], "labels": [-1]},
        {"input_ids": [1], "attention_mask": [2]},
    ],
    "text": [{"text": None}, {"content": "x"}],
}


@pytest.mark.parametrize(("fmt", "row"), [(f, r) for f, rows in GOOD.items() for r in rows])
def test_valid_rows_pass(fmt: str, row: dict) -> None:
    assert list(_validator(fmt).iter_errors(row)) == []


@pytest.mark.parametrize(("fmt", "row"), [(f, r) for f, rows in BAD.items() for r in rows])
def test_broken_rows_fail(fmt: str, row: dict) -> None:
    assert list(_validator(fmt).iter_errors(row)) != []
