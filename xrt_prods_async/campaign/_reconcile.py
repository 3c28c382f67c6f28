"""Resolving uncertain submissions: did the server make the job, or not?

A submit whose reply was lost (timeout, dropped connection, crash of this process) may or may not have
created a job. Resubmitting blindly risks a duplicate; giving up risks a lost source. The service offers no
idempotency key, so we look the job up in the user's history (``listOldJobs``): same name, same products,
submitted within the window between recording the intent and now, and not already claimed by another entry.
Found: adopt it. Not found: the server never made it, so it is safe to submit again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from xrt_prods_async._products import Product
from xrt_prods_async.campaign._store import Entry

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
class Match:
    """The verdict for one uncertain entry: the job to adopt, or ``None`` (safe to resubmit)."""

    entry_id: int
    job_id: int | None


def _products_match(entry: Entry, job: HistoryJob) -> bool:
    # listOldJobs has no flag for source detection, so only the listed products can be compared.
    listed = {p for p in Product if p.history_key is not None}
    wanted = {Product(p) for p in entry.products} & listed
    return wanted == (set(job.products) & listed)


def match_uncertain(
    uncertain: Sequence[Entry],
    history: Iterable[HistoryJob],
    claimed: set[int],
    *,
    now: datetime,
    skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> list[Match]:
    """Pair each uncertain entry with the job the server made for it, if any.

    Entries are taken in the order their intent was recorded and each adopts the oldest unclaimed matching
    job, so several uncertain submissions of the same source resolve one-to-one. ``claimed`` holds job ids
    already owned by entries of the campaign; it is not modified.
    """
    taken = set(claimed)
    candidates = sorted(history, key=lambda j: j.job_id)
    verdicts: list[Match] = []
    for entry in sorted(uncertain, key=lambda e: (e.intent_at or now, e.id)):
        start = (entry.intent_at or now) - skew
        found: int | None = None
        for job in candidates:
            if job.job_id in taken or job.name != entry.name:
                continue
            if not (start <= job.submitted <= now + skew):
                continue
            if _products_match(entry, job):
                found = job.job_id
                break
        if found is not None:
            taken.add(found)
        verdicts.append(Match(entry.id, found))
    return verdicts
