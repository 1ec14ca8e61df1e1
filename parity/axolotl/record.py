"""Record Axolotl 0.19.0 goldens: its own `axolotl preprocess` data path on the parity rows.

Run by record.sh inside .parity-venvs/axolotl-0.19.0 (never imported by sftlint). The path mirrored
is `axolotl.cli.preprocess.do_cli` up to its datasets:
    load_cfg(config)             # cli/config.py: validate_config + normalize_config (defaults filled)
    cfg.is_preprocess = True     # with AXOLOTL_IS_PREPROCESS=1, as do_cli sets
    load_datasets(cfg=cfg)       # common/datasets.py -> load_tokenizer -> prepare_datasets ->
                                 #   get_dataset_wrapper -> prompt_strategies.chat_template.load
                                 #   (StrategyLoader) -> ChatTemplateStrategy.tokenize_prompt ->
                                 #   handle_long_seq_in_dataset (drop rows over sequence_len or
                                 #   under min_sample_len) -> process_datasets_for_packing when
                                 #   sample_packing ("Dropped N samples with no trainable tokens")
Each row is its own one-line JSONL file (carrying every top-level key of its rows file, null where
the row lacks it, as `datasets` gives the row when it loads the whole file) and its own run, so a
row the pipeline removes is known by index. The rows file minus the rows that raise is also run in
one go and must give the same rows (as a multiset: shuffle_merged_datasets, on by
default, shuffles even a single dataset) (meta.json: whole_file_check). save_preprocessed_dataset,
which only writes the final dataset to dataset_prepared_path, is replaced by a no-op (datasets 4.8.4
starts a spawn-mode process pool for each save: ~6 s a row).
Top-level imports stay stdlib-only: a spawn-mode helper process (datasets) re-imports this module.
"""

from __future__ import annotations

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

HERE = Path(__file__).resolve().parent

# a minimal config.json beside each fixture tokenizer, so base_model is a local folder
MODEL_TYPES = {"chatml": "qwen2", "llama3": "llama", "gemma": "gemma3_text"}

SHAREGPT_MAP = {
    "field_messages": "conversations",
    "message_property_mappings": {"role": "from", "content": "value"},
}

# (case name, tokenizer fixture, rows file (in parity/rows), top-level cfg, dataset cfg)
CASES = [
    ("roles_assistant/eos_turn/chatml", "chatml", "chat.jsonl", {}, {}),
    ("roles_assistant/eos_all/chatml", "chatml", "chat.jsonl", {}, {"train_on_eos": "all"}),
    ("roles_assistant/eos_last/chatml", "chatml", "chat.jsonl", {}, {"train_on_eos": "last"}),
    ("roles_assistant/eos_none/chatml", "chatml", "chat.jsonl", {}, {"train_on_eos": "none"}),
    (
        "roles_user_assistant/eos_turn/chatml",
        "chatml",
        "chat.jsonl",
        {},
        {"roles_to_train": ["user", "assistant"]},
    ),
    ("train_on_inputs/eos_turn/chatml", "chatml", "chat.jsonl", {"train_on_inputs": True}, {}),
    ("sequence_len_48/chatml", "chatml", "chat.jsonl", {"sequence_len": 48}, {}),
    ("sample_packing/chatml", "chatml", "chat.jsonl", {"sample_packing": True}, {}),
    ("builtin_template_chatml/chatml", "chatml", "chat.jsonl", {}, {"chat_template": "chatml"}),
    (
        "message_field_training/chatml",
        "chatml",
        "rows_train_flags.jsonl",
        {},
        {"message_field_training": "train"},
    ),
    ("sharegpt_mapping/chatml", "chatml", "sharegpt.jsonl", {}, dict(SHAREGPT_MAP)),
    ("roles_assistant/eos_turn/llama3", "llama3", "chat.jsonl", {}, {}),
    ("roles_assistant/eos_all/llama3", "llama3", "chat.jsonl", {}, {"train_on_eos": "all"}),
    (
        "roles_user_assistant/eos_turn/llama3",
        "llama3",
        "chat.jsonl",
        {},
        {"roles_to_train": ["user", "assistant"]},
    ),
    ("builtin_template_llama3/llama3", "llama3", "chat.jsonl", {}, {"chat_template": "llama3"}),
    (
        "message_field_training/llama3",
        "llama3",
        "rows_train_flags.jsonl",
        {},
        {"message_field_training": "train"},
    ),
    ("roles_assistant/eos_turn/gemma", "gemma", "chat.jsonl", {}, {}),
    ("roles_assistant/eos_all/gemma", "gemma", "chat.jsonl", {}, {"train_on_eos": "all"}),
    ("roles_assistant/eos_last/gemma", "gemma", "chat.jsonl", {}, {"train_on_eos": "last"}),
    ("eot_tokens_end_of_turn/gemma", "gemma", "chat.jsonl", {"eot_tokens": ["<end_of_turn>"]}, {}),
    ("builtin_template_gemma3/gemma", "gemma", "chat.jsonl", {}, {"chat_template": "gemma3"}),
]


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if record.levelno >= logging.WARNING or msg.startswith("Dropped"):
            self.messages.append(" ".join(msg.split())[:200])


