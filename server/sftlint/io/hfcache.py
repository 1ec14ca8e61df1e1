"""A dataset id (`hf://ORG/NAME` as `load_dataset` takes it, `hf://datasets/ORG/NAME` as
huggingface_hub's file system spells it, or `ORG/NAME` where no such path exists) as the
folders that hold its rows locally: its snapshot in the Hugging Face hub cache, or else
the Arrow files `datasets.load_dataset` wrote into its processed cache. Offline only, as
with HF_HUB_OFFLINE=1: huggingface_hub resolves the id with `local_files_only=True`, so a
dataset that is in neither cache is one clear error, never a download.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from sftlint.io import reader

SCHEME = "hf://"
# HfFileSystem's `hf://datasets/ORG/NAME`; without it, `hf://ORG/NAME` is still a dataset
# (sftlint checks no model repos).
_DATASETS = "datasets/"
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
    """The id names no dataset in the local cache (the message says where it was looked
    for and how to get it), or an `hf://` name is no dataset id."""


class DatasetId(NamedTuple):
    name: str  # as the user wrote it, for messages
    repo: str | None  # ORG/NAME; None when an `hf://` name is no dataset id
    revision: str | None


def dataset_id(name: str) -> DatasetId | None:
    """The dataset id `name` stands for, else None. Every `hf://` name is one (a malformed
    one is refused by `locate`); a bare ORG/NAME counts only where no such path exists and
    it has no dataset file's suffix (a mistyped `data/train.jsonl` stays a missing file)."""
    if name.startswith(SCHEME):
        rest = name[len(SCHEME) :]
        m = _ID.fullmatch(rest.removeprefix(_DATASETS)) or _ID.fullmatch(rest)
        return DatasetId(name, m["repo"], m["revision"]) if m else DatasetId(name, None, None)
    if os.path.exists(name) or name.lower().endswith(_FILE_SUFFIXES):
        return None
    m = _ID.fullmatch(name)
    return DatasetId(name, m["repo"], m["revision"]) if m else None


def locate(dataset: DatasetId) -> list[Path]:
    """The folders to check for a dataset: its hub snapshot, else (without a revision,
    which the processed cache does not record) its processed Arrow folders; NotCached when
    neither cache holds it, or the name is no dataset id."""
    name, repo, revision = dataset
    if repo is None:
        raise NotCached(f"{name}: not a dataset id: write hf://ORG/NAME[@REVISION]")
    folders = [folder] if (folder := _snapshot(repo, revision)) else []
    if not folders and revision is None:
        folders = processed(repo)
    if folders:
        return folders
    looked = [os.path.join(_hub_cache(), "datasets--" + repo.replace("/", "--"))]
    if revision is None:
        looked.append(str(_processed_root(repo)))
    else:
        looked[0] += f" at revision {revision}"
    missing = (
        f"no dataset {repo} in the local Hugging Face cache"
        if name.startswith(SCHEME)
        else "no such file or directory, nor a dataset in the local Hugging Face cache"
    )
    raise NotCached(
        f"{name}: {missing} (looked for {' and '.join(looked)}); sftlint never downloads: "
        f"`hf download --repo-type dataset {repo}` fetches it"
    )


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
    root = _processed_root(repo)
    newest: dict[str, Path] = {}
    for folder in root.glob("*/*/*"):
        if not (folder / "dataset_info.json").is_file():
            continue  # a lock file, or a folder load_dataset has not finished writing
        config = folder.parent.parent.name
        if config not in newest or folder.stat().st_mtime > newest[config].stat().st_mtime:
            newest[config] = folder
    return [newest[config] for config in sorted(newest)]


def _processed_root(repo: str) -> Path:
    """Where `datasets` keeps the processed configs of `repo`."""
    namespace, name = repo.split("/")
    return datasets_cache() / f"{namespace}___{_snake(name)}"


def _hub_cache() -> str:
    """huggingface_hub's cache folder (HF_HUB_CACHE), named in the not-cached message."""
    try:
        from huggingface_hub import constants
    except ImportError:  # as in _snapshot: only a broken install lacks it
        return "the hub cache"
    return str(constants.HF_HUB_CACHE)


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
