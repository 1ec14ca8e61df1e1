"""sftlint: lint fine-tuning datasets for chat models."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"


if TYPE_CHECKING:
    from collections.abc import Callable

    from sftlint.api import Finding, Rows
    from sftlint.preflightcheck import PreflightError as PreflightError


def check(source: str | os.PathLike[str] | Rows, **settings: Any) -> list[Finding]:
    """Check a dataset (a path, or rows: a list of dicts, a `datasets.Dataset`) and return
    its findings; `settings` are config keys, e.g. `select=["R"]`. See `sftlint.api`."""
    from sftlint import api  # the engine loads on first use, not on `import sftlint`

    return api.check(source, **settings)


def preflight(
    dataset: Rows,
    tokenizer: Any,
    trainer: str = "trl",
    *,
    data_collator: Callable[[list[dict[str, Any]]], Any] | None = None,
    **settings: Any,
) -> list[Finding]:
    """Raise `sftlint.PreflightError` before training when the rows would train
    nothing, lack labels, break the template or lose every trained token to truncation;
    else return the findings. See `sftlint.preflightcheck`."""
    from sftlint import preflightcheck

    return preflightcheck.preflight(
        dataset, tokenizer, trainer, data_collator=data_collator, **settings
    )


def __getattr__(name: str) -> Any:
    """`sftlint.PreflightError`, imported on first use like the rest of the engine."""
    if name == "PreflightError":
        from sftlint.preflightcheck import PreflightError

        return PreflightError
    raise AttributeError(f"module 'sftlint' has no attribute {name!r}")
