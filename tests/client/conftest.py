"""Fixtures for the client, http and wire tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina


@pytest.fixture
def no_backoff() -> Iterator[None]:
    """Retries keep their attempt bounds but skip the backoff sleeps (stamina's test mode, capped)."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield
