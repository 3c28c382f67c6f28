"""Paced rounds: when to ask ``getNumJobs`` next, and which job a drop in the count was.

A slot freed by a finished job is seen at the next count, so a campaign loses about half the gap between two
counts per job. Counts spread evenly waste requests while no job is likely to finish (just after a refill) and
come too seldom when several are. The pacer learns the campaign's job durations as jobs finish (a log-normal
per product mix, fitted to the log durations with the jobs still running as right-censored observations, and
a prior until enough have finished) and times each count for when the slot time expected to be lost since
the last one reaches a price: counts come densely while finishes are likely (an overdue job included) and
sparsely while none is. This is the rule that minimises the slot time lost for a given number of counts
(gaps in inverse proportion to the square root of the finishing rate). The price is adjusted as the campaign
runs so that submissions, counts and status requests keep within the campaign's request budget per job.

A count says how many jobs finished, not which. Each job costs one status request to be found finished;
more are spent only on a guess that was wrong, so a finish is looked up once one job is likely enough to be
it (:func:`finished_posterior`), or once it has waited long enough.

Pure arithmetic on floats: no I/O, no clock; :mod:`.scheduler` feeds it times and ages.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from xrt_prods_async._errors import ConfigurationError

__all__ = ["DurationModel", "LogNormal", "Pacer", "check_budget", "finished_posterior"]

K = TypeVar("K", bound=Hashable)

_SQRT2 = math.sqrt(2.0)
#: The default request budget: API requests per job (submission, counts and status). The reference client's
#: documented loop makes about 14.5 to 15 on the benchmark's jobs; this is 0.4 of that (benchmarks/README.md).
DEFAULT_REQUEST_BUDGET = 6.0
#: Prior spread of ln(duration) until jobs finish, and its weight in finished jobs (fading as they come).
PRIOR_SIGMA = 0.8
PRIOR_WEIGHT = 2.0
PRIOR_FADE = 5.0
#: The prior median, in poll intervals (the service's own advice: a typical job takes about five minutes).
PRIOR_MEDIAN_POLLS = 5.0
#: The narrowest spread the fit may reach (jobs never take exactly the same time).
MIN_SIGMA = 0.02
#: Finishes known as intervals, kept whole per product mix (older ones count by their middles).
INTERVALS_KEPT = 200
#: Most EM steps per fit (each over the intervals kept and the running jobs).
EM_STEPS = 8
#: The fewest counts per job the pacer plans for, however little budget is left.
MIN_COUNTS_PER_JOB = 0.5
#: Requests the last jobs keep back for a wrong guess of which finished (their counts share the rest).
LAST_MARGIN = 2.0
#: No count waits longer than until some job has finished with this probability (with the budget spent,
#: that is when it comes).
SPENT_CONFIDENCE = 0.9


def check_budget(name: str, value: object) -> float:
    """A request budget: a finite number of requests per job, at least 2 (a submission and a status)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 2 <= value <= 1000:
        from xrt_prods_async.wire._loose import safe_repr  # pydantic: kept off the command line's start

        raise ConfigurationError(
            f"{name} must be a number of requests per job from 2 (its submission and one status request) "
            f"to 1000; got {safe_repr(value)[:40]}"
        )
    return float(value)


def _cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / _SQRT2)


def _sf(z: float) -> float:
    return 0.5 * math.erfc(z / _SQRT2)


