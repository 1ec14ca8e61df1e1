"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

# Real data in the repository, so a fresh clone runs every test (README.md there says
# where it comes from and under which licence).
LLAMAFACTORY = Path(__file__).resolve().parent / "data" / "llamafactory"


@pytest.fixture(scope="session")
def llamafactory() -> Path:
    """LLaMA-Factory's demo datasets, unmodified."""
    return LLAMAFACTORY
