"""The client end to end against the emulator over real HTTP on loopback, including its fault injection."""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.emulator import until
from tests.support.requests import COUNTS_LIGHT_CURVE, grb_200416a
from xrt_prods_async._errors import (
    JobLimitError,
    NotOwnerError,
    ProductNotReadyError,
    RequestTimeoutError,
    ServerError,
    ServiceUnavailableError,
    SubmitUncertainError,
    UnknownUserError,
)
from xrt_prods_async._products import Product
from xrt_prods_async.client import CancelOutcome, JobStatus, XRTClient, extract
from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, FaultConfig, FaultRule, running_emulator
from xrt_prods_async.emulator._server import RunningEmulator
from xrt_prods_async.http import RetryPolicy
from xrt_prods_async.params import (
    AstromPos,
    EnhancedPos,
    Image,
    JobRequest,
    SourceDet,
    Spectrum,
    StandardPos,
)
from xrt_prods_async.wire import CancelCode, StatusCode

FAST = RetryPolicy(attempts=4, timeout=10, wait_initial=0.001, wait_max=0.005, wait_jitter=0)
pytestmark = pytest.mark.usefixtures("no_backoff")


def every_product() -> JobRequest:
    return grb_200416a(
        light_curve=COUNTS_LIGHT_CURVE,
        spectrum=Spectrum(has_redshift=False),
        standard_pos=StandardPos(),
        enhanced_pos=EnhancedPos(),
        astrom_pos=AstromPos(),
        image=Image(),
        source_det=SourceDet(which_data="all"),
    )


@asynccontextmanager
async def service(**config: Any) -> AsyncIterator[tuple[RunningEmulator, XRTClient]]:
    """A running emulator and a client of it (fast polling and retries: loopback)."""
    settings: dict[str, Any] = {"time_scale": 100_000, "seed": 1, "workers": 16, **config}
    async with (
        running_emulator(EmulatorConfig(**settings)) as emu,
        XRTClient(DEMO_USER_ID, base_url=emu.base_url, poll_interval=0.01, retry=FAST) as client,
    ):
        yield emu, client


def means_the_same(sent: JobRequest, echoed: JobRequest) -> bool:
    """Every parameter sent comes back with its value; the echo may add the service's defaults."""
    ours, theirs = sent.to_wire("u"), echoed.to_wire("u")
    return all(theirs.get(key) == value for key, value in ours.items())


def job_metrics(emu: RunningEmulator, job_id: int, user: str = DEMO_USER_ID) -> dict[str, Any]:
    snapshot: dict[str, Any] = emu.state.metrics_snapshot()
    return snapshot["users"][user.lower()]["jobs"][str(job_id)]  # type: ignore[no-any-return]


def entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def names_in(archive: Path) -> list[str]:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            return zf.namelist()
    with tarfile.open(archive) as tar:
        return tar.getnames()


async def test_every_method_end_to_end(tmp_path: Path) -> None:
    async with service() as (emu, client):
        request = every_product()
        job = await client.submit(request)
        assert job.products == (
            Product.LIGHT_CURVE,
            Product.SPECTRUM,
            Product.STANDARD_POS,
            Product.ENHANCED_POS,
            Product.ASTROM_POS,
            Product.IMAGE,
            Product.SOURCE_DET,
        )
        assert job.request is not None
        assert job.request.products == request.products
        assert job.url.startswith(emu.base_url)

        seen: list[JobStatus] = []
        final = await job.wait(on_progress=seen.append, timeout=30)
        assert final.finished
        assert final.complete
        assert seen[-1] is final
        assert job_metrics(emu, job.job_id)["status_requests"] == len(seen)  # one request per poll

        for position in (
            await job.standard_position(),
            await job.enhanced_position(),
            await job.astrometric_position(),
        ):
            assert position.found
            assert position.ra == pytest.approx(335.6985, abs=0.01)
            assert position.dec == pytest.approx(-7.5179, abs=0.01)
            assert position.err90 is not None
            assert position.err90 > 0
        sources = await job.source_list()
        assert sources.total
        assert isinstance(sources.total[0].ra, float)

        lc = await job.light_curve(nosys="both", incbad=True)
        assert lc.datasets
        assert lc.t0 == pytest.approx(608713541.952)
        assert any(d.nosys for d in lc.datasets.values())
        assert all(d.incbad for d in lc.datasets.values())
        rates = next(d for d in lc.datasets.values() if d.kind == "")
        assert all(isinstance(v, float) for v in rates.column("Rate"))

        fits = await job.spectral_fits()
        assert fits.intervals
        assert fits.rows()

        for fmt in ("tar.gz", "tar", "zip"):
            paths = await job.download(tmp_path / fmt, format=fmt, stem="grb_")
            assert set(paths) == set(job.products)
            assert paths[Product.LIGHT_CURVE].name == f"grb_lc.{fmt}"
            files = extract(paths[Product.LIGHT_CURVE], tmp_path / f"x-{fmt}")
            assert files
        everything = await client.download_all(job, tmp_path / "all", format="zip")
        assert any("/lc/" in name for name in names_in(everything))

        assert await client.count_active_jobs() == 0
        history = await client.list_old_jobs()
        assert history[0].job_id == job.job_id
        assert history[0].name == "GRB 200416A"
        assert set(history[0].products) <= set(job.products)

        again = await client.old_job(job.job_id)
        assert again.products == request.products
        assert means_the_same(request, again)
        attached = await client.attach(job.job_id)
        assert attached.products == job.products
        assert attached.url == job.url
        status = await attached.status()
        assert status.complete
        repeat = await client.submit(again)
        assert repeat.job_id > job.job_id


async def test_wait_reports_progress_while_running() -> None:
    async with service(time_scale=3000, workers=1) as (_, client):
        job = await client.submit(
            grb_200416a(spectrum=Spectrum(has_redshift=False), standard_pos=StandardPos())
        )
        texts: list[str] = []
        codes: set[StatusCode | None] = set()

        async def record(status: JobStatus) -> None:
            for product in status:
                codes.add(product.code)
                if product.code is StatusCode.RUNNING and product.progress.available:
                    texts.append(product.progress_text)

        final = await job.wait(on_progress=record, timeout=30)
    assert final.complete
    assert StatusCode.QUEUED in codes or StatusCode.REQUESTED in codes
    assert StatusCode.RUNNING in codes
    assert texts
    assert any(" - ACTIVE" in text and "The job has been running for" in text for text in texts)


async def test_cancel_and_results_of_unfinished_products(tmp_path: Path) -> None:
    async with service(time_scale=50, workers=1) as (_, client):
        job = await client.submit(
            grb_200416a(spectrum=Spectrum(has_redshift=False), standard_pos=StandardPos())
        )
        with pytest.raises(ProductNotReadyError, match="not complete yet"):
            await job.spectral_fits()
        with pytest.raises(ProductNotReadyError, match="not finished yet"):
            await job.download(tmp_path)
        result = await job.cancel([Product.SPECTRUM])
        assert result.outcome is CancelOutcome.ALL
        assert result[Product.SPECTRUM].code is CancelCode.CANCELLED
        status = await job.status()
        assert status[Product.SPECTRUM].code is StatusCode.CANCELLED
        assert status[Product.SPECTRUM].failed
        both = await job.cancel()
        assert both[Product.SPECTRUM].code is CancelCode.ALREADY_FINISHED
        assert both[Product.STANDARD_POS].cancelled
        assert both.outcome is CancelOutcome.PARTIAL
        final = await job.wait(timeout=5)
        assert final.finished
        assert not final.complete
        assert set(final.failed) == {Product.SPECTRUM, Product.STANDARD_POS}
        with pytest.raises(ProductNotReadyError, match="will never be ready"):
            await job.standard_position()


async def test_service_refusals() -> None:
    async with service(max_jobs_per_user=2, time_scale=1) as (emu, client):
        async with XRTClient("nobody@example.org", base_url=emu.base_url, retry=FAST) as stranger:
            with pytest.raises(UnknownUserError, match=r"nobody@example\.org"):
                await stranger.count_active_jobs()
        first = await client.submit(grb_200416a())
        await client.submit(grb_200416a())
        with pytest.raises(JobLimitError, match="limit"):
            await client.submit(grb_200416a())
        emu.state.register_user("other@example.org")
        async with XRTClient("other@example.org", base_url=emu.base_url, retry=FAST) as other:
            with pytest.raises(NotOwnerError, match="not owned"):
                await other.status(first.job_id)
            with pytest.raises(NotOwnerError):
                await other.cancel(first.job_id, ["lc"])
        unknown = JobRequest(
            name="No Such Object 12345",
            get_coords=True,
            get_targs=True,
            centroid=False,
            standard_pos=StandardPos(),
        )
        async with XRTClient("other@example.org", base_url=emu.base_url, retry=FAST) as other:
            with pytest.raises(ServerError, match="No Such Object 12345"):
                await other.submit(unknown)


def faults(*rules: FaultRule) -> FaultConfig:
    return FaultConfig(seed=3, rules=list(rules))


