"""The ``Job`` handle: one submitted (or attached) job, with what the client can do to it as its methods."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import ALL_ARCHIVE_STEM

from ._api import XRTClient, try_decode
from ._download import check_format
from ._status import JobStatus, ProductStatus

if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing import Self

    from xrt_prods_async.params import JobRequest

__all__ = ["Job", "OnHandle"]

P = ParamSpec("P")
R = TypeVar("R")


class _Handle(Protocol):
    """What a handle needs for its methods to be its client's: the client."""

    client: XRTClient


H = TypeVar("H", bound=_Handle)


class OnHandle(Generic[H, P, R]):
    """A handle's method that is the ``XRTClient`` method ``method`` with the handle as first argument.

    The handle states no signature of its own, so it cannot drift from the client: ``job.status(...)`` calls
    ``job.client.status(job, ...)`` (looked up on the client, so a subclass or a test double is honoured)
    and shows the client method's docstring and its signature without the handle. The handle's attribute
    is named like the client method unless ``attribute`` says otherwise (``rebin.wait`` is
    ``client.wait_rebin``); a mismatch is a ``TypeError`` when the class is made.
    """

    def __init__(
        self, method: Callable[Concatenate[XRTClient, H, P], Awaitable[R]], *, attribute: str | None = None
    ) -> None:
        self.name = method.__name__
        self.attribute = attribute or self.name
        self.__doc__ = method.__doc__
        signature = inspect.signature(method)
        parameters = list(signature.parameters.values())
        #: The client method's signature without ``self``: called on the class, ``Job.status(job, ...)``.
        self.__signature__ = signature.replace(parameters=parameters[1:])
        #: ... and without the handle too: what ``job.status`` takes.
        self.bound_signature = signature.replace(parameters=parameters[2:])

    def __repr__(self) -> str:
        return f"<XRTClient.{self.name} with the handle bound: {self.attribute}{self.bound_signature}>"

    def __set_name__(self, owner: type[Any], name: str) -> None:
        if name != self.attribute:
            raise TypeError(f"{owner.__name__}.{name} must delegate to the client method {self.attribute!r}")

    @overload
    def __get__(self, handle: None, owner: type[H]) -> Self: ...

    @overload
    def __get__(self, handle: H, owner: type[H]) -> Callable[P, Awaitable[R]]: ...

    def __get__(self, handle: H | None, owner: type[H]) -> Self | Callable[P, Awaitable[R]]:
        if handle is None:
            return self
        return self._bind(handle)

    def __call__(self, handle: H, /, *args: P.args, **kwargs: P.kwargs) -> Awaitable[R]:
        return self._bind(handle)(*args, **kwargs)

    def _bind(self, handle: H) -> Callable[P, Awaitable[R]]:
        method: Callable[Concatenate[H, P], Awaitable[R]] = getattr(handle.client, self.name)

        async def on_handle(*args: P.args, **kwargs: P.kwargs) -> R:
            return await method(handle, *args, **kwargs)

        functools.update_wrapper(on_handle, method)
        on_handle.__name__ = on_handle.__qualname__ = self.attribute
        on_handle.__signature__ = self.bound_signature  # type: ignore[attr-defined]
        return on_handle


class _OnThisJob(OnHandle["Job", P, R]):
    """A ``Job`` method: the client method of the same name with the job bound."""


class Job:
    """A job on the service: its id, products URL, parameters and products, bound to the client that made it.

    ``request`` is the job's parameters as the service echoed them (``jobPars``) decoded back into a
    ``JobRequest``, so the job can be re-run exactly; it is None only when the service's parameters cannot
    be decoded (then ``job_pars`` still holds them raw). ``submitted_at`` is the client's UTC clock when the
    service accepted the job (None for attached jobs). ``last_status`` is the newest status seen.

    Every ``XRTClient`` method that takes a job is a method of the job too, without that argument:
    ``await job.wait()`` is ``await client.wait(job)``.
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
        self._request = request
        #: ``request`` is still to be decoded from ``job_pars`` (see :meth:`_from_echo`).
        self._echo_unread = False
        self.job_pars: dict[str, Any] = dict(job_pars or {})
        self.submitted_at = submitted_at
        self.last_status: JobStatus | None = None
        self._latest: dict[Product, ProductStatus] = {}

    @classmethod
    def _from_echo(
        cls,
        client: XRTClient,
        *,
        job_id: int,
        url: str,
        products: tuple[Product, ...],
        job_pars: Mapping[str, Any],
        fallback: JobRequest | None = None,
        submitted_at: datetime | None = None,
    ) -> Job:
        """A job whose ``request`` is its echoed ``job_pars`` decoded, or ``fallback`` when they cannot be.

        Decoding validates the whole request (about a millisecond of CPU), and most handles (a campaign's,
        a status loop's) never read ``request``: it is decoded on first use.
        """
        job = cls(
            client, job_id=job_id, url=url, products=products, job_pars=job_pars, submitted_at=submitted_at
        )
        job._request = fallback
        job._echo_unread = bool(job.job_pars)
        return job

    @property
    def request(self) -> JobRequest | None:
        """The job's parameters as a ``JobRequest`` (see the class docstring); None if they cannot be read."""
        if self._echo_unread:
            self._echo_unread = False
            decoded = try_decode(self.job_pars)
            if decoded is not None:
                self._request = decoded
        return self._request

    @request.setter
    def request(self, value: JobRequest | None) -> None:
        self._request = value
        self._echo_unread = False

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

    # --- what the client can do to this job (tests/client/test_job.py keeps this list complete) ----------

    status = _OnThisJob(XRTClient.status)
    wait = _OnThisJob(XRTClient.wait)
    cancel = _OnThisJob(XRTClient.cancel)
    download = _OnThisJob(XRTClient.download)
    download_all = _OnThisJob(XRTClient.download_all)
    download_spectral_files = _OnThisJob(XRTClient.download_spectral_files)
    standard_position = _OnThisJob(XRTClient.standard_position)
    enhanced_position = _OnThisJob(XRTClient.enhanced_position)
    astrometric_position = _OnThisJob(XRTClient.astrometric_position)
    source_list = _OnThisJob(XRTClient.source_list)
    light_curve = _OnThisJob(XRTClient.light_curve)
    spectral_fits = _OnThisJob(XRTClient.spectral_fits)
    rebin_light_curve = _OnThisJob(XRTClient.rebin_light_curve)
