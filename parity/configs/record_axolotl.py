"""Record goldens for the Axolotl example configs in parity/configs/axolotl/ (Axolotl's own data path).

Run by parity/configs/record.sh inside .parity-venvs/axolotl-0.19.0. What `axolotl preprocess
CONFIG` runs (cli/preprocess.py: do_cli) up to its datasets, from the config's own folder (its
relative paths are relative to it):
    load_cfg(cfg)             # cli/config.py: validate_config + normalize_config (defaults filled)
    load_datasets(cfg=cfg)    # common/datasets.py -> prepare_datasets -> chat_template strategy ->
                              # handle_long_seq_in_dataset (drops rows over sequence_len) ->
                              # process_datasets_for_packing when sample_packing (drops rows that
                              # train nothing)
The config runs once as written (the "whole run"), and once per row: each row alone in a one-line
file, so a row the pipeline removes is known by index (the whole run shuffles, and drops rows
without saying which). The rows of the whole run (train + eval split) must equal the per-row results
as a multiset (whole_run_check).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    HERE,
    ROOT,
    error,
    full_keys,
    read_rows,
    rel,
    row_result,
    short,
    versions,
    write_golden,
)

CONFIGS = sorted((HERE / "axolotl").glob("*.yml"))
# Only where Axolotl writes (never read back): a fresh temporary folder per run.
WRITES = ("output_dir", "dataset_prepared_path")


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if record.levelno >= logging.WARNING or msg.startswith("Dropped"):
            self.messages.append(short(msg, 200))


def main() -> int:
    os.environ["AXOLOTL_IS_PREPROCESS"] = "1"
    import axolotl.utils.data.sft as axolotl_sft
    import datasets
    import yaml
    from axolotl.cli.config import load_cfg
    from axolotl.common.datasets import load_datasets
    from axolotl.utils.dict import DictDefault

    # save_preprocessed_dataset only writes the prepared dataset to dataset_prepared_path (read by
    # nothing here); datasets starts a spawn-mode process pool for each save (~6 s a run).
    axolotl_sft.save_preprocessed_dataset = lambda *args, **kwargs: None
    datasets.disable_progress_bars()
    capture = Capture()
    logging.getLogger("axolotl").addHandler(capture)
    work = Path(tempfile.mkdtemp(prefix="parity-configs-axolotl-"))
    os.environ["HF_DATASETS_CACHE"] = str(work / "hf-datasets-cache")
    only = set(sys.argv[1:])
    runs = 0

    def run(raw: dict):
        nonlocal runs
        runs += 1
        raw = {**raw, **{k: str(work / f"{k}-{runs}") for k in WRITES}}
        capture.messages.clear()
        cfg = load_cfg(DictDefault(raw), is_preprocess=True)
        cfg.is_preprocess = True
        meta = load_datasets(cfg=cfg)
        rows = list(meta.train_dataset)
        if meta.eval_dataset is not None:
            rows += list(meta.eval_dataset)
        return cfg, rows

    for config in CONFIGS:
        if only and config.stem not in only:
            continue
        started = time.time()
        os.chdir(config.parent)
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        try:
            cfg, whole = run(raw)
            check = ""
        except Exception as e:  # one row that raises stops the whole run: rerun without it below
            whole, check = None, f"the config as written raises {error(e)}"
        out = []
        for k, ds in enumerate(raw["datasets"]):
            path = (config.parent / ds["path"]).resolve()
            rows = []
            for i, row in enumerate(full_keys(read_rows(path))):
                one = work / f"{config.stem}-{k}-{i}.jsonl"
                one.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
                # one row cannot be split into train and eval sets: val_set_size 0 per row
                single = {**raw, "datasets": [{**ds, "path": str(one)}], "val_set_size": 0}
                try:
                    _, got = run(single)
                except ValueError as e:
                    if "no samples left after dropping" in str(e):
                        why = [m for m in capture.messages if m.startswith("Dropped")]
                        rows.append(row_result(i, "dropped", "; ".join(why) or error(e)))
                    else:
                        rows.append(row_result(i, "error", error(e)))
                    continue
                except Exception as e:  # the trainer raised on this row
                    rows.append(row_result(i, "error", error(e)))
                    continue
                if got:
                    rows.append(row_result(i, "ok", None, got[0]["input_ids"], got[0]["labels"]))
                else:
                    why = [m for m in capture.messages if m.startswith("Dropped")]
                    rows.append(row_result(i, "dropped", "; ".join(why) or None))
            out.append({"path": rel(path), "rows": rows})
        if whole is None:
            # the whole run minus the rows that raise (each data file rewritten without them)
            without = dict(raw, datasets=[])
            for k, (ds, d) in enumerate(zip(raw["datasets"], out, strict=True)):
                rows = read_rows(ROOT / d["path"])
                part = work / f"{config.stem}-{k}-without-errors.jsonl"
                part.write_text(
                    "".join(
                        json.dumps(rows[r["row"]], ensure_ascii=False) + "\n"
                        for r in d["rows"]
                        if r["status"] != "error"
                    ),
                    encoding="utf-8",
                )
                without["datasets"].append({**ds, "path": str(part)})
            cfg, whole = run(without)
            check += "; without the rows that raise: "
        want = sorted(
            (r["input_ids"], r["labels"]) for d in out for r in d["rows"] if r["status"] == "ok"
        )
        got = sorted((list(x["input_ids"]), list(x["labels"])) for x in whole)
        check += "match" if got == want else f"MISMATCH: {len(got)} rows vs {len(want)} per row"
        settings = {
            k: cfg.get(k)
            for k in (
                "sequence_len",
                "sample_packing",
                "train_on_inputs",
                "chat_template",
                "eot_tokens",
                "val_set_size",
            )
        }
        settings["datasets"] = [
            {**{k: v for k, v in dict(d).items() if v is not None}, "path": ds["path"]}
            for d, ds in zip(cfg.datasets, raw["datasets"], strict=True)
        ]
        write_golden(
            "axolotl",
            config,
            {
                "trainer_version": versions("axolotl")["axolotl"],
                "versions": versions("axolotl", "transformers", "tokenizers", "datasets", "torch"),
                "upstream": [
                    "axolotl/cli/config.py: load_cfg (validate_config, normalize_config)",
                    "axolotl/common/datasets.py: load_datasets",
                    "axolotl/utils/data/sft.py: prepare_datasets",
                    "axolotl/prompt_strategies/chat_template.py: ChatTemplateStrategy.tokenize_prompt",
                    "axolotl/utils/data/utils.py: handle_long_seq_in_dataset",
                    "axolotl/utils/trainer.py: process_datasets_for_packing (sample_packing)",
                ],
                "method": "load_cfg + load_datasets as `axolotl preprocess` runs them, from the "
                "config's folder: once on the config as written, once per row",
                "harness": [
                    "output_dir and dataset_prepared_path: a temporary folder (only written)",
                    "save_preprocessed_dataset: a no-op (it only writes the prepared dataset)",
                    "per-row runs: the row alone in a one-line file with every top-level key of "
                    "its file (null where it lacks it), val_set_size 0",
                    "base_model: a folder with the fixture tokenizer and a config.json; no "
                    "weights are loaded by preprocessing",
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
