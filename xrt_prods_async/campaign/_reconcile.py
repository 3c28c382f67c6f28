"""Resolving uncertain submissions: did the server make the job, and is the job it made ours?

A submit whose reply was lost (timeout, dropped connection, crash of this process) may or may not have
created a job. Resubmitting blindly risks a duplicate; giving up risks a lost source. The service offers no
idempotency key, so we look the job up in the user's history (``listOldJobs``): same name, same products,
submitted within the window between recording the intent and now, and not already claimed by another entry.

A name and a time are not proof: the same user may run another campaign, or a script, on the same sources
with other parameters. So each candidate's parameters, as the service echoes them (``getOldProduct``), are
compared with the entry's request by fingerprint (:meth:`JobRequest.fingerprint`, blind to how the echo
spells things and to defaults written out). Only a match is adopted; a candidate whose parameters cannot be
read is never adopted. No candidate at all, or none that matches: the server never made our job, so it is
safe to submit again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from xrt_prods_async._products import Product
from xrt_prods_async.campaign._store import Entry
from xrt_prods_async.params import JobRequest

#: Allowance for a difference between this machine's clock and the server's, both ways.
DEFAULT_CLOCK_SKEW = timedelta(minutes=10)


class HistoryJob(Protocol):
    """What reconciliation needs from one ``listOldJobs`` entry."""

    @property
    def job_id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def submitted(self) -> datetime: ...

    @property
    def products(self) -> Iterable[Product]: ...


@dataclass(frozen=True, slots=True)
class Candidates:
    """The jobs of the history that may be an uncertain entry's, best first (oldest unclaimed first)."""

    entry_id: int
    job_ids: tuple[int, ...]


def _products_match(entry: Entry, job: HistoryJob) -> bool:
    # listOldJobs has no flag for source detection, so only the listed products can be compared.
    listed = {p for p in Product if p.history_key is not None}
    wanted = {Product(p) for p in entry.products} & listed
    return wanted == (set(job.products) & listed)


def candidates_for(
    uncertain: Sequence[Entry],
    history: Iterable[HistoryJob],
    claimed: set[int],
    *,
    now: datetime,
    skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> list[Candidates]:
    """The history jobs each uncertain entry may own: its name and products, submitted within its window,
    not in ``claimed`` (job ids the campaign already owns; not modified).

    Entries come in the order their intent was recorded, and each one's candidates oldest first, so several
    uncertain submissions of one source, checked in turn and each claiming the first that proves its own,
    resolve one-to-one.
    """
    jobs = sorted(history, key=lambda j: j.job_id)
    found: list[Candidates] = []
    for entry in sorted(uncertain, key=lambda e: (e.intent_at or now, e.id)):
        start = (entry.intent_at or now) - skew
        ids = tuple(
            job.job_id
            for job in jobs
            if job.job_id not in claimed
            and job.name == entry.name
            and start <= job.submitted <= now + skew
            and _products_match(entry, job)
        )
        found.append(Candidates(entry.id, ids))
    return found


@cache
def _derived_keys() -> dict[str, tuple[str, ...]]:
    """Each ``get*`` flag of a request (Python name) -> the wire keys of the values the service derives."""
    derived: dict[str, tuple[str, ...]] = {}
    for name in JobRequest.model_fields:
        try:
            facts = JobRequest.param_facts(name)
        except KeyError:
            continue
        if facts.derives:
            derived[name] = tuple(JobRequest.param_facts(d).wire for d in facts.derives)
    return derived


def echo_fingerprint(job_pars: Mapping[str, Any], asked: JobRequest) -> str | None:
    """The fingerprint of the request a job's echoed parameters describe, comparable with ``asked``'s.

    Where ``asked`` let the service derive values (``getCoords``: RA and Dec...), the values the echo
    holds for them are left out, so the echo reads as the request that was sent. ``None`` when the
    parameters cannot be decoded: such a job can never be proved to be ``asked``'s.
    """
    pars = dict(job_pars)
    for flag, keys in _derived_keys().items():
        if getattr(asked, flag, None):
            for key in keys:
                pars.pop(key, None)
    decoded = JobRequest.from_job_pars_or_none(pars)
    return None if decoded is None else decoded.fingerprint()


def proves_ours(entry: Entry, job_pars: Mapping[str, Any] | None) -> bool | None:
    """Whether a job whose echoed parameters are ``job_pars`` is the one ``entry`` asked for: True on a
    fingerprint match, False on a mismatch, None when the echo is missing or cannot be read."""
    asked = JobRequest.from_job_pars_or_none(entry.request)
    if not job_pars or asked is None:
        return None
    fingerprint = echo_fingerprint(job_pars, asked)
    if fingerprint is None:
        return None
    return fingerprint == entry.fingerprint
