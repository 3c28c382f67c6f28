"""``download_spectral_files``: the data archives and fit plots a spectral-fit reply names, saved as
swifttools' ``saveSpectralData`` saves them, streamed, checked and atomic like every download."""

from __future__ import annotations

import tarfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from PIL import Image
from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest

from tests.support.requests import grb_200416a
from xrt_prods_async._errors import DownloadError, ProductNotReadyError, ProtocolError
from xrt_prods_async.client import Job, SpectralFits, XRTClient
from xrt_prods_async.client._spectral_files import spectral_file_plan
from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, FaultConfig, FaultRule, running_emulator
from xrt_prods_async.emulator._server import RunningEmulator
from xrt_prods_async.http import RetryPolicy
from xrt_prods_async.params import Spectrum

FAST = RetryPolicy(attempts=4, timeout=20, wait_initial=0.001, wait_max=0.005, wait_jitter=0)
pytestmark = pytest.mark.usefixtures("no_backoff")
#: Snapshots and three models: several intervals, each with WT/PC fits and a plot per model.
SPECTRUM = Spectrum(has_redshift=False, timeslice="snapshot", models=["powerlaw", "apec"])


@asynccontextmanager
async def spectrum_job(spectrum: Spectrum = SPECTRUM) -> AsyncIterator[tuple[RunningEmulator, Job]]:
    async with (
        running_emulator(EmulatorConfig(time_scale=100_000, seed=2, workers=4)) as emu,
        XRTClient(DEMO_USER_ID, base_url=emu.base_url, poll_interval=0.01, retry=FAST) as client,
    ):
        job = await client.submit(grb_200416a(spectrum=spectrum))
        await job.wait(timeout=30)
        yield emu, job


