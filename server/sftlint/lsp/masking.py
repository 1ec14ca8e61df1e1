"""The masking engine behind hovers and inlay hints: tokenizers load in the background
(with work-done progress), and rows are tokenized in the server's executor, never on the
thread that reads client messages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sftlint import formats
from sftlint.reader import Row
from sftlint.settings import Settings

HOW_TO_CONFIGURE = (
    "*No tokenizer configured:* set `tokenizer` (a built-in such as `mistral-v3`, a local "
    "tokenizer folder, or a Hugging Face repo id already in the local cache) and, if "
    'needed, `chat-template` in `sftlint.toml` (or `[tool.sftlint]`), e.g. `tokenizer = "'
    'mistral-v3"`, or `sftlint.tokenizer` in the editor settings, to see the tokens the '
    "trainer learns from."
)


def row_messages(row: Row, settings: Settings) -> list[dict[str, Any]] | None:
    """The row as OpenAI messages (what the masking engine takes), or None."""
    if not row.ok:
        return None
    fmt = formats.detect(row.value, settings.fields)
    turns = formats.turns(row.value, fmt, settings.fields)
    if not turns:
        return None
    out: list[dict[str, Any]] = []
    for t in turns:
        if fmt == formats.MESSAGES and isinstance(t.message, dict):
            out.append(t.message)
        else:
            out.append({"role": t.role or str(t.raw_role), "content": t.content})
    return out


class MaskService:
    """Tokenizer handles by settings, loaded once, in the background."""

    def __init__(self, executor: ThreadPoolExecutor, progress: Callable[[str], Any]) -> None:
        self._executor = executor
        self._progress = progress  # async: runs a blocking callable under $/progress
        self._handles: dict[tuple, asyncio.Future] = {}

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.mask.get("tokenizer"))

    def _mask_settings(self, settings: Settings) -> Any:
        from sftlint.masking import MaskSettings

        base = settings.config_path.parent if settings.config_path else None
        return MaskSettings.from_config(settings.mask, base_dir=base)

    def handle(self, settings: Settings) -> asyncio.Future:
        """A future of (MaskSettings, TokenizerHandle); the first call starts the load."""
        key = (tuple(sorted((k, repr(v)) for k, v in settings.mask.items())), settings.config_path)
        future = self._handles.get(key)
        if future is None:
            future = asyncio.ensure_future(self._load(settings))
            self._handles[key] = future
        return future

    async def _load(self, settings: Settings) -> tuple[Any, Any]:
        mask = self._mask_settings(settings)

        def load() -> Any:
            from sftlint.masking import load_tokenizer

            return load_tokenizer(mask)

        handle = await self._progress(f"sftlint: loading tokenizer {mask.tokenizer}", load)
        return mask, handle

    async def analyze(self, row: Row, settings: Settings) -> Any:
        """The row's MaskResult (None when the row has no conversation)."""
        messages = row_messages(row, settings)
        if messages is None:
            return None
        mask, handle = await self.handle(settings)

        def run() -> Any:
            from sftlint.masking import analyze_conversation

            return analyze_conversation(messages, handle, mask)

        return await asyncio.get_running_loop().run_in_executor(self._executor, run)
