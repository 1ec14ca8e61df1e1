"""Golden cases -> sftlint config: each trainer's own setting names, as a parity golden
records them (`settings`), translated into the `trainer` profile and the keys that override it."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GOLDENS = ROOT / "tests" / "parity" / "goldens"
ROWS = ROOT / "parity" / "rows"
TOKENIZERS = ROOT / "tests" / "fixtures" / "tokenizers"

# The golden files sftlint is compared with; a missing one is skipped with its reason.
GOLDEN_FILES = (
    "trl-1.16.0",
    "trl-0.24.0",
    "axolotl-0.19.0",
    "llamafactory-0.9.5",
    "unsloth-2026.10.9",
    "unsloth-2026.9.6",
    "mistral-finetune-1943535",
)


def trl(golden: dict[str, Any]) -> dict[str, Any]:
    s = golden["settings"]
    table: dict[str, Any] = {"trainer": "trl", "trainer-version": golden["trainer_version"]}
    if s.get("assistant_only_loss"):
        table["strategy"] = "assistant-only"
    elif s.get("completion_only_loss") is False:
        table["strategy"] = "full"
    if s.get("max_length") is not None:
        table["max-seq-length"] = s["max_length"]
    return table


def llamafactory(golden: dict[str, Any]) -> dict[str, Any]:
    s = golden["settings"]
    table: dict[str, Any] = {
        "trainer": "llama-factory",
        "trainer-version": golden["trainer_version"],
        "chat-template": s["template"],
        "max-seq-length": s["cutoff_len"],
        "train-on-prompt": bool(s.get("train_on_prompt")),
        "mask-history": bool(s.get("mask_history")),
    }
    info = s.get("dataset_info") or {}
    formatting = info.get("formatting")
    table["format"] = {"openai": "messages"}.get(formatting, formatting)
    if info.get("columns"):
        table["columns"] = info["columns"]
    if info.get("tags"):
        table["tags"] = info["tags"]
    return table


def axolotl(golden: dict[str, Any]) -> dict[str, Any]:
    s = dict(golden["settings"])
    datasets = s.get("datasets") or [{}]
    s.update(datasets[0])  # the dataset's own keys (roles_to_train, train_on_eos, ...)
    table: dict[str, Any] = {"trainer": "axolotl", "trainer-version": golden["trainer_version"]}
    if "roles_to_train" in s:
        table["roles-to-train"] = s["roles_to_train"]
    if "train_on_eos" in s:
        table["train-on-eos"] = s["train_on_eos"]
    if s.get("eot_tokens") is not None:
        table["eot-tokens"] = s["eot_tokens"]
    if s.get("sequence_len") is not None:
        table["max-seq-length"] = s["sequence_len"]
    if s.get("message_field_training"):
        table["message-field-training"] = s["message_field_training"]
    if s.get("field_messages"):
        table["field-messages"] = s["field_messages"]
    if s.get("train_on_inputs"):
        table["train-on-prompt"] = True
    if s.get("chat_template") not in (None, "tokenizer_default"):
        table["chat-template"] = s["chat_template"]  # Axolotl's built-in of that name
    return table


def unsloth(golden: dict[str, Any]) -> dict[str, Any]:
    s = golden["settings"]
    table: dict[str, Any] = {"trainer": "unsloth", "trainer-version": golden["trainer_version"]}
    if s.get("instruction_part") is not None:
        table["instruction-part"] = s["instruction_part"]
    if s.get("response_part") is not None:
        table["response-part"] = s["response_part"]
    if s.get("last_response_only"):
        table["mask-history"] = True
    if s.get("max_length") is not None:
        table["max-seq-length"] = s["max_length"]
    return table


def mistral_finetune(golden: dict[str, Any]) -> dict[str, Any]:
    # No trainer-version: the golden's version is a commit, and the profile has one behaviour.
    return {"trainer": "mistral-finetune"}


TRANSLATE = {
    "trl": trl,
    "llamafactory": llamafactory,
    "axolotl": axolotl,
    "unsloth": unsloth,
    "mistral-finetune": mistral_finetune,
}

# Tokenizers a golden names that are sftlint built-ins (mistral-common's own files), not fixtures.
BUILTIN_TOKENIZERS = ("mistral-v3",)


def config_for(golden: dict[str, Any]) -> dict[str, Any]:
    """The sftlint config table that names the golden's trainer, version and settings."""
    table = TRANSLATE[golden["trainer"]](golden)
    builtin = golden["tokenizer"] in BUILTIN_TOKENIZERS
    table["tokenizer"] = golden["tokenizer"] if builtin else str(tokenizer_folder(golden))
    return table


@cache
def model_types(trainer_file: str) -> dict[str, str]:
    """Fixture tokenizer -> the `model_type` of the config.json the recorder put beside it
    (meta `base_model`: "chatml -> model_type qwen2, ..."); {} when it used the bare folder."""
    meta = GOLDENS / f"{trainer_file}.meta.json"
    base = json.loads(meta.read_text(encoding="utf-8")).get("base_model", "")
    return dict(re.findall(r"(\w+) -> model_type (\w+)", base))


def tokenizer_folder(golden: dict[str, Any]) -> Path:
    """The folder the trainer loaded: the fixture, plus the recorder's config.json when it
    added one (transformers picks the tokenizer class, and so its pre-tokenizer, from
    config.json's model_type)."""
    name = golden["tokenizer"]
    model_type = model_types(f"{golden['trainer']}-{golden['trainer_version']}").get(name)
    if model_type is None:
        return TOKENIZERS / name
    folder = Path(tempfile.gettempdir()) / f"sftlint-parity-{name}-{model_type}"
    if not (folder / "config.json").is_file():
        folder.mkdir(exist_ok=True)
        for f in (TOKENIZERS / name).iterdir():
            shutil.copy(f, folder / f.name)
        (folder / "config.json").write_text(json.dumps({"model_type": model_type}))
    return folder
