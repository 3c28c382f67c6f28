"""The blocking client: the async client's methods and results, blocking, in scripts and in event loops."""

from __future__ import annotations

import asyncio
import gc
import inspect
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import xrt_prods_async
from tests.support.requests import COUNTS_LIGHT_CURVE, grb_200416a
from xrt_prods_async._errors import (
    ConfigurationError,
    InvalidRequestError,
    JobTimeoutError,
    ProductNotReadyError,
    UnknownUserError,
)
from xrt_prods_async.campaign import CampaignEvent, CampaignItem, CampaignOptions, EventKind
from xrt_prods_async.client import ENV_USER_ID, JobStatus, LightCurveData, RebinStatus
from xrt_prods_async.client._job import OnHandle
from xrt_prods_async.emulator import DEMO_USER_ID, RunningEmulator
from xrt_prods_async.sync import Campaign, Job, RebinJob, XRTClient
from xrt_prods_async.wire import StatusCode

ROOT = Path(__file__).resolve().parents[2]

#: The blocking twins and the async classes they drive.
PAIRS = [
    (XRTClient, xrt_prods_async.XRTClient),
    (Job, xrt_prods_async.Job),
    (RebinJob, xrt_prods_async.RebinJob),
    (Campaign, xrt_prods_async.Campaign),
]


def public_methods(cls: type) -> set[str]:
    """Public methods of a class, including the handle methods that delegate to the client."""
    functions = {name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}
    return functions | {name for name, value in vars(cls).items() if isinstance(value, OnHandle)}


def finished_job(emu: RunningEmulator, client: XRTClient) -> Job:
    job = client.submit(grb_200416a(light_curve=COUNTS_LIGHT_CURVE))
    emu.state.clock.advance(100_000)
    job.wait()
    return job


# --- one implementation: the same methods ----------------------------------------------------------------


@pytest.mark.parametrize(("twin", "original"), PAIRS, ids=lambda c: c.__name__)
def test_the_twin_has_exactly_the_async_methods(twin: type, original: type) -> None:
    ours = public_methods(twin) - {"close"}
    theirs = public_methods(original) - {"aclose"}
    assert ours == theirs


def test_signatures_and_docstrings_are_the_async_ones() -> None:
    for name in public_methods(xrt_prods_async.XRTClient) - {"aclose"}:
        original = getattr(xrt_prods_async.XRTClient, name)
        blocking = getattr(XRTClient, name)
        assert inspect.signature(blocking) == inspect.signature(original), name
        assert blocking.__doc__.startswith(inspect.cleandoc(original.__doc__)), name
        assert "Blocking: runs ``xrt_prods_async.XRTClient." in blocking.__doc__
        assert blocking.__qualname__ == f"XRTClient.{name}"
    assert inspect.signature(XRTClient) == inspect.signature(xrt_prods_async.XRTClient)
    assert inspect.signature(Campaign) == inspect.signature(xrt_prods_async.Campaign)


def test_handle_methods_have_the_async_handles_signatures(client: XRTClient) -> None:
    async_job = xrt_prods_async.Job(client._async, job_id=1, url="http://127.0.0.1:9/x", products=())
    twin = Job(client, async_job)
    for name, value in vars(xrt_prods_async.Job).items():
        if isinstance(value, OnHandle):
            assert inspect.signature(getattr(twin, name)) == value.bound_signature, name
            assert getattr(twin, name).__doc__.startswith(inspect.cleandoc(value.__doc__ or "")), name


def test_every_attribute_of_an_async_handle_is_shown(client: XRTClient, emu: RunningEmulator) -> None:
    job = finished_job(emu, client)
    rebin = job.rebin_light_curve(bin_meth="snapshot")
    for twin, original in ((job, job._async), (rebin, rebin._async), (client, client._async)):
        shown = {name for name in vars(original) if not name.startswith("_")} - {"client"}
        missing = {name for name in shown if not hasattr(type(twin), name)}
        assert missing == set(), f"{type(twin).__name__} lacks {missing}"
    assert (job.job_id, job.url, job.products, job.name) == (
        job._async.job_id,
        job._async.url,
        job._async.products,
        "GRB 200416A",
    )
    assert rebin.job == job  # a handle comes back as its twin
    assert isinstance(rebin.job, Job)
    assert rebin.binning.bin_meth == "snapshot"
    assert client.user_id == DEMO_USER_ID
    assert client.main_api_url.endswith("/API/main.php")


# --- the same results ------------------------------------------------------------------------------------


def test_a_job_and_a_rebin_from_start_to_finish(
    client: XRTClient, emu: RunningEmulator, tmp_path: Path
) -> None:
    seen: list[JobStatus] = []
    job = client.submit(grb_200416a(light_curve=COUNTS_LIGHT_CURVE))
    assert isinstance(job, Job)
    emu.state.clock.advance(100_000)
    final = job.wait(on_progress=seen.append)
    assert isinstance(final, JobStatus)
    assert final.finished
    assert seen == [final]
    assert job.last_status is final
    files = job.download(tmp_path)
    assert {p.name for p in files.values()} == {"lc.tar.gz"}
    curve = client.light_curve(job)
    assert isinstance(curve, LightCurveData)

    rebin = job.rebin_light_curve(binMeth="time", pcBinTime=2000, wtBinTime=2000)
    assert isinstance(rebin, RebinJob)
    assert rebin.status().code is StatusCode.REQUESTED
    emu.state.clock.advance(3600)
    done = client.wait_rebin(rebin)
    assert isinstance(done, RebinStatus)
    assert done.complete
    assert rebin.light_curve().binning == "Time"
    attached = client.attach(job.job_id)
    assert isinstance(attached, Job)
    assert attached.products == job.products
    assert client.count_active_jobs() == 0


