"""What a running campaign tells the outside world: events as they happen, a summary at the end.

Applications subscribe with a callback (sync or async); the live display is one such subscriber. Events are
plain frozen dataclasses so they can be logged, queued or serialised without ceremony; each kind's detail is
a small typed dataclass, and ``str(event)`` is one sentence that names products and states in words (a log
line must never show a Python dict or a status number). Most events are about one source; ``outage`` and
``recovered`` are about the service, and have an empty label.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, overload

from xrt_prods_async._products import Product
from xrt_prods_async.campaign._outage import Outage, Recovery
from xrt_prods_async.campaign._store import CampaignStore, Entry, EntryState
from xrt_prods_async.client._status import join_names
from xrt_prods_async.wire import StatusCode

if TYPE_CHECKING:  # pragma: no cover - typing only
    from xrt_prods_async.client import CancelResult, JobStatus, ProductStatus


class EventKind(enum.StrEnum):
    """The kinds of thing that happen to a campaign entry, and the detail each carries."""

    QUEUED = "queued"  # added to the ledger, waiting for a free slot (no detail)
    SUBMITTED = "submitted"  # the server made the job (Submitted)
    RUNNING = "running"  # a status poll saw the job running (JobProgress: each product's state and step)
    FINISHED = "finished"  # every product finished on the server (JobProgress)
    DOWNLOADED = "downloaded"  # an archive or data set was saved (Saved)
    FAILED = "failed"  # no job will be made, or a product / collection step failed (Failure)
    RECONCILED = "reconciled"  # an uncertain submission was resolved (Reconciled: adopted job or resubmit)
    CANCELLED = "cancelled"  # a cancel dealt with the entry (Cancelled: what the service said; ``state``
    # says whether the entry was cancelled or left as it was, e.g. a finished job left to be collected)
    DONE = "done"  # everything asked for is on disk and verified (no detail)
    INCOMPLETE = "incomplete"  # collection ended with items missing (Missing)
    RETRYING = "retrying"  # a resumed campaign fetches an incomplete entry's missing items (Retrying)
    OUTAGE = "outage"  # the service fails every request (Outage; no label); repeated while down
    RECOVERED = "recovered"  # the service answers again (Recovery; no label)


# --- names, never numbers or reprs ------------------------------------------------------------------------


def product_name(short: str, *, short_names: bool = False) -> str:
    """A product in words (``light curve``), or its short name (``lc``) where space is tight."""
    try:
        product = Product(short)
    except ValueError:
        return short
    return product.short if short_names else product.label


def status_name(code: int | None) -> str:
    """A status code in words (``complete``, ``waiting for the standard position``), as the client says it."""
    if code is None:
        return "not in job"
    try:
        known = StatusCode(code)
    except ValueError:
        return f"undocumented status (code {code})"
    from xrt_prods_async.client._status import STATUS_NAMES

    return STATUS_NAMES[known]


#: What each kind of collected data is called in a sentence (the product's own name for positions).
_DATA_NAMES = {
    "light_curve": "light curve data",
    "spectral_fits": "spectral fits",
    "source_list": "source list",
}


def item_name(kind: str) -> str:
    """An artifact kind in words: ``archive:lc`` -> ``light curve archive``, ``position:psf`` -> ``standard
    position``, ``data:spectral_fits`` -> ``spectral fits``."""
    family, _, name = kind.partition(":")
    if family == "archive":
        return f"{product_name(name)} archive"
    if family == "position":
        return product_name(name)
    if family == "data":
        return _DATA_NAMES.get(name, name.replace("_", " "))
    return kind


def one_line(text: str) -> str:
    """``text`` on one line: its non-blank lines joined with ``; `` (a refusal can list several problems),
    or a space after a line that ends with a colon."""
    out = ""
    for line in (line.strip().removeprefix("* ") for line in text.splitlines() if line.strip()):
        out += ("" if not out else " " if out.endswith(":") else "; ") + line
    return out


def position_text(position: object) -> str | None:
    """``52.79982 +43.90432 ±2.2″`` from a position's JSON form; None when there is no position in it."""
    if not isinstance(position, Mapping):
        return None
    ra, dec = position.get("ra"), position.get("dec")
    if position.get("found") is False or not isinstance(ra, int | float) or not isinstance(dec, int | float):
        return None
    err = position.get("err90")
    err_text = f" ±{err:.1f}″" if isinstance(err, int | float) else ""
    return f"{ra:.5f} {dec:+.5f}{err_text}"


