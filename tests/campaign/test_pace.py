"""The arithmetic of paced rounds: durations learned with censoring, lost slot time, which job a drop was."""

from __future__ import annotations

import math
import random

import pytest

from xrt_prods_async._errors import ConfigurationError
from xrt_prods_async.campaign._pace import (
    DurationModel,
    LogNormal,
    Pacer,
    Running,
    _Sums,
    check_budget,
    finished_posterior,
)

JOBS = LogNormal(math.log(600), 0.45)


def _draws(model: LogNormal, n: int, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [math.exp(rng.gauss(model.mu, model.sigma)) for _ in range(n)]


@pytest.mark.parametrize(("age", "gap"), [(0, 120), (300, 60), (600, 40), (1500, 100)])
def test_lost_slot_time_and_finishing_odds_match_a_simulation(age: float, gap: float) -> None:
    alive = [d for d in _draws(JOBS, 100_000) if d > age]
    lost = sum(max(0.0, age + gap - d) for d in alive) / len(alive)
    within = sum(1 for d in alive if d <= age + gap) / len(alive)
    assert JOBS.lag(age, gap) == pytest.approx(lost, rel=0.05, abs=0.05)
    assert JOBS.finished_within(age, gap) == pytest.approx(within, abs=0.01)


def test_far_overdue_jobs_still_lose_slot_time_smoothly() -> None:
    """Beyond the model's tail the exact difference loses precision; the estimate stays sane."""
    gaps = [JOBS.lag(30 * 600, g) for g in (10, 20, 40)]
    assert 0 < gaps[0] < gaps[1] < gaps[2] < 40


def test_the_fit_counts_jobs_still_running_as_longer_than_their_age() -> None:
    durations = [math.log(d) for d in _draws(JOBS, 400, seed=2)]
    cut = math.log(650)
    sums = _Sums()
    for x in durations:
        if x <= cut:
            sums.add(x)
    censored = [cut] * sum(1 for x in durations if x > cut)
    naive, fair = sums.fit(), sums.fit(censored)
    assert fair.mu == pytest.approx(JOBS.mu, abs=0.07)
    assert fair.sigma == pytest.approx(JOBS.sigma, abs=0.07)
    assert naive.mu < JOBS.mu - 0.15  # ignoring the running jobs: the quick ones only


def test_finishes_known_between_two_counts_do_not_widen_the_fit() -> None:
    """A finish seen only at the next count is an interval: the fit keeps the true spread, where the
    middles of wide intervals would inflate it."""
    narrow = LogNormal(math.log(600), 0.05)
    rng = random.Random(3)
    model = DurationModel(prior_median=300)
    middles = _Sums()
    for d in _draws(narrow, 150, seed=4):
        before = d - rng.uniform(0, 300)  # counts 300 s apart
        model.observe(("psf",), before, before + 300)
        middles.add(math.log(before + 150))
    model.refit({("psf",): []})
    assert model.of(("psf",)).sigma < 0.1 < middles.fit().sigma
    assert model.of(("psf",)).median == pytest.approx(600, rel=0.03)


def test_a_new_product_mix_borrows_from_the_others_until_it_has_its_own() -> None:
    model = DurationModel(prior_median=300)
    for d in _draws(JOBS, 50):
        model.observe(("lc", "spec"), d)
    model.refit({("psf",): []})
    assert model.of(("psf",)).median == pytest.approx(model.pooled.median)
    for _ in range(50):
        model.observe(("psf",), 60.0)
    model.refit({("psf",): [], ("lc", "spec"): []})
    assert model.of(("psf",)).median < 100 < 400 < model.of(("lc", "spec")).median
    assert model.finished == 100
    # Jobs of a mix still running past their expected end lengthen its fit.
    model.refit({("psf",): [400.0] * 20})
    assert model.of(("psf",)).median > 100


def test_which_job_a_drop_was() -> None:
    assert finished_posterior({"a": 0.9, "b": 0.2}, 1) == pytest.approx(
        {"a": 0.9 * 0.8 / (0.9 * 0.8 + 0.1 * 0.2), "b": 0.1 * 0.2 / (0.9 * 0.8 + 0.1 * 0.2)}
    )
    three = finished_posterior({"a": 0.5, "b": 0.3, "c": 0.05}, 2)
    assert sum(three.values()) == pytest.approx(2)
    assert three["a"] > three["b"] > three["c"]
    assert finished_posterior({"a": 0.1, "b": 0.1}, 0) == {"a": 0.0, "b": 0.0}
    assert finished_posterior({"a": 0.1, "b": 0.1}, 2) == {"a": 1.0, "b": 1.0}
    assert finished_posterior({"a": 1.0, "b": 0.0}, 1)["a"] == pytest.approx(1.0)


def _pacer(budget: float = 5.0) -> Pacer:
    return Pacer(min_gap=10, max_gap=300, budget=budget, max_active=5)


def test_counts_come_sooner_when_a_finish_is_likely() -> None:
    young = [Running(JOBS, 30.0)] * 5
    due = [Running(JOBS, 30.0)] * 4 + [Running(JOBS, 700.0)]
    overdue = [Running(JOBS, 30.0)] * 4 + [Running(JOBS, 1500.0)]
    gaps = [_pacer().gap(jobs, status_per_job=1.1, balance=8.0) for jobs in (young, due, overdue)]
    assert gaps[0] > gaps[1] > gaps[2] >= 10
    assert gaps[0] > 240  # nothing can finish soon: a long wait


def test_more_budget_or_balance_means_more_counts() -> None:
    jobs = [Running(JOBS, age) for age in (20.0, 100.0, 200.0, 300.0, 400.0)]

    def gap(budget: float = 5.0, **how: float) -> float:
        return _pacer(budget).gap(jobs, status_per_job=1.1, **{"balance": 8.0, "ahead": 25.0, **how})

    assert 10 <= gap(9.0) < gap(5.0) < gap(4.0) <= 300
    assert gap(balance=30.0) < gap(balance=8.0) < gap(balance=2.0)
    assert gap(longest=40.0) <= 40.0
    # The last jobs (none waits for a slot) share what is left, however much the budget was.
    assert (
        gap(9.0, balance=2.0, last=True) == gap(5.0, balance=2.0, last=True) > gap(5.0, balance=20, last=True)
    )


def test_with_the_budget_spent_a_count_waits_until_a_job_has_most_likely_finished() -> None:
    jobs = [Running(JOBS, age) for age in (500.0, 550.0, 600.0, 650.0, 700.0)]
    spent = _pacer().gap(jobs, status_per_job=1.1, balance=0.5)
    assert 10 < spent < 300
    likely = 1 - math.prod(1 - JOBS.finished_within(j.age, spent) for j in jobs)
    assert likely == pytest.approx(0.9, abs=0.01)
    assert _pacer().gap(jobs, status_per_job=1.1, balance=0.5, ahead=25.0) < spent  # lent by jobs to come


@pytest.mark.parametrize("value", [1.5, 0, -3, math.inf, math.nan, 1001, True, "5", None, 10**400])
def test_a_budget_is_a_sane_number_of_requests_per_job(value: object) -> None:
    with pytest.raises(ConfigurationError, match="request_budget must be a number of requests per job"):
        check_budget("request_budget", value)
    assert check_budget("request_budget", 2) == 2.0
