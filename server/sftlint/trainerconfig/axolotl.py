"""Axolotl configs (`axolotl train config.yml`, 0.19.0): `base_model`, `datasets:`.

Defaults are Axolotl's own: `utils/schemas/config.py` (`sequence_len` 512,
`excess_length_strategy` drop, `train_on_inputs` false) and
`prompt_strategies/chat_template.py` `StrategyLoader` (`roles_to_train` ["assistant"],
`train_on_eos` "turn", `field_messages` "messages", `eot_tokens` the eos alone).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from .common import (
    cached_snapshot,
    data_files,
    integer,
    local_path,
    text_mapping,
    tokenizer_of,
    unknown_keys,
)
from .model import DatasetRun, Issue, TrainerConfig
from .yamldoc import Document

SEQUENCE_LEN = 512  # utils/schemas/config.py: AxolotlInputConfig.sequence_len
# utils/schemas/enums.py: ChatTemplate (the names `chat_template:` accepts).
TEMPLATES = frozenset(
    [
        "alpaca",
        "chatml",
        "mistral_v1",
        "mistral_v2v3",
        "mistral_v3_tekken",
        "mistral_v7_tekken",
        "gemma",
        "cohere",
        "llama3",
        "llama3_2_vision",
        "llama4",
        "phi_3",
        "phi_35",
        "deepseek_v2",
        "deepseek_v3",
        "jamba",
        "jinja",
        "qwen_25",
        "qwen3",
        "qwen3_5",
        "falcon_h1",
        "nemotron_h",
        "tokenizer_default",
        "exaone",
        "exaone4",
        "metharme",
        "pixtral",
        "llava",
        "qwen2_vl",
        "gemma3",
        "gemma3n",
        "gemma4",
        "gemma4_unified",
        "command_a",
        "command_a_tool_use",
        "command_a_rag",
        "aya",
    ]
)
# The ones sftlint ships as Axolotl writes them (masking/templates/axolotl).
MIRRORED_TEMPLATES = ("chatml", "llama3", "gemma3")
# utils/schemas/datasets.py: the keys of SFTDataset and UserDefinedPrompterType.
DATASET_KEYS = frozenset(
    [
        "path",
        "split",
        "type",
        "input_transform",
        "shards",
        "shards_idx",
        "preprocess_shards",
        "conversation",
        "chat_template",
        "chat_template_jinja",
        "data_files",
        "input_format",
        "name",
        "ds_type",
        "field",
        "field_human",
        "field_model",
        "field_messages",
        "field_tools",
        "field_thinking",
        "template_thinking_key",
        "message_field_role",
        "message_field_content",
        "message_property_mappings",
        "message_field_training",
        "message_field_training_detail",
        "split_thinking",
        "logprobs_field",
        "temperature",
        "roles_to_train",
        "train_on_eos",
        "train_on_eot",
        "roles",
        "drop_system_message",
        "trust_remote_code",
        "revision",
        "system_prompt",
        "system_format",
        "field_system",
        "field_instruction",
        "field_input",
        "field_output",
        "format",
        "no_input_format",
    ]
)


def looks_like(value: dict[str, Any]) -> bool:
    datasets = value.get("datasets")
    return (
        "base_model" in value
        and isinstance(datasets, list)
        and any(isinstance(d, dict) and ("type" in d or "path" in d) for d in datasets)
    )


def read(doc: Document, config: TrainerConfig) -> None:
    cfg: dict[str, Any] = doc.value
    base = doc.path.parent
    issues = config.issues
    tok_key = "tokenizer_config" if cfg.get("tokenizer_config") else "base_model"
    tokenizer = tokenizer_of(cfg.get(tok_key), (tok_key,), base, issues, tok_key)
    top_template = _template(cfg.get("chat_template"), cfg, ("chat_template",), base, issues)
    sequence_len = integer(cfg, "sequence_len", SEQUENCE_LEN, issues)
    for i, entry in enumerate(cfg.get("datasets") or []):
        at = ("datasets", i)
        if not isinstance(entry, dict):
            issues.append(Issue("G001", "a dataset entry must be a mapping with a `path`", at))
            continue
        unknown_keys(entry, DATASET_KEYS, at, issues, "Axolotl's dataset entry")
        run = _run(entry, at, base, issues)
        if run is None:
            continue
        table = run.table
        if tokenizer:
            table["tokenizer"] = tokenizer
        table.update(trainer="axolotl", **{"max-seq-length": int(sequence_len)})
        kind = entry.get("type")
        kind = kind.split(".")[0] if isinstance(kind, str) else kind
        if kind != "chat_template":
            run.mirrored = False
            issues.append(
                Issue(
                    "G011",
                    f"sftlint mirrors Axolotl's `type: chat_template` only; this dataset "
                    f"(type {kind!r}) is checked for structure, not for what is trained",
                    (*at, "type") if "type" in entry else at,
                )
            )
            table.pop("tokenizer", None)
        else:
            _chat_template_keys(entry, cfg, top_template, at, base, issues, table)
        run.drops_untrained = bool(cfg.get("sample_packing"))
        if cfg.get("excess_length_strategy") not in (None, "drop"):
            # truncate/raise: not mirrored; the length check says rows are dropped.
            issues.append(
                Issue(
                    "G011",
                    f"excess_length_strategy {cfg['excess_length_strategy']!r} is not "
                    "mirrored: rows over sequence_len are reported as Axolotl's default drops them",
                    ("excess_length_strategy",),
                )
            )
        config.runs.append(run)


def _run(entry: dict[str, Any], at: tuple, base: Path, issues: list[Issue]) -> DatasetRun | None:
    name = entry.get("path")
    if not isinstance(name, str) or not name:
        issues.append(Issue("G001", "the dataset entry has no `path`", at))
        return None
    files: list[Path] = []
    if path := local_path(name, base):
        given = entry.get("data_files")
        if path.is_dir() and given:
            for f in (
                [given] if isinstance(given, str) else given if isinstance(given, list) else []
            ):
                files += data_files(path / str(f))
        else:
            files = data_files(path)
    elif snapshot := cached_snapshot(name, "dataset"):
        files = data_files(snapshot)
    if not files:
        why = (
            "has no .json/.jsonl/.parquet files"
            if path
            else "is neither a local file or folder nor a Hub dataset in the local cache"
        )
        issues.append(Issue("G002", f"dataset {name!r} {why}", (*at, "path")))
    return DatasetRun(name, at, files, mapping=(None, at))


def _template(
    name: Any, cfg: dict[str, Any], at: tuple, base: Path, issues: list[Issue]
) -> str | None:
    """The `chat-template` setting for an Axolotl template name (None: the tokenizer's)."""
    if name is None or name == "tokenizer_default":
        return None
    if not isinstance(name, str) or name not in TEMPLATES:
        close = difflib.get_close_matches(str(name), sorted(TEMPLATES), n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        issues.append(Issue("G004", f"Axolotl has no chat template {name!r}{hint}", at))
        return None
    if name == "jinja":
        jinja = cfg.get("chat_template_jinja")
        if isinstance(jinja, str) and ("{%" in jinja or "{{" in jinja):
            return jinja
        path = local_path(jinja, base) if isinstance(jinja, str) else None
        return str(path) if path else None
    if name in MIRRORED_TEMPLATES:
        return name
    issues.append(
        Issue(
            "G011",
            f"Axolotl's {name!r} template is not one sftlint ships "
            f"({', '.join(MIRRORED_TEMPLATES)}): the tokenizer's own template is used",
            at,
        )
    )
    return None


def _chat_template_keys(
    entry: dict[str, Any],
    cfg: dict[str, Any],
    top_template: str | None,
    at: tuple,
    base: Path,
    issues: list[Issue],
    table: dict[str, Any],
) -> None:
    """The keys of a `type: chat_template` entry as sftlint settings."""
    template = top_template
    if "chat_template" in entry and entry["chat_template"] != "tokenizer_default":
        # A dataset's own template; `tokenizer_default` means the one the top-level
        # chat_template already put in the tokenizer (utils/chat_templates.py).
        template = _template(
            entry["chat_template"], {**cfg, **entry}, (*at, "chat_template"), base, issues
        )
    if template:
        table["chat-template"] = template
    table["field-messages"] = entry.get("field_messages") or "messages"
    mappings = {
        k: v
        for k, v in text_mapping(entry, "message_property_mappings", at, issues).items()
        if isinstance(v, str)
    }
    for legacy, prop in (("message_field_role", "role"), ("message_field_content", "content")):
        if entry.get(legacy):
            mappings.setdefault(prop, entry[legacy])
    if mappings:
        table["message-property-mappings"] = mappings
    if roles := text_mapping(entry, "roles", at, issues):
        table["roles"] = {
            k: [v] if isinstance(v, str) else [str(x) for x in v]
            for k, v in roles.items()
            if k in ("system", "user", "assistant", "tool") and isinstance(v, str | list)
        }
    train = entry.get("roles_to_train", ["assistant"])
    train = [train] if isinstance(train, str) else train if isinstance(train, list) else []
    table["roles-to-train"] = [str(r) for r in train]
    table["train-on-eos"] = entry.get("train_on_eos") or "turn"
    if entry.get("message_field_training"):
        table["message-field-training"] = entry["message_field_training"]
    if entry.get("message_field_training_detail"):
        table["message-field-training-detail"] = entry["message_field_training_detail"]
    if cfg.get("train_on_inputs"):
        table["train-on-prompt"] = True
    if isinstance(cfg.get("eot_tokens"), list):
        table["eot-tokens"] = list(cfg["eot_tokens"])
