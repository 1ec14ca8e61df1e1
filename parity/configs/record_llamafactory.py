"""Record goldens for the LLaMA-Factory example configs in parity/configs/llamafactory/ (its own data path).

Run by parity/configs/record.sh inside .parity-venvs/llamafactory-0.9.5. The data half of
`llamafactory-cli train CONFIG` (train/sft/workflow.py: run_sft), from the config's own folder
(its relative paths are relative to it):
    get_train_args(config)                          # hparams/parser.py
    load_tokenizer(model_args)                      # model/loader.py
    get_template_and_fix_tokenizer(tok, data_args)  # data/template.py
    get_dataset(template, ..., stage="sft")         # data/loader.py -> converter.align_dataset ->
                                                    # SupervisedDatasetProcessor.preprocess_dataset
The config runs once as written (the "whole run"); then each row of each dataset it names runs
alone (its own one-line file and dataset_info.json entry), so a row LLaMA-Factory drops is known by
index, and once more with cutoff_len 10**9 to tell whether cutoff_len cut it. The whole run's rows
must equal the per-row results in order (whole_run_check).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HERE, error, full_keys, read_rows, rel, row_result, short, versions, write_golden

CONFIGS = sorted((HERE / "llamafactory").glob("*.yaml"))


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.messages.append(short(record.getMessage(), 120))


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import datasets
    import transformers
    import yaml
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    transformers.logging.set_verbosity_error()
    capture = Capture()
    logging.getLogger("llamafactory").addHandler(capture)
    work = Path(tempfile.mkdtemp(prefix="parity-configs-llamafactory-"))
    os.environ["HF_DATASETS_CACHE"] = str(work / "hf-datasets-cache")
    only = set(sys.argv[1:])

    for config in CONFIGS:
        if only and config.stem not in only:
            continue
        started = time.time()
        os.chdir(config.parent)
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        # output_dir is only written: a temporary folder; plot_loss draws the loss curve after
        # training (it wants matplotlib, which the data path never uses)
        args = {**raw, "output_dir": str(work / f"out-{config.stem}"), "plot_loss": False}
        with contextlib.redirect_stdout(io.StringIO()):
            model_args, data_args, training_args, _ft, _gen = get_train_args(args)
            tokenizer = load_tokenizer(model_args)
            template = get_template_and_fix_tokenizer(tokenizer["tokenizer"], data_args)

        def prepare(
            data, template=template, tokenizer=tokenizer, model=model_args, train=training_args
        ):
            capture.messages.clear()
            with contextlib.redirect_stdout(io.StringIO()):
                module = get_dataset(template, model, data, train, stage="sft", **tokenizer)
            return [(list(x["input_ids"]), list(x["labels"])) for x in module["train_dataset"]]

        try:
            whole, check = prepare(data_args), ""
        except Exception as e:
            whole, check = None, f"the config as written raises {error(e)}"
        info = json.loads((Path(data_args.dataset_dir) / "dataset_info.json").read_text())
        out = []
        for name in data_args.dataset:
            entry = info[name]
            path = Path(data_args.dataset_dir).resolve() / entry["file_name"]
            rows = []
            for i, row in enumerate(full_keys(read_rows(path))):
                one = work / f"{config.stem}-{name}-{i}"
                one.mkdir()
                (one / "row.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n")
                (one / "dataset_info.json").write_text(
                    json.dumps({"row": {**entry, "file_name": "row.jsonl"}})
                )
                data = copy.deepcopy(data_args)
                data.dataset_dir, data.dataset = str(one), ["row"]
                try:
                    got = prepare(data)
                except RuntimeError as e:
                    if "Cannot find valid samples" not in str(e):
                        rows.append(row_result(i, "error", error(e)))
                    else:
                        rows.append(row_result(i, "dropped", "; ".join(capture.messages) or None))
                    continue
                except Exception as e:  # the trainer raised on this row
                    rows.append(row_result(i, "error", error(e)))
                    continue
                data.cutoff_len = 10**9
                uncut = prepare(data)[0][0]
                ids, labels = got[0]
                rows.append(row_result(i, "ok", None, ids, labels, len(uncut) != len(ids)))
            out.append({"path": rel(path), "dataset": name, "rows": rows})
        if whole is None and data_args.preprocessing_num_workers:
            # tiny files over many workers: a shard whose rows are all dropped has null-typed
            # columns, and datasets cannot concatenate it with the others (not so with real data)
            data = copy.deepcopy(data_args)
            data.preprocessing_num_workers = None
            try:
                whole = prepare(data)
                check += "; with preprocessing_num_workers unset: "
            except Exception as e:
                check += f"; with preprocessing_num_workers unset too: {error(e)}"
        if whole is not None:
            want = [
                (r["input_ids"], r["labels"]) for d in out for r in d["rows"] if r["status"] == "ok"
            ]
            check += "match" if whole == want else f"MISMATCH: {len(whole)} vs {len(want)} rows"
        settings = {
            k: getattr(data_args, k)
            for k in ("template", "cutoff_len", "train_on_prompt", "mask_history", "dataset")
        }
        write_golden(
            "llamafactory",
            config,
            {
                "trainer_version": versions("llamafactory")["llamafactory"],
                "versions": versions(
                    "llamafactory", "transformers", "tokenizers", "datasets", "torch"
                ),
                "upstream": [
                    "llamafactory/hparams/parser.py: get_train_args",
                    "llamafactory/model/loader.py: load_tokenizer",
                    "llamafactory/data/template.py: get_template_and_fix_tokenizer",
                    "llamafactory/data/loader.py: get_dataset(stage='sft')",
                    "llamafactory/data/converter.py: align_dataset",
                    "llamafactory/data/processor/supervised.py: SupervisedDatasetProcessor",
                ],
                "method": "get_train_args + load_tokenizer + get_dataset as `llamafactory-cli "
                "train` runs them, from the config's folder: once on the config as written, once "
                "per row (and per row with cutoff_len 10**9: `truncated`)",
                "harness": [
                    "output_dir: a temporary folder (only written)",
                    "plot_loss: false (it plots the loss after training; needs matplotlib)",
                    "per-row runs: the row alone in a one-line file (every top-level key of its "
                    "file, null where it lacks it) with its dataset's dataset_info.json entry",
                    "torchaudio: the stand-in of parity/llamafactory/shim (text rows never call it)",
                ],
                "settings": settings,
                "whole_run_check": check,
                "datasets": out,
            },
            started,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
