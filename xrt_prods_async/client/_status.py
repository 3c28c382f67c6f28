"""Typed job status: one ``ProductStatus`` per product and the ``JobStatus`` of a whole job."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import StatusCode
from xrt_prods_async.wire._replies import ProductStatusReply, ProgressReply, ProgressStepReply, StatusReply

from ._views import Steps, Table, View, Viewable, plain

__all__ = ["NOT_RETURNED_TEXT", "STATUS_NAMES", "JobStatus", "ProductStatus", "job_status_from_reply"]

#: Status text for a product the service left out of its reply (docs/protocol.md §7.2, code -10).
NOT_RETURNED_TEXT = "The server did not return the status"

#: What each status code means, in words (docs/protocol.md §7.2); views show these, never the numbers.
STATUS_NAMES: dict[StatusCode, str] = {
    StatusCode.NOT_RETURNED: "not returned",
    StatusCode.CANCELLED: "cancelled",
    StatusCode.NO_PRODUCT: "no product made",
    StatusCode.QUEUE_FAILED: "queueing failed",
    StatusCode.REQUEST_FAILED: "request failed",
    StatusCode.REQUESTED: "requested",
    StatusCode.QUEUED: "queued",
    StatusCode.RUNNING: "running",
    StatusCode.COMPLETE: "complete",
    StatusCode.WAITING_FOR_PSF: "waiting for the standard position",
}


def _step_items(steps: tuple[ProgressStepReply, ...], depth: int) -> list[tuple[int, str]]:
    items: list[tuple[int, str]] = []
    for step in steps:
        label = plain(step.label)
        if step.active:
            extra = f": {plain(step.extra)}" if step.extra else ""
            items.append((depth, f"{label} (active{extra})"))
        elif step.done:
            items.append((depth, f"{label} (done)"))
        else:
            items.append((depth, f"{label} (pending)"))
        items += _step_items(step.substeps, depth + 1)
    return items


def progress_steps(progress: ProgressReply) -> Steps | None:
    """The progress as a nested list: preamble, one item per step with its state, the running time."""
    if not progress.available:
        return None
    items: list[tuple[int, str]] = []
    if progress.pre_progress:
        items.append((0, plain(progress.pre_progress)))
    items += _step_items(progress.steps, 0)
    if progress.time_running:
        items.append((0, f"running for {progress.time_running}"))
    return Steps(tuple(items))


def join_names(names: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def states_sentence(states: Iterable[tuple[str, str]]) -> str:
    """(product, state) pairs as a clause: ``light curve and spectrum complete, standard position running
    (Extract events)``; products that stand alike are named together, in order, and ``every product
    complete`` is said so when there are several."""
    groups: dict[str, list[str]] = {}
    for name, state in states:
        groups.setdefault(state, []).append(name)
    if len(groups) == 1:
        ((state, names),) = groups.items()
        if len(names) > 1 and state in ("complete", "queued", "running", "requested"):
            return f"every product {state}"
    return ", ".join(f"{join_names(names)} {state}" for state, names in groups.items())


def current_step(progress: ProgressReply) -> str | None:
    """The active step of ``progress`` in one line, or None (see :attr:`ProductStatus.step`)."""
    if not progress.available:
        return None
    label: str | None = None
    extra: str | None = None
    steps = progress.steps
    while True:
        active = next((step for step in steps if step.active), None)
        if active is None:
            break
        label = " ".join(plain(active.label).split()).rstrip(".") or label
        extra = " ".join(plain(active.extra).split()) if active.extra else extra
        steps = active.substeps
    if label is None:
        return None
    return f"{label}: {extra}" if extra else label


@dataclass(frozen=True, slots=True)
class ProductStatus(Viewable):
    """The status of one product of a job.

    ``code`` is the ``StatusCode``, or None when the service answered ``null`` (the product is not part of the
    job) or sent an undocumented code (kept in ``raw_code``). A product missing from the reply gets
    ``StatusCode.NOT_RETURNED`` and is not finished (asking again may answer).
    """

    product: Product
    code: StatusCode | None
    raw_code: int | None
    text: str
    progress: ProgressReply = field(default_factory=ProgressReply)

    @property
    def in_job(self) -> bool:
        """False when the service says it knows no such product for the job (``statusCode`` null)."""
        return self.raw_code is not None

    @property
    def finished(self) -> bool:
        """True when the product will not change again: complete (4), failed (< 0), or not in the job.

        Code 5 (astrometric position waiting for the standard one) and ``NOT_RETURNED`` are not finished.
        """
        if self.raw_code is None:
            return True
        if self.code is StatusCode.NOT_RETURNED:
            return False
        if self.code is None:
            return False
        return self.code.finished

    @property
    def complete(self) -> bool:
        """True when the product was made and can be downloaded (code 4)."""
        return self.code is StatusCode.COMPLETE

    @property
    def failed(self) -> bool:
        """True when the product will never be made (cancelled or failed: a negative code other than -10)."""
        return self.code is not None and self.code.failed and self.code is not StatusCode.NOT_RETURNED

    @property
    def progress_text(self) -> str:
        """The step-by-step progress as text (docs/protocol.md §7.4) or ``No progress information available``.

        Views show it as a nested list instead (``progress_steps``).
        """
        return self.progress.render()

    @property
    def step(self) -> str | None:
        """What the product is working on now, in one line (``Extract data: Working on observation 2 / 5``):
        the deepest active step of its progress and the latest extra text on the way; None when no step
        is active (or no progress came back). Progress displays show this, not the whole tree."""
        return current_step(self.progress)

    @property
    def state(self) -> str:
        """The status in words: ``complete``, ``running``, ``not in job``... (the code's meaning)."""
        if self.raw_code is None:
            return "not in job"
        if self.code is None:
            return f"undocumented status (code {self.raw_code})"
        return STATUS_NAMES[self.code]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the product's short name, ``code`` (None when null or undocumented), ``raw_code``,
        ``text``, ``state`` in words, the flags, and ``progress`` (None when the service sent none)."""
        return {
            "product": self.product.value,
            "code": None if self.code is None else int(self.code),
            "raw_code": self.raw_code,
            "text": self.text,
            "state": self.state,
            "finished": self.finished,
            "complete": self.complete,
            "failed": self.failed,
            "progress": self.progress.model_dump(mode="json") if self.progress.available else None,
        }

    def describe(self) -> str:
        """One line: ``light curve: Running (3)``."""
        code = "null" if self.raw_code is None else str(self.raw_code)
        return f"{self.product.label}: {self.text or 'no status text'} ({code})"

    def _view(self, *, picture: bool = False) -> View:
        facts = [("status", self.state), ("service says", self.text or "—")]
        steps = progress_steps(self.progress)
        if steps is None:
            facts.append(("progress", "no progress information"))
            return View(f"{self.product.label}: {self.state}", tuple(facts))
        return View(
            f"{self.product.label}: {self.state}",
            tuple(facts),
            (Table(("progress",), ((steps,),)),),
        )

    def __repr__(self) -> str:
        return f"ProductStatus({self.product.label}: {self.state}, {self.text!r})"


def _news(status: ProductStatus) -> str:
    """The service's text when it says more than the status name (``Cancelled at your request``)."""
    return "" if status.text.strip().lower() == status.state else status.text


@dataclass(frozen=True, slots=True)
class JobStatus(Viewable):
    """The status of the products of one job, from a single ``checkProductStatus`` call."""

    job_id: int
    products: Mapping[Product, ProductStatus]
    checked_at: datetime

    def __getitem__(self, product: Product | str) -> ProductStatus:
        return self.products[Product.parse(product)]

    def __iter__(self) -> Iterator[ProductStatus]:
        return iter(self.products.values())

    def __len__(self) -> int:
        return len(self.products)

    @property
    def finished(self) -> bool:
        """True when every product is finished (complete, failed, or not part of the job)."""
        return all(status.finished for status in self.products.values())

    @property
    def complete(self) -> bool:
        """True when every product completed successfully."""
        return all(status.complete for status in self.products.values())

    @property
    def unfinished(self) -> tuple[Product, ...]:
        """Products still waiting, queued or running."""
        return tuple(p for p, s in self.products.items() if not s.finished)

    @property
    def failed(self) -> tuple[Product, ...]:
        """Products that will never be made (cancelled or failed)."""
        return tuple(p for p, s in self.products.items() if s.failed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``job_id``, ``checked_at`` (ISO 8601), the flags, and ``products`` by short name."""
        return {
            "job_id": self.job_id,
            "checked_at": self.checked_at.isoformat(),
            "finished": self.finished,
            "complete": self.complete,
            "products": {p.value: s.to_dict() for p, s in self.products.items()},
        }

    def sentence(self) -> str:
        """Where every product stands, in one line: ``light curve complete, spectrum running (Fit
        spectrum)``."""
        return states_sentence(
            (s.product.label, s.state + (f" ({s.step})" if s.step and s.code is StatusCode.RUNNING else ""))
            for s in self.products.values()
        )

    def describe(self) -> str:
        """Several lines, one per product, for logs and notebooks."""
        lines = [f"Job {self.job_id}:"]
        lines += [f"  {status.describe()}" for status in self.products.values()]
        return "\n".join(lines)

    def _summary(self) -> str:
        done = sum(1 for s in self.products.values() if s.complete)
        failed = len(self.failed)
        parts = [f"{done} of {len(self.products)} complete"]
        if failed:
            parts.append(f"{failed} failed or cancelled")
        parts.append("finished" if self.finished else "still working")
        return ", ".join(parts)

    def _view(self, *, picture: bool = False) -> View:
        statuses = self.products.values()
        news = any(_news(s) for s in statuses)  # the service's words, when any says more than its code
        rows = tuple((s.product.label, s.state, *((_news(s),) if news else ())) for s in statuses)
        headers = ("product", "status", *(("service says",) if news else ()))
        progress = tuple(
            Table((f"{s.product.label} progress",), ((steps,),))
            for s in statuses
            if (steps := progress_steps(s.progress)) is not None
        )
        return View(
            f"Job {self.job_id} status",
            (("checked at", f"{self.checked_at:%Y-%m-%d %H:%M:%S %Z}".strip()), ("summary", self._summary())),
            (Table(headers, rows), *progress),
        )

    def __repr__(self) -> str:
        states = ", ".join(f"{s.product.label}: {s.state}" for s in self.products.values())
        return f"JobStatus(job {self.job_id}: {states or 'no products'})"


def job_status_from_reply(
    reply: StatusReply, products: tuple[Product, ...], *, job_id: int, checked_at: datetime
) -> JobStatus:
    """Build the ``JobStatus`` of the products asked for; one the reply lacks becomes ``NOT_RETURNED``."""
    statuses: dict[Product, ProductStatus] = {}
    for product in products:
        wire: ProductStatusReply | None = reply.products.get(product.short)
        if wire is None:
            statuses[product] = ProductStatus(
                product, StatusCode.NOT_RETURNED, int(StatusCode.NOT_RETURNED), NOT_RETURNED_TEXT
            )
        else:
            statuses[product] = ProductStatus(product, wire.code, wire.raw_code, wire.text, wire.progress)
    return JobStatus(job_id=job_id, products=statuses, checked_at=checked_at)
