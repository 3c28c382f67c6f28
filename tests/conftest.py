"""Fixtures every test folder shares; each folder's own fixtures live in its conftest.py, and helpers that are
not fixtures (builders, constants) in ``tests/support``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stamina
from hypothesis import settings

from tests.support.examples import load_example

# CI must be repeatable: the default profile replays the same examples every run. Explore new ones by hand
# with HYPOTHESIS_PROFILE=explore (and raise max_examples) before a release.
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def example() -> Callable[[str], Any]:
    """``example("status_response_all_products.json")`` -> parsed JSON."""
    return load_example


@pytest.fixture
def no_backoff() -> Iterator[None]:
    """Retries keep their attempt bounds but skip the backoff sleeps (stamina's test mode, capped)."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield
