"""Open documents, their incremental linters, and when diagnostics are computed and sent.

Edits are applied at once, in order; linting is debounced, runs on the event loop in
chunks (so a 100 MB open never stops the server from reading messages), and its result
is dropped when the document changed meanwhile: only the newest version is published.
A JSON array is read whole once, in a thread (`asyncio.to_thread`): the event loop answers
other requests meanwhile; edits then re-read only the elements they touch.

A big `didOpen` takes the same path: its text split into lines, linted in chunks. A
reader that cut the text out of the raw JSON-RPC message and a helper process forked at
start that linted part of it made a 128 MB open ~0.5 s faster and its peak memory ~4x
smaller, for ~1,000 lines; VS Code hands no file over 50 MB to an extension, and a 40 MB
open is within 2.5x `sftlint check` without them (benchmarks/README.md), so they were
retired. One process forked at start for the array checks was tried too: a hover on
another document right after an edit of a 30 MB array took 210 ms p95 against 259 ms with
the thread (a loaded machine), not worth the fork-before-threads rule it brings back.

The loss-mask rules (which tokenize) are not part of that lint: once a version's
diagnostics are out, the mask pass (`sftlint.lsp.maskpass`) runs on the masking service's
pass thread over a snapshot of the lines, and its findings are merged into the diagnostics
if the document is still at that version (else dropped: the next version's lint starts
another pass). Until then the last pass's findings stay on the rows no edit touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from lsprotocol import types as lsp

from sftlint.lsp import convert, splits
from sftlint.lsp.config import ClientSettings, document_settings
from sftlint.lsp.documents import LineDocument, Splice
from sftlint.lsp.incremental import IncrementalLinter
from sftlint.lsp.masking import MaskService, held, withheld_note
from sftlint.lsp.maskpass import MaskPass
from sftlint.lsp.opened import OpenDocument
from sftlint.settings import Settings

log = logging.getLogger("sftlint.lsp")


Publish = Callable[[str, int | None, list[lsp.Diagnostic]], None]


class Linting:
    def __init__(self, publish: Publish, warn: Callable[[str], None]) -> None:
        self.documents: dict[str, OpenDocument] = {}
        self.client = ClientSettings()
        self.push = True  # False when the client pulls diagnostics itself
        self.refresh: Callable[[], None] = lambda: None  # pull clients: ask them to pull
        self._publish = publish
        self._warn = warn
        self._split_timers: dict[str, asyncio.TimerHandle] = {}
        self.masks: MaskService | None = None  # set by the server: runs the mask passes

    # --- documents -----------------------------------------------------------------------

    def open(self, doc: LineDocument) -> OpenDocument:
        settings, error = document_settings(doc.path, self.client)
        if error:
            self._warn(error)
        linter = IncrementalLinter(doc.path, held(settings), doc.lines)
        state = OpenDocument(doc, linter, settings, error, mask=MaskPass(doc.path))
        self.documents[doc.uri] = state
        self._uris_changed()
        self.schedule(doc.uri, 0)
        return state

    def close(self, uri: str) -> None:
        state = self.documents.pop(uri, None)
        if state is None:
            return
        if state.timer:
            state.timer.cancel()
        for task in (state.task, state.mask_task):
            if task and not task.done():
                task.cancel()
        for w in state.waiters:
            if not w.done():
                w.cancel()
        self._uris_changed()
        if self.push:
            self._publish(uri, None, [])
        if splits.member(state.doc.path, state.settings):
            self._schedule_splits(splits.group_key(state.doc.path))

    def _uris_changed(self) -> None:
        """A document opened or closed: related locations in its file take its URI (or
        leave it), so no diagnostic made before is kept."""
        for state in self.documents.values():
            state.shown.clear()

    def files_changed(self, paths: list[str]) -> None:
        """Files changed on disk (`workspace/didChangeWatchedFiles`): run the split checks
        of the groups they belong to again."""
        groups: dict[str, list[OpenDocument]] = {}
        for state in self.documents.values():
            if splits.member(state.doc.path, state.settings):
                groups.setdefault(splits.group_key(state.doc.path), []).append(state)
        for group, members in groups.items():
            if splits.touches(group, members, paths):
                self._schedule_splits(group)

    def changed(self, uri: str, version: int, splices: list[Splice]) -> None:
        state = self.documents[uri]
        state.doc.version = version
        for s in splices:
            state.linter.splice(s.start, s.stop, s.count)
        self.schedule(uri, self.client.debounce_ms / 1000)

    def reconfigure(self, client: ClientSettings) -> None:
        """New editor settings: re-read each file's config and lint everything again."""
        self.client = client
        if client.error:
            self._warn(client.error)
        for uri, state in self.documents.items():
            old = state.settings
            state.settings, state.config_error = document_settings(state.doc.path, client)
            if state.config_error:
                self._warn(state.config_error)
            if held(state.settings) != state.linter.settings:
                state.linter.reset(held(state.settings))
                state.split_findings = []
            elif state.settings != old:  # only the tokenizer came (it loaded)
                state.linter.set_mask({}, [])
            state.published = None
            self.schedule(uri, 0)

    # --- linting -------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        state = self.documents.get(uri)
        if state is None:
            return
        if state.task is not None and not state.task.done():
            return  # the running pass notices the new version and goes again
        if state.timer is not None:
            state.timer.cancel()
        loop = asyncio.get_running_loop()
        state.timer = loop.call_later(delay, self._start, uri)

    def _start(self, uri: str) -> None:
        state = self.documents.get(uri)
        if state is not None:
            state.timer = None
            state.task = asyncio.ensure_future(self._run(uri, state))

    async def _run(self, uri: str, state: OpenDocument) -> None:
        while self.documents.get(uri) is state:
            version = state.doc.version
            for _ in state.linter.lint_steps():
                await asyncio.sleep(0)  # serve other messages between chunks
            array = state.linter.array_text()
            if array is not None:
                generation, text = array
                linter = state.linter
                result = await asyncio.to_thread(linter.read_array, text)
                linter.array_checked(generation, text, result)
            if state.doc.version != version:
                continue  # superseded while linting: lint the newest text instead
            diagnostics = self.diagnostics(state)
            state.published = (version, diagnostics)
            if self.push:
                self._publish(uri, version, diagnostics)
            for w in state.waiters:
                if not w.done():
                    w.set_result(diagnostics)
            state.waiters.clear()
            if splits.member(state.doc.path, state.settings):
                self._schedule_splits(splits.group_key(state.doc.path))
            await asyncio.sleep(0)  # let the edits that arrived meanwhile in
            if state.doc.version == version and not state.linter.pending():
                self._schedule_mask(uri, state)
                return

    # --- the loss-mask pass ----------------------------------------------------------------

    def _schedule_mask(self, uri: str, state: OpenDocument) -> None:
        if self.masks is None or not state.settings.mask.tokenizer:
            return  # no tokenizer configured, or it is still loading (it re-lints then)
        if state.mask_task is not None and not state.mask_task.done():
            state.mask_again = True  # the running pass is for an older version
            return
        state.mask_task = asyncio.ensure_future(self._run_mask(uri, state))

    async def _run_mask(self, uri: str, state: OpenDocument) -> None:
        from sftlint.masking import SettingsError

        assert self.masks is not None and state.mask is not None
        while self.documents.get(uri) is state:
            state.mask_again = False
            version, settings = state.doc.version, state.settings
            if state.linter.pending():
                return  # the lint of the newest version starts the next pass
            lines = list(state.doc.lines)  # lines are bytes: a shallow copy is a snapshot

            def stale(version: int = version, settings: Settings = settings) -> bool:
                return (
                    state.doc.version != version
                    or state.settings is not settings
                    or self.documents.get(uri) is not state
                )

            try:
                with contextlib.suppress(SettingsError):  # the pass reports it (L012)
                    await self.masks.loaded(settings)
                result = await self.masks.run_pass(state.mask.run, lines, settings, stale)
            except Exception as exc:  # never down: keep the other diagnostics
                log.exception("loss-mask pass failed")
                self._warn(f"sftlint: loss-mask checks of {state.doc.path} failed: {exc}")
                return
            if result is not None and not stale():
                state.linter.set_mask(result.rows, result.file)
                diagnostics = self.diagnostics(state)
                state.published = (version, diagnostics)
                if self.push:
                    self._publish(uri, version, diagnostics)
                else:
                    self.refresh()
            if not state.mask_again:
                return

    # --- split checks ----------------------------------------------------------------------

    def _schedule_splits(self, group: str) -> None:
        timer = self._split_timers.get(group)
        if timer is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._split_timers[group] = loop.call_later(splits.DELAY, self._run_splits, group)

    def _run_splits(self, group: str) -> None:
        """Split checks of the open documents of one group, each republished if they
        changed. Waits (runs again later) while a member is being linted."""
        self._split_timers.pop(group, None)
        members = [
            s
            for s in self.documents.values()
            if splits.group_key(s.doc.path) == group and splits.member(s.doc.path, s.settings)
        ]
        if not members:
            return
        if any(s.linter.pending() or (s.task is not None and not s.task.done()) for s in members):
            self._schedule_splits(group)
            return
        try:
            found = splits.group_findings(sorted(members, key=lambda s: s.doc.path))
        except Exception as exc:  # never down: say so, keep the document's own diagnostics
            log.exception("split checks failed")
            self._warn(f"sftlint: split checks of {group} failed: {exc}")
            return
        changed = False
        for state in members:
            new = found.get(state.doc.path, [])
            if new == state.split_findings:
                continue
            changed = True
            state.split_findings = new
            state.linter.set_external(new)
            diagnostics = self.diagnostics(state)
            state.published = (state.doc.version, diagnostics)
            if self.push:
                self._publish(state.doc.uri, state.doc.version, diagnostics)
        if changed and not self.push:
            self.refresh()

    def diagnostics(self, state: OpenDocument) -> list[lsp.Diagnostic]:
        limit = state.settings.max_problems
        # Only the findings shown are built, with line numbers (no byte offsets needed).
        located, total = state.linter.located(limit)
        out = state.shown.diagnostics(located, self.uri_of)  # made again only if new
        # One diagnostic more for each cause many rows share, before theirs (`causes`).
        out[:0] = [
            convert.grouped(f, line or 0, (key, findings, rows), shown)
            for (line, f), key, findings, rows, shown in state.linter.groups()
        ]
        if note := withheld_note(state.settings):
            out.insert(0, convert.held_back(note))
        if total > len(located):
            out.append(convert.overflow(total - len(located), len(located), state.doc.path))
        return out

    async def current(self, uri: str) -> list[lsp.Diagnostic]:
        """Diagnostics of the document's newest version (waits for a pass in progress)."""
        state = self.documents.get(uri)
        if state is None:
            return []
        if (
            state.published is not None
            and state.published[0] == state.doc.version
            and not state.linter.pending()
        ):
            return state.published[1]
        waiter = asyncio.get_running_loop().create_future()
        state.waiters.append(waiter)
        self.schedule(uri, 0)
        return await waiter

    def uri_of(self, path: str) -> str:
        for uri, state in self.documents.items():
            if state.doc.path == path:
                return uri
        return convert.uri_of_path(path)

    def versions(self) -> dict[str, int | None]:
        return {uri: s.doc.version for uri, s in self.documents.items()}
