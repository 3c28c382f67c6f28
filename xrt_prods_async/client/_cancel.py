"""Typed result of cancelling products of a job (``canceljob.php``, docs/protocol.md §8)."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import CancelCode
from xrt_prods_async.wire._replies import CancelReply

from ._views import Table, View, Viewable

__all__ = ["CANCEL_NAMES", "CancelOutcome", "CancelResult", "ProductCancel", "cancel_result_from_reply"]

#: Text for a product the service left out of its cancel reply.
NOT_REPORTED_TEXT = "The server did not report the outcome for this product"

#: What each per-product cancel code means, in words (docs/protocol.md §8).
CANCEL_NAMES: dict[CancelCode, str] = {
    CancelCode.CANCELLED: "cancelled",
    CancelCode.ALREADY_FINISHED: "not cancelled: probably already finished",
    CancelCode.NO_SUCH_PRODUCT: "not cancelled: no such product in the job",
    CancelCode.UNKNOWN_REASON: "not cancelled: reason unknown",
    CancelCode.OUTCOME_UNKNOWN: "outcome unknown",
}

_OUTCOME_TITLES = {"all": "everything cancelled", "partial": "partly cancelled", "none": "nothing cancelled"}


class CancelOutcome(enum.StrEnum):
    """How much of a cancel request took effect."""

    ALL = "all"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ProductCancel(Viewable):
    """The outcome for one product: a ``CancelCode`` (None if undocumented, see ``raw_code``) and its text."""

    product: Product
    code: CancelCode | None
    raw_code: int | None
    text: str

    @property
    def cancelled(self) -> bool:
        """True when this product was cancelled (code 0)."""
        return self.code is CancelCode.CANCELLED

    @property
    def state(self) -> str:
        """The outcome in words (``cancelled``, ``not cancelled: probably already finished``...)."""
        if self.code is None:
            return f"undocumented outcome (code {self.raw_code})"
        return CANCEL_NAMES[self.code]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the product's short name, ``code`` (None if undocumented), ``raw_code``, ``text``,
        ``state`` in words and whether it was ``cancelled``."""
        return {
            "product": self.product.value,
            "code": None if self.code is None else int(self.code),
            "raw_code": self.raw_code,
            "text": self.text,
            "state": self.state,
            "cancelled": self.cancelled,
        }

    def _view(self, *, picture: bool = False) -> View:
        return View(f"{self.product.label}: {self.state}", (("service says", self.text or "—"),))

    def __repr__(self) -> str:
        return f"ProductCancel({self.product.label}: {self.state})"


@dataclass(frozen=True, slots=True)
class CancelResult(Viewable):
    """The overall outcome (all / partial / none) and the per-product outcomes of one cancel call."""

    job_id: int
    outcome: CancelOutcome
    products: Mapping[Product, ProductCancel]

    def __getitem__(self, product: Product | str) -> ProductCancel:
        return self.products[Product.parse(product)]

    def __iter__(self) -> Iterator[ProductCancel]:
        return iter(self.products.values())

    @property
    def cancelled(self) -> tuple[Product, ...]:
        """The products that were cancelled."""
        return tuple(p for p, c in self.products.items() if c.cancelled)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``job_id``, ``outcome`` (``all``/``partial``/``none``), the ``cancelled`` products and
        the per-product outcomes by short name."""
        return {
            "job_id": self.job_id,
            "outcome": self.outcome.value,
            "cancelled": [p.value for p in self.cancelled],
            "products": {p.value: c.to_dict() for p, c in self.products.items()},
        }

    def _view(self, *, picture: bool = False) -> View:
        rows = tuple((c.product.label, c.state, c.text or "—") for c in self.products.values())
        return View(
            f"Job {self.job_id} cancel: {_OUTCOME_TITLES[self.outcome.value]}",
            tables=(Table(("product", "outcome", "service says"), rows),),
        )

    def __repr__(self) -> str:
        states = ", ".join(f"{c.product.label}: {c.state}" for c in self.products.values())
        return f"CancelResult(job {self.job_id}, {self.outcome.value}: {states or 'no products'})"


def cancel_result_from_reply(
    reply: CancelReply, products: tuple[Product, ...], *, job_id: int
) -> CancelResult:
    """Build a ``CancelResult``; the outcome is judged from the per-product codes (``OK`` 1 vs 2 agrees)."""
    outcomes: dict[Product, ProductCancel] = {}
    for product in products:
        raw = reply.status_codes.get(product.short)
        text = reply.status.get(product.short)
        if raw is None:
            outcomes[product] = ProductCancel(
                product, CancelCode.OUTCOME_UNKNOWN, None, text if text is not None else NOT_REPORTED_TEXT
            )
            continue
        try:
            code: CancelCode | None = CancelCode(raw)
        except ValueError:
            code = None
        outcomes[product] = ProductCancel(product, code, raw, text if text is not None else "")
    cancelled = sum(1 for c in outcomes.values() if c.cancelled)
    if outcomes and cancelled == len(outcomes):
        outcome = CancelOutcome.ALL
    elif cancelled:
        outcome = CancelOutcome.PARTIAL
    else:
        outcome = CancelOutcome.NONE
    return CancelResult(job_id=job_id, outcome=outcome, products=outcomes)
