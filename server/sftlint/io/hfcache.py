"""A dataset id (`hf://datasets/ORG/NAME`, or `ORG/NAME` where no such path exists) as the
folder of its snapshot in the local Hugging Face hub cache. Offline only, as with
HF_HUB_OFFLINE=1: huggingface_hub resolves the id with `local_files_only=True`, so a
dataset that is not cached is one clear error, never a download.
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


def snapshot(repo: str, revision: str | None = None) -> Path:
    """The cached snapshot folder of a dataset repo; NotCached when it is not there."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # transformers depends on it: only a broken install lacks it
        raise NotCached(f"{repo}: huggingface_hub is not installed") from None
    try:
        folder = snapshot_download(
            repo, repo_type="dataset", revision=revision, local_files_only=True
        )
    except (OSError, ValueError):  # LocalEntryNotFoundError is a FileNotFoundError
        at = f"@{revision}" if revision else ""
        raise NotCached(
            f"{repo}{at}: no such file or directory, nor a dataset in the local Hugging Face "
            f"cache; sftlint never downloads: `hf download --repo-type dataset {repo}` "
            "fetches it"
        ) from None
    return Path(str(folder))
