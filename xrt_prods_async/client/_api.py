"""``XRTClient``: the asyncio client of the Swift-XRT product service, one method per capability."""

from __future__ import annotations

import inspect
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import anyio
import httpx

from xrt_prods_async._errors import (
    ConfigurationError,
    DownloadError,
    InvalidRequestError,
    JobTimeoutError,
    ProductNotReadyError,
    ProtocolError,
    ServerError,
    ServerRefusedError,
    SubmitUncertainError,
    TransportError,
    XRTError,
)
from xrt_prods_async._products import ALL_PRODUCTS, Product, join_short_names
from xrt_prods_async.http._policy import (
    Politeness,
    RetryPolicy,
    check_count,
    check_seconds,
    unsafe_url_reason,
)
from xrt_prods_async.http._session import DEFAULT_TIMEOUT, Session
from xrt_prods_async.params import JobRequest
from xrt_prods_async.wire._endpoints import (
    ARCHIVE_FORMATS,
    DEFAULT_BASE_URL,
    Endpoint,
    LightCurveType,
    MainApiFunction,
)
from xrt_prods_async.wire._envelope import JOB_ID_KEY, USER_ID_KEY
from xrt_prods_async.wire._mainapi import (
    OBJECT_ID_KEY,
    OBJECT_NAME_KEY,
    OBJECT_TYPE_KEY,
    REBIN_ID_KEY,
    RebinReply,
    RebinStatusReply,
    main_api_url_for,
)
from xrt_prods_async.wire._replies import (
    CancelReply,
    NumJobsReply,
    OldJobsReply,
    OldProductReply,
    PositionReply,
    StatusReply,
    SubmitReply,
    parse_reply,
    products_from_job_pars,
)

from ._cancel import CancelResult, cancel_result_from_reply
from ._download import (
    Downloads,
    FileFetch,
    archive_filename,
    check_format,
    fetch_file,
    fetch_files,
    make_folder,
    target_exists,
)
from ._env import ENV_BASE_URL, ENV_MAIN_API_URL, ENV_USER_ID, REGISTER_URL
from ._extract import extract as unpack_archive
from ._listerr import translate_refusal
from ._progress import wants_progress
from ._results import LightCurveData, OldJob, Position, SourceList, SpectralFits, YesNoBoth, yes_no_both
from ._spectral_files import spectral_file_plan
from ._status import JobStatus, ProductStatus, job_status_from_reply

__all__ = ["JobRef", "ProgressCallback", "RebinRef", "XRTClient"]

#: Called with each ``JobStatus`` while waiting; may be a plain function or a coroutine function.
ProgressCallback = Callable[[JobStatus], Awaitable[None] | None]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Finishing(Protocol):
    """A status that says whether its job (or rebin) is done: what ``_poll_until`` polls for."""

    @property
    def finished(self) -> bool: ...


S = TypeVar("S", bound=_Finishing)


def decode_job_pars(job_pars: Mapping[str, Any]) -> JobRequest:
    """A job's ``jobPars`` (as the service echoes them) decoded into a request that re-runs the job."""
    return JobRequest.from_job_pars(job_pars)


def try_decode(job_pars: Mapping[str, Any]) -> JobRequest | None:
    """The request a job's echo describes, or None when it cannot be read: the job exists whatever its echo
    says, so its handle must not fail on it (``Job.job_pars`` keeps the echo raw). Decoding raises only
    InvalidRequestError (tests/params/test_hardening.py); the rest is caught too, as a job handle must
    never be lost to a decoding bug."""
    try:
        return decode_job_pars(job_pars)
    except (InvalidRequestError, ValueError, TypeError, KeyError, ArithmeticError, RecursionError):
        return None


def _user_id(value: object) -> str:
    """The user id, stripped, if it is one: a non-blank string that can be sent (UTF-8)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ConfigurationError(
            "No user id: pass XRTClient(user_id='you@example.org') or set the environment variable "
            f"{ENV_USER_ID} to the e-mail address you registered at {REGISTER_URL}"
        )
    if not isinstance(value, str):
        raise ConfigurationError(
            f"user_id must be a string, the e-mail address you registered at {REGISTER_URL}; "
            f"got a value of type {type(value).__name__}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigurationError(
            "user_id holds a lone surrogate (\\ud800-\\udfff), which cannot be sent; "
            "give the e-mail address as plain text"
        ) from None
    return value.strip()


def _main_api_url(value: object) -> str | None:
    """The main API's URL as given (None or blank: beside the base URL, as safe as the base URL is)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"main_api_url must be a URL, got a value of type {type(value).__name__}")
    unsafe = unsafe_url_reason(value.strip())
    if unsafe is not None:
        raise ConfigurationError(f"main_api_url {value.strip()!r} {unsafe}")
    return value.strip()


def _check_arguments(
    timeout: object, retry: object, politeness: object, transport: object, clock: object
) -> None:
    """XRTClient's arguments that are objects or numbers: each of the type it must be, numbers in range."""
    if isinstance(timeout, (int, float)):
        check_seconds("timeout", timeout)
    elif not isinstance(timeout, httpx.Timeout):
        raise ConfigurationError(
            "timeout must be a number of seconds or an httpx.Timeout; "
            f"got a value of type {type(timeout).__name__}"
        )
    expected = {
        "retry": (retry, RetryPolicy, "a RetryPolicy(...)"),
        "politeness": (politeness, Politeness, "a Politeness(...)"),
        "transport": (transport, httpx.AsyncBaseTransport, "an httpx.AsyncBaseTransport"),
    }
    for name, (value, kind, what) in expected.items():
        if value is not None and not isinstance(value, kind):
            raise ConfigurationError(
                f"{name} must be {what} or None; got a value of type {type(value).__name__}"
            )
    if clock is not None and not callable(clock):
        raise ConfigurationError(
            "clock must be a function returning the UTC time, or None; "
            f"got a value of type {type(clock).__name__}"
        )


def _products(names: Iterable[Product | str] | Product | str) -> tuple[Product, ...]:
    try:
        products = Product.parse_many(names)
    except ConfigurationError as exc:
        raise ConfigurationError(f"products: {exc}") from None
    if not products:
        raise ConfigurationError(
            "products: name at least one product (or pass None for all of the job's products)"
        )
    return products


def _need_handle(job: object, call: str) -> None:
    """Downloads read the job's products URL, which a bare JobID does not carry."""
    if not isinstance(job, Job):
        raise ConfigurationError(
            f"{call} needs a Job handle, got {job!r}: get one from submit(), or attach(job_id) for an old job"
        )


def _wanted(
    job: JobRef, products: Iterable[Product | str] | None, *, for_bare_id: tuple[Product, ...] | None
) -> tuple[Product, ...]:
    """The products a call is about: those named, else the job's, else ``for_bare_id`` for a bare JobID
    (``None``: a bare JobID must name them)."""
    if products is not None:
        return _products(products)
    if isinstance(job, Job):
        return job.products
    if for_bare_id is None:
        raise ConfigurationError("products: name the products when passing a bare JobID instead of a Job")
    return for_bare_id


