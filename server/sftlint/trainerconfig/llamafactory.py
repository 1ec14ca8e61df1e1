"""LLaMA-Factory training configs (`llamafactory-cli train config.yaml`, 0.9.5) and the
`dataset_info.json` of their `dataset_dir`.

Defaults are LLaMA-Factory's own: `hparams/data_args.py` (`dataset_dir` "data",
`cutoff_len` 2048, `train_on_prompt` and `mask_history` false), `data/parser.py`
(`get_dataset_list`: a name must be a key of dataset_info.json; `DatasetAttr`: formatting
"alpaca", the ShareGPT tags) and `data/loader.py` (`_load_single_dataset`: a `file_name`
is a file or a folder under `dataset_dir`).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from .common import data_files, integer, local_path, name_list, tokenizer_of
from .model import DatasetRun, Issue, TrainerConfig
from .yamldoc import Document, DocumentError
from .yamldoc import load as load_document

DATASET_INFO = "dataset_info.json"
# data/template.py: every `register_template(name=...)` of 0.9.5.
TEMPLATES = frozenset(
    [
        "alpaca",
        "bailing",
        "bailing_v2",
        "breeze",
        "chatglm3",
        "chatml",
        "chatml_de",
        "cohere",
        "cpm4",
        "dbrx",
        "deepseek",
        "deepseek3",
        "deepseekr1",
        "hy3",
        "deepseekcoder",
        "default",
        "dots_ocr",
        "empty",
        "ernie",
        "ernie_nothink",
        "ernie_vl",
        "exaone",
        "falcon",
        "falcon_h1",
        "fewshot",
        "gemma",
        "gemma2",
        "gemma3",
        "gemma3n",
        "gemma4",
        "gemma4n",
        "glm4",
        "glm4_moe",
        "glm4v",
        "glm4_5v",
        "glm_ocr",
        "glm4_7",
        "glmz1",
        "gpt_oss",
        "granite3",
        "granite3_vision",
        "granite4",
        "index",
        "hunyuan",
        "hunyuan_small",
        "intern2",
        "intern_vl",
        "intern_s1",
        "keye_vl",
        "kimi_vl",
        "lfm2",
        "lfm2_vl",
        "llama2",
        "llama2_zh",
        "llama3",
        "llama4",
        "mllama",
        "moonlight",
        "llava",
        "llava_next",
        "llava_next_llama3",
        "llava_next_mistral",
        "llava_next_qwen",
        "llava_next_yi",
        "llava_next_video",
        "llava_next_video_mistral",
        "llava_next_video_yi",
        "mimo",
        "mimo_v2",
        "mimo_vl",
        "minicpm_v",
        "minicpm_v_4_6",
        "minicpm_o",
        "minimax1",
        "minimax2",
        "ministral",
        "mistral",
        "mistral_small",
        "ministral3",
        "olmo",
        "openchat",
        "openchat-3.6",
        "opencoder",
        "paligemma",
        "paligemma_chat",
        "phi",
        "phi_small",
        "phi4",
        "phi4_mini",
        "pixtral",
        "qwen",
        "qwen3",
        "qwen3_nothink",
        "qwen2_audio",
        "qwen2_omni",
        "qwen3_omni",
        "qwen3_omni_nothink",
        "qwen2_vl",
        "qwen3_vl",
        "qwen3_vl_nothink",
        "qwen3_5",
        "qwen3_5_nothink",
        "qwen3_6",
        "sailor",
        "seed_coder",
        "seed_oss",
        "smollm",
        "smollm2",
        "solar",
        "starchat",
        "telechat2",
        "vicuna",
        "video_llava",
        "xuanyuan",
        "yi",
        "yi_vl",
        "youtu",
        "youtu_vl",
        "yuan",
        "zephyr",
        "aeva",
    ]
)
# data/parser.py DatasetAttr: the columns an alpaca dataset reads unless `columns` says.
ALPACA_COLUMNS = {"prompt": "instruction", "query": "input", "response": "output"}
# Formatting -> the row format sftlint reads the rows as.
FORMATS = {"alpaca": "alpaca", "sharegpt": "sharegpt", "openai": "messages"}


def looks_like(value: dict[str, Any]) -> bool:
    return "model_name_or_path" in value and "dataset" in value and "template" in value


def read(doc: Document, config: TrainerConfig) -> None:
    from sftlint.masking.llamafactory import TEMPLATES as MIRRORED

    cfg: dict[str, Any] = doc.value
    base = doc.path.parent
    issues = config.issues
    tokenizer = tokenizer_of(
        cfg.get("model_name_or_path"), ("model_name_or_path",), base, issues, "model_name_or_path"
    )
    template = cfg.get("template")
    mirrored = True
    if template not in TEMPLATES:
        close = difflib.get_close_matches(str(template), sorted(TEMPLATES), n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        issues.append(
            Issue("G004", f"LLaMA-Factory has no template {template!r}{hint}", ("template",))
        )
        mirrored = False
    elif template not in MIRRORED:
        issues.append(
            Issue(
                "G011",
                f"LLaMA-Factory's {template!r} template is not one sftlint mirrors "
                f"({', '.join(MIRRORED)}): rows are checked for structure only",
                ("template",),
            )
        )
        mirrored = False
    if cfg.get("stage", "sft") != "sft":
        issues.append(
            Issue(
                "G011",
                f"stage {cfg.get('stage')!r} is not mirrored (sftlint mirrors stage sft): "
                "rows are checked for structure only",
                ("stage",),
            )
        )
        mirrored = False
    cutoff = integer(cfg, "cutoff_len", 2048, issues)
    info_doc = _dataset_info(cfg, base, issues)
    for i, name in enumerate(name_list(cfg.get("dataset"))):
        at: tuple = ("dataset", i) if isinstance(cfg.get("dataset"), list) else ("dataset",)
        run = _run(name, at, info_doc, issues)
        if run is None:
            continue
        run.mirrored = run.mirrored and mirrored
        if run.mirrored and tokenizer:
            run.table["tokenizer"] = tokenizer
        run.table.update(trainer="llama-factory", **{"chat-template": str(template)})
        run.table["max-seq-length"] = cutoff
        for key in ("train_on_prompt", "mask_history"):
            if cfg.get(key):
                run.table[key.replace("_", "-")] = True
        config.runs.append(run)


def _dataset_info(cfg: dict[str, Any], base: Path, issues: list[Issue]) -> Document | None:
    folder_name = cfg.get("dataset_dir") or "data"
    at = ("dataset_dir",) if "dataset_dir" in cfg else ("dataset",)
    folder = local_path(str(folder_name), base)
    if folder is None or not (folder / DATASET_INFO).is_file():
        issues.append(
            Issue(
                "G002",
                f"dataset_dir {str(folder_name)!r} has no {DATASET_INFO}, so LLaMA-Factory "
                "cannot resolve the dataset names",
                at,
            )
        )
        return None
    try:
        info = load_document(folder / DATASET_INFO)
    except DocumentError as err:
        issues.append(Issue("G001", f"{folder / DATASET_INFO}: {err}", at))
        return None
    if not isinstance(info.value, dict):
        issues.append(Issue("G001", f"{folder / DATASET_INFO} is not a JSON object", at))
        return None
    return info


def _run(name: str, at: tuple, info: Document | None, issues: list[Issue]) -> DatasetRun | None:
    if info is None:
        return None
    entries: dict[str, Any] = info.value
    attrs = entries.get(name)
    if not isinstance(attrs, dict):
        close = difflib.get_close_matches(name, sorted(entries), n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        issues.append(Issue("G002", f"dataset {name!r} is not defined in {DATASET_INFO}{hint}", at))
        return None
    folder = info.path.parent
    run = DatasetRun(name, at, [], mapping=(info, (name,)))
    if "file_name" not in attrs or any(
        k in attrs
        for k in ("hf_hub_url", "ms_hub_url", "om_hub_url", "script_url", "cloud_file_name")
    ):
        source = next(
            (
                k
                for k in ("hf_hub_url", "ms_hub_url", "om_hub_url", "script_url", "cloud_file_name")
                if k in attrs
            ),
            "file_name",
        )
        issues.append(
            Issue(
                "G002",
                f"dataset {name!r} is loaded from {source} {attrs.get(source)!r}, not a local "
                "file: sftlint checks only local files",
                (name, source) if source in attrs else (name,),
                info,
            )
        )
        return None
    path = folder / str(attrs["file_name"])
    run.files = data_files(path)
    if not run.files:
        issues.append(
            Issue(
                "G002",
                f"file_name {attrs['file_name']!r} does not exist in {folder}",
                (name, "file_name"),
                info,
            )
        )
    formatting = attrs.get("formatting", "alpaca")
    if formatting in FORMATS:
        run.table["format"] = FORMATS[formatting]
    written: dict[str, Any] = attrs["columns"] if isinstance(attrs.get("columns"), dict) else {}
    defaults = ALPACA_COLUMNS if formatting == "alpaca" else {"messages": "conversations"}
    run.table["columns"] = {**defaults, **{str(k): str(v) for k, v in written.items()}}
    if isinstance(attrs.get("tags"), dict):
        run.table["tags"] = {str(k): str(v) for k, v in attrs["tags"].items()}
    if attrs.get("ranking"):
        run.mirrored = False
    return run
