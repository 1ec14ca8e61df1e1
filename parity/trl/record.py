"""Record TRL goldens: SFTTrainer's own data preparation, row by row, on CPU.

Run inside the TRL venv (parity/trl/record.sh builds it):
    HF_HUB_OFFLINE=1 python parity/trl/record.py

For each case a real `SFTTrainer` is built (tiny random LlamaForCausalLM from a local config,
the fixture tokenizer, an `SFTConfig`). Each parity row is then passed, alone, through the
trainer's own `SFTTrainer._prepare_dataset` (the function `SFTTrainer.__init__` runs on
`train_dataset`), and the prepared example through the trainer's own `data_collator`:
the collator's `labels` are the golden labels. One row at a time, because TRL decides the
dataset format from the first row and one bad row aborts the whole `map`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import recording  # first: it sets the offline environment the libraries below read

# isort: split
import trl
from datasets import Dataset
from golden import GoldenWriter, read_rows, short_error, tokenizer_path, versions
from transformers import AutoTokenizer
from trl import SFTConfig, SFTTrainer

recording.quiet()

TRL_VERSION = trl.__version__

# (case, tokenizer, rows_file, SFTConfig overrides). Settings use TRL's own names.
CASES = []
for tok in ("chatml", "llama3", "gemma"):
    CASES.append((f"default/{tok}", tok, "chat.jsonl", {}))
for tok in ("chatml", "llama3", "gemma"):
    CASES.append((f"assistant_only/{tok}", tok, "chat.jsonl", {"assistant_only_loss": True}))
for tok in ("chatml", "llama3", "gemma"):
    # completion_only_loss defaults to None = on for prompt/completion datasets.
    CASES.append((f"completion_only/{tok}", tok, "prompt_completion.jsonl", {}))
CASES += [
    (
        "completion_only_off/chatml",
        "chatml",
        "prompt_completion.jsonl",
        {"completion_only_loss": False},
    ),
    (
        "completion_and_assistant_only/chatml",
        "chatml",
        "prompt_completion.jsonl",
        {"assistant_only_loss": True},
    ),
    (
        "assistant_only_max_length_64/chatml",
        "chatml",
        "chat.jsonl",
        {"assistant_only_loss": True, "max_length": 64},
    ),
    ("default_max_length_64/chatml", "chatml", "chat.jsonl", {"max_length": 64}),
]
RECORDED_SETTINGS = (
    "assistant_only_loss",
    "completion_only_loss",
    "max_length",
    "truncation_mode",
    "packing",
    "padding_free",
    "dataset_text_field",
)


def first_good_row(rows: list[dict], rows_file: str) -> dict:
    # The dataset SFTTrainer.__init__ sees only decides the format (messages vs
    # prompt/completion) and completion_only_loss's default; the rows are prepared below.
    if rows_file == "prompt_completion.jsonl":
        return next(r for r in rows if isinstance(r["prompt"], list))
    return rows[0]


def run_case(
    w: GoldenWriter, case: str, tok_name: str, rows_file: str, overrides: dict, outdir: str
) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path(tok_name))
    rows = read_rows(rows_file)
    args = SFTConfig(
        output_dir=outdir,
        report_to="none",
        use_cpu=True,
        bf16=False,
        fp16=False,
        dataset_num_proc=None,
        **overrides,
    )
    trainer = SFTTrainer(
        model=recording.tiny_model(len(tokenizer)),
        args=args,
        train_dataset=Dataset.from_list([first_good_row(rows, rows_file)]),
        processing_class=tokenizer,
    )
    settings = {k: getattr(trainer.args, k) for k in RECORDED_SETTINGS if hasattr(trainer.args, k)}
    # What the trainer resolved completion_only_loss to (None in the config = decided from the data).
    settings["completion_only_loss (resolved)"] = getattr(trainer, "completion_only_loss", None)
    w.case(case, tok_name, settings, rows_file, config_overrides=overrides)
    for i, row in enumerate(rows):
        try:
            prepared = trainer._prepare_dataset(
                Dataset.from_list([row]),
                trainer.processing_class,
                trainer.args,
                trainer.args.packing,
                None,
                "train",
            )
        except Exception as e:  # the trainer's own message, e.g. a template error
            w.add(case, i, "error", short_error(e))
            continue
        if len(prepared) == 0:
            w.add(
                case,
                i,
                "dropped",
                'SFTTrainer._prepare_dataset filtered the row out: fully masked after truncation to max_length ("Dropping fully masked examples")',
            )
            continue
        example = prepared[0]
        batch = trainer.data_collator([example])
        ids = batch["input_ids"][0]
        labels = batch["labels"][0]
        assert ids.tolist() == list(example["input_ids"])
        w.add(case, i, "ok", None, ids, labels)


def main() -> None:
    w = GoldenWriter("trl", TRL_VERSION)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as outdir:
        for case, tok, rows_file, overrides in CASES:
            t = time.time()
            run_case(w, case, tok, rows_file, overrides, outdir)
            print(f"{case}: {time.time() - t:.1f}s", flush=True)
    upstream = {
        "file": "trl/trainer/sft_trainer.py",
        "functions": [
            "SFTTrainer._prepare_dataset (tokenize_fn: apply_chat_template(tools=..., return_assistant_tokens_mask=assistant_only_loss); completion mask; truncation)",
            "DataCollatorForLanguageModeling.torch_call (labels)",
        ],
        "release": f"trl {TRL_VERSION} (PyPI wheel)",
    }
    out = w.write(
        {
            "versions": versions(
                "trl", "transformers", "tokenizers", "datasets", "torch", "accelerate", "jinja2"
            ),
            "upstream": upstream,
            "how": "each row alone: Dataset.from_list([row]) -> trainer._prepare_dataset(...) -> trainer.data_collator([example]); "
            "model: random LlamaForCausalLM(hidden 16, 1 layer) with the tokenizer's vocab size, CPU",
        }
    )
    print(f"wrote {out} ({len(w.lines)} lines) in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