# --- what each event says -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductProgress:
    """One product of a job as a status poll saw it: its status code and, while running, its current step."""

    product: str  # short name
    code: int | None  # the service's status code; None when the product is not in the job
    step: str | None = None  # the step it is working on (``ProductStatus.step``), while running

    @classmethod
    def of(cls, status: ProductStatus) -> ProductProgress:
        running = status.code is StatusCode.RUNNING
        return cls(status.product.short, status.raw_code, status.step if running else None)

    @property
    def state(self) -> str:
        """The status in words."""
        return status_name(self.code)

    @property
    def name(self) -> str:
        """The product in words."""
        return product_name(self.product)

    @property
    def finished(self) -> bool:
        """True once the product will not change again (complete, failed, cancelled, not in the job)."""
        if self.code is None:
            return True
        try:
            code = StatusCode(self.code)
        except ValueError:
            return False
        return code.finished and code is not StatusCode.NOT_RETURNED


@dataclass(frozen=True, slots=True)
class JobProgress:
    """Where each product of a job stands: the detail of ``running`` and ``finished`` events."""

    products: tuple[ProductProgress, ...]

    @classmethod
    def of(cls, status: JobStatus) -> JobProgress:
        """From a status reply: codes, and the current step of running products."""
        return cls(tuple(ProductProgress.of(s) for s in status.products.values()))

    @classmethod
    def from_codes(cls, codes: Mapping[str, int | None]) -> JobProgress:
        """From the codes a ledger keeps (no steps)."""
        return cls(tuple(ProductProgress(short, code) for short, code in codes.items()))

    @property
    def codes(self) -> dict[str, int | None]:
        """Short name -> status code, as the ledger keeps them (an undocumented code is None)."""
        out: dict[str, int | None] = {}
        for p in self.products:
            try:
                out[p.product] = None if p.code is None else int(StatusCode(p.code))
            except ValueError:
                out[p.product] = None
        return out

    @property
    def progress(self) -> dict[str, str]:
        """Short name -> the step each running product is working on."""
        return {p.product: p.step for p in self.products if p.step}

    def describe(self, *, short_names: bool = False, brief: bool | None = None) -> str:
        """``light curve complete, standard position running (Extract events)``: products that stand alike
        are named together, in the job's order; ``every product complete`` when they all are.

        For narrow columns, ``short_names`` names products ``lc``, ``psf``..., and ``brief`` (by default as
        ``short_names``) gives each step without its extra text (``Extract data``, not ``Extract data:
        Working on observation 2 / 5``)."""
        from xrt_prods_async.client._status import states_sentence

        brief = short_names if brief is None else brief

        def state(p: ProductProgress) -> str:
            step = p.step.split(": ", 1)[0] if p.step and brief else p.step
            return p.state + (f" ({step})" if step else "")

        names = (product_name(p.product, short_names=short_names) for p in self.products)
        return states_sentence(zip(names, (state(p) for p in self.products), strict=True))

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True, slots=True)
class Submitted:
    """The service made the job: its products URL, and the products it asked for (short names)."""

    url: str
    products: tuple[str, ...] = ()

    def describe(self) -> str:
        return "submitted"

    def __str__(self) -> str:
        return f"submitted: {self.url}"


@dataclass(frozen=True, slots=True)
class Saved:
    """One item of a finished job was collected: its artifact kind (``what``), the file it went to (None:
    kept in the ledger, as positions are) and, for a position, what it says."""

    what: str
    path: str | None = None
    data: Any = None

    def describe(self) -> str:
        name = item_name(self.what)
        if self.what.startswith("position:"):
            where = position_text(self.data)
            if where is not None:
                return f"{name} {where}"
            if isinstance(self.data, Mapping) and self.data.get("found") is False:
                return f"{name}: none found"
            return f"retrieved the {name}"
        return f"saved the {name} to {self.path}" if self.path else f"retrieved the {name}"

    __str__ = describe


@dataclass(frozen=True, slots=True)
class Failure:
    """Why something failed: a submission (``item`` None) or one item of the collection (its kind)."""

    reason: str
    item: str | None = None

    def describe(self) -> str:
        reason = one_line(self.reason) or "no reason given"
        return f"{item_name(self.item)} not saved: {reason}" if self.item else reason

    __str__ = describe


@dataclass(frozen=True, slots=True)
class Reconciled:
    """How a submission whose reply was lost was resolved: the job adopted (``job_id``), or none found and
    the request queued again (``job_id`` None); ``text`` says so, with a note on each job passed over."""

    text: str
    job_id: int | None = None

    def describe(self) -> str:
        return f"lost submission reply resolved: {one_line(self.text)}"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Missing:
    """What a collection could not save: artifact kind -> why."""

    missing: Mapping[str, str]

    def describe(self) -> str:
        items = [f"{item_name(k)} ({one_line(why) or 'not saved'})" for k, why in self.missing.items()]
        return f"incomplete, not saved: {'; '.join(items)}" if items else "incomplete"

    __str__ = describe


@dataclass(frozen=True, slots=True)
class Retrying:
    """A resumed campaign fetches what an incomplete entry misses (artifact kinds; empty: all not saved)."""

    missing: tuple[str, ...] = ()

    def describe(self) -> str:
        names = join_names(item_name(kind) for kind in self.missing) or "the items not yet saved"
        return f"fetching what is missing: {names}"

    __str__ = describe


@dataclass(frozen=True, slots=True)
class Cancelled:
    """What cancelling an entry did: the service's answer for its job (None when no job had been made, or
    when whether one was made is not known), and whether the entry was left as it was (``kept``).

    ``kept`` is None when the entry was cancelled; ``"finished"`` when its job had already finished (left to
    be collected: a resume collects it); ``"running"`` when the service cancelled nothing for another reason
    (left as it was: a resume follows it); ``"uncertain"`` when its submission's outcome could not be looked
    up (left for a resume to look up, so that a job the service did make is not lost); ``"unanswered"`` when
    the cancel request itself failed (``reason``: left as it was; cancelling again asks again).
    """

    result: CancelResult | None = None
    kept: Literal["finished", "running", "uncertain", "unanswered"] | None = None
    reason: str | None = None

    @property
    def on_service(self) -> bool:
        """True when the service cancelled at least one product of the job."""
        return self.result is not None and bool(self.result.cancelled)

    def describe(self) -> str:
        result = self.result
        if self.kept == "unanswered":
            return f"not cancelled: the cancel request failed ({one_line(self.reason or '')}); left as it was"
        if self.kept == "uncertain":
            return (
                "not cancelled: whether the service made its job is not known (the look-up failed); left for "
                "a resume to look it up"
            )
        if result is None:
            return "cancelled before submission"
        if result.outcome.value == "all":
            return "cancelled on the service"
        states: dict[str, list[str]] = {}
        for outcome in result:
            states.setdefault(outcome.state, []).append(outcome.product.label)
        said = ", ".join(f"{join_names(names)} {state}" for state, names in states.items())
        if result.outcome.value == "partial":
            return f"partly cancelled: {said}"
        if self.kept == "finished":
            return f"already finished, nothing to cancel ({said}): left to be collected"
        kept = "; left as it was" if self.kept == "running" else ""
        return f"nothing cancelled on the service: {said or 'no products'}{kept}"

    __str__ = describe


@dataclass(frozen=True, slots=True)
class CancelTally:
    """What :meth:`Campaign.cancel` did, entry by entry counted: jobs ``cancelled`` on the service (in whole
    or in part), jobs that had already ``finished`` (left to be collected: a resume collects them), jobs the
    service cancelled nothing of for another reason (``not_cancelled``: left as they were), sources cancelled
    before submission (``unsubmitted``), submissions whose outcome could not be looked up (``uncertain``:
    left for a resume) and jobs whose cancel request failed (``unanswered``: left running; cancel again).
    ``int(tally)`` is the number of jobs cancelled on the service."""

    cancelled: int = 0
    finished: int = 0
    not_cancelled: int = 0
    unsubmitted: int = 0
    uncertain: int = 0
    unanswered: int = 0

    def __int__(self) -> int:
        return self.cancelled

    def describe(self) -> str:
        """The totals in one sentence."""
        jobs = self.cancelled + self.finished + self.not_cancelled + self.unanswered
        if not jobs and not self.unsubmitted and not self.uncertain:
            return "Nothing to cancel: every source of the campaign had already ended."
        parts = [f"{self.cancelled} of {jobs} active job(s) cancelled on the service"]
        if self.finished:
            parts.append(
                f"{self.finished} had already finished: left to be collected (a resume collects them)"
            )
        if self.not_cancelled:
            parts.append(f"{self.not_cancelled} not cancelled by the service: left as they were")
        if self.unanswered:
            parts.append(
                f"{self.unanswered} could not be cancelled (the request failed): still on the service; "
                "cancel again to retry"
            )
        if self.unsubmitted:
            parts.append(f"{self.unsubmitted} source(s) not yet submitted will not be")
        if self.uncertain:
            parts.append(
                f"{self.uncertain} submission(s) of unknown outcome left for a resume to look up (their "
                "jobs, if any, were not cancelled)"
            )
        return "; ".join(parts) + "."

    __str__ = describe


