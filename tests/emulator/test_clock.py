"""The simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from xrt_prods_async.emulator._clock import SimClock, format_hms


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


START = datetime(2024, 1, 1, tzinfo=UTC)


def make_clock(scale: float = 10.0) -> tuple[SimClock, FakeTime]:
    fake = FakeTime()
    clock = SimClock(scale, monotonic=fake, wall=lambda: START + timedelta(seconds=fake.t - 100.0))
    return clock, fake


def test_simulated_time_runs_at_the_scale() -> None:
    clock, fake = make_clock(10.0)
    assert clock.now() == 0.0
    fake.t += 2.5
    assert clock.now() == pytest.approx(25.0)


def test_advance_jumps_forward_only() -> None:
    clock, fake = make_clock(10.0)
    assert clock.advance(100.0) == pytest.approx(100.0)
    fake.t += 1
    assert clock.now() == pytest.approx(110.0)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_changing_the_scale_keeps_time_continuous() -> None:
    clock, fake = make_clock(10.0)
    fake.t += 1
    clock.set_time_scale(1000.0)
    assert clock.now() == pytest.approx(10.0)
    fake.t += 1
    assert clock.now() == pytest.approx(1010.0)
    assert clock.time_scale == 1000.0
    with pytest.raises(ValueError, match="positive"):
        clock.set_time_scale(0)
    with pytest.raises(ValueError, match="positive"):
        SimClock(-1)


def test_wall_at_maps_simulated_moments_to_real_ones() -> None:
    clock, fake = make_clock(10.0)
    fake.t += 1  # sim 10 at real +1 s
    clock.advance(90)  # sim jumps to 100 at real +1 s
    fake.t += 1  # sim 110 at real +2 s
    assert clock.wall_at(5.0) == START + timedelta(seconds=0.5)
    assert clock.wall_at(50.0) == START + timedelta(seconds=1)  # skipped by the jump
    assert clock.wall_at(110.0) == START + timedelta(seconds=2)
    assert clock.wall_at(130.0) == START + timedelta(seconds=4)  # future, current pace
    assert clock.wall_now() == START + timedelta(seconds=2)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "00:00:00"), (83, "00:01:23"), (90061.9, "25:01:01"), (-5, "00:00:00")]
)
def test_format_hms(seconds: float, text: str) -> None:
    assert format_hms(seconds) == text