def rows_path(rows_file: str) -> Path:
    return ROWS / rows_file


def main() -> int:
    os.environ["AXOLOTL_IS_PREPROCESS"] = "1"
    # save_preprocessed_dataset only writes the final (already filtered) dataset to
    # dataset_prepared_path; datasets 4.8.4 starts a spawn-mode process pool for every save
    # (~6 s a row here), so it is replaced by a no-op. Nothing read back depends on it.
    import axolotl.utils.data.sft as axolotl_sft
    import datasets
    import tokenizers
    import torch
    import transformers
    from axolotl.cli.config import load_cfg
    from axolotl.common.datasets import load_datasets
    from axolotl.utils.dict import DictDefault

    axolotl_sft.save_preprocessed_dataset = lambda *args, **kwargs: None

    datasets.disable_progress_bars()
    only = set(sys.argv[1:])
    version = metadata.version("axolotl")
    work = Path(tempfile.mkdtemp(prefix="parity-axolotl-"))
    os.environ["HF_DATASETS_CACHE"] = str(work / "hf-datasets-cache")
    capture = Capture()
    logging.getLogger("axolotl").addHandler(capture)

    models = {}
    for tok, mtype in MODEL_TYPES.items():
        d = work / "models" / tok
        shutil.copytree(TOKENIZERS / tok, d)
        (d / "config.json").write_text(
            json.dumps(
                {
                    "model_type": mtype,
                    "vocab_size": 1024,
                    "hidden_size": 64,
                    "num_hidden_layers": 1,
                    "num_attention_heads": 2,
                    "num_key_value_heads": 2,
                    "intermediate_size": 128,
                }
            ),
            encoding="utf-8",
        )
        models[tok] = d

    row_files: dict[str, list[Path]] = {}
    for rows_file in sorted({c[2] for c in CASES}):
        parsed = [
            json.loads(x) for x in rows_path(rows_file).read_text(encoding="utf-8").splitlines()
        ]
        keys: list[str] = []
        for row in parsed:
            keys += [k for k in row if k not in keys]
        d = work / "rows" / rows_file.replace(".", "_")
        d.mkdir(parents=True)
        paths = []
        for i, row in enumerate(parsed):
            p = d / f"r{i}.jsonl"
            p.write_text(
                json.dumps({k: row.get(k) for k in keys}, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
            paths.append(p)
        row_files[rows_file] = paths

    run_no = 0

    def run(tok: str, path: Path, top: dict, ds: dict):
        nonlocal run_no
        run_no += 1
        raw = {
            "base_model": str(models[tok]),
            "datasets": [{"path": str(path), "ds_type": "json", "type": "chat_template", **ds}],
            "output_dir": str(work / "out"),
            "dataset_prepared_path": str(work / "prepared" / str(run_no)),
            "dataset_num_proc": 1,
            "micro_batch_size": 1,
            "gradient_accumulation_steps": 1,
            "num_epochs": 1,
            "learning_rate": 1e-4,
            **top,
        }
        cfg = load_cfg(DictDefault(raw), is_preprocess=True)
        cfg.is_preprocess = True
        resolved = {
            k: cfg.get(k)
            for k in (
                "sequence_len",
                "train_on_inputs",
                "sample_packing",
                "min_sample_len",
                "excess_length_strategy",
                "eot_tokens",
            )
        }
        ds_resolved = {
            k: v
            for k, v in dict(cfg.datasets[0]).items()
            if k not in ("path", "ds_type", "trust_remote_code")
        }
        meta = load_datasets(cfg=cfg)
        return meta.train_dataset, resolved, ds_resolved

    out: list[dict] = []
    whole: dict[str, str] = {}
    started = time.time()
    for case, tok, rows_file, top, ds in CASES:
        if only and case not in only:
            continue
        t0 = time.time()
        mine = []
        for i, path in enumerate(row_files[rows_file]):
            capture.messages.clear()
            rec = {
                "trainer": "axolotl",
                "trainer_version": version,
                "case": case,
                "tokenizer": tok,
                "settings": {**top, "datasets": [{"type": "chat_template", **ds}]},
                "rows_file": rows_file,
                "row": i,
            }
            try:
                train, resolved, ds_resolved = run(tok, path, top, ds)
                rec["settings"] = {**resolved, "datasets": [ds_resolved]}
                warnings = sorted(set(capture.messages))
                if len(train) == 1:
                    rec.update(
                        status="ok",
                        reason=None,
                        input_ids=list(train[0]["input_ids"]),
                        labels=list(train[0]["labels"]),
                    )
                else:
                    rec.update(
                        status="dropped",
                        reason="; ".join(m for m in warnings if m.startswith("Dropped"))
                        or "; ".join(warnings)
                        or None,
                        input_ids=None,
                        labels=None,
                    )
                rec["warnings"] = warnings
            except ValueError as err:
                if "no samples left after dropping samples with no trainable tokens" in str(err):
                    why = [m for m in capture.messages if m.startswith("Dropped")]
                    rec.update(
                        status="dropped",
                        reason="; ".join(why) or str(err)[:200],
                        input_ids=None,
                        labels=None,
                    )
                else:
                    rec.update(
                        status="error",
                        reason=f"ValueError: {' '.join(str(err).split())[:300]}",
                        input_ids=None,
                        labels=None,
                    )
                rec["warnings"] = sorted(set(capture.messages))
            except Exception as err:  # the trainer raised on this row
                rec.update(
                    status="error",
                    reason=f"{type(err).__name__}: {' '.join(str(err).split())[:300]}",
                    input_ids=None,
                    labels=None,
                )
                rec["warnings"] = sorted(set(capture.messages))
            mine.append(rec)
        # the whole rows file in one run must give the per-row results, in order
        raising = [r["row"] for r in mine if r["status"] == "error"]
        if len(raising) == len(mine):
            whole[case] = "skipped: every row raises"
        else:
            # the rows that do not raise, as one file, in one run
            whole_path = work / "rows" / rows_file.replace(".", "_") / f"all-{run_no}.jsonl"
            with open(whole_path, "w", encoding="utf-8") as f:
                for i, line in enumerate(
                    rows_path(rows_file).read_text(encoding="utf-8").splitlines()
                ):
                    if i not in raising:
                        f.write(line + "\n")
            try:
                train, _, _ = run(tok, whole_path, top, ds)
                # shuffle_merged_datasets (default true) shuffles even one dataset: compare as multisets
                got = sorted((list(x["input_ids"]), list(x["labels"])) for x in train)
                want = sorted((r["input_ids"], r["labels"]) for r in mine if r["status"] == "ok")
                whole[case] = (
                    "match" if got == want else f"MISMATCH: {len(got)} rows vs {len(want)} per row"
                )
                if raising:
                    whole[case] += f" (rows {raising} left out: they raise)"
            except Exception as err:
                whole[case] = (
                    f"whole file raises {type(err).__name__}: {' '.join(str(err).split())[:200]}"
                )
        out += mine
        stats: dict[str, int] = {}
        for r in mine:
            stats[r["status"]] = stats.get(r["status"], 0) + 1
        print(
            f"PARITY {case}: {stats} whole file: {whole[case][:80]} ({time.time() - t0:.1f}s)",
            file=sys.stderr,
            flush=True,
        )

    name = f"axolotl-{version}"
    meta = {
        "trainer": "axolotl",
        "trainer_version": version,
        "versions": {
            "axolotl": version,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "datasets": datasets.__version__,
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
        "upstream": [
            "axolotl/cli/config.py: load_cfg (validate_config, normalize_config)",
            "axolotl/common/datasets.py: load_datasets",
            "axolotl/utils/data/sft.py: prepare_datasets, _load_raw_datasets",
            "axolotl/utils/data/wrappers.py: get_dataset_wrapper",
            "axolotl/prompt_strategies/chat_template.py: load (StrategyLoader), ChatTemplateStrategy.tokenize_prompt",
            "axolotl/utils/data/utils.py: handle_long_seq_in_dataset (filter_sequences_by_length)",
            "axolotl/utils/trainer.py: process_datasets_for_packing (drop_no_trainable_tokens, sample_packing only)",
        ],
        "base_model": "a copy of the fixture tokenizer folder plus a minimal config.json: "
        + ", ".join(f"{k} -> model_type {v}" for k, v in MODEL_TYPES.items()),
        "method": "each row is its own one-line JSONL file and its own load_cfg + load_datasets run "
        "(as `axolotl preprocess`); an empty result => status dropped, reason = Axolotl's 'Dropped ...' log line",
        "cases": sorted({r["case"] for r in out}),
        "whole_file_check": whole,
        "rows": len(out),
        "seconds": round(time.time() - started, 1),
    }
    write_goldens(name, out, meta)
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {len(out)} goldens in {time.time() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