def _pdf(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


@dataclass(frozen=True, slots=True)
class LogNormal:
    """Job durations, ``ln D ~ Normal(mu, sigma)`` (seconds)."""

    mu: float
    sigma: float

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    @property
    def mean(self) -> float:
        return math.exp(self.mu + 0.5 * self.sigma**2)

    def _z(self, x: float) -> float:
        return (math.log(x) - self.mu) / self.sigma

    def cdf(self, x: float) -> float:
        """P(D <= x)."""
        return 0.0 if x <= 0 else _cdf(self._z(x))

    def sf(self, x: float) -> float:
        """P(D > x)."""
        return 1.0 if x <= 0 else _sf(self._z(x))

    def quantile(self, p: float) -> float:
        """The duration not exceeded with probability ``p``."""
        from statistics import NormalDist  # only the safety net asks, rarely

        return math.exp(self.mu + self.sigma * NormalDist().inv_cdf(min(max(p, 1e-9), 1 - 1e-9)))

    def _partial(self, x: float) -> float:
        """The integral of the CDF from 0 to ``x``: E[(x - D)+]."""
        if x <= 0:
            return 0.0
        z = self._z(x)
        return x * _cdf(z) - math.exp(self.mu + 0.5 * self.sigma**2) * _cdf(z - self.sigma)

    def finished_within(self, age: float, gap: float) -> float:
        """P(D <= age + gap | D > age): a job running at ``age`` has finished ``gap`` later."""
        alive = self.sf(age)
        if alive <= 0:
            return 1.0
        return min(1.0, max(0.0, (self.cdf(age + gap) - self.cdf(age)) / alive))

    def lag(self, age: float, gap: float) -> float:
        """E[(age + gap - D)+ | D > age]: slot time lost by a job running at ``age`` if the next count is
        ``gap`` later (how long it will have been finished, unseen, by then; 0 if it is still running)."""
        if gap <= 0:
            return 0.0
        alive = self.sf(age)
        if alive > 1e-6:
            lost = self._partial(age + gap) - self._partial(age) - gap * self.cdf(age)
            return min(gap, max(0.0, lost / alive))
        # Far in the tail the difference above loses its precision: take the hazard as constant there.
        z = self._z(max(age, 1e-9))
        hazard = max(z, 1.0) / (self.sigma * max(age, 1e-9))
        return gap - (1.0 - math.exp(-hazard * gap)) / hazard


def _truncated_moments(mu: float, sigma: float, low: float, high: float) -> tuple[float, float]:
    """E[x] and E[x^2] of Normal(mu, sigma) restricted to ``low < x < high`` (``high`` may be inf)."""
    a = (low - mu) / sigma
    if math.isinf(high):
        tail = _sf(a)
        mills = _pdf(a) / tail if tail > 1e-300 else max(a, 0.0)
        return mu + sigma * mills, mu * mu + sigma * sigma + sigma * (low + mu) * mills
    b = (high - mu) / sigma
    mass = _cdf(b) - _cdf(a)
    if mass < 1e-12:  # far in a tail of the current fit: the middle of the interval will do
        x = 0.5 * (low + high)
        return x, x * x
    shift = (_pdf(a) - _pdf(b)) / mass
    mean = mu + sigma * shift
    variance = sigma * sigma * (1.0 + (a * _pdf(a) - b * _pdf(b)) / mass - shift * shift)
    return mean, max(variance, 0.0) + mean * mean


@dataclass(slots=True)
class _Sums:
    """What is known of ln(duration): exact values as sufficient statistics (weight, sum, sum of squares),
    and the latest intervals (``low < ln D < high``) kept whole, since their best point depends on the fit.
    An interval pushed out of the window is kept as its middle."""

    n: float = 0.0
    sx: float = 0.0
    sxx: float = 0.0
    intervals: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=INTERVALS_KEPT))

    def add(self, x: float, weight: float = 1.0) -> None:
        self.n += weight
        self.sx += weight * x
        self.sxx += weight * x * x

    def add_interval(self, low: float, high: float) -> None:
        if len(self.intervals) == self.intervals.maxlen:
            self.add(0.5 * sum(self.intervals[0]))
        self.intervals.append((low, high))

    @property
    def weight(self) -> float:
        return self.n + len(self.intervals)

    def with_prior(self, prior: LogNormal, weight: float) -> _Sums:
        out = _Sums(self.n, self.sx, self.sxx, self.intervals)
        out.n += weight
        out.sx += weight * prior.mu
        out.sxx += weight * (prior.sigma**2 + prior.mu**2)
        return out

    def fit(self, censored: Sequence[float] = (), start: LogNormal | None = None) -> LogNormal:
        """Maximum likelihood by EM: intervals and ``censored`` logs (durations known only to exceed them)
        enter by their expected values under the current fit. Needs some exact weight (the prior)."""
        total = self.weight + len(censored)
        mids = [0.5 * (a + b) for a, b in self.intervals]
        mu = (self.sx + sum(mids)) / (self.n + len(mids))
        sigma = math.sqrt(max((self.sxx + sum(m * m for m in mids)) / (self.n + len(mids)) - mu * mu, 0.0))
        sigma = max(sigma, MIN_SIGMA)
        spans = [*self.intervals, *((c, math.inf) for c in censored)]
        if start is not None and spans:
            mu, sigma = start.mu, start.sigma
        for _ in range(EM_STEPS if spans else 0):
            ex, exx = self.sx, self.sxx
            for low, high in spans:
                m1, m2 = _truncated_moments(mu, sigma, low, high)
                ex += m1
                exx += m2
            new_mu = ex / total
            new_sigma = math.sqrt(max(exx / total - new_mu * new_mu, MIN_SIGMA**2))
            done = abs(new_mu - mu) < 1e-4 and abs(new_sigma - sigma) < 1e-4
            mu, sigma = new_mu, new_sigma
            if done:
                break
        return LogNormal(mu, sigma)