class XRTClient:
    """An async client of the Swift-XRT product service (``async with XRTClient(...) as client:``).

    ``user_id`` is the e-mail address registered at https://www.swift.ac.uk/user_objects/register.php; if
    None it is read from the environment variable ``XRT_PRODS_USER_ID``. ``base_url`` defaults to
    ``XRT_PRODS_BASE_URL`` from the environment, else the real service; it must be https unless it is
    loopback (the emulator). ``poll_interval`` (seconds) paces ``wait``; off loopback it must be >= 10 s.
    ``timeout`` applies to each HTTP request; ``retry`` governs retries of idempotent calls (submissions are
    never retried once sent). ``max_concurrent_downloads`` bounds parallel archive downloads. ``transport``
    replaces the network (tests). ``clock`` gives the UTC time stamped on submissions. ``main_api_url`` is
    the UKSSDC main API that rebins light curves: ``XRT_PRODS_MAIN_API_URL`` from the environment, else
    ``API/main.php`` beside the base URL (``https://www.swift.ac.uk/API/main.php`` for the real service).
    """

    def __init__(
        self,
        user_id: str | None = None,
        *,
        base_url: str | None = None,
        poll_interval: float = 60.0,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        politeness: Politeness | None = None,
        max_concurrent_downloads: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
        main_api_url: str | None = None,
    ) -> None:
        self.user_id = _user_id(user_id if user_id is not None else os.environ.get(ENV_USER_ID))
        url = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        _check_arguments(timeout, retry, politeness, transport, clock)
        self.max_concurrent_downloads = check_count("max_concurrent_downloads", max_concurrent_downloads)
        (politeness or Politeness()).check_poll_interval(poll_interval, url)
        self.poll_interval = float(poll_interval)
        main = _main_api_url(main_api_url if main_api_url is not None else os.environ.get(ENV_MAIN_API_URL))
        self._session = Session(url, timeout=timeout, retry=retry, politeness=politeness, transport=transport)
        self._clock = clock or _utc_now
        self._main_api_url = main or main_api_url_for(self._session.base_url)

    # --- lifecycle ----------------------------------------------------------------------------------------

    async def __aenter__(self) -> XRTClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connection pool. The client cannot be used afterwards."""
        await self._session.aclose()

    @property
    def base_url(self) -> str:
        """The service root this client talks to (``.../user_objects``)."""
        return self._session.base_url

    @property
    def main_api_url(self) -> str:
        """The UKSSDC main API this client rebins light curves with (``.../API/main.php``)."""
        return self._main_api_url

    @property
    def session(self) -> Session:
        """The underlying http ``Session`` (transport policy)."""
        return self._session

    def __repr__(self) -> str:
        return f"<XRTClient {self.user_id} at {self.base_url}>"

    async def _post(self, endpoint: Endpoint, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return await self._session.post(endpoint, {USER_ID_KEY: self.user_id, **body}, **kwargs)

    @staticmethod
    def _job_id(job: JobRef) -> int:
        if isinstance(job, Job):
            return job.job_id
        if isinstance(job, bool) or not isinstance(job, int):
            raise ConfigurationError(f"job must be a Job or an integer JobID, got {job!r}")
        return job

    # --- submit and history -------------------------------------------------------------------------------

    async def submit(self, request: JobRequest | Mapping[str, Any]) -> Job:
        """Submit a job; return its ``Job`` handle (id, products URL, decoded parameters, products).

        The request model is validated when built, so nothing is sent for an invalid request. Never
        retried blindly: if the request may have reached the service and the reply was lost (timeout
        after sending, dropped connection, 5xx or HTML page, truncated or incomplete reply),
        ``SubmitUncertainError`` carries the job name, the request fingerprint and the UTC window to look
        for with ``list_old_jobs()`` before resubmitting. Failures certainly before sending (connection
        refused) are retried per the retry policy. A refusal raises ``ServerRefusedError`` whose
        ``listErr`` items use the request's parameter names.
        """
        if isinstance(request, Mapping):
            request = JobRequest.model_validate(request)  # validates: InvalidRequestError, nothing is sent
        body = request.to_wire(self.user_id)
        name = request.name or ""
        url = self._session.url_for(Endpoint.SUBMIT)
        sent_after = self._clock()

        def uncertain(error: TransportError) -> SubmitUncertainError:
            sent_before = self._clock()
            return SubmitUncertainError(
                f"The submission of {name!r} failed after it may have reached the service ({error}). "
                f"A job may exist: before resubmitting, look with list_old_jobs() for a job named "
                f"{name!r} submitted between {sent_after:%Y-%m-%d %H:%M:%S} and "
                f"{sent_before:%Y-%m-%d %H:%M:%S} UTC, and attach() to it if found",
                name=name,
                fingerprint=request.fingerprint(),
                sent_after=sent_after,
                sent_before=sent_before,
                cause=error,
            )

        try:
            raw = await self._session.post(Endpoint.SUBMIT, body, on_uncertain=uncertain)
        except ServerRefusedError as refused:
            raise translate_refusal(refused, request.describe_wire_name) from None
        try:
            reply = parse_reply(SubmitReply, raw, url=url)
        except ProtocolError as exc:
            # OK = 1 without a usable JobID/URL: the job most likely exists but we cannot name it.
            raise uncertain(exc) from exc
        products = products_from_job_pars(reply.job_pars) or Product.with_implied(request.products)
        return Job._from_echo(
            self,
            job_id=reply.job_id,
            url=reply.url,
            products=products,
            job_pars=reply.job_pars,
            fallback=request,
            submitted_at=self._clock(),
        )

    async def _old_product(self, job_id: int) -> OldProductReply:
        if isinstance(job_id, bool) or not isinstance(job_id, int):
            raise TypeError(f"job_id must be an integer JobID, got {job_id!r}")
        raw = await self._post(Endpoint.OLD_PRODUCT, {"oldJob": job_id})
        return parse_reply(OldProductReply, raw, url=self._session.url_for(Endpoint.OLD_PRODUCT))

    async def old_job(self, job_id: int) -> JobRequest:
        """The parameters of one of the user's earlier jobs, as a request that re-runs it (``submit``).

        Parameters meaning "all data" may pick up newer observations, so a re-run is not guaranteed to be
        identical. Raises ``InvalidRequestError`` if the stored parameters do not make a valid request.
        """
        reply = await self._old_product(job_id)
        return decode_job_pars(reply.job_pars)

    async def attach(self, job_id: int) -> Job:
        """A ``Job`` handle for an existing job of the user (``getOldProduct``): status, results, downloads.

        ``request`` is None if the stored parameters cannot be decoded (``job_pars`` keeps them raw).
        """
        reply = await self._old_product(job_id)
        if not reply.url:
            raise ProtocolError(
                f"The service's getOldProduct reply for job {job_id} has no URL, so its products cannot be "
                "located (product URLs must not be guessed from JobIDs)",
                url=self._session.url_for(Endpoint.OLD_PRODUCT),
            )
        job = Job._from_echo(self, job_id=reply.old_job, url=reply.url, products=(), job_pars=reply.job_pars)
        products = products_from_job_pars(reply.job_pars)
        if not products and job.request is not None:
            products = Product.with_implied(job.request.products)
        job.products = products
        return job

    # --- status, wait, cancel -----------------------------------------------------------------------------

    async def status(self, job: JobRef, products: Iterable[Product | str] | None = None) -> JobStatus:
        """The status of some or all products of a job, in ONE request (``what`` and ``whatProg``).

        ``products`` defaults to the job's products (every product for a bare JobID; those not in the job
        come back with ``code`` None). A product the reply lacks gets ``StatusCode.NOT_RETURNED``.
        """
        job_id = self._job_id(job)
        wanted = _wanted(job, products, for_bare_id=ALL_PRODUCTS)
        what = join_short_names(wanted)
        raw = await self._post(Endpoint.STATUS, {JOB_ID_KEY: job_id, "what": what, "whatProg": what})
        reply = parse_reply(StatusReply, raw, url=self._session.url_for(Endpoint.STATUS))
        status = job_status_from_reply(reply, wanted, job_id=job_id, checked_at=self._clock())
        if isinstance(job, Job):
            job._record(status)
        return status

    async def wait(
        self,
        job: JobRef,
        *,
        poll_interval: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the documented API; the job outlives the timeout
        on_progress: ProgressCallback | None = None,
        progress: bool | None = None,
    ) -> JobStatus:
        """Poll the job's status until every product has finished; return the final ``JobStatus``.

        Finished means complete (4), failed (negative) or not part of the job; 5 (astrometric position
        waiting) is not finished. ``on_progress`` (a function or coroutine function) gets every status.
        ``timeout`` (seconds, None = no limit) raises ``JobTimeoutError``; the job keeps running.

        ``progress=True`` shows each product's state and current step while waiting, redrawn in place on a
        terminal or in a notebook (with ipywidgets), a line per change elsewhere; ``None`` (the default)
        shows it only in IPython or Jupyter, never in a plain script; ``False`` never. It adds no request.
        """
        if wants_progress(progress):
            from ._progress import wait_progress

            interval = self.poll_interval if poll_interval is None else poll_interval
            with wait_progress(job, interval) as view:
                callbacks: list[ProgressCallback] = [view.update]
                if on_progress is not None:
                    callbacks.append(on_progress)
                return await self._wait(job, poll_interval, timeout, callbacks)
        return await self._wait(job, poll_interval, timeout, [] if on_progress is None else [on_progress])

    async def _wait(
        self,
        job: JobRef,
        poll_interval: float | None,
        timeout: float | None,  # noqa: ASYNC109 - the documented API; the job outlives the timeout
        callbacks: list[ProgressCallback],
    ) -> JobStatus:
        async def poll() -> JobStatus:
            status = await self.status(job)
            for callback in callbacks:
                outcome = callback(status)
                if inspect.isawaitable(outcome):
                    await outcome
            return status

        def timed_out(status: JobStatus) -> JobTimeoutError:
            waiting = ", ".join(status[p].describe() for p in status.unfinished)
            return JobTimeoutError(
                f"Job {status.job_id} did not finish within {timeout:g} s (still waiting: {waiting}); "
                "it keeps running on the server: wait again, or cancel it"
            )

        return await self._poll_until(
            poll, self.base_url, poll_interval=poll_interval, timeout=timeout, timed_out=timed_out
        )

    async def _poll_until(
        self,
        poll: Callable[[], Awaitable[S]],
        url: str,
        *,
        poll_interval: float | None,
        timeout: float | None,  # noqa: ASYNC109 - the waiting methods' documented API
        timed_out: Callable[[S], XRTError],
    ) -> S:
        """Call ``poll`` every poll interval until what it returns is finished; ``timed_out(last)`` is raised
        when the next poll would come after ``timeout`` seconds. The interval is checked against the
        politeness floor for ``url``'s host."""
        interval = self.poll_interval if poll_interval is None else poll_interval
        self._session.politeness.check_poll_interval(interval, url)
        interval = float(interval)
        if timeout is not None:
            timeout = check_seconds("timeout", timeout)
        deadline = None if timeout is None else anyio.current_time() + timeout
        while True:
            state = await poll()
            if state.finished:
                return state
            if deadline is not None:
                remaining = deadline - anyio.current_time()
                if remaining < interval:
                    # The next poll would come after the deadline: wait it out, then give up.
                    await anyio.sleep(max(remaining, 0))
                    raise timed_out(state)
            await anyio.sleep(interval)

    async def cancel(self, job: JobRef, products: Iterable[Product | str] | None = None) -> CancelResult:
        """Cancel some or all products of a job; the result says all / partial / none, and why per product.

        Not retried once sent (cancel is not idempotent on the wire); check ``status`` if it fails.
        """
        job_id = self._job_id(job)
        wanted = _wanted(job, products, for_bare_id=None)
        raw = await self._post(Endpoint.CANCEL, {JOB_ID_KEY: job_id, "what": join_short_names(wanted)})
        reply = parse_reply(CancelReply, raw, url=self._session.url_for(Endpoint.CANCEL))
        return cancel_result_from_reply(reply, wanted, job_id=job_id)

    # --- completion checks --------------------------------------------------------------------------------

    async def _require_complete(self, job: JobRef, product: Product) -> None:
        job_id = self._job_id(job)
        if isinstance(job, Job):
            if product not in job.products:
                have = ", ".join(p.label for p in job.products)
                raise ProductNotReadyError(f"Job {job_id} has no {product.label}; it asked for: {have}")
            cached = job.latest(product)
            if cached is not None and cached.complete:
                return
        status = (await self.status(job, [product]))[product]
        self._raise_unless_complete(job_id, status)

    @staticmethod
    def _raise_unless_complete(job_id: int, status: ProductStatus) -> None:
        if status.complete:
            return
        label = status.product.label
        if not status.in_job:
            raise ProductNotReadyError(f"Job {job_id} has no {label} (the service knows no such product)")
        if status.failed:
            raise ProductNotReadyError(
                f"The {label} of job {job_id} will never be ready: {status.text} (code {status.raw_code})"
            )
        raise ProductNotReadyError(
            f"The {label} of job {job_id} is not complete yet ({status.text}, code {status.raw_code}); "
            "wait for the job first (Job.wait())"
        )

    # --- results ------------------------------------------------------------------------------------------

    async def _position(self, job: JobRef, product: Product, endpoint: Endpoint) -> Position:
        await self._require_complete(job, product)
        raw = await self._post(endpoint, {JOB_ID_KEY: self._job_id(job)})
        return Position.from_reply(
            product, parse_reply(PositionReply, raw, url=self._session.url_for(endpoint))
        )

    async def standard_position(self, job: JobRef) -> Position:
        """The standard (PSF-fitted or SXPS) position; ``found=False`` with the reason if none was made."""
        return await self._position(job, Product.STANDARD_POS, Endpoint.PSF_POS)

    async def enhanced_position(self, job: JobRef) -> Position:
        """The enhanced (UVOT-astrometry corrected) position; ``found=False`` if none was made."""
        return await self._position(job, Product.ENHANCED_POS, Endpoint.ENH_POS)

    async def astrometric_position(self, job: JobRef) -> Position:
        """The astrometrically corrected position; ``found=False`` if none was made (``NOCORR``)."""
        return await self._position(job, Product.ASTROM_POS, Endpoint.ASTROM_POS)

    async def source_list(self, job: JobRef) -> SourceList:
        """The detected sources per band (``Total``; ``Soft``/``Medium``/``Hard`` if all were searched)."""
        await self._require_complete(job, Product.SOURCE_DET)
        raw = await self._post(Endpoint.SOURCE_LIST, {JOB_ID_KEY: self._job_id(job)})
        return parse_reply(SourceList, raw, url=self._session.url_for(Endpoint.SOURCE_LIST))

    async def light_curve(
        self, job: JobRef, *, nosys: YesNoBoth = False, incbad: YesNoBoth = False
    ) -> LightCurveData:
        """The light-curve data. ``nosys``: WT data without the WT systematic error (True), with (False) or
        ``"both"``; ``incbad``: include bins with unverified centroid (True), not (False) or ``"both"``."""
        body = {
            JOB_ID_KEY: self._job_id(job),
            "nosys": yes_no_both("nosys", nosys),
            "incbad": yes_no_both("incbad", incbad),
        }
        await self._require_complete(job, Product.LIGHT_CURVE)
        raw = await self._post(Endpoint.LC_DATA, body)
        return parse_reply(LightCurveData, raw, url=self._session.url_for(Endpoint.LC_DATA))

    async def spectral_fits(self, job: JobRef) -> SpectralFits:
        """The spectral fits: per time interval, per XRT mode, per model, with the NOSPEC/NOFIT markers."""
        await self._require_complete(job, Product.SPECTRUM)
        raw = await self._post(Endpoint.SPEC_DATA, {JOB_ID_KEY: self._job_id(job)})
        return parse_reply(SpectralFits, raw, url=self._session.url_for(Endpoint.SPEC_DATA))

    # --- downloads ----------------------------------------------------------------------------------------

    async def download(
        self,
        job: Job,
        dest: str | Path,
        *,
        products: Iterable[Product | str] | None = None,
        format: str = "tar.gz",
        stem: str = "",
        overwrite: bool = False,
        missing: Literal["error", "skip"] = "error",
    ) -> Downloads:
        """Download product archives into ``dest`` as ``{stem}{what}.{format}``; their paths by product.

        ``products`` defaults to all of the job's products. Each must have finished (complete, or failed/
        cancelled: their archives hold the logs). With ``missing="error"`` (the default) one that has not
        raises ``ProductNotReadyError`` before anything is fetched; with ``missing="skip"`` the finished
        ones are fetched and the others left out, listed with their status in the result's ``skipped``.
        Each archive streams to a temporary file, is checked as it arrives (whole, readable, the length
        announced), then renamed; a try that fails (cut short, damaged, an HTML page, a connection failure,
        a transient status) is repeated with a fresh request under the client's ``RetryPolicy``, then
        ``DownloadFailedError``. An existing file raises ``DownloadError`` unless ``overwrite=True``; a disk
        that refuses raises ``DownloadWriteError``. Up to ``max_concurrent_downloads`` run at once.
        """
        fmt = check_format(format)
        if missing not in ("error", "skip"):
            raise ConfigurationError(f"missing must be 'error' or 'skip', got {missing!r}")
        _need_handle(job, "download")
        wanted = job.products if products is None else _products(products)
        foreign = [p for p in wanted if p not in job.products]
        if foreign:
            raise ProductNotReadyError(
                f"Job {job.job_id} has no {', '.join(p.label for p in foreign)}; "
                f"it asked for: {', '.join(p.label for p in job.products)}"
            )
        targets = {p: Path(dest) / archive_filename(stem, p.stem, fmt) for p in wanted}
        waiting = await self._unfinished(job, wanted)
        if waiting and missing == "error":
            raise ProductNotReadyError(
                f"Job {job.job_id}: not finished yet, so not downloadable: "
                + "; ".join(s.describe() for s in waiting.values())
                + " (wait for the job first: Job.wait())"
            )
        plan = {
            p: FileFetch(job.archive_url(p, fmt), target, f"the {p.label} archive", fmt)
            for p, target in targets.items()
            if p not in waiting
        }
        await self._refuse_existing(plan.values(), overwrite=overwrite)
        if plan:
            await make_folder(Path(dest))
        paths = await fetch_files(
            self._session, plan, overwrite=overwrite, limit=self.max_concurrent_downloads
        )
        return Downloads(paths, skipped=waiting)

    async def download_all(
        self, job: Job, dest: str | Path, *, format: str = "tar.gz", stem: str = "", overwrite: bool = False
    ) -> Path:
        """Download the single archive of every product (``{URL}/all.{format}``) once the job has finished.

        Streamed, checked, atomic and retried like ``download``.
        """
        fmt = check_format(format)
        _need_handle(job, "download_all")
        fetch = FileFetch(
            job.archive_url("all", fmt),
            Path(dest) / archive_filename(stem, "all", fmt),
            "the archive of every product",
            fmt,
        )
        await self._refuse_existing([fetch], overwrite=overwrite)
        waiting = await self._unfinished(job, job.products)
        if waiting:
            raise ProductNotReadyError(
                f"Job {job.job_id}: not finished yet, so not downloadable: "
                + "; ".join(s.describe() for s in waiting.values())
                + " (wait for the job first: Job.wait())"
            )
        await make_folder(Path(dest))
        return await fetch_file(self._session, fetch, overwrite=overwrite)

    async def download_spectral_files(
        self,
        job: JobRef,
        dest: str | Path,
        *,
        images: bool = True,
        data: bool = True,
        extract: bool = False,
        overwrite: bool = False,
    ) -> list[Path]:
        """Save the files the spectral fits name into ``dest``; return the files saved, then those unpacked.

        As swifttools' ``saveSpectralData`` does: each interval's data archive (``data``) and each fit's
        plot (``images``), under the names the service gives them (``interval0.tar.gz``,
        ``interval0pc_plot.gif``). The spectrum must be complete (the fits are asked for first). Each file
        is streamed, checked as it arrives, renamed into place and retried like ``download``; an existing
        file raises ``DownloadError`` before anything is fetched, unless ``overwrite=True``. ``extract=True``
        then unpacks each data archive into ``dest`` (``extract()``: safe and all or nothing; files already
        there under a member's name are replaced). No spectrum, no files: an empty list.
        """
        fits = await self.spectral_fits(job)
        folder = Path(dest)
        plan = spectral_file_plan(fits, folder, images=images, data=data)
        await self._refuse_existing(plan, overwrite=overwrite)
        if plan:
            await make_folder(folder)
        saved = await fetch_files(
            self._session, dict(enumerate(plan)), overwrite=overwrite, limit=self.max_concurrent_downloads
        )
        unpacked: list[Path] = []
        if extract:
            for index, fetch in enumerate(plan):
                if fetch.kind in ARCHIVE_FORMATS:
                    unpacked += await anyio.to_thread.run_sync(unpack_archive, saved[index], folder)
        return [*saved.values(), *unpacked]

    @staticmethod
    async def _refuse_existing(plan: Iterable[FileFetch], *, overwrite: bool) -> None:
        """Unless ``overwrite``, refuse (``DownloadError``) an existing target before anything is fetched."""
        for fetch in plan:
            if not overwrite and await target_exists(fetch.target):
                raise DownloadError(f"{fetch.target} already exists; pass overwrite=True to replace it")

    async def _unfinished(self, job: Job, products: tuple[Product, ...]) -> dict[Product, ProductStatus]:
        """The products not finished yet, with their status (asked for only when none finished was seen)."""
        unknown = [p for p in products if not ((seen := job.latest(p)) is not None and seen.finished)]
        if not unknown:
            return {}
        status = await self.status(job, unknown)
        return {s.product: s for s in status if not s.finished}

    # --- account ------------------------------------------------------------------------------------------

    async def count_active_jobs(self) -> int:
        """How many of the user's jobs are queued or running (the service's per-user count)."""
        raw = await self._post(Endpoint.NUM_JOBS, {})
        return parse_reply(NumJobsReply, raw, url=self._session.url_for(Endpoint.NUM_JOBS)).num_jobs

    async def list_old_jobs(self) -> list[OldJob]:
        """Every job of the user (including web-site jobs), newest first."""
        raw = await self._post(Endpoint.OLD_JOBS, {})
        reply = parse_reply(OldJobsReply, raw, url=self._session.url_for(Endpoint.OLD_JOBS))
        return [OldJob.from_entry(entry) for entry in reply.jobs]

    # --- rebinning a light curve (the UKSSDC main API, docs/protocol.md §15) ------------------------------

    async def _main_api(self, function: MainApiFunction, arguments: Mapping[str, Any]) -> dict[str, Any]:
        return await self._session.call_main_api(self._main_api_url, function, arguments)

    @staticmethod
    def _rebin_id(rebin: RebinRef) -> int:
        if isinstance(rebin, RebinJob):
            return rebin.rebin_id
        if isinstance(rebin, bool) or not isinstance(rebin, int):
            raise TypeError(f"rebin must be a RebinJob or an integer RebinID, got {rebin!r}")
        return rebin

    async def rebin_light_curve(self, job: JobRef, /, **binning: Any) -> RebinJob:
        """Rebin a job's complete light curve with new binning options; return the ``RebinJob`` handle.

        ``binning`` takes the light curve's options in any spelling (``bin_meth="time"``, ``pcBinTime=100``,
        ``wtbin=10``) under the light curve's own rules (``bin_meth`` is required; counts binning needs
        ``pc_counts``, ``wt_counts`` and ``dynamic``...); they are sent under their swifttools names. Every
        problem, an option that is not a binning option included, raises one ``InvalidRequestError`` before
        anything is sent; a light curve that is not complete raises ``ProductNotReadyError``. The service's
        refusal raises ``ServerRefusedError`` in your names. Not retried once sent (each call makes a rebin).
        """
        options = Binning(**binning)
        await self._require_complete(job, Product.LIGHT_CURVE)
        arguments: dict[str, Any] = {
            OBJECT_TYPE_KEY: LightCurveType.USER_OBJECT.value,
            OBJECT_ID_KEY: str(self._job_id(job)),  # the JobID as swifttools holds it: text
            **options.main_api_options(),
        }
        name = job.name if isinstance(job, Job) else None
        if name:
            arguments[OBJECT_NAME_KEY] = name
        try:
            raw = await self._main_api(MainApiFunction.REBIN, arguments)
        except ServerRefusedError as refused:
            raise translate_refusal(refused, options.describe_name) from None
        reply = parse_reply(RebinReply, raw, url=self._main_api_url)
        return RebinJob(self, rebin_id=reply.rebin_id, job=job, binning=options, submitted_at=self._clock())

    async def rebin_status(self, rebin: RebinRef) -> RebinStatus:
        """The status of a rebin: ``code`` (a ``StatusCode``), ``text``, and ``finished``, ``complete``..."""
        rebin_id = self._rebin_id(rebin)
        raw = await self._main_api(MainApiFunction.REBIN_STATUS, {REBIN_ID_KEY: rebin_id})
        reply = parse_reply(RebinStatusReply, raw, url=self._main_api_url)
        status = RebinStatus.from_reply(reply, rebin_id=rebin_id, checked_at=self._clock())
        if isinstance(rebin, RebinJob):
            rebin._record(status)
        return status

    async def wait_rebin(
        self,
        rebin: RebinRef,
        *,
        poll_interval: float | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the documented API; the rebin outlives the timeout
    ) -> RebinStatus:
        """Poll the rebin's status until it has finished (complete, failed or cancelled); return that status.

        Paced like ``wait`` (``poll_interval``, default the client's; at least 10 s off loopback).
        ``timeout`` (seconds, None = no limit) raises ``JobTimeoutError``; the rebin keeps running.
        """

        def timed_out(status: RebinStatus) -> JobTimeoutError:
            return JobTimeoutError(
                f"Rebin {status.rebin_id} did not finish within {timeout:g} s "
                f"({status.text or status.state}); it keeps running on the server: wait again, or cancel it"
            )

        return await self._poll_until(
            lambda: self.rebin_status(rebin),
            self._main_api_url,
            poll_interval=poll_interval,
            timeout=timeout,
            timed_out=timed_out,
        )

    async def cancel_rebin(self, rebin: RebinRef) -> bool:
        """Cancel a rebin: True if the service cancelled it, False if it refused (it had already finished,
        or knows no such rebin; ``rebin_status`` says which). Not retried once sent."""
        try:
            await self._main_api(MainApiFunction.CANCEL_REBIN, {REBIN_ID_KEY: self._rebin_id(rebin)})
        except ServerError:
            return False
        return True

    async def rebinned_light_curve(
        self, rebin: RebinRef, *, nosys: YesNoBoth = False, incbad: YesNoBoth = False
    ) -> LightCurveData:
        """The rebinned light curve, as ``light_curve`` gives a job's (``nosys``, ``incbad`` the same).

        The rebin must be complete: else ``ProductNotReadyError`` (wait for it first: ``RebinJob.wait()``).
        """
        rebin_id = self._rebin_id(rebin)
        body = {
            OBJECT_TYPE_KEY: LightCurveType.REBIN.value,
            OBJECT_ID_KEY: rebin_id,
            "incbad": yes_no_both("incbad", incbad),
            "nosys": yes_no_both("nosys", nosys),
        }
        seen = rebin.last_status if isinstance(rebin, RebinJob) else None
        status = seen if seen is not None and seen.complete else await self.rebin_status(rebin)
        if not status.complete:
            never = " and never will be" if status.failed else "; wait for it first (RebinJob.wait())"
            raise ProductNotReadyError(
                f"Rebin {rebin_id} is not complete "
                f"({status.text or status.state}, code {status.raw_code}){never}"
            )
        raw = await self._main_api(MainApiFunction.DOWNLOAD_LIGHT_CURVE, body)
        return parse_reply(LightCurveData, raw, url=self._main_api_url)


# Job's methods are XRTClient's (the job bound first), so Job is made from the finished XRTClient class; the
# client needs Job only when called. The package imports this module before _job, which keeps the order.
from ._job import Job  # noqa: E402

#: A job handle, or a bare JobID.
JobRef = Job | int

# RebinJob's methods are XRTClient's too (the rebin bound first): it is made from the finished class as well.
from ._rebin import Binning, RebinJob, RebinStatus  # noqa: E402

#: A rebin handle, or a bare RebinID.
RebinRef = RebinJob | int
