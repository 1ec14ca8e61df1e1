"""A dataset id whose rows are only in `datasets`' processed Arrow cache (what
`load_dataset` wrote, `HF_DATASETS_CACHE/ORG___NAME/<config>/<version>/<hash>/`): checked
offline from there when the hub cache lacks it, as `load_dataset(id)` reads it offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import sftlint
from cli_helpers import run

pytest.importorskip("datasets", reason="datasets: the preflight-tests extra")

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
TWO_USERS = {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}
R005 = "R005 messages: no assistant turn: the row has nothing to train on"
R009 = "R009 turn 2 (messages[1].role): two user turns in a row (messages[0] and messages[1])"

# The real load_dataset of a local folder named `chat` writes `chat/default/0.0.0/<hash>`;
# from the hub (repo_id org/chat) it writes the same under `org___chat`, which cannot be
# made offline. Moved there, datasets itself must read it back as `org/chat` offline (the
# last line), so the layout checked is the one datasets accepts.
_LOAD = """
import os, sys, datasets
datasets.disable_progress_bars()
datasets.load_dataset(sys.argv[1])
cache = os.environ["HF_DATASETS_CACHE"]
os.rename(os.path.join(cache, "chat"), os.path.join(cache, "org___chat"))
print(datasets.load_dataset("org/chat")["train"].num_rows)
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "HF_DATASETS_CACHE": str(tmp_path / "datasets"),
        "HF_HUB_CACHE": str(tmp_path / "hub"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }


@pytest.fixture
def cached(tmp_path: Path) -> Path:
    """The processed folder of `org/chat` (splits train and test) that load_dataset wrote."""
    src = tmp_path / "src" / "chat"
    src.mkdir(parents=True)
    (src / "train.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [GOOD, TWO_USERS]))
    (src / "test.jsonl").write_bytes(orjson.dumps(GOOD) + b"\n")
    out = subprocess.run(
        [sys.executable, "-c", _LOAD, str(src)],
        env={**os.environ, **_env(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert out.stdout == "2\n"
    (folder,) = (tmp_path / "datasets" / "org___chat").glob("default/0.0.0/*/")
    return folder


def test_an_id_only_in_the_processed_cache_is_checked_offline(tmp_path: Path, cached: Path) -> None:
    test, train = cached / "chat-test.arrow", cached / "chat-train.arrow"
    expected = (
        f"{test}:1:1: D003 row also in the training split (chat-train.arrow, line 1): "
        "evaluated on a row it was trained on\n"
        f"{train}:2:1: {R005}\n{train}:2:1: {R009}\n"
        "Found 3 problems (2 errors, 1 warning) in 2 files, 3 rows.\n"
    )
    for name in ("org/chat", "hf://org/chat", "hf://datasets/org/chat"):
        r = run(["check", name], tmp_path, env=_env(tmp_path))
        assert (r.stdout, r.stderr, r.returncode) == (expected, "", 1), name
    # The folder named by its path gets the same findings.
    r = run(["check", str(cached)], tmp_path, env=_env(tmp_path))
    assert r.stdout == expected


def test_only_the_newest_hash_of_a_config_is_checked(tmp_path: Path, cached: Path) -> None:
    """An older preparation beside it (other data files, an older datasets) is stale:
    load_dataset reads the newest, and so does sftlint."""
    old = cached.parent / "0123456789abcdef"
    old.mkdir()
    (old / "dataset_info.json").write_text("{}")
    (cached.parent / "0123456789abcdef" / "chat-train.arrow").write_bytes(
        (cached / "chat-train.arrow").read_bytes()
    )
    os.utime(old, (1_000_000_000, 1_000_000_000))
    r = run(["check", "org/chat"], tmp_path, env=_env(tmp_path))
    assert r.stdout.endswith("Found 3 problems (2 errors, 1 warning) in 2 files, 3 rows.\n")
    assert "0123456789abcdef" not in r.stdout


def test_a_revision_is_looked_up_in_the_hub_cache_only(tmp_path: Path, cached: Path) -> None:
    """The processed cache does not record which revision it was prepared from."""
    for name in ("hf://org/chat@main", "hf://datasets/org/chat@main"):
        r = run(["check", name], tmp_path, env=_env(tmp_path))
        assert (r.returncode, r.stdout) == (2, ""), name
        assert r.stderr == (
            f"sftlint: error: {name}: no dataset org/chat in the local Hugging Face cache "
            f"(looked for {tmp_path}/hub/datasets--org--chat at revision main); sftlint never "
            "downloads: `hf download --repo-type dataset org/chat` fetches it\n"
        )


def test_the_hub_snapshot_comes_first(tmp_path: Path, cached: Path) -> None:
    repo = tmp_path / "hub" / "datasets--org--chat"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc123")
    (repo / "snapshots" / "abc123").mkdir(parents=True)
    (repo / "snapshots" / "abc123" / "train.jsonl").write_bytes(orjson.dumps(GOOD) + b"\n")
    r = run(["check", "org/chat"], tmp_path, env=_env(tmp_path))
    assert (r.stdout, r.returncode) == ("All checks passed! (1 file, 1 row)\n", 0)


def test_the_api_takes_an_id_in_the_processed_cache(
    tmp_path: Path, cached: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "datasets"))
    found = [(f.filename, f.row, f.code) for f in sftlint.check("org/chat")]
    assert found == [
        (str(cached / "chat-test.arrow"), 0, "D003"),
        (str(cached / "chat-train.arrow"), 1, "R005"),
        (str(cached / "chat-train.arrow"), 1, "R009"),
    ]
