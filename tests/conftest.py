from __future__ import annotations

from pathlib import Path

import pytest

from warmtts.config import Settings
from warmtts.engine import Engine
from warmtts.preload import build_engine

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def engine() -> Engine:
    """One real engine with both built-in voices, shared by every test that synthesises."""
    return build_engine(Settings())


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