def names(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def swifttools_save(emu: RunningEmulator, job_id: int, dest: Path, **options: Any) -> None:
    """What the reference client does: attach to the job, fetch the fits, ``saveSpectralData``."""
    request = XRTProductRequest(DEMO_USER_ID, silent=True, useDeprecate=False)
    request._baseURL = emu.base_url
    request.copyOldJob(job_id, becomeThis=True)
    request.retrieveSpectralFits()
    request.saveSpectralData(destDir=str(dest), **options)


@pytest.mark.filterwarnings("ignore:distutils Version classes are deprecated:DeprecationWarning")
async def test_the_files_are_those_swifttools_saves_byte_for_byte(tmp_path: Path) -> None:
    async with spectrum_job() as (emu, job):
        saved = await job.download_spectral_files(tmp_path / "ours")
        await anyio.to_thread.run_sync(lambda: swifttools_save(emu, job.job_id, tmp_path / "theirs"))
        fits = await job.spectral_fits()
    theirs = sorted((tmp_path / "theirs").iterdir())
    assert sorted(saved) == sorted(tmp_path / "ours" / p.name for p in theirs)
    for path in theirs:
        assert (tmp_path / "ours" / path.name).read_bytes() == path.read_bytes(), path.name
    # Data before plots, interval by interval, as swifttools goes.
    rnames = list(fits.intervals)
    assert len(rnames) > 1
    assert names(saved)[0] == f"{rnames[0]}.tar.gz"
    assert sum(name.endswith(".tar.gz") for name in names(saved)) == len(rnames)
    assert any(name.endswith("_apec_plot.gif") for name in names(saved))
    for path in saved:
        if path.suffix == ".gif":
            with Image.open(path) as image:
                image.verify()
        else:
            with tarfile.open(path) as archive:
                assert archive.getnames()


async def test_choices_extract_and_overwrite(tmp_path: Path) -> None:
    async with spectrum_job() as (emu, job):
        plots = await job.download_spectral_files(tmp_path / "plots", data=False)
        assert plots
        assert all(p.suffix == ".gif" for p in plots)
        data = await job.download_spectral_files(tmp_path / "data", images=False, extract=True)
        archives = [p for p in data if p.name.endswith(".tar.gz")]
        unpacked = [p for p in data if p not in archives]
        assert archives == data[: len(archives)]
        assert unpacked
        assert all(p.is_file() and tmp_path / "data" in p.parents for p in unpacked)
        assert await job.download_spectral_files(tmp_path / "none", images=False, data=False) == []
        assert not (tmp_path / "none").exists()

        # An existing file stops the call before anything is fetched; overwrite=True replaces it.
        requests_before = emu.state.metrics_snapshot()["downloads"]["files"]
        (tmp_path / "plots" / plots[-1].name).write_bytes(b"old")
        with pytest.raises(DownloadError, match="already exists; pass overwrite=True"):
            await job.download_spectral_files(tmp_path / "plots", data=False)
        assert emu.state.metrics_snapshot()["downloads"]["files"] == requests_before
        await job.download_spectral_files(tmp_path / "plots", data=False, overwrite=True)
        assert plots[-1].read_bytes()[:6] == b"GIF89a"


async def test_spectral_files_are_fetched_again_when_cut_short(tmp_path: Path) -> None:
    async with spectrum_job(Spectrum(has_redshift=False)) as (emu, job):
        emu.state.faults.configure(
            FaultConfig(seed=1, rules=[FaultRule(endpoint="download", truncate=1.0, limit=3)])
        )
        saved = await job.download_spectral_files(tmp_path)
        assert emu.state.faults.fired()["download"] == 3
    assert names(saved) == sorted(names(saved), key=lambda n: not n.endswith(".tar.gz"))
    assert entries(tmp_path) == sorted(names(saved))


async def test_an_unfinished_spectrum_has_no_files(tmp_path: Path) -> None:
    async with (
        running_emulator(EmulatorConfig(time_scale=1, seed=2)) as emu,
        XRTClient(DEMO_USER_ID, base_url=emu.base_url, poll_interval=0.01, retry=FAST) as client,
    ):
        job = await client.submit(grb_200416a(spectrum=Spectrum(has_redshift=False)))
        with pytest.raises(ProductNotReadyError, match="not complete yet"):
            await job.download_spectral_files(tmp_path)
    assert entries(tmp_path) == []


def fits_naming(*urls: tuple[str, str | None]) -> SpectralFits:
    """A spectral-fit reply with one interval per ``(DataFile, Image)`` pair."""
    body: dict[str, Any] = {"OK": 1, "APIVersion": "1.12", "T0": 1.0, "rnames": []}
    for index, (data, image) in enumerate(urls):
        rname = f"interval{index}"
        body["rnames"].append(rname)
        fit = {"Gamma": 2.0, **({"Image": image} if image else {})}
        body[rname] = {"DataFile": data, "Start": 0, "Stop": 1, "Modes": ["PC"]}
        body[rname]["PC"] = {"MeanTime": 1, "Exposure": 1, "Models": ["PowerLaw"], "PowerLaw": fit}
    return SpectralFits.model_validate(body)


def test_the_plan_names_files_after_their_urls(tmp_path: Path) -> None:
    base = "https://www.swift.ac.uk/user_objects/tprods/USERPROD_1/spec"
    fits = fits_naming((f"{base}/a%20b.tar.gz", f"{base}/a_plot.gif"), (f"{base}/c.tar.gz", None))
    plan = spectral_file_plan(fits, tmp_path, images=True, data=True)
    assert [(f.target.name, f.kind) for f in plan] == [
        ("a%20b.tar.gz", "tar.gz"),
        ("a_plot.gif", "gif"),
        ("c.tar.gz", "tar.gz"),
    ]
    assert plan[1].what == "the PowerLaw fit plot of interval 'interval0' (PC)"
    same = fits_naming((f"{base}/c.tar.gz", None), (f"{base}/c.tar.gz", None))
    assert len(spectral_file_plan(same, tmp_path, images=True, data=True)) == 1


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://x.test/spec/..", "cannot be saved safely"),
        ("https://x.test/spec/", "cannot be saved safely"),
        ("https://x.test/spec/.?x=1", "cannot be saved safely"),
        ("https://x.test/spec/a\\..\\b.gif", "cannot be saved safely"),
    ],
)
def test_the_plan_refuses_names_that_could_escape(tmp_path: Path, url: str, problem: str) -> None:
    with pytest.raises(ProtocolError, match=problem):
        spectral_file_plan(fits_naming((url, None)), tmp_path, images=True, data=True)


def test_the_plan_refuses_two_files_of_one_name(tmp_path: Path) -> None:
    fits = fits_naming(("https://x.test/one/a.tar.gz", None), ("https://x.test/two/a.tar.gz", None))
    with pytest.raises(ProtocolError, match=r"two files 'a\.tar\.gz'"):
        spectral_file_plan(fits, tmp_path, images=True, data=True)
