"""Never down: a handler that fails logs its traceback to the client and the server goes on.

Requests still fail (pygls answers them with an LSP error: the client must not wait for
an answer that will never come); notifications are only logged.
"""

from __future__ import annotations

import functools
import inspect
import logging
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types as lsp

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("sftlint.lsp")


def report(server: Any, what: str, exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc))
    log.error("%s failed\n%s", what, text)
    try:
        server.window_log_message(
            lsp.LogMessageParams(type=lsp.MessageType.Error, message=f"{what} failed:\n{text}")
        )
    except Exception:  # the transport itself is gone: nothing more to do
        log.exception("cannot send the log message")


def guarded(server: Any, method: str, *, request: bool) -> Callable[[F], F]:
    def wrap(fn: F) -> F:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await fn(*args, **kwargs)
                except Exception as exc:
                    report(server, method, exc)
                    if request:
                        raise
                    return None

            return run_async  # type: ignore[return-value]

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                report(server, method, exc)
                if request:
                    raise
                return None

        return run  # type: ignore[return-value]

    return wrap
