"""The simulated worker pool: queueing, running, astrometry waiting for the PSF, cancelling, determinism."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from xrt_prods_async._products import Product
from xrt_prods_async.emulator._config import DurationModel, EmulatorConfig
from xrt_prods_async.emulator._jobs import Job, ProductRun, Simulation, plan_job
from xrt_prods_async.wire._endpoints import StatusCode as S

FIXED = {p.value: DurationModel(median=100, sigma=0) for p in Product}


def make_job(job_id: int, products: tuple[Product, ...], config: EmulatorConfig | None = None) -> Job:
    job = Job(
        job_id=job_id, owner="u", user_id="u", name="X", pars={"targ": "00000001"}, submitted_at=0.0,
        submitted_wall=datetime(2024, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    plan_job(job, products, config or EmulatorConfig(durations=FIXED))
    return job


def codes(job: Job) -> list[S]:
    return [run.code for run in job.products.values()]


def sim(workers: int = 1) -> Simulation:
    return Simulation(workers=workers, request_delay=5, xastrom_correction=10)


def test_products_go_requested_queued_running_complete() -> None:
    simulation = sim(workers=1)
    job = make_job(1, (Product.LIGHT_CURVE, Product.SPECTRUM))
    simulation.add(job, 0.0)
    assert codes(job) == [S.REQUESTED, S.REQUESTED]
    simulation.advance(5)
    assert codes(job) == [S.RUNNING, S.QUEUED]
    assert simulation.busy == 1
    assert simulation.queued == 1
    simulation.advance(104.9)
    assert codes(job) == [S.RUNNING, S.QUEUED]
    simulation.advance(500)  # both finish, each at its exact time
    assert codes(job) == [S.COMPLETE, S.COMPLETE]
    lc, spec = job.products.values()
    assert (lc.started_at, lc.finished_at) == (5, 105)
    assert (spec.queued_at, spec.started_at, spec.finished_at) == (5, 105, 205)
    assert not job.active
    assert simulation.next_event_time() is None


def test_the_astrometric_position_waits_for_the_standard_one() -> None:
    durations = {
        **FIXED,
        "psf": DurationModel(median=300, sigma=0),
        "xastrom": DurationModel(median=50, sigma=0),
    }
    simulation = sim(workers=2)
    job = make_job(1, (Product.STANDARD_POS, Product.ASTROM_POS), EmulatorConfig(durations=durations))
    psf, xastrom = job.products.values()
    simulation.add(job, 0.0)
    simulation.advance(60)
    assert xastrom.code is S.WAITING_FOR_PSF
    assert xastrom.waiting_at == 55
    assert job.active
    simulation.advance(305)
    assert psf.code is S.COMPLETE
    assert xastrom.code is S.WAITING_FOR_PSF  # correcting for xastrom_correction seconds
    simulation.advance(315)
    assert xastrom.code is S.COMPLETE
    assert xastrom.finished_at == 315


def test_a_failed_or_cancelled_psf_fails_the_waiting_astrometry() -> None:
    durations = {
        **FIXED,
        "psf": DurationModel(median=300, sigma=0),
        "xastrom": DurationModel(median=50, sigma=0),
    }
    simulation = sim(workers=2)
    job = make_job(1, (Product.STANDARD_POS, Product.ASTROM_POS), EmulatorConfig(durations=durations))
    psf, xastrom = job.products.values()
    simulation.add(job, 0.0)
    simulation.advance(100)
    assert simulation.cancel(psf, 100)
    assert psf.code is S.CANCELLED
    assert xastrom.code is S.NO_PRODUCT
    assert xastrom.finished_at == 100


def test_failures_follow_the_failure_rate() -> None:
    simulation = sim(workers=4)
    job = make_job(1, (Product.LIGHT_CURVE, Product.IMAGE), EmulatorConfig(durations=FIXED, failure_rate=1.0))
    simulation.add(job, 0.0)
    simulation.advance(1000)
    assert codes(job) == [S.NO_PRODUCT, S.NO_PRODUCT]


def test_cancel_frees_the_worker_for_the_next_product() -> None:
    simulation = sim(workers=1)
    job = make_job(1, (Product.LIGHT_CURVE, Product.SPECTRUM, Product.IMAGE))
    lc, spec, image = job.products.values()
    simulation.add(job, 0.0)
    simulation.advance(50)
    assert simulation.cancel(lc, 50)
    assert (lc.code, lc.cancelled_at) == (S.CANCELLED, 50)
    assert spec.code is S.RUNNING
    assert spec.started_at == 50
    assert simulation.cancel(image, 50)  # queued products cancel too and never start
    simulation.advance(1000)
    assert image.code is S.CANCELLED
    assert image.started_at is None
    assert spec.finished_at == 150
    assert not simulation.cancel(spec, 1000)  # already finished


def test_workers_are_shared_between_jobs_first_come_first_served() -> None:
    simulation = sim(workers=1)
    first = make_job(1, (Product.IMAGE,))
    second = make_job(2, (Product.IMAGE,))
    simulation.add(first, 0.0)
    simulation.add(second, 1.0)
    simulation.advance(7)
    assert codes(first) == [S.RUNNING]
    assert codes(second) == [S.QUEUED]
    simulation.advance(106)
    assert codes(second) == [S.RUNNING]
    assert second.products[Product.IMAGE].started_at == 105


def test_plans_are_reproducible_per_seed_and_job() -> None:
    config = EmulatorConfig(seed=5, failure_rate=0.5)

    def draw(job_id: int, cfg: EmulatorConfig) -> list[tuple[float, bool]]:
        job = make_job(job_id, tuple(Product), cfg)
        return [(run.duration, run.fails) for run in job.products.values()]

    assert draw(1, config) == draw(1, config)
    assert draw(1, config) != draw(2, config)
    assert draw(1, config) != draw(1, EmulatorConfig(seed=6, failure_rate=0.5))
    durations = [d for d, _ in draw(3, EmulatorConfig())]
    assert all(1.0 <= d <= 12 * 3600 for d in durations)


def test_status_entries_show_progress_only_when_running_and_asked() -> None:
    simulation = sim(workers=1)
    job = make_job(1, (Product.LIGHT_CURVE, Product.SPECTRUM))
    lc, spec = job.products.values()
    simulation.add(job, 0.0)
    simulation.advance(30)
    entry = lc.status_entry(30, with_progress=True)
    assert entry["statusCode"] == 3
    assert entry["progress"]["GotProgress"] == 1
    assert entry["progress"]["TimeRunning"] == "00:00:25"
    assert lc.status_entry(30, with_progress=False)["progress"] == {"GotProgress": 0}
    assert spec.status_entry(30, with_progress=True) == {
        "statusCode": 2, "statusText": "Queued", "progress": {"GotProgress": 0},
    }  # fmt: skip


def test_job_tracks_the_shortest_gap_between_status_requests() -> None:
    job = make_job(1, (Product.IMAGE,))
    job.note_status_request(10)
    assert job.min_status_interval is None
    job.note_status_request(40)
    job.note_status_request(55)
    job.note_status_request(100)
    assert job.status_requests == 4
    assert job.min_status_interval == 15


def test_outcome_names_the_archive_kind() -> None:
    run = ProductRun(job=make_job(1, ()), product=Product.IMAGE, duration=1, fails=False, items={})
    assert run.outcome() is None
    for code, outcome in ((S.COMPLETE, "complete"), (S.CANCELLED, "cancelled"), (S.NO_PRODUCT, "failed")):
        run.code = code
        assert run.outcome() == outcome


def test_duration_model_rejects_inconsistent_bounds() -> None:
    with pytest.raises(ValueError, match="minimum <= median <= maximum"):
        DurationModel(median=5, minimum=10)
