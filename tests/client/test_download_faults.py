"""Downloads against the emulator's fault injection over real loopback: every kind of failed try is tried
again with a fresh request, up to the retry policy's bound, and only whole archives land."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.support.requests import grb_200416a
from xrt_prods_async._errors import DownloadFailedError
from xrt_prods_async._products import Product
from xrt_prods_async.client import Job, XRTClient, verify_archive
from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, FaultConfig, FaultRule, running_emulator
from xrt_prods_async.emulator._server import RunningEmulator
from xrt_prods_async.http import RetryPolicy
from xrt_prods_async.params import StandardPos

ATTEMPTS = 4
FAST = RetryPolicy(attempts=ATTEMPTS, timeout=20, wait_initial=0.001, wait_max=0.005, wait_jitter=0)
pytestmark = pytest.mark.usefixtures("no_backoff")
PSF = Product.STANDARD_POS


@asynccontextmanager
async def finished_job() -> AsyncIterator[tuple[RunningEmulator, XRTClient, Job]]:
    config = EmulatorConfig(time_scale=100_000, seed=1, workers=4)
    async with (
        running_emulator(config) as emu,
        XRTClient(DEMO_USER_ID, base_url=emu.base_url, poll_interval=0.01, retry=FAST) as client,
    ):
        job = await client.submit(grb_200416a(standard_pos=StandardPos()))
        await job.wait(timeout=30)
        yield emu, client, job


def inject(emu: RunningEmulator, **rule: float | int) -> None:
    emu.state.faults.configure(FaultConfig(seed=5, rules=[FaultRule(endpoint="download", **rule)]))


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("fmt", ["tar.gz", "tar", "zip"])
@pytest.mark.parametrize("fault", ["truncate", "drop", "http_500", "http_503"])
async def test_each_failed_try_is_fetched_again(tmp_path: Path, fmt: str, fault: str) -> None:
    """Before: a truncated archive (a clean 200 reply, half the body) failed its check and was not retried."""
    async with finished_job() as (emu, _, job):
        inject(emu, **{fault: 1.0, "limit": ATTEMPTS - 1})
        paths = await job.download(tmp_path, format=fmt)
        assert emu.state.faults.fired()["download"] == ATTEMPTS - 1
    verify_archive(paths[PSF], fmt)
    assert entries(tmp_path) == [f"psf.{fmt}"]


@pytest.mark.parametrize("fault", ["truncate", "drop", "http_502"])
async def test_a_fault_that_never_ends_gives_up_at_the_bound(tmp_path: Path, fault: str) -> None:
    async with finished_job() as (emu, _, job):
        inject(emu, **{fault: 1.0})
        with pytest.raises(DownloadFailedError) as failed:
            await job.download(tmp_path, format="zip")
        assert emu.state.faults.fired()["download"] == ATTEMPTS
    error = failed.value
    assert error.attempts == ATTEMPTS
    assert error.url == job.archive_url(PSF, "zip")
    assert error.what == "the standard position archive"
    assert f"after {ATTEMPTS} attempts" in str(error)
    assert entries(tmp_path) == []


async def test_download_all_and_several_products_under_random_faults(tmp_path: Path) -> None:
    """Half the tries fail one way or another; with enough attempts everything arrives whole."""
    async with finished_job() as (emu, client, job):
        emu.state.faults.configure(
            FaultConfig(
                seed=11,
                rules=[FaultRule(endpoint="download", truncate=0.2, drop=0.15, http_500=0.15)],
            )
        )
        every = await client.download_all(job, tmp_path, format="tar.gz")
        paths = await job.download(tmp_path, format="tar")
        assert emu.state.faults.fired().get("download", 0) >= 1
    verify_archive(every, "tar.gz")
    verify_archive(paths[PSF], "tar")
    assert leftovers(tmp_path) == []
