"""The masking tests' tokenizers, loaded once a session (shared values: mask_helpers)."""

from __future__ import annotations

import pytest
from mask_helpers import loaded


@pytest.fixture(scope="session")
def chatml():
    return loaded("chatml")


@pytest.fixture(scope="session")
def llama3():
    return loaded("llama3")


@pytest.fixture(scope="session")
def gemma():
    return loaded("gemma")


@pytest.fixture(scope="session")
def mistral_v1():
    return loaded("mistral-v1")


@pytest.fixture(scope="session")
def mistral_v3():
    return loaded("mistral-v3")


@pytest.fixture(scope="session")
def mistral_tekken():
    return loaded("mistral-tekken")
