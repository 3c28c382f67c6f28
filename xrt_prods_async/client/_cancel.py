"""Typed result of cancelling products of a job (``canceljob.php``, PROTOCOL.md §8)."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import CancelCode
from xrt_prods_async.wire._replies import CancelReply

__all__ = ["CancelOutcome", "CancelResult", "ProductCancel", "cancel_result_from_reply"]

#: Text for a product the service left out of its cancel reply.
NOT_REPORTED_TEXT = "The server did not report the outcome for this product"


class CancelOutcome(enum.StrEnum):
    """How much of a cancel request took effect."""

    ALL = "all"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ProductCancel:
    """The outcome for one product: a ``CancelCode`` (None if undocumented, see ``raw_code``) and its text."""

    product: Product
    code: CancelCode | None
    raw_code: int | None
    text: str

    @property
    def cancelled(self) -> bool:
        """True when this product was cancelled (code 0)."""
        return self.code is CancelCode.CANCELLED


@dataclass(frozen=True, slots=True)
class CancelResult:
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
