"""sftlint: lint fine-tuning datasets for chat models."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"


if TYPE_CHECKING:
    from sftlint.api import Finding, Rows


def check(source: str | os.PathLike[str] | Rows, **settings: Any) -> list[Finding]:
    """Check a dataset (a path, or rows: a list of dicts, a `datasets.Dataset`) and return
    its findings; `settings` are config keys, e.g. `select=["R"]`. See `sftlint.api`."""
    from sftlint import api  # the engine loads on first use, not on `import sftlint`

    return api.check(source, **settings)
