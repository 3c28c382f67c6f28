"""Outage lines say spans as people say them (a fast emulator's outages last milliseconds)."""

from __future__ import annotations

import pytest

from xrt_prods_async.campaign._outage import _duration


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.0056, "under a second"),
        (0.0, "under a second"),
        (1.0, "1 s"),
        (4.24, "4.2 s"),
        (35.2, "35 s"),
        (125, "2 min 05 s"),
        (3780, "1 h 03 min"),
    ],
)
def test_spans(seconds: float, words: str) -> None:
    assert _duration(seconds) == words