async def test_transient_faults_are_retried(tmp_path: Path) -> None:
    async with service() as (emu, client):
        job = await client.submit(grb_200416a())
        await job.wait(timeout=30)
        emu.state.faults.configure(
            faults(
                FaultRule(endpoint="checkProductStatus.php", http_502=1.0, limit=2),
                FaultRule(endpoint="getNumJobs.php", truncate=1.0, limit=1),
                FaultRule(endpoint="tprods/getPSFPos.php", drop=1.0, limit=1),
                FaultRule(endpoint="download", drop=1.0, limit=2),
            )
        )
        before = emu.state.metrics_snapshot()["requests"].get("checkProductStatus.php", 0)
        status = await job.status()
        assert status.complete
        after = emu.state.metrics_snapshot()["requests"].get("checkProductStatus.php", 0)
        assert after - before >= 1
        assert emu.state.faults.fired()["checkProductStatus.php"] == 2
        assert await client.count_active_jobs() == 0
        assert (await job.standard_position()).found
        paths = await job.download(tmp_path)
        assert set(paths) == {Product.LIGHT_CURVE, Product.STANDARD_POS}
        assert emu.state.faults.fired()["download"] == 2
        assert entries(tmp_path) == ["lc.tar.gz", "psf.tar.gz"]


async def test_lost_submit_reply_is_uncertain_and_reconcilable() -> None:
    async with service() as (emu, client):
        emu.state.faults.configure(faults(FaultRule(endpoint="run_userobject.php", lost_reply=1.0, limit=1)))
        request = grb_200416a()
        with pytest.raises(SubmitUncertainError) as info:
            await client.submit(request)
        error = info.value
        assert error.name == "GRB 200416A"
        assert error.fingerprint == request.fingerprint()
        assert emu.state.metrics_snapshot()["requests"]["run_userobject.php"] == 1  # not retried
        # Reconcile as the error says: the job exists, named as submitted, inside the window.
        history = await client.list_old_jobs()
        window = (error.sent_after - timedelta(seconds=2), error.sent_before + timedelta(seconds=2))
        found = [j for j in history if j.name == error.name and window[0] <= j.submitted <= window[1]]
        assert len(found) == 1
        job = await client.attach(found[0].job_id)
        assert job.request is not None
        assert means_the_same(request, job.request)
        assert (await job.wait(timeout=30)).complete


async def test_refused_before_processing_is_still_uncertain_for_submit() -> None:
    async with service() as (emu, client):
        emu.state.faults.configure(faults(FaultRule(endpoint="run_userobject.php", http_503=1.0, limit=1)))
        with pytest.raises(SubmitUncertainError):
            await client.submit(grb_200416a())
        assert await client.list_old_jobs() == []
        job = await client.submit(grb_200416a())  # the service is back
        assert job.job_id >= 1


async def test_slow_replies_time_out(no_backoff: None) -> None:
    async with running_emulator(EmulatorConfig(time_scale=100_000)) as emu:
        emu.state.faults.configure(
            faults(FaultRule(endpoint="getNumJobs.php", delay=1.0, delay_seconds=0.3, limit=2))
        )
        async with XRTClient(
            DEMO_USER_ID, base_url=emu.base_url, timeout=0.05, retry=RetryPolicy(attempts=2, wait_initial=0)
        ) as client:
            with pytest.raises(RequestTimeoutError, match="waiting for the reply"):
                await client.count_active_jobs()
            # The next call must not meet the delay: go on once the service has seen both attempts (the
            # rule's limit), which under load may be after the client gave up on the second.
            fired = emu.state.faults.fired
            await until(lambda: fired()["getNumJobs.php"] == 2, "both attempts to reach the service")
            assert await client.count_active_jobs() == 0


async def test_large_archive_downloads_with_flat_memory(tmp_path: Path) -> None:
    import tracemalloc

    size = 200 * 1024 * 1024
    async with service(pad_archives_to=size) as (_, client):
        job = await client.submit(grb_200416a(standard_pos=StandardPos()))
        await job.wait(timeout=30)
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            paths = await job.download(tmp_path, format="tar")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    archive = paths[Product.STANDARD_POS]
    assert archive.stat().st_size >= size * 0.95
    assert peak < 16 * 1024 * 1024, (
        f"peak traced memory {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB archive"
    )


async def test_a_base_url_without_user_objects_says_how_to_fix_it() -> None:
    async with (
        running_emulator(EmulatorConfig(time_scale=100_000)) as emu,
        XRTClient(DEMO_USER_ID, base_url=emu.root_url, retry=FAST) as client,
    ):
        with pytest.raises(ServiceUnavailableError) as info:
            await client.count_active_jobs()
    assert info.value.status_code == 404
    assert str(info.value) == (
        f"The service answered HTTP 404 (Not Found) for {emu.root_url}/getNumJobs.php: 'UKSSDC | 404 page "
        "not found'; there is no API endpoint at that URL: base_url must be the service's root, ending in "
        f"/user_objects; try base_url='{emu.base_url}'"
    )
