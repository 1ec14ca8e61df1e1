"""A dataset id (`hf://datasets/ORG/NAME`, or `ORG/NAME` where no such path exists) as the
folders that hold its rows locally: its snapshot in the Hugging Face hub cache, or else
the Arrow files `datasets.load_dataset` wrote into its processed cache. Offline only, as
with HF_HUB_OFFLINE=1: huggingface_hub resolves the id with `local_files_only=True`, so a
dataset that is in neither cache is one clear error, never a download.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sftlint.io import reader

PREFIX = "hf://datasets/"
# ORG/NAME, optionally @REVISION (a branch, tag or commit already in the cache).
_ID = re.compile(r"(?P<repo>[\w.-]+/[\w.-]+)(?:@(?P<revision>[\w./-]+))?")
_FILE_SUFFIXES = (
    *reader.JSONL_SUFFIXES,
    *reader.JSON_SUFFIXES,
    ".parquet",
    ".arrow",
    ".gz",
    ".zst",
)


class NotCached(FileNotFoundError):
    """The id names no dataset in the local cache (the message says how to get it)."""


def dataset_id(name: str) -> tuple[str, str | None] | None:
    """(repo, revision) when `name` stands for a dataset id, else None. A bare ORG/NAME
    counts only where no such path exists and it has no dataset file's suffix (a mistyped
    `data/train.jsonl` stays a missing file)."""
    if name.startswith(PREFIX):
        m = _ID.fullmatch(name[len(PREFIX) :])
    elif os.path.exists(name) or name.lower().endswith(_FILE_SUFFIXES):
        return None
    else:
        m = _ID.fullmatch(name)
    return (m["repo"], m["revision"]) if m else None


def locate(repo: str, revision: str | None = None) -> list[Path]:
    """The folders to check for a dataset repo: its hub snapshot, else (without a
    revision, which the processed cache does not record) its processed Arrow folders;
    NotCached when neither cache holds it."""
    folders = [folder] if (folder := _snapshot(repo, revision)) else []
    if not folders and revision is None:
        folders = processed(repo)
    if not folders:
        at = f"@{revision}" if revision else ""
        raise NotCached(
            f"{repo}{at}: no such file or directory, nor a dataset in the local Hugging Face "
            f"cache; sftlint never downloads: `hf download --repo-type dataset {repo}` "
            "fetches it"
        )
    return folders


def _snapshot(repo: str, revision: str | None) -> Path | None:
    """The cached snapshot folder of a dataset repo in the hub cache, if there is one."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # transformers depends on it: only a broken install lacks it
        return None
    try:
        folder = snapshot_download(
            repo, repo_type="dataset", revision=revision, local_files_only=True
        )
    except (OSError, ValueError):  # LocalEntryNotFoundError is a FileNotFoundError
        return None
    return Path(str(folder))


def processed(repo: str) -> list[Path]:
    """Per config, the newest `<config>/<version>/<hash>` folder of `repo` in `datasets`'
    processed cache: its `<name>-<split>[-NNNNN-of-NNNNN].arrow` files are the rows
    `load_dataset(repo)` returns offline (datasets' CachedDatasetModuleFactory reads the
    newest too). Laid out as `datasets.builder._relative_data_dir` writes it."""
    namespace, name = repo.split("/")
    root = datasets_cache() / f"{namespace}___{_snake(name)}"
    newest: dict[str, Path] = {}
    for folder in root.glob("*/*/*"):
        if not (folder / "dataset_info.json").is_file():
            continue  # a lock file, or a folder load_dataset has not finished writing
        config = folder.parent.parent.name
        if config not in newest or folder.stat().st_mtime > newest[config].stat().st_mtime:
            newest[config] = folder
    return [newest[config] for config in sorted(newest)]


def datasets_cache() -> Path:
    """`datasets.config.HF_DATASETS_CACHE`, found as datasets finds it (importing datasets
    would cost a second of start-up)."""
    if cache := os.environ.get("HF_DATASETS_CACHE"):
        return Path(cache).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface"
    )
    return Path(home).expanduser() / "datasets"


def _snake(name: str) -> str:
    """datasets.naming.camelcase_to_snakecase: how a repo's name is spelled in the cache."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).lower()