#: The detail an event carries (see :class:`EventKind`); None for ``queued`` and ``done``.
EventDetail: TypeAlias = (
    Submitted
    | JobProgress
    | Saved
    | Failure
    | Reconciled
    | Missing
    | Retrying
    | Cancelled
    | Outage
    | Recovery
)

#: What each kind says when its detail adds nothing, and the word put before a detail that needs one.
_BARE = {
    EventKind.QUEUED: "queued",
    EventKind.DONE: "done, every result saved",
    EventKind.RUNNING: "running",
    EventKind.FINISHED: "finished",
}
_LEAD = {EventKind.FINISHED: "finished: "}


@dataclass(frozen=True, slots=True)
class CampaignEvent:
    """One thing that happened to one entry of a campaign (or, with an empty label, to the service).

    ``str(event)`` is one sentence for people: ``GRB 200416A (job 1001): light curve complete, standard
    position running (Extract events)``. Programs read ``kind``, ``state`` and the typed ``detail``.
    """

    kind: EventKind
    label: str
    job_id: int | None = None
    detail: EventDetail | None = None
    #: The entry's ledger state once the event has happened (``None`` if the sender does not say): a view
    #: can count states from events alone, e.g. ``failed`` tells a refused request (state ``failed``) from a
    #: lost reply waiting for reconciliation (``submitting``) or a failed download (``collecting``).
    state: EntryState | None = None
    #: When it happened, in seconds on the campaign's clock (``Campaign.clock.monotonic()``): the differences
    #: between events are durations, exact under an injected clock. (No wall-clock time: nothing shows it;
    #: the ledger records the UTC times that matter, such as submission.)
    at: float = field(kw_only=True)

    @property
    def what(self) -> str:
        """What happened, without the source: ``light curve complete, spectrum running (Fit spectrum)``."""
        detail = self.detail
        if detail is None:
            return _BARE.get(self.kind, self.kind.value)
        describe = getattr(detail, "describe", None)
        text = one_line(describe() if callable(describe) else str(detail))
        return _LEAD.get(self.kind, "") + text

    def __str__(self) -> str:
        if not self.label:  # about the service, not a source
            return self.what
        job = f" (job {self.job_id})" if self.job_id is not None else ""
        return f"{self.label}{job}: {self.what}"


EventHandler = Callable[[CampaignEvent], Awaitable[None] | None]


