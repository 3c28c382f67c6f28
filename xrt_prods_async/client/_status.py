"""Typed job status: one ``ProductStatus`` per product and the ``JobStatus`` of a whole job."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import StatusCode
from xrt_prods_async.wire._replies import ProductStatusReply, ProgressReply, StatusReply

__all__ = ["NOT_RETURNED_TEXT", "JobStatus", "ProductStatus", "job_status_from_reply"]

#: Status text for a product the service left out of its reply (PROTOCOL.md §7.2, code -10).
NOT_RETURNED_TEXT = "The server did not return the status"


@dataclass(frozen=True, slots=True)
class ProductStatus:
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
        """The step-by-step progress as text (PROTOCOL.md §7.4), or ``No progress information available``."""
        return self.progress.render()

    def describe(self) -> str:
        """One line: ``light curve: Running (3)``."""
        code = "null" if self.raw_code is None else str(self.raw_code)
        return f"{self.product.label}: {self.text or 'no status text'} ({code})"


@dataclass(frozen=True, slots=True)
class JobStatus:
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

    def describe(self) -> str:
        """Several lines, one per product, for logs and notebooks."""
        lines = [f"Job {self.job_id}:"]
        lines += [f"  {status.describe()}" for status in self.products.values()]
        return "\n".join(lines)


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
