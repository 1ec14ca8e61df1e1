"""Trainer configs in the editor: an Axolotl, LLaMA-Factory, TRL or mistral-finetune YAML
gets the G diagnostics at its keys, a hover on each dataset entry (rows, layout, trained
share as that run prepares them) and a code lens "check this dataset".

What needs no tokenizer (the config's own issues, mappings no row matches) is published
on open and on each edit; what the trainer does to the rows (G008-G010, the trained
share) is computed in a worker thread when a hover or the lens asks for it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from sftlint import trainerconfig
from sftlint.engine import engine
from sftlint.lsp import convert
from sftlint.lsp.documents import LineDocument, decode
from sftlint.settings import Settings, settings_for
from sftlint.trainerconfig import checks

CHECK_DATASET = "sftlint.checkTrainerDataset"
_SUFFIXES = (".yml", ".yaml")

Publish = Callable[[str, int | None, list[lsp.Diagnostic]], None]


def wants(path: str, text: str) -> bool:
    """A YAML file that is a trainer config sftlint reads."""
    if not path.lower().endswith(_SUFFIXES):
        return False
    from sftlint.trainerconfig.yamldoc import DocumentError, parse

    try:
        return trainerconfig.detect(parse(Path(path), text)) is not None
    except DocumentError:
        return False


@dataclass(slots=True)
class _Open:
    doc: LineDocument
    config: trainerconfig.TrainerConfig
    static: list[trainerconfig.Issue] = field(default_factory=list)
    # run index -> what the trainer does to its rows (once computed)
    outcomes: dict[int, checks.RunOutcome] = field(default_factory=dict)


class TrainerConfigs:
    def __init__(self, publish: Publish) -> None:
        self.publish = publish
        self.open_docs: dict[str, _Open] = {}

    def open(self, doc: LineDocument) -> None:
        self.open_docs[doc.uri] = _Open(
            doc, trainerconfig.TrainerConfig(Path(doc.path), None, None)
        )
        self.changed(doc.uri)

    def changed(self, uri: str) -> None:
        state = self.open_docs[uri]
        path = Path(state.doc.path)
        state.config = trainerconfig.load(path, decode(state.doc.source))
        state.static = list(state.config.issues)
        for run in state.config.runs:
            state.static += _mapping_issues(state.config, run)
        state.outcomes = {}
        self._publish(state)

    def close(self, uri: str) -> None:
        self.open_docs.pop(uri, None)
        self.publish(uri, None, [])

    def diagnostics(self, uri: str) -> list[lsp.Diagnostic] | None:
        """The config's diagnostics (None: not an open trainer config)."""
        state = self.open_docs.get(uri)
        return None if state is None else self._by_uri(state).get(uri, [])

    def _issues(self, state: _Open) -> list[trainerconfig.Issue]:
        issues = list(state.static)
        for i, got in sorted(state.outcomes.items()):
            issues += checks.outcome_issues(state.config, state.config.runs[i], got)
        return issues

    def _by_uri(self, state: _Open) -> dict[str, list[lsp.Diagnostic]]:
        settings = _settings(state)
        out: dict[str, list[lsp.Diagnostic]] = {state.doc.uri: []}
        for issue in self._issues(state):
            finding = checks.to_finding(state.config, issue, settings)
            if finding is None:
                continue
            uri = (
                state.doc.uri
                if finding.path == state.doc.path
                else convert.uri_of_path(finding.path)
            )
            out.setdefault(uri, []).append(convert.diagnostic(finding))
        return out

    def _publish(self, state: _Open) -> None:
        for uri, diagnostics in self._by_uri(state).items():
            self.publish(uri, state.doc.version if uri == state.doc.uri else None, diagnostics)

    # --- what the trainer does to the rows ------------------------------------------

    async def outcome(
        self, uri: str, index: int
    ) -> tuple[checks.RunOutcome, list[engine.FileResult]] | None:
        """Check run `index`'s files in a worker thread (the tokenizer loads there)."""
        state = self.open_docs.get(uri)
        if state is None or not 0 <= index < len(state.config.runs):
            return None
        run = state.config.runs[index]
        config = state.config
        results = await asyncio.get_running_loop().run_in_executor(None, checks.check_run, run)
        if self.open_docs.get(uri) is not state or state.config is not config:
            return None  # edited meanwhile: the next request computes it again
        got = checks.outcome(results)
        if run.mirrored:
            state.outcomes[index] = got
        self._publish(state)
        return got, results

    def lenses(self, uri: str) -> list[lsp.CodeLens]:
        state = self.open_docs.get(uri)
        if state is None or state.config.doc is None:
            return []
        doc = state.config.doc
        return [
            lsp.CodeLens(
                range=convert.range_(doc.range_of(run.at)),
                command=lsp.Command(
                    title="check this dataset", command=CHECK_DATASET, arguments=[uri, i]
                ),
            )
            for i, run in enumerate(state.config.runs)
            if run.files
        ]

    def run_at(self, uri: str, position: lsp.Position) -> int | None:
        """The run whose dataset entry is written on `position`'s line."""
        state = self.open_docs.get(uri)
        if state is None or state.config.doc is None:
            return None
        for i, run in enumerate(state.config.runs):
            r = state.config.doc.range_of(run.at)
            if r.start.line == position.line:
                return i
        return None

    async def hover(self, uri: str, position: lsp.Position) -> lsp.Hover | None:
        index = self.run_at(uri, position)
        if index is None:
            return None
        state = self.open_docs[uri]
        run = state.config.runs[index]
        if not run.files:
            text = f"**{run.name}**: not found locally"
        else:
            got = await self.outcome(uri, index)
            text = _describe(state.config, run, got[0] if got else None)
        return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, text))

    async def check_dataset(self, args: list[Any], open_uris: set[str]) -> dict[str, int]:
        """The lens's command: check the run's files, publish their diagnostics (files open
        in the editor keep their own) and the config's."""
        if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], int):
            raise ValueError(f"{CHECK_DATASET} takes a trainer config URI and a dataset index")
        got = await self.outcome(args[0], args[1])
        if got is None:
            return {"rows": 0, "findings": 0}
        found = 0
        for result in got[1]:
            uri = convert.uri_of_path(str(Path(result.path).resolve()))
            found += len(result.findings)
            if uri not in open_uris:
                self.publish(uri, None, [convert.diagnostic(f) for f in result.findings])
        return {"rows": got[0].rows, "findings": found}