def _fading(weight: float, seen: float) -> float:
    """A prior's weight once ``seen`` jobs are known: whole at first, a tenth after 45, so that a wrong
    guess does not widen the fit for long."""
    return weight * PRIOR_FADE / (PRIOR_FADE + seen)


class DurationModel:
    """Job durations (submission to the last product's end) per product mix, learned as jobs finish.

    Each mix's log-normal has the fit of every mix as its prior (weight ``PRIOR_WEIGHT``, fading as the
    mix's own jobs finish), which has the starting prior as its own, so a mix seen for the first time
    borrows from the others. A finish is known only between two moments (the counts around it): the fit
    takes it as that interval. Jobs still running enter as censored observations: without them the first
    fits would see only the quick jobs.
    """

    def __init__(self, prior_median: float, prior_sigma: float = PRIOR_SIGMA) -> None:
        self.prior = LogNormal(math.log(prior_median), prior_sigma)
        self._all = _Sums()
        self._mixes: dict[Hashable, _Sums] = {}
        self._fits: dict[Hashable, LogNormal] = {}
        self._pooled = self.prior
        self._finished = 0

    @property
    def finished(self) -> int:
        """How many durations have been observed."""
        return self._finished

    def observe(self, mix: Hashable, low: float, high: float | None = None) -> None:
        """A job of ``mix`` took ``low`` seconds, or between ``low`` and ``high`` (from its submission to its
        finish, as well as the client can tell)."""
        self._finished += 1
        low = math.log(max(low, 1e-3))
        high = low if high is None else math.log(max(high, 1e-3))
        middle = 0.5 * (low + high)
        self._all.add(middle)
        sums = self._mixes.setdefault(mix, _Sums())
        if high - low < 1e-6:
            sums.add(low)
        else:
            sums.add_interval(low, high)
        self._pooled = self._all.with_prior(self.prior, _fading(PRIOR_WEIGHT, self._all.weight)).fit()

    def refit(self, running: Mapping[Hashable, Iterable[float]]) -> None:
        """Refit every mix with the ages of its jobs still running (called once per round)."""
        fits = {}
        for mix, ages in running.items():
            own = self._mixes.get(mix, _Sums())
            sums = own.with_prior(self._pooled, _fading(PRIOR_WEIGHT, own.weight))
            logs = [math.log(a) for a in ages if a > 0]
            fits[mix] = sums.fit(logs, start=self._fits.get(mix))
        self._fits = fits

    def of(self, mix: Hashable) -> LogNormal:
        """The current fit for one mix (the pooled one for a mix not refitted yet)."""
        return self._fits.get(mix, self._pooled)

    @property
    def pooled(self) -> LogNormal:
        """Every mix together (by the middles of their intervals, no censoring): the campaign's scale."""
        return self._pooled


def finished_posterior(p: Mapping[K, float], owed: int) -> dict[K, float]:
    """P(each job finished | exactly ``owed`` of them did), each having finished with probability ``p[job]``
    on its own (independently, before knowing the count)."""
    keys = list(p)
    if owed <= 0:
        return dict.fromkeys(keys, 0.0)
    if owed >= len(keys):
        return dict.fromkeys(keys, 1.0)
    odds = [min(max(p[k], 1e-9), 1 - 1e-9) for k in keys]
    odds = [q / (1 - q) for q in odds]

    def elementary(values: Sequence[float]) -> list[float]:
        """e_0 .. e_owed of ``values`` (sums of products of ``j`` distinct values)."""
        e = [1.0] + [0.0] * owed
        for v in values:
            for j in range(owed, 0, -1):
                e[j] += v * e[j - 1]
        return e

    total = elementary(odds)[owed]
    out = {}
    for i, k in enumerate(keys):
        rest = elementary(odds[:i] + odds[i + 1 :])
        out[k] = min(1.0, odds[i] * rest[owed - 1] / total) if total > 0 else owed / len(keys)
    return out


@dataclass(frozen=True, slots=True)
class Running:
    """A job as the pacer sees it: its duration model, its age now, and how likely it still runs."""

    model: LogNormal
    age: float
    weight: float = 1.0


