"""Split consistency (D002-D004) for open documents, across their sibling files.

A document whose name marks a split (`train.jsonl`, `my_val.json`, ...) or that the config
lists in `dataset-files` is compared with its siblings by the engine's `check_splits`:
open siblings from their buffers (their unsaved text counts), the others from disk. The
findings of each open document of the group go to its linter as external findings (shown
with its own, moved along by edits until the next run). A run follows every lint pass of
a group member (so an edit of an open sibling refreshes the others), a change on disk
reported by `workspace/didChangeWatchedFiles`, and the closing of a member.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from sftlint.engine import dataset, engine
from sftlint.io.reader import FileInfo
from sftlint.lsp.opened import OpenDocument
from sftlint.model import Finding
from sftlint.settings import Settings

DELAY = 0.05  # seconds after the last trigger: a burst of edits runs the checks once


def member(path: str, settings: Settings) -> bool:
    """Whether a file takes part in split checks (its name, or the config's list)."""
    if dataset.split_of(Path(path).name) is not None:
        return True
    listed = {os.path.abspath(p) for p in settings.dataset_files}
    return len(listed) > 1 and os.path.abspath(path) in listed


def group_key(path: str) -> str:
    """Documents checked together: those of one folder."""
    return os.path.dirname(os.path.abspath(path))


def touches(group: str, members: Iterable[OpenDocument], changed: Iterable[str]) -> bool:
    """Whether files changed on disk can change the findings of a group."""
    listed = {os.path.abspath(p) for s in members for p in s.settings.dataset_files}
    return any(group_key(p) == group or os.path.abspath(p) in listed for p in changed)


def group_findings(states: list[OpenDocument]) -> dict[str, list[Finding]]:
    """Split findings of each open document of one group, by path."""
    settings = states[0].settings
    results: list[engine.FileResult] = []
    sources: dict[str, bytes] = {}
    for state in states:
        path, linter = state.doc.path, state.linter
        source = state.doc.source
        if linter.is_array:
            # The linter's settings hold the tokenizer back: nothing is tokenized here.
            result = engine.check_bytes(path, source, linter.settings)
        else:
            formats = +Counter(linter.formats)  # without the formats no row has any more
            result = engine.FileResult(path, [], FileInfo(), linter.summaries(), dict(formats))
        results.append(result)
        sources[path] = source
    out: dict[str, list[Finding]] = {s.doc.path: [] for s in states}
    for f in dataset.check_splits(results, settings, sources):
        if f.path in out:
            out[f.path].append(f)
    return out
