"""Scheduler errors reach the caller unwrapped; stale temporary files of a killed run are removed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.campaign import POLL, emulator, items
from xrt_prods_async._errors import LocalIOError, ServiceOutageError, UnknownUserError
from xrt_prods_async.campaign import Campaign, CampaignOptions, EntryState
from xrt_prods_async.campaign._collect import remove_stale_temp_files
from xrt_prods_async.campaign._scheduler import sole_error
from xrt_prods_async.client import XRTClient


async def test_an_unknown_user_is_raised_as_itself_not_as_a_group(tmp_path: Path) -> None:
    async with (
        emulator() as emu,
        XRTClient("stranger@example.org", base_url=emu.base_url, poll_interval=POLL) as xrt,
    ):
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", CampaignOptions(poll_interval=POLL))
        await campaign.add(items(2))
        with pytest.raises(UnknownUserError, match=r"stranger@example\.org"):
            await campaign.run()
        assert campaign.store.counts()[EntryState.PENDING] == 2  # nothing lost: resumable with the right user


def test_sole_error_unwraps_one_error_however_nested_and_keeps_several_grouped() -> None:
    lone = ValueError("lone")
    assert sole_error(BaseExceptionGroup("g", [BaseExceptionGroup("inner", [lone])])) is lone
    several = ExceptionGroup("g", [ValueError("a"), KeyError("b")])
    assert sole_error(several) is several


NOW = datetime(2026, 11, 30, tzinfo=UTC)


def test_sole_error_takes_several_stops_of_one_kind_for_one() -> None:
    # Collectors ready to run together each see the spent outage budget before the first error cancels them.
    first, second = (
        ServiceOutageError(f"down {i}", since=NOW, duration=900.0, last_error="refused") for i in (1, 2)
    )
    assert sole_error(ExceptionGroup("g", [first, ExceptionGroup("inner", [second])])) is first
    mixed = ExceptionGroup("g", [first, LocalIOError("disk full", path="/x", reason="full")])
    assert sole_error(mixed) is mixed


def test_remove_stale_temp_files_takes_only_temporary_files(tmp_path: Path) -> None:
    folder = tmp_path / "GRB_200416A"
    assert remove_stale_temp_files(folder) == []  # no folder yet: nothing to do
    folder.mkdir()
    keep = [folder / "lc.tar.gz", folder / "light_curve.json", folder / ".hidden", folder / "notes.part"]
    stale = [folder / ".lc.tar.gz.k2j3h4.part", folder / ".light_curve.json.4242.part"]
    for path in keep + stale:
        path.write_bytes(b"x")
    assert remove_stale_temp_files(folder) == sorted(stale)
    assert sorted(folder.iterdir()) == sorted(keep)