class Pacer:
    """When to count next, within a request budget per job.

    :meth:`gap` answers with the seconds to wait after a count: the first at which the slot time the
    running jobs are expected to lose meanwhile (:meth:`LogNormal.lag`) reaches the price of a count,
    between ``min_gap`` and ``max_gap``. With ``K`` jobs finishing at a rate ``K / mean`` and gaps chosen
    so, a price of ``mean / (2 K c^2)`` spends ``c`` counts per job; ``c`` is what the budget leaves after
    the submission and the status requests a job takes (as measured so far), corrected by how far the
    balance (requests the budget still allows beyond one status request per job in flight) is from what a
    steady campaign holds: surplus is spent over the next ``K`` jobs, a deficit saved over them. With no
    balance left, the next count waits ``max_gap``.
    """

    def __init__(self, *, min_gap: float, max_gap: float, budget: float, max_active: int) -> None:
        self.min_gap = min_gap
        self.max_gap = max(max_gap, min_gap)
        self.budget = budget
        self.max_active = max_active
        #: Corrects the planned counts per job by how the balance has been drifting (the rule above is
        #: exact only for a steady finishing rate).
        self.trim = 1.0

    def counts_per_job(
        self, jobs: Sequence[Running], status_per_job: float, balance: float, *, last: bool = False
    ) -> float:
        """The counts per job the budget allows now.

        A steady campaign's balance holds the count share of each job in flight that its remaining life will
        spend (its share times the probability that it is still running); what is above or below that is
        spread over the next ``2 K`` jobs, and a slow trim corrects the rule's own bias. For the ``last``
        jobs (none waits for a slot) the balance is all there is: it is shared among them."""
        share = max(MIN_COUNTS_PER_JOB, self.budget - 1.0 - status_per_job)
        running = sum(j.weight * j.model.sf(j.age) for j in jobs)
        if last:
            return max(MIN_COUNTS_PER_JOB, min(share, (balance - LAST_MARGIN) / max(running, 1.0)))
        steady = share * running
        surplus = balance - steady
        scale = max(1.0, share * self.max_active)
        self.trim = min(4.0, max(0.25, self.trim * math.exp(0.01 * max(-1.0, min(1.0, surplus / scale)))))
        return max(MIN_COUNTS_PER_JOB, self.trim * (share + surplus / (2 * self.max_active)))

    def gap(
        self,
        jobs: Sequence[Running],
        *,
        status_per_job: float,
        balance: float,
        ahead: float = 0.0,
        last: bool = False,
        longest: float | None = None,
    ) -> float:
        """Seconds from the count just made to the next one (at most ``longest`` if given). ``ahead`` is
        what the budget of jobs yet to be submitted lends: spent only when the balance alone is not enough,
        and steered back; ``last`` when no job waits to be submitted."""
        if not jobs:
            return self.max_gap
        likely = self._likely_gap(jobs)
        if balance + ahead < 1.0:
            return likely
        mean = sum(j.weight * j.model.mean for j in jobs) / max(sum(j.weight for j in jobs), 1e-9)
        counts = self.counts_per_job(jobs, status_per_job, balance, last=last)
        price = mean / (2.0 * self.max_active * counts * counts)

        def lost(gap: float) -> float:
            return sum(j.weight * j.model.lag(j.age, gap) for j in jobs)

        high = max(self.min_gap, min(likely, longest or self.max_gap))
        return self._first(lambda gap: lost(gap) >= price, high)

    def _likely_gap(self, jobs: Sequence[Running]) -> float:
        """With the budget spent: the gap after which some job has finished with probability
        ``SPENT_CONFIDENCE`` (at most ``max_gap``), so that each count still finds one."""

        def none_finished(gap: float) -> float:
            return math.prod(1.0 - j.weight * j.model.finished_within(j.age, gap) for j in jobs)

        return self._first(lambda gap: none_finished(gap) <= 1.0 - SPENT_CONFIDENCE, self.max_gap)

    def _first(self, reached: Callable[[float], bool], high: float) -> float:
        """The shortest gap from ``min_gap`` to ``high`` at which ``reached`` (true from some gap on) holds,
        within a hundredth of ``min_gap``; ``high`` if it never does."""
        low = self.min_gap
        if reached(low):
            return low
        if not reached(high):
            return high
        while high - low >= 0.01 * self.min_gap:
            middle = 0.5 * (low + high)
            if reached(middle):
                high = middle
            else:
                low = middle
        return high