def test_errors_are_the_async_clients(
    client: XRTClient, emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = client.submit(grb_200416a(light_curve=COUNTS_LIGHT_CURVE))
    with pytest.raises(ProductNotReadyError, match="not complete yet"):
        job.light_curve()
    with pytest.raises(JobTimeoutError, match=f"Job {job.job_id} did not finish within 0.03 s"):
        job.wait(timeout=0.03)
    emu.state.clock.advance(100_000)
    job.wait()
    with pytest.raises(InvalidRequestError, match="bin_meth: required"):
        job.rebin_light_curve()
    with (
        XRTClient("nobody@example.org", base_url=emu.base_url) as stranger,
        pytest.raises(UnknownUserError),
    ):
        stranger.count_active_jobs()
    before = set(threading.enumerate())
    monkeypatch.delenv(ENV_USER_ID, raising=False)
    with pytest.raises(ConfigurationError, match="No user id"):
        XRTClient(base_url=emu.base_url)
    assert set(threading.enumerate()) <= before  # the failed client's thread is gone


# --- the event-loop thread -------------------------------------------------------------------------------


def test_close_stops_the_thread_and_ends_the_client(emu: RunningEmulator) -> None:
    client = XRTClient(DEMO_USER_ID, base_url=emu.base_url)
    thread = client._portal.thread
    assert thread.is_alive()
    assert thread is not threading.current_thread()
    assert client.count_active_jobs() == 0
    assert {"close", "__enter__", "__exit__"} <= set(vars(XRTClient))
    client.close()
    assert not thread.is_alive()
    assert client._async.session.closed
    client.close()  # closing again does nothing
    with pytest.raises(RuntimeError, match="closed"):
        client.count_active_jobs()


def test_a_forgotten_client_stops_its_thread_when_collected(emu: RunningEmulator) -> None:
    client = XRTClient(DEMO_USER_ID, base_url=emu.base_url)
    thread = client._portal.thread
    del client
    gc.collect()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_an_interrupted_call_is_cancelled_on_the_loop(client: XRTClient, emu: RunningEmulator) -> None:
    job = client.submit(grb_200416a(light_curve=COUNTS_LIGHT_CURVE))  # the clock stands still: never done
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))  # Ctrl-C while blocked
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        job.wait(timeout=10)
    timer.join()

    def polls() -> int:
        requests: dict[str, int] = emu.state.metrics_snapshot()["requests"]
        return requests["checkProductStatus.php"]

    count = polls()
    time.sleep(0.1)  # ten poll intervals: a wait still running would have polled again
    assert polls() == count
    assert not job.status().finished  # and the client still works


async def test_usable_from_inside_a_running_event_loop(emu: RunningEmulator) -> None:
    asyncio.get_running_loop()  # the case asyncio.run() refuses: a loop already runs in this thread
    with XRTClient(DEMO_USER_ID, base_url=emu.base_url, poll_interval=0.01) as client:
        job = client.submit(grb_200416a(light_curve=COUNTS_LIGHT_CURVE))
        emu.state.clock.advance(100_000)
        assert job.wait().finished
        assert job.light_curve().datasets


def test_a_plain_script(emu: RunningEmulator, tmp_path: Path) -> None:
    """A script with no event loop of its own; a client it forgets to close must not hang its exit."""
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from xrt_prods_async import JobRequest, StandardPos
            from xrt_prods_async.sync import XRTClient

            base_url = sys.argv[1]
            with XRTClient("demo@example.org", base_url=base_url, poll_interval=0.01) as client:
                request = JobRequest(
                    name="x", targ="00966554", ra=1.0, dec=2.0, centroid=False, standard_pos=StandardPos()
                )
                job = client.submit(request)
                print("submitted", job.job_id)
            forgotten = XRTClient("demo@example.org", base_url=base_url)
            print("active", forgotten.count_active_jobs())
            """
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script), emu.base_url], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["submitted 1001", "active 1"]


# --- campaigns -------------------------------------------------------------------------------------------


def test_a_blocking_campaign(client: XRTClient, emu: RunningEmulator, tmp_path: Path) -> None:
    kinds: list[EventKind] = []
    loop_threads: set[threading.Thread] = set()

    def on_event(event: CampaignEvent) -> None:  # called on the client's event-loop thread
        kinds.append(event.kind)
        loop_threads.add(threading.current_thread())
        if event.kind is EventKind.SUBMITTED:
            emu.state.clock.advance(100_000)  # the job is done by the next poll

    options = CampaignOptions(poll_interval=0.01, retrieve=frozenset())
    campaign = Campaign(client, tmp_path / "c.sqlite", tmp_path / "out", options, on_event=on_event)
    assert campaign.client is client
    assert campaign.options is options
    added = campaign.add(CampaignItem(f"s{i}", grb_200416a(light_curve=COUNTS_LIGHT_CURVE)) for i in range(3))
    assert added == 3
    summary = campaign.run()
    assert summary.counts["done"] == 3
    assert campaign.summary().counts == summary.counts
    assert kinds.count(EventKind.DONE) == 3
    assert loop_threads == {client._portal.thread}
    assert campaign.requests["submit"] == 3
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.tar.gz")) == ["lc.tar.gz"] * 3
    assert int(campaign.cancel()) == 0
