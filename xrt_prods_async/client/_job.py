"""The ``Job`` handle: one submitted (or attached) job, with shortcuts to what the client can do to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import ALL_ARCHIVE_STEM

from ._download import check_format
from ._status import JobStatus, ProductStatus

if TYPE_CHECKING:  # pragma: no cover - typing only
    from xrt_prods_async.params import JobRequest

    from ._api import XRTClient
    from ._cancel import CancelResult
    from ._results import LightCurveData, Position, SourceList, SpectralFits, YesNoBoth

__all__ = ["Job", "ProgressCallback"]

#: Called with each ``JobStatus`` while waiting; may be a plain function or a coroutine function.
ProgressCallback = Callable[[JobStatus], Awaitable[None] | None]


class Job:
    """A job on the service: its id, products URL, parameters and products, bound to the client that made it.

    ``request`` is the job's parameters as the service echoed them (``jobPars``) decoded back into a
    ``JobRequest``, so the job can be re-run exactly; it is None only when the service's parameters cannot
    be decoded (then ``job_pars`` still holds them raw). ``submitted_at`` is the client's UTC clock when the
    service accepted the job (None for attached jobs). ``last_status`` is the newest status seen.
    """

    def __init__(
        self,
        client: XRTClient,
        *,
        job_id: int,
        url: str,
        products: tuple[Product, ...],
        request: JobRequest | None = None,
        job_pars: Mapping[str, Any] | None = None,
        submitted_at: datetime | None = None,
    ) -> None:
        self.client = client
        self.job_id = job_id
        self.url = url.rstrip("/")
        self.products = products
        self.request = request
        self.job_pars: dict[str, Any] = dict(job_pars or {})
        self.submitted_at = submitted_at
        self.last_status: JobStatus | None = None
        self._latest: dict[Product, ProductStatus] = {}

    def __repr__(self) -> str:
        names = ",".join(p.short for p in self.products)
        return f"<Job {self.job_id} [{names}] {self.url}>"

    @property
    def name(self) -> str | None:
        """The job's object name (``name`` parameter), if known."""
        if self.request is not None:
            return str(self.request.name)
        value = self.job_pars.get("name")
        return None if value is None else str(value)

    def archive_url(self, product: Product | str, format: str = "tar.gz") -> str:
        """The URL of a product's archive, ``{URL}/{what}.{format}`` (``"all"`` for every product)."""
        what = ALL_ARCHIVE_STEM if product == ALL_ARCHIVE_STEM else Product.parse(product).stem
        return f"{self.url}/{what}.{check_format(format)}"

    def latest(self, product: Product) -> ProductStatus | None:
        """The newest status seen for one product, from any status call on this handle."""
        return self._latest.get(product)

    def _record(self, status: JobStatus) -> None:
        self._latest.update(status.products)
        if set(status.products) >= set(self.products):
            self.last_status = status

    # --- shortcuts to the client --------------------------------------------------------------------------

    async def status(self, products: Iterable[Product | str] | None = None) -> JobStatus:
        """``client.status(self, products)``: one request for the status of this job's products."""
        return await self.client.status(self, products)

    async def wait(
        self,
        *,
        poll_interval: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the documented API; the job outlives the timeout
        on_progress: ProgressCallback | None = None,
    ) -> JobStatus:
        """``client.wait(self, ...)``: poll until every product has finished."""
        return await self.client.wait(
            self, poll_interval=poll_interval, timeout=timeout, on_progress=on_progress
        )

    async def cancel(self, products: Iterable[Product | str] | None = None) -> CancelResult:
        """``client.cancel(self, products)``: cancel some or all of this job's products."""
        return await self.client.cancel(self, products)

    async def download(
        self,
        dest: str | Path,
        *,
        products: Iterable[Product | str] | None = None,
        format: str = "tar.gz",
        stem: str = "",
        overwrite: bool = False,
    ) -> dict[Product, Path]:
        """``client.download(self, dest, ...)``: save product archives into ``dest``."""
        return await self.client.download(
            self, dest, products=products, format=format, stem=stem, overwrite=overwrite
        )

    async def standard_position(self) -> Position:
        """``client.standard_position(self)``."""
        return await self.client.standard_position(self)

    async def enhanced_position(self) -> Position:
        """``client.enhanced_position(self)``."""
        return await self.client.enhanced_position(self)

    async def astrometric_position(self) -> Position:
        """``client.astrometric_position(self)``."""
        return await self.client.astrometric_position(self)

    async def source_list(self) -> SourceList:
        """``client.source_list(self)``."""
        return await self.client.source_list(self)

    async def light_curve(self, *, nosys: YesNoBoth = False, incbad: YesNoBoth = False) -> LightCurveData:
        """``client.light_curve(self, ...)``."""
        return await self.client.light_curve(self, nosys=nosys, incbad=incbad)

    async def spectral_fits(self) -> SpectralFits:
        """``client.spectral_fits(self)``."""
        return await self.client.spectral_fits(self)