def _mapping_issues(
    config: trainerconfig.TrainerConfig, run: trainerconfig.DatasetRun
) -> list[trainerconfig.Issue]:
    """checks.mapping_issues, read again only when the run's keys or files change: it reads
    every row, and the config is checked again on each keystroke."""
    files = []
    for f in run.files:
        try:
            st = f.stat()
        except OSError:
            continue
        files.append((str(f), st.st_mtime_ns, st.st_size))
    doc, at = run.mapping
    key = (
        config.trainer,
        run.mirrored,
        json.dumps(run.table, sort_keys=True, default=str),
        tuple(files),
        str(doc.path) if doc else None,
        doc.text if doc else None,
        at,
    )
    if (got := _MAPPING_CACHE.get(key)) is None:
        got = _MAPPING_CACHE[key] = checks.mapping_issues(config, run)
        while len(_MAPPING_CACHE) > 32:
            del _MAPPING_CACHE[next(iter(_MAPPING_CACHE))]
    return got


_MAPPING_CACHE: dict[tuple, list[trainerconfig.Issue]] = {}


def _settings(state: _Open) -> Settings:
    return settings_for(Path(state.doc.path))


def _describe(
    config: trainerconfig.TrainerConfig,
    run: trainerconfig.DatasetRun,
    got: checks.RunOutcome | None,
) -> str:
    lines = [f"**{run.name}** ({len(run.files)} file{'s' if len(run.files) != 1 else ''})"]
    if got is None:
        return lines[0]
    layout = ", ".join(f"{fmt} ({n})" for fmt, n in got.formats.most_common()) or "none"
    lines.append(f"{got.rows} rows · layout {layout}")
    if not run.mirrored:
        lines.append("what is trained: not mirrored by sftlint (structure checked only)")
    elif got.tokens:
        share = got.trained / got.tokens
        lines.append(
            f"{got.trained:,} of {got.tokens:,} tokens trained ({share:.1%}) as {config.trainer} "
            "prepares them"
        )
    else:
        lines.append("no tokens: no tokenizer is available for this run")
    return "\n\n".join(lines)
