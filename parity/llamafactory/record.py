"""Record LLaMA-Factory 0.9.5 goldens: its own `get_dataset(stage="sft")` on the parity rows.

Run by record.sh inside .parity-venvs/llamafactory-0.9.5 (never imported by sftlint):

    HF_HUB_OFFLINE=1 PYTHONPATH=parity/llamafactory/shim python parity/llamafactory/record.py

The path mirrored is `llamafactory.train.sft.workflow.run_sft` up to its dataset:
    get_train_args(args)                          # hparams/parser.py, as `llamafactory-cli train`
    load_tokenizer(model_args)                    # model/loader.py
    get_template_and_fix_tokenizer(tok, data_args)  # data/template.py
    get_dataset(template, ..., stage="sft", ...)  # data/loader.py -> converter.align_dataset ->
                                                  # SupervisedDatasetProcessor.preprocess_dataset
Each row is its own one-line JSONL file and its own dataset_info.json entry, so one row's Arrow
schema (string vs object tool arguments, list content) never breaks another row, and a row that
get_dataset removes is known by index. Each row file carries every top-level key of its rows file
(null where the row lacks it), as `datasets`' JSON loader gives the row when it loads the whole
file. The rows file minus the rows that raise is also run through get_dataset in one go, and its
output must equal the per-row results, in order (meta.json: whole_file_check). A row it removes makes get_dataset raise "Cannot find valid
samples" (nothing left); that row is recorded as "dropped", with the warnings LLaMA-Factory logged
for it as the reason.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
from golden import ROWS, TOKENIZERS, write_goldens

VERSION = metadata.version("llamafactory")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("DISABLE_VERSION_CHECK", "0")

# dataset_info.json entries (LLaMA-Factory's own keys) for each rows file layout.
OPENAI_TAGS_AS_SHAREGPT = {  # the "OpenAI format" recipe of LLaMA-Factory's data/README.md
    "formatting": "sharegpt",
    "columns": {"messages": "messages"},
    "tags": {
        "role_tag": "role",
        "content_tag": "content",
        "user_tag": "user",
        "assistant_tag": "assistant",
        "system_tag": "system",
    },
}
OPENAI_FORMATTING = {  # converter.OpenAIDatasetConverter (tool_calls / tool messages)
    "formatting": "openai",
    "columns": {"messages": "messages", "tools": "tools"},
    "tags": {
        "role_tag": "role",
        "content_tag": "content",
        "user_tag": "user",
        "assistant_tag": "assistant",
        "system_tag": "system",
        "observation_tag": "tool",
        "function_tag": "function_call",
    },
}
SHAREGPT = {  # LLaMA-Factory's own ShareGPT layout (defaults: from/value, human/gpt, ...)
    "formatting": "sharegpt",
    "columns": {"messages": "conversations", "system": "system", "tools": "tools"},
}
ALPACA_FROM_PROMPT_COMPLETION = {
    "formatting": "alpaca",
    "columns": {"prompt": "prompt", "response": "completion"},
}

# Layouts the sft stage does not read, recorded to show what it does with them instead.
TEXT_AS_ALPACA = {  # the pt stage's entry for a text file (c4_demo): no response column
    "formatting": "alpaca",
    "columns": {"prompt": "text"},
}
PROMPT_AS_OPENAI = {  # the openai formatting reads one list of turns: the prompt alone
    "formatting": "openai",
    "columns": {"messages": "prompt"},
    "tags": OPENAI_FORMATTING["tags"],
}

BASE = {"train_on_prompt": False, "mask_history": False, "cutoff_len": 2048}

# (case name, tokenizer fixture, rows file, dataset_info entry, settings)
CASES = [
    (
        "sharegpt_openai_tags/default/qwen",
        "chatml",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "qwen"},
    ),
    (
        "sharegpt_openai_tags/train_on_prompt/qwen",
        "chatml",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "qwen", "train_on_prompt": True},
    ),
    (
        "sharegpt_openai_tags/mask_history/qwen",
        "chatml",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "qwen", "mask_history": True},
    ),
    (
        "sharegpt_openai_tags/cutoff_len_32/qwen",
        "chatml",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "qwen", "cutoff_len": 32},
    ),
    (
        "sharegpt_openai_tags/default/llama3",
        "llama3",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "llama3"},
    ),
    (
        "sharegpt_openai_tags/train_on_prompt/llama3",
        "llama3",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "llama3", "train_on_prompt": True},
    ),
    (
        "sharegpt_openai_tags/mask_history/llama3",
        "llama3",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "llama3", "mask_history": True},
    ),
    (
        "sharegpt_openai_tags/default/gemma",
        "gemma",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "gemma"},
    ),
    (
        "sharegpt_openai_tags/default/gemma3",
        "gemma",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "gemma3"},
    ),
    (
        "sharegpt_openai_tags/cutoff_len_32/gemma",
        "gemma",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "gemma", "cutoff_len": 32},
    ),
    (
        "sharegpt_openai_tags/default/empty",
        "chatml",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "empty"},
    ),
    (
        "sharegpt_openai_tags/default/default",
        "chatml",
        "chat.jsonl",
        OPENAI_TAGS_AS_SHAREGPT,
        {"template": "default"},
    ),
    ("openai/default/qwen", "chatml", "chat.jsonl", OPENAI_FORMATTING, {"template": "qwen"}),
    ("openai/default/llama3", "llama3", "chat.jsonl", OPENAI_FORMATTING, {"template": "llama3"}),
    ("sharegpt/default/qwen", "chatml", "sharegpt.jsonl", SHAREGPT, {"template": "qwen"}),
    (
        "sharegpt/train_on_prompt/qwen",
        "chatml",
        "sharegpt.jsonl",
        SHAREGPT,
        {"template": "qwen", "train_on_prompt": True},
    ),
    (
        "sharegpt/mask_history/qwen",
        "chatml",
        "sharegpt.jsonl",
        SHAREGPT,
        {"template": "qwen", "mask_history": True},
    ),
    ("sharegpt/default/llama3", "llama3", "sharegpt.jsonl", SHAREGPT, {"template": "llama3"}),
    ("sharegpt/default/gemma", "gemma", "sharegpt.jsonl", SHAREGPT, {"template": "gemma"}),
    (
        "alpaca/default/qwen",
        "chatml",
        "prompt_completion.jsonl",
        ALPACA_FROM_PROMPT_COMPLETION,
        {"template": "qwen"},
    ),
    (
        "alpaca/default/llama3",
        "llama3",
        "prompt_completion.jsonl",
        ALPACA_FROM_PROMPT_COMPLETION,
        {"template": "llama3"},
    ),
    ("alpaca_text/default/qwen", "chatml", "text.jsonl", TEXT_AS_ALPACA, {"template": "qwen"}),
    (
        "openai_prompt/default/qwen",
        "chatml",
        "prompt_completion.jsonl",
        PROMPT_AS_OPENAI,
        {"template": "qwen"},
    ),
]


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.messages.append(record.getMessage())


def short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def main() -> int:
    # Llama3ToolUtils writes "Today Date: <datetime.now()>" into the system turn of rows with
    # tools: the day is pinned so that re-recording gives the same goldens (see meta "date_pinned").
    import datetime as _dt

    import datasets
    import llamafactory.data.tool_utils as lf_tool_utils
    import tokenizers
    import torch
    import transformers
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer

    class _PinnedDatetime(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 12, 5, 12, 0, 0, tzinfo=tz)

    lf_tool_utils.datetime = _PinnedDatetime

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    transformers.logging.set_verbosity_error()

    only = set(sys.argv[1:])
    work = Path(tempfile.mkdtemp(prefix="parity-llamafactory-"))
    os.environ["HF_DATASETS_CACHE"] = str(work / "hf-datasets-cache")
    capture = Capture()
    lf_logger = logging.getLogger("llamafactory")
    lf_logger.addHandler(capture)

    # one data dir per rows file: rows/<file>/r<i>.jsonl (+ dataset_info.json written per case)
    row_counts: dict[str, int] = {}
    for rows_file in sorted({c[2] for c in CASES}):
        lines = (ROWS / rows_file).read_text(encoding="utf-8").splitlines()
        parsed = [json.loads(line) for line in lines]
        keys: list[str] = []
        for row in parsed:
            keys += [k for k in row if k not in keys]
        d = work / rows_file.replace(".", "_")
        d.mkdir(parents=True)
        for i, row in enumerate(parsed):
            full = {k: row.get(k) for k in keys}
            (d / f"r{i}.jsonl").write_text(
                json.dumps(full, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        row_counts[rows_file] = len(lines)

    out: list[dict] = []
    whole: dict[str, str] = {}
    started = time.time()
    for case, tok_name, rows_file, info, settings in CASES:
        if only and case not in only:
            continue
        t0 = time.time()
        data_dir = work / rows_file.replace(".", "_")
        n = row_counts[rows_file]
        (data_dir / "dataset_info.json").write_text(
            json.dumps(
                {
                    "all": {"file_name": "all.jsonl", **info},
                    **{f"r{i}": {"file_name": f"r{i}.jsonl", **info} for i in range(n)},
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        settings = {**BASE, **settings}
        args = {
            "stage": "sft",
            "do_train": True,
            "model_name_or_path": str(TOKENIZERS / tok_name),
            "finetuning_type": "lora",
            "dataset_dir": str(data_dir),
            "dataset": "r0",
            "output_dir": str(work / "out"),
            "overwrite_cache": True,
            "report_to": "none",
            **settings,
        }
        with contextlib.redirect_stdout(io.StringIO()):
            model_args, data_args, training_args, _ft, _gen = get_train_args(args)
            tokenizer_module = load_tokenizer(model_args)
            tokenizer = tokenizer_module["tokenizer"]
            template = get_template_and_fix_tokenizer(tokenizer, data_args)
        for i in range(n):
            data_args.dataset = [f"r{i}"]
            capture.messages.clear()
            rec = {
                "trainer": "llamafactory",
                "trainer_version": VERSION,
                "case": case,
                "tokenizer": tok_name,
                "settings": {"stage": "sft", "dataset_info": info, **settings},
                "rows_file": rows_file,
                "row": i,
            }
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    module = get_dataset(
                        template,
                        model_args,
                        data_args,
                        training_args,
                        stage="sft",
                        **tokenizer_module,
                    )
                ds = module["train_dataset"]
                assert len(ds) == 1, len(ds)
                rec.update(
                    status="ok",
                    reason=short("; ".join(capture.messages)) or None,
                    input_ids=list(ds[0]["input_ids"]),
                    labels=list(ds[0]["labels"]),
                )
            except RuntimeError as err:
                if "Cannot find valid samples" in str(err):
                    why = "; ".join(short(m, 120) for m in capture.messages) or str(err)
                    rec.update(status="dropped", reason=why, input_ids=None, labels=None)
                else:
                    rec.update(
                        status="error",
                        reason=short(f"{type(err).__name__}: {err}"),
                        input_ids=None,
                        labels=None,
                    )
            except Exception as err:  # the trainer raised on this row
                rec.update(
                    status="error",
                    reason=short(f"{type(err).__name__}: {err}"),
                    input_ids=None,
                    labels=None,
                )
            out.append(rec)
        mine = [r for r in out if r["case"] == case]
        raising = [r["row"] for r in mine if r["status"] == "error"]
        if len(raising) == len(mine):
            whole[case] = "skipped: every row raises"
        else:
            # the rows that do not raise, as one file, in one get_dataset run
            with open(data_dir / "all.jsonl", "w", encoding="utf-8") as f:
                for i, line in enumerate(
                    (ROWS / rows_file).read_text(encoding="utf-8").splitlines()
                ):
                    if i not in raising:
                        f.write(line + "\n")
            data_args.dataset = ["all"]
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    module = get_dataset(
                        template,
                        model_args,
                        data_args,
                        training_args,
                        stage="sft",
                        **tokenizer_module,
                    )
                got = [(list(x["input_ids"]), list(x["labels"])) for x in module["train_dataset"]]
                want = [(r["input_ids"], r["labels"]) for r in mine if r["status"] == "ok"]
                whole[case] = (
                    "match" if got == want else f"MISMATCH: {len(got)} rows vs {len(want)} per row"
                )
                if raising:
                    whole[case] += f" (rows {raising} left out: they raise)"
            except Exception as err:
                whole[case] = short(f"whole file raises {type(err).__name__}: {err}", 200)
        stats = {}
        for r in out:
            if r["case"] == case:
                stats[r["status"]] = stats.get(r["status"], 0) + 1
        print(f"{case}: {stats} ({time.time() - t0:.1f}s)", file=sys.stderr, flush=True)

    name = f"llamafactory-{VERSION}"
    meta = {
        "trainer": "llamafactory",
        "trainer_version": VERSION,
        "versions": {
            "llamafactory": VERSION,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "datasets": datasets.__version__,
            "torch": torch.__version__,
            "python": platform.python_version(),
            "torchaudio": "stub (parity/llamafactory/shim): no build for torch 2.13; text-only rows never call it",
        },
        "upstream": [
            "llamafactory/hparams/parser.py: get_train_args",
            "llamafactory/model/loader.py: load_tokenizer",
            "llamafactory/data/template.py: get_template_and_fix_tokenizer, Template.encode_multiturn",
            "llamafactory/data/loader.py: get_dataset(stage='sft')",
            "llamafactory/data/converter.py: SharegptDatasetConverter, OpenAIDatasetConverter, AlpacaDatasetConverter",
            "llamafactory/data/processor/supervised.py: SupervisedDatasetProcessor.preprocess_dataset",
        ],
        "method": "each row is its own one-line JSONL file and dataset_info.json entry; get_dataset per row; "
        "'Cannot find valid samples' (nothing left) => status dropped, reason = LLaMA-Factory's warnings",
        "cases": sorted({r["case"] for r in out}),
        "whole_file_check": whole,
        "rows": len(out),
        "recorded_at": time.strftime("%Y-%m-%d", time.gmtime()),
        "date_pinned": "template llama3 with tools writes 'Today Date: <datetime.now()>' into the system turn "
        "(tool_utils.Llama3ToolUtils); record.py pins now() to 2026-12-05, so those rows read 'Today Date: 05 Dec 2026'",
        "seconds": round(time.time() - started, 1),
    }
    write_goldens(name, out, meta)
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {len(out)} goldens in {time.time() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
