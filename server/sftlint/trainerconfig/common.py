"""What every trainer's config reader needs: local paths, the local Hugging Face cache
(never the network), the data files of a folder, near-miss key names."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

from .model import Issue
from .yamldoc import KeyPath

# Files a trainer loads rows from (by `datasets`' builders: json, parquet).
DATA_SUFFIXES = (".jsonl", ".json", ".parquet", ".jsonl.gz", ".json.gz")


def local_path(value: str, base: Path) -> Path | None:
    """`value` as an existing path: absolute, else relative to the config's folder, else to
    the working folder (the trainers resolve it against the folder they are started in)."""
    p = Path(os.path.expanduser(value))
    candidates = [p] if p.is_absolute() else [base / p, Path.cwd() / p]
    for c in candidates:
        try:
            if c.exists():
                return c.resolve()
        except OSError:
            continue
    return None


def data_files(path: Path) -> list[Path]:
    """The row files of a dataset path: the file itself, or a folder's data files."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    found = [p for p in sorted(path.rglob("*")) if p.is_file() and _is_data(p)]
    return [p for p in found if not any(part.startswith(".") for part in p.parts)]


def _is_data(p: Path) -> bool:
    name = p.name.lower()
    return name.endswith(DATA_SUFFIXES) and name != "dataset_info.json"


def hub_cache() -> Path:
    """The Hugging Face hub cache folder, as huggingface_hub finds it (env vars only)."""
    if cache := os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE"):
        return Path(cache)
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "huggingface"
    )
    return Path(home) / "hub"


def cached_snapshot(repo_id: str, kind: str) -> Path | None:
    """The newest local snapshot of a Hub repo (`kind` model or dataset), or None."""
    if repo_id.count("/") > 1 or not repo_id.strip("/"):
        return None
    folder = hub_cache() / f"{kind}s--{repo_id.replace('/', '--')}" / "snapshots"
    try:
        snapshots = [s for s in folder.iterdir() if s.is_dir()]
    except OSError:
        return None
    return max(snapshots, key=lambda s: s.stat().st_mtime) if snapshots else None


def tokenizer_of(name: Any, at: KeyPath, base: Path, issues: list[Issue], key: str) -> str | None:
    """The tokenizer setting for a model path or Hub id: a local folder, or the id when the
    local cache holds it; otherwise one G003 issue naming it (sftlint never downloads)."""
    if not isinstance(name, str) or not name.strip():
        return None
    if path := local_path(name, base):
        return str(path)
    if cached_snapshot(name, "model") is not None:
        return name
    issues.append(
        Issue(
            "G003",
            f"{key} {name!r} is neither a local folder nor in the local Hugging Face cache, "
            "so rows are checked without its tokenizer (sftlint never downloads: fetch it "
            f"once with `huggingface-cli download {name}`)",
            at,
        )
    )
    return None


def unknown_keys(
    entry: dict[str, Any], known: frozenset[str], at: KeyPath, issues: list[Issue], what: str
) -> None:
    """One G005 issue per key the trainer does not read, with the nearest known key."""
    for key in entry:
        if not isinstance(key, str) or key in known:
            continue
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        issues.append(
            Issue(
                "G005", f'{what} does not read the key "{key}", so it is ignored{hint}', (*at, key)
            )
        )


def name_list(value: Any) -> list[str]:
    """A comma-separated string or a list, as the trainers accept dataset names."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def integer(cfg: dict[str, Any], key: str, default: int, issues: list[Issue]) -> int:
    """`cfg[key]` as a positive integer, else the trainer's default and one G001 issue."""
    value = cfg.get(key)
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    issues.append(
        Issue("G001", f"{key} must be a positive integer, not {value!r}; using {default}", (key,))
    )
    return default


def text_mapping(
    entry: dict[str, Any], key: str, at: KeyPath, issues: list[Issue]
) -> dict[str, Any]:
    """`entry[key]` when it is a mapping with string keys, else {} and one G001 issue."""
    value = entry.get(key)
    if value is None:
        return {}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return value
    issues.append(Issue("G001", f"{key} must be a mapping, not {value!r}", (*at, key)))
    return {}
