"""Record Unsloth goldens: unsloth_zoo's own `train_on_responses_only`, on CPU.

Run inside an unsloth venv (parity/unsloth/record.sh builds it):
    UNSLOTH_ZOO_DISABLE_GPU_INIT=1 HF_HUB_OFFLINE=1 python parity/unsloth/record.py

What runs, per case (tokenizer + markers):
1. Each chat row is rendered the way Unsloth's notebooks do it (the user's formatting step):
   `tokenizer.apply_chat_template(messages, tools=tools, tokenize=False)`. A template error
   is that row's `error`.
2. A real TRL `SFTTrainer` (tiny random Llama, CPU) is built on the rendered texts with its
   `_prepare_dataset` replaced by unsloth_zoo's `sft_prepare_dataset`, as Unsloth patches it:
   this tokenizes the `text` column (Unsloth's double-BOS check, truncation to max_length).
3. `unsloth_zoo.dataset_utils.train_on_responses_only(trainer, instruction_part, response_part)`
   is called on that trainer, exactly as users call it. Its outcome (rows removed, or the
   exception when everything is masked) decides each row's status.
4. Per-row labels come from the same function's own masking closure
   (`train_on_responses_only(None, ..., tokenizer=tok, return_function=True)`), and are
   checked equal to the labels the trainer-level call left in `trainer.train_dataset`.

unsloth_zoo is imported with UNSLOTH_ZOO_DISABLE_GPU_INIT=1 (its own opt-out of the GPU
initialisation; without it `import unsloth_zoo` demands the `unsloth` package and a GPU).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("UNSLOTH_ZOO_DISABLE_GPU_INIT", "1")
os.environ.setdefault("UNSLOTH_DATASET_NUM_PROC", "0")  # in-process maps (shared 2-core machine)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import recording  # first: it sets the offline environment the libraries below read

# isort: split
import unsloth_zoo
from datasets import Dataset
from golden import GoldenWriter, read_rows, short_error, tokenizer_path, versions
from transformers import AutoTokenizer
from trl import SFTConfig, SFTTrainer
from unsloth_zoo.dataset_utils import sft_prepare_dataset, train_on_responses_only

recording.quiet()

# As Unsloth itself does (unsloth/models/rl.py patches the trainer's dataset preparation).
SFTTrainer._prepare_dataset = sft_prepare_dataset

VERSION = unsloth_zoo.__version__
MARKERS = {
    "chatml": ("<|im_start|>user\n", "<|im_start|>assistant\n"),
    "llama3": (
        "<|start_header_id|>user<|end_header_id|>\n\n",
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
    ),
    "gemma": ("<start_of_turn>user\n", "<start_of_turn>model\n"),
}
# (case, tokenizer, instruction_part, response_part, extra train_on_responses_only kwargs, SFTConfig overrides)
CASES = [(f"responses_only/{t}", t, *MARKERS[t], {}, {}) for t in ("chatml", "llama3", "gemma")]
CASES += [
    # failure 1: bare markers on Gemma
    ("wrong_markers/gemma", "gemma", "user\n", "model\n", {}, {}),
    (
        "wrong_markers_assistant/gemma",
        "gemma",
        "<start_of_turn>user\n",
        "<start_of_turn>assistant\n",
        {},
        {},
    ),
    ("last_response_only/chatml", "chatml", *MARKERS["chatml"], {"last_response_only": True}, {}),
    ("responses_only_max_length_64/chatml", "chatml", *MARKERS["chatml"], {}, {"max_length": 64}),
]
CASES += [(f"auto_markers/{t}", t, None, None, {}, {}) for t in ("chatml", "llama3", "gemma")]


def render(tokenizer, row: dict) -> str:
    return tokenizer.apply_chat_template(row["messages"], tools=row.get("tools"), tokenize=False)


def run_case(
    w: GoldenWriter, case, tok_name, instruction_part, response_part, kwargs, overrides, outdir
) -> None:
    rows = read_rows("chat.jsonl")
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path(tok_name))
    texts: dict[int, str] = {}
    errors: dict[int, str] = {}
    for i, row in enumerate(rows):
        try:
            texts[i] = render(tokenizer, row)
        except Exception as e:
            errors[i] = short_error(e)
    order = sorted(texts)
    args = SFTConfig(
        output_dir=outdir,
        report_to="none",
        use_cpu=True,
        bf16=False,
        fp16=False,
        dataset_text_field="text",
        **overrides,
    )
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        trainer = SFTTrainer(
            model=recording.tiny_model(len(tokenizer)),
            args=args,
            train_dataset=Dataset.from_list([{"text": texts[i]} for i in order]),
            processing_class=tokenizer,
        )
    ids = {i: list(trainer.train_dataset[k]["input_ids"]) for k, i in enumerate(order)}

    # The masking closure (the same code the trainer-level call maps over the dataset).
    with contextlib.redirect_stdout(log):
        fn = train_on_responses_only(
            None,
            instruction_part,
            response_part,
            tokenizer=tokenizer,
            return_function=True,
            **kwargs,
        )
    labels = {i: fn({"input_ids": [ids[i]]})["labels"][0] for i in order}

    # The real call on the trainer: drops fully masked rows, or raises.
    outcome, message = "ok", None
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            train_on_responses_only(trainer, instruction_part, response_part, **kwargs)
    except Exception as e:
        outcome, message = "error", short_error(e)
    printed = out.getvalue()
    removed_msg = next((ln.strip() for ln in printed.splitlines() if "Removed" in ln), None)
    detected = next(
        (ln.strip() for ln in (log.getvalue() + printed).splitlines() if "Auto-detected" in ln),
        None,
    )

    fully_masked = [i for i in order if all(x == -100 for x in labels[i])]
    if outcome == "ok":
        kept = [i for i in order if i not in fully_masked]
        got = [list(trainer.train_dataset[k]["labels"]) for k in range(len(trainer.train_dataset))]
        assert len(got) == len(kept), (case, len(got), len(kept))
        for k, i in enumerate(kept):
            assert got[k] == labels[i], (case, i)

    settings = {
        "instruction_part": instruction_part,
        "response_part": response_part,
        "force_match": True,
        **kwargs,
        "max_length": trainer.args.max_length,
        "text": "tokenizer.apply_chat_template(messages, tools=tools, tokenize=False)",
    }
    if detected:
        settings["auto_detected"] = detected
    w.case(
        case,
        tok_name,
        settings,
        "chat.jsonl",
        dataset_outcome=outcome,
        dataset_message=message or removed_msg,
        dataset_rows=len(order),
        unsloth_output=printed.strip()[-2000:] or None,
    )
    for i in range(len(rows)):
        if i in errors:
            w.add(case, i, "error", errors[i])
        elif i in fully_masked:
            if outcome == "error":
                w.add(case, i, "error", message)
            else:
                w.add(case, i, "dropped", removed_msg or "all labels -100")
        else:
            w.add(case, i, "ok", None, ids[i], labels[i])


def main() -> None:
    w = GoldenWriter("unsloth", VERSION)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as outdir:
        for case, tok, ip, rp, kwargs, overrides in CASES:
            t = time.time()
            run_case(w, case, tok, ip, rp, kwargs, overrides, outdir)
            c = w.cases[case]
            print(
                f"{case}: {time.time() - t:.1f}s {c['dataset_outcome']} {(c['dataset_message'] or '')[:120]}",
                flush=True,
            )
    out = w.write(
        {
            "versions": versions(
                "unsloth_zoo", "trl", "transformers", "tokenizers", "datasets", "torch"
            ),
            "upstream": {
                "file": "unsloth_zoo/dataset_utils.py",
                "functions": [
                    "train_on_responses_only (trainer-level call: masking map, fully-masked filter, fix_zero_training_loss)",
                    "train_on_responses_only(..., return_function=True) -> _train_on_responses_only (per-row labels)",
                    "sft_prepare_dataset (patched in as SFTTrainer._prepare_dataset: tokenizes the text column)",
                ],
                "release": f"unsloth_zoo {VERSION} (PyPI wheel, installed --no-deps)",
            },
            "how": "UNSLOTH_ZOO_DISABLE_GPU_INIT=1; rows rendered with apply_chat_template(tokenize=False); "
            "template errors are per-row errors (a real formatting map would stop there); "
            "model: random LlamaForCausalLM(hidden 16, 1 layer), CPU",
        }
    )
    print(f"wrote {out} ({len(w.lines)} lines) in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
