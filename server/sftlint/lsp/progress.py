"""Run blocking work in the server's executor under a cancellable `$/progress`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types as lsp

T = TypeVar("T")


class Cancelled(Exception):
    """The user cancelled the progress in the editor."""


async def run_with_progress(
    server: Any, title: str, work: Callable[[Callable[[int, str], None]], T]
) -> T:
    """`work(report)` runs in the executor; `report(percent, message)` updates the bar and
    raises Cancelled once the user cancelled it."""
    loop = asyncio.get_running_loop()
    caps = server.client_capabilities.window
    token = str(uuid.uuid4()) if caps is not None and caps.work_done_progress else None
    progress = server.work_done_progress
    if token is not None:
        await progress.create_async(token)
        progress.begin(
            token, lsp.WorkDoneProgressBegin(title=title, cancellable=True, percentage=0)
        )
    cancelled = progress.tokens.get(token) if token is not None else None
    last = [-1]

    def report(percent: int, message: str) -> None:
        if cancelled is not None and cancelled.cancelled():
            raise Cancelled(title)
        if token is not None and percent != last[0]:
            last[0] = percent
            value = lsp.WorkDoneProgressReport(percentage=percent, message=message)
            loop.call_soon_threadsafe(progress.report, token, value)

    try:
        return await loop.run_in_executor(server.thread_pool, work, report)
    finally:
        if token is not None:
            progress.end(token, lsp.WorkDoneProgressEnd())
            progress.tokens.pop(token, None)
