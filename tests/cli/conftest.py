"""Fixtures of the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import BAD


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(BAD)
    return path
