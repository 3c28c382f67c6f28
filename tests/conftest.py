"""Shared test fixtures and paths."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# CI must be repeatable: the default profile replays the same examples every run. Explore new ones by hand
# with HYPOTHESIS_PROFILE=explore (and raise max_examples) before a release.
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def _find_protocol_dir() -> Path:
    """``../shared/protocol`` beside the checkout (CI's layout), or ``$XRT_PROTOCOL_DIR``."""
    override = os.environ.get("XRT_PROTOCOL_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1].parent / "shared" / "protocol"


PROTOCOL_DIR = _find_protocol_dir()
EXAMPLES_DIR = PROTOCOL_DIR / "examples"

if not EXAMPLES_DIR.is_dir():  # pragma: no cover - a broken checkout must fail loudly, never skip
    raise RuntimeError(
        f"protocol examples not found at {EXAMPLES_DIR}: put the shared/ folder beside the checkout "
        "or set XRT_PROTOCOL_DIR"
    )


def load_example(name: str) -> Any:
    """The parsed JSON of one file of ``shared/protocol/examples``."""
    return json.loads((EXAMPLES_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture
def example() -> Any:
    """``example("status_response_all_products.json")`` -> parsed JSON."""
    return load_example


# Fixtures of the emulator and conformance tests live in support modules (a conftest.py per folder would
# shadow this one as the importable ``conftest`` module).
pytest_plugins = ["tests.emulator.emulator_support", "tests.conformance.conformance_support"]
