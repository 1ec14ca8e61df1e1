"""The masking engine behind diagnostics, hovers, inlay hints and the custom requests.

Tokenizers load in the background (with work-done progress), and rows are tokenized in the
server's executor, never on the thread that reads client messages. Until a file's tokenizer
is loaded its settings carry it as `pending_tokenizer` instead of `tokenizer`; once loaded, every
open file is linted again. The structural lint (on the event loop) never sees the tokenizer
(`held`): the L rules run in the mask pass (`sftlint.lsp.maskpass`), in the executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sftlint.engine import rowview
from sftlint.io import filecolumns
from sftlint.io.reader import Row
from sftlint.rules import mask_rules
from sftlint.settings import Settings

if TYPE_CHECKING:
    from sftlint.lsp.config import ClientSettings
    from sftlint.lsp.documents import LineDocument

HOW_TO_CONFIGURE = (
    "*No tokenizer configured:* set `tokenizer` (a built-in such as `mistral-v3`, a local "
    "tokenizer folder, or a Hugging Face repo id already in the local cache) and, if "
    'needed, `chat-template` in `sftlint.toml` (or `[tool.sftlint]`), e.g. `tokenizer = "'
    'mistral-v3"`, or `sftlint.tokenizer` in the editor settings, to see the tokens the '
    "trainer learns from."
)
NO_TOKENIZER = (
    "no tokenizer configured: set `tokenizer` in sftlint.toml or `sftlint.tokenizer` in the "
    "editor settings (e.g. mistral-v3, or a local tokenizer folder)"
)
_PATH_KEYS = ("tokenizer", "chat-template")
_SAMPLE = [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Hello."}]
T = TypeVar("T")
_TOTALS_MAX = 200_000  # rows whose token totals are kept (by their bytes) for fileStats


def configured(settings: Settings) -> bool:
    return bool(settings.mask.tokenizer or settings.mask.pending_tokenizer)


def effective(settings: Settings) -> Settings:
    """The settings with the tokenizer back in place while it is still loading."""
    mask = settings.mask
    if not mask.pending_tokenizer:
        return settings
    return replace(
        settings, mask=replace(mask, tokenizer=mask.pending_tokenizer, pending_tokenizer=None)
    )


def held(settings: Settings) -> Settings:
    """The settings of the structural lint, which runs on the event loop: the tokenizer kept
    kept as `pending_tokenizer` (the L rules run in the mask pass, in the executor)."""
    mask = settings.mask
    if not mask.tokenizer:
        return settings
    return replace(settings, mask=replace(mask, tokenizer=None, pending_tokenizer=mask.tokenizer))


def withheld_note(settings: Settings) -> str | None:
    """Why a configured tokenizer or chat template is not used (untrusted workspace)."""
    held = settings.mask.withheld
    if not held:
        return None
    names = ", ".join(f'{k} "{v}"' for k, v in held)
    return f"untrusted workspace: {names} not loaded (only built-ins until it is trusted)"


def untrusted(settings: Settings, client: ClientSettings) -> Settings:
    """In an untrusted workspace: drop the tokenizer and chat template values of config files
    that load local files, and their `dataset-files` and `trainer-config`, wherever they
    are (`../tok` outside the workspace as much as `tok` inside it: a tokenizer folder
    carries its own template, and templates are code). Built-in names and Hugging Face
    cache ids stay; values the editor sent were vetted by the editor."""
    from sftlint.masking import BUILTIN_TEMPLATES, BUILTIN_TOKENIZERS

    base = settings.config_path.parent if settings.config_path else Path.cwd()
    held: dict[str, str] = {}
    for key in _PATH_KEYS:
        value = getattr(settings.mask, key.replace("-", "_"))
        if not isinstance(value, str) or client.overrides.get(key) == value:
            continue
        if value in BUILTIN_TOKENIZERS or value in BUILTIN_TEMPLATES or value == "tokenizer":
            continue
        inline = "{%" in value or "{{" in value
        path = Path(value).expanduser()
        path = path if path.is_absolute() else base / path
        if inline or os.path.lexists(path):
            held[key] = value
    withheld = list(held.items())
    # Other files a config points at: data (read whole, into diagnostics) and trainer configs.
    withheld += [("dataset-files", str(p)) for p in settings.dataset_files]
    if settings.trainer_config is not None:
        withheld.append(("trainer-config", str(settings.trainer_config)))
    if not withheld:
        return settings
    cleared = {key.replace("-", "_"): None for key in held}
    mask = replace(settings.mask, **cleared, withheld=tuple(withheld))
    return replace(settings, mask=mask, dataset_files=[], trainer_config=None)


class MaskService:
    """Tokenizer handles by settings, loaded once, in the background."""

    def __init__(self, executor: ThreadPoolExecutor, progress: Callable[[str, Any], Any]) -> None:
        self._executor = executor
        # Loss-mask passes (seconds on a big file) get a thread of their own: the shared pool
        # also reads stdin, and a hover must not wait behind a pass.
        self._passes = ThreadPoolExecutor(1, thread_name_prefix="sftlint-mask-pass")
        self._progress = progress  # async: runs a blocking callable under $/progress
        self._handles: dict[tuple, asyncio.Future] = {}
        self._totals: OrderedDict[tuple, tuple[int, int] | None] = OrderedDict()
        self.on_loaded: Callable[[], None] = lambda: None  # the server re-lints
        # A tokenizer, template or strategy that cannot load: the server tells the user
        # once (each file still gets its structural lint and one L012).
        self.on_unusable: Callable[[str], None] = lambda why: None
        self._told: set[str] = set()
        self._columns: dict[str, tuple[int, frozenset[str]]] = {}  # uri -> (version, columns)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return configured(settings)

    @staticmethod
    def _mask_settings(settings: Settings) -> Any:
        from sftlint.masking import MaskSettings

        base = settings.config_path.parent if settings.config_path else None
        return MaskSettings.from_config(settings.mask.table(), base_dir=base)

    def prepare(self, settings: Settings, client: ClientSettings) -> Settings:
        """A file's settings: trust applied, and the tokenizer held back (as `pending_tokenizer`)
        until it is loaded; the first call starts the load."""
        from sftlint.masking import SettingsError

        if not client.trusted:
            settings = untrusted(settings, client)
        if not settings.mask.tokenizer:
            return settings
        try:
            future = self.handle(settings)
        except SettingsError as err:
            self._unusable(f"masking settings: {err}")
            return settings  # reported by the engine (L012) without loading anything
        if future.done():
            return settings
        return held(settings)

    def handle(self, settings: Settings) -> asyncio.Future:
        """A future of (MaskSettings, TokenizerHandle); the first call starts the load.
        Shared by every request: await it through `loaded`, never directly."""
        mask = self._mask_settings(effective(settings))
        future = self._handles.get(mask.key)
        if future is None or future.cancelled():
            future = asyncio.ensure_future(self._load(mask))
            future.add_done_callback(lambda _: self.on_loaded())
            self._handles[mask.key] = future
        return future

    async def loaded(self, settings: Settings) -> tuple[Any, Any]:
        """(MaskSettings, TokenizerHandle). Shielded: a cancelled request (the mouse left a
        hover) must not cancel the load that every other request waits for."""
        return await asyncio.shield(self.handle(settings))

    async def _load(self, mask: Any) -> tuple[Any, Any]:
        def load() -> Any:
            from sftlint.masking import analyze_conversation, load_tokenizer

            handle = load_tokenizer(mask)
            if not handle.error:  # warm the template and the checks' imports too
                analyze_conversation(_SAMPLE, handle, mask)
            return handle

        handle = await self._progress(f"sftlint: loading tokenizer {mask.tokenizer}", load)
        if why := handle.error or _template_error(mask, handle):
            self._unusable(why)
        return mask, handle

    def _unusable(self, why: str) -> None:
        if why not in self._told:
            self._told.add(why)
            self.on_unusable(why)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in the executor (off the thread that reads client messages)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def run_pass(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on the loss-mask pass thread (passes run one at a time)."""
        return await asyncio.get_running_loop().run_in_executor(self._passes, fn, *args)

    async def columns(self, doc: LineDocument, settings: Settings) -> frozenset[str] | None:
        """The buffer's columns when the profile reads a row with the file's (Axolotl reads
        the file as one table), not the file on disk's; None when it does not."""
        if not mask_rules.reads_table(settings):
            return None
        kept = self._columns.get(doc.uri)
        if kept is not None and kept[0] == doc.version:
            return kept[1]
        version, source = doc.version, doc.source  # the text of this version
        got = await self.run(filecolumns.of_bytes, doc.path, source)
        self._columns[doc.uri] = (version, got)
        return got

    async def view(
        self, row: Row, settings: Settings, columns: frozenset[str] | None = None
    ) -> rowview.RowView:
        """The row as the trainer sees it (its mask result None without a tokenizer);
        `columns`: the buffer's (`columns`)."""
        from sftlint.masking import SettingsError

        settings = effective(settings)
        if settings.mask.tokenizer:
            with contextlib.suppress(SettingsError):  # the engine reports it (L012)
                await self.loaded(settings)
        return await self.run(rowview.inspect_row, row, settings, columns)

    async def analyze(
        self, row: Row, settings: Settings, columns: frozenset[str] | None = None
    ) -> Any:
        """The row's MaskResult (None without a tokenizer or when it has no conversation)."""
        return (await self.view(row, settings, columns)).result

    async def error(self, settings: Settings) -> str | None:
        """Why the configured tokenizer cannot be used, if it cannot."""
        from sftlint.masking import SettingsError

        try:
            _, handle = await self.loaded(settings)
        except SettingsError as err:
            return f"masking settings: {err}"
        return handle.error

    async def totals(
        self, rows: list[Row], settings: Settings, columns: frozenset[str] | None = None
    ) -> tuple[int, int]:
        """(tokens, trained tokens) summed over `rows`, each row's kept by its bytes (and
        the file's `columns`, which change what a row trains under Axolotl)."""
        settings = effective(settings)
        mask, _ = await self.loaded(settings)
        key = mask.key

        def run() -> tuple[int, int]:
            tokens = trained = 0
            for row in rows:
                k = (key, row.raw, columns)
                if k in self._totals:
                    got = self._totals[k]
                else:
                    result = rowview.inspect_row(row, settings, columns).result
                    got = (result.total_tokens, result.trained_tokens) if result else None
                    self._totals[k] = got
                    if len(self._totals) > _TOTALS_MAX:
                        self._totals.popitem(last=False)
                if got is not None:
                    tokens += got[0]
                    trained += got[1]
            return tokens, trained

        return await self.run(run)


def _template_error(mask: Any, handle: Any) -> str | None:
    """Why the chat template of `mask` cannot load (None when it can)."""
    from sftlint.masking.templates import resolve_template

    try:
        resolve_template(mask, handle.tokenizer, handle.default_template)
    except (ValueError, OSError) as err:
        return str(err)
    return None
