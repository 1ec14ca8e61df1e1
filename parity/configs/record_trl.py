"""Record goldens for the TRL example configs in parity/configs/trl/ (`trl sft --config CONFIG`).

Run by parity/configs/record.sh inside .parity-venvs/trl-1.16.0. What `trl sft --config CONFIG`
runs (trl/scripts/sft.py) up to its training, from the config's own folder (its relative paths
are relative to it):
    TrlParser((ScriptArguments, SFTConfig, ModelConfig, DatasetMixtureConfig))
        .parse_args_and_config(["--config", CONFIG, "--output_dir", TMP, "--use_cpu", "true"])
    load_dataset(dataset_name, name=dataset_config)  (or get_dataset for a `datasets:` mixture)
    SFTTrainer(model=model_name_or_path, args=training_args, train_dataset=dataset[train_split],
               peft_config=get_peft_config(model_args))   # __init__ -> _prepare_dataset
The trainer's prepared train_dataset, through its own data_collator, gives each row's labels (the
"whole run"); each row is also prepared alone (`_prepare_dataset` on `dataset.select([i])`), so a
row the trainer drops is known by index, and once more with max_length None to tell whether
max_length cut it. The whole run must equal the per-row results in order (whole_run_check).
"""

from __future__ import annotations

import copy
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HERE, error, rel, row_result, versions, write_golden

CONFIGS = sorted((HERE / "trl").glob("*.yaml"))


def tiny_model(source: Path, into: Path) -> Path:
    """The config's model folder (tokenizer + config.json) with random weights of one small layer:
    the data path reads only the tokenizer; SFTTrainer still loads a model."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    shutil.copytree(source, into, symlinks=False)
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(into)).save_pretrained(into)
    return into


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import datasets
    import transformers
    from datasets import load_dataset
    from trl import SFTTrainer, get_dataset, get_peft_config
    from trl.scripts.sft import make_parser

    datasets.disable_progress_bars()
    datasets.disable_caching()
    transformers.logging.set_verbosity_error()
    warnings.filterwarnings("ignore")
    work = Path(tempfile.mkdtemp(prefix="parity-configs-trl-"))
    only = set(sys.argv[1:])

    for config in CONFIGS:
        if only and config.stem not in only:
            continue
        started = time.time()
        os.chdir(config.parent)
        out_dir = str(work / f"out-{config.stem}")
        script, args, model_args, mixture = make_parser().parse_args_and_config(
            ["--config", str(config), "--output_dir", out_dir, "--use_cpu", "true"],
            fail_with_unknown_args=False,
        )
        if mixture.datasets:
            dataset = get_dataset(mixture)
        else:
            dataset = load_dataset(script.dataset_name, name=script.dataset_config)
        train = dataset[script.dataset_train_split]
        model = tiny_model(Path(model_args.model_name_or_path), work / f"model-{config.stem}")
        trainer = SFTTrainer(
            model=str(model),
            args=args,
            train_dataset=train,
            peft_config=get_peft_config(model_args),
        )

        def labelled(example, trainer=trainer) -> tuple[list[int], list[int]]:
            batch = trainer.data_collator([example])
            return batch["input_ids"][0].tolist(), batch["labels"][0].tolist()

        whole = [labelled(x) for x in trainer.train_dataset]
        uncut_args = copy.copy(trainer.args)
        uncut_args.max_length = None
        rows = []
        for i in range(len(train)):

            def prepare(a, i=i, trainer=trainer, train=train):
                return trainer._prepare_dataset(
                    train.select([i]), trainer.processing_class, a, a.packing, None, "train"
                )

            try:
                got = prepare(trainer.args)
            except Exception as e:  # the trainer raised on this row
                rows.append(row_result(i, "error", error(e)))
                continue
            if len(got) == 0:
                rows.append(row_result(i, "dropped", "filtered out by _prepare_dataset"))
                continue
            ids, labels = labelled(got[0])
            uncut = prepare(uncut_args)[0]["input_ids"]
            rows.append(row_result(i, "ok", None, ids, labels, len(uncut) != len(ids)))
        want = [(r["input_ids"], r["labels"]) for r in rows if r["status"] == "ok"]
        check = "match" if whole == want else f"MISMATCH: {len(whole)} vs {len(want)} rows"
        # a local dataset folder holding the train split's one file
        (path,) = Path(script.dataset_name).resolve().glob("train*")
        settings = {
            k: getattr(trainer.args, k, None)
            for k in (
                "max_length",
                "truncation_mode",
                "assistant_only_loss",
                "completion_only_loss",
                "packing",
                "padding_free",
                "dataset_text_field",
            )
        }
        settings["dataset_name"] = script.dataset_name
        settings["dataset_train_split"] = script.dataset_train_split
        write_golden(
            "trl",
            config,
            {
                "trainer_version": versions("trl")["trl"],
                "versions": versions("trl", "transformers", "tokenizers", "datasets", "torch"),
                "upstream": [
                    "trl/scripts/sft.py: make_parser, main (up to SFTTrainer)",
                    "trl/trainer/sft_trainer.py: SFTTrainer.__init__, _prepare_dataset",
                    "trl/trainer/sft_trainer.py: DataCollatorForLanguageModeling (labels)",
                ],
                "method": "`trl sft --config` as trl/scripts/sft.py parses and loads it, from the "
                "config's folder; the trainer's prepared train_dataset through its data_collator; "
                "each row alone through _prepare_dataset (and with max_length None: `truncated`)",
                "harness": [
                    "--output_dir: a temporary folder (only written)",
                    "--use_cpu true: this machine has no GPU (bf16 is on by default)",
                    "model_name_or_path: a temporary copy of the folder with random weights of its "
                    "config.json (1 layer); the data path reads only its tokenizer",
                ],
                "settings": settings,
                "whole_run_check": check,
                "datasets": [{"path": rel(path), "rows": rows}],
            },
            started,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