async def emit(handlers: list[EventHandler], event: CampaignEvent) -> None:
    """Deliver ``event`` to every handler; a failing handler must not stop the campaign, so it is logged."""
    for handler in handlers:
        try:
            result = handler(event)
            if inspect.isawaitable(result):
                await result
        except Exception:  # pragma: no cover - defensive: user callbacks
            import logging

            logging.getLogger(__name__).exception("campaign event handler failed on %s", event)


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """The end state of one source of the campaign, as the final table shows it."""

    label: str
    state: EntryState
    job_id: int | None
    #: "complete", "partial" or "failed" (by the server's product codes) once done; "incomplete",
    #: "failed", "cancelled", or the state while unfinished, otherwise.
    outcome: str
    products: dict[str, int | None]  # short name -> final status code
    files: dict[str, str]  # artifact kind -> path
    positions: dict[str, Any]  # product short name -> position dict (found, ra, dec, err90...)
    error: str | None
    #: What the last collection could not save: artifact kind -> why (a resume fetches these).
    missing: dict[str, str] = field(default_factory=dict)

    @property
    def product_states(self) -> dict[str, str]:
        """Short name -> final status in words (``complete``, ``request failed``...)."""
        return {short: status_name(code) for short, code in self.products.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the source's label, state, outcome, job, products (code and state in words), files,
        positions, error and missing items."""
        return {
            "label": self.label,
            "state": self.state.value,
            "outcome": self.outcome,
            "job_id": self.job_id,
            "products": {
                short: {"code": code, "state": status_name(code)} for short, code in self.products.items()
            },
            "files": dict(self.files),
            "positions": dict(self.positions),
            "error": self.error,
            "missing": dict(self.missing),
        }


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """Per-source outcomes plus totals and the request counts that show how polite the campaign was."""

    #: In input order; read from the ledger a page at a time when iterated (:class:`LedgerSources`).
    sources: Sequence[SourceOutcome]
    counts: dict[str, int]  # entry state -> number of entries
    requests: dict[str, int]  # endpoint / kind -> number of requests this run made
    elapsed: float  # seconds this run took

    @property
    def finished(self) -> bool:
        """True when every source reached a terminal state."""
        return all(s.state.terminal for s in self.sources)

    @property
    def incomplete(self) -> tuple[SourceOutcome, ...]:
        """The sources whose job finished but whose results are not all on disk (see ``missing``)."""
        return tuple(s for s in self.sources if s.state is EntryState.INCOMPLETE)

    def to_dict(self, *, sources: bool = True) -> dict[str, Any]:
        """JSON-ready: ``finished``, ``counts`` by state, this run's ``requests`` and ``elapsed`` seconds, and
        (unless ``sources`` is False) every source (:meth:`SourceOutcome.to_dict`)."""
        document: dict[str, Any] = {
            "finished": self.finished,
            "counts": dict(self.counts),
            "requests": dict(self.requests),
            "elapsed": self.elapsed,
        }
        if sources:
            document["sources"] = [source.to_dict() for source in self.sources]
        return document


def outcome_of(entry: Entry) -> SourceOutcome:
    """How one ledger entry ended (or stands): complete, partial or failed products, files, positions."""
    codes = entry.codes
    if entry.state is EntryState.DONE:
        good = [c == StatusCode.COMPLETE for c in codes.values()]
        outcome = "complete" if all(good) else ("partial" if any(good) else "failed")
    else:
        outcome = entry.state.value  # failed, cancelled, or the state of an unfinished entry
    files = {k: a.path for k, a in entry.artifacts.items() if a.ok and a.path}
    positions = {
        k.split(":", 1)[1]: a.detail for k, a in entry.artifacts.items() if k.startswith("position:") and a.ok
    }
    return SourceOutcome(
        label=entry.label,
        state=entry.state,
        job_id=entry.job_id,
        outcome=outcome,
        products=dict(codes),
        files=files,
        positions=positions,
        error=entry.error,
        missing=entry.missing if entry.state is not EntryState.DONE else {},
    )


def summarise(
    store: CampaignStore, *, requests: dict[str, int] | None = None, elapsed: float = 0.0
) -> CampaignSummary:
    """The summary of a campaign as its ledger stands (usable without running it)."""
    counts = store.counts()
    return CampaignSummary(
        sources=LedgerSources(store, sum(counts.values())),
        counts={state.value: n for state, n in counts.items()},
        requests=dict(requests or {}),
        elapsed=elapsed,
    )


class LedgerSources(Sequence[SourceOutcome]):
    """Every source's outcome, read from the ledger a page at a time whenever it is iterated, so that a
    summary of a campaign of any size takes no more memory than one page. It reads the ledger as it stands
    then (the file again if its store was closed); ``tuple(summary.sources)`` keeps a copy."""

    def __init__(self, store: CampaignStore, length: int) -> None:
        self._store = store
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[SourceOutcome]:
        with self._reader() as store:
            for entry in store.walk():
                yield outcome_of(entry)

    @overload
    def __getitem__(self, index: int) -> SourceOutcome: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SourceOutcome]: ...

    def __getitem__(self, index: int | slice) -> SourceOutcome | Sequence[SourceOutcome]:
        if isinstance(index, slice):
            return tuple(self)[index]
        position = index + self._length if index < 0 else index
        if not 0 <= position < self._length:
            raise IndexError(index)
        with self._reader() as store:
            return outcome_of(store.nth(position))

    @contextmanager
    def _reader(self) -> Iterator[CampaignStore]:
        """The campaign's store, or the same ledger opened again once it has been closed."""
        if not self._store.closed:
            yield self._store
            return
        with CampaignStore.open(self._store.path, create=False) as store:
            yield store

    def __repr__(self) -> str:
        return f"<{self._length} sources of {self._store.path}>"
