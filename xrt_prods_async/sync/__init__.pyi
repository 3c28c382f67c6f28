"""The blocking client: ``XRTClient``, its ``Job`` and ``RebinJob`` handles and ``Campaign``, for plain
scripts and notebooks.

Every method of the async ``xrt_prods_async.XRTClient`` is here with the same name, arguments and result,
and blocks until done. There is one implementation: each blocking client drives an async client on an
event loop in a thread of its own (an anyio blocking portal), so it also works where the calling thread
already runs a loop (Jupyter). The methods are made from the async classes, so the two cannot drift; their
types for checkers are in ``__init__.pyi``, written from the same classes by ``_stubgen``.

::

    from xrt_prods_async.sync import XRTClient

    with XRTClient("you@example.org") as client:
        job = client.submit(request)
        job.wait()
        position = job.standard_position()
"""

# Written by `python -m xrt_prods_async.sync._stubgen` from the async classes; do not edit by hand.

from collections import Counter
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import httpx

from xrt_prods_async import (
    CampaignItem,
    CampaignOptions,
    CampaignSummary,
    CancelResult,
    JobRequest,
    JobStatus,
    LightCurveData,
    OldJob,
    Politeness,
    Position,
    Product,
    ProductStatus,
    RebinStatus,
    RetryPolicy,
    SourceList,
    SpectralFits,
)
from xrt_prods_async.campaign import CampaignStore, CancelTally
from xrt_prods_async.campaign._clock import Clock
from xrt_prods_async.campaign._events import EventHandler
from xrt_prods_async.client import Binning, Downloads, ProgressCallback, YesNoBoth

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

    The blocking twin of ``xrt_prods_async.XRTClient``: the same methods and results, each blocking
    until done. It drives an async client on an event loop in a thread of its own, so it works in
    plain scripts and where a loop already runs (Jupyter). Use it as a context manager (``with
    XRTClient(...) as client:``) or call ``close()``.
    """
    def close(self) -> None: ...
    def __enter__(self) -> XRTClient: ...
    def __exit__(self, *exc_info: object) -> None: ...
    def __init__(
        self,
        user_id: str | None = ...,
        *,
        base_url: str | None = ...,
        poll_interval: float = ...,
        timeout: float | httpx.Timeout = ...,
        retry: RetryPolicy | None = ...,
        politeness: Politeness | None = ...,
        max_concurrent_downloads: int = ...,
        transport: httpx.AsyncBaseTransport | None = ...,
        clock: Callable[[], datetime] | None = ...,
        main_api_url: str | None = ...,
    ) -> None:
        """Make the async client on a new event-loop thread (the same arguments)."""
    @property
    def base_url(self) -> str:
        """The service root this client talks to (``.../user_objects``)."""
    @property
    def main_api_url(self) -> str:
        """The UKSSDC main API this client rebins light curves with (``.../API/main.php``)."""
    @property
    def user_id(self) -> str: ...
    @property
    def poll_interval(self) -> float: ...
    @property
    def max_concurrent_downloads(self) -> int: ...
    def astrometric_position(self, job: JobRef) -> Position:
        """The astrometrically corrected position; ``found=False`` if none was made (``NOCORR``).

        Blocking: runs ``xrt_prods_async.XRTClient.astrometric_position`` on the client's event-loop
        thread and returns its result.
        """
    def attach(self, job_id: int) -> Job:
        """A ``Job`` handle for an existing job of the user (``getOldProduct``): status, results, downloads.

        ``request`` is None if the stored parameters cannot be decoded (``job_pars`` keeps them raw).

        Blocking: runs ``xrt_prods_async.XRTClient.attach`` on the client's event-loop thread and
        returns its result.
        """
    def cancel(self, job: JobRef, products: Iterable[Product | str] | None = ...) -> CancelResult:
        """Cancel some or all products of a job; the result says all / partial / none, and why per product.

        Not retried once sent (cancel is not idempotent on the wire); check ``status`` if it fails.

        Blocking: runs ``xrt_prods_async.XRTClient.cancel`` on the client's event-loop thread and
        returns its result.
        """
    def cancel_rebin(self, rebin: RebinRef) -> bool:
        """Cancel a rebin: True if the service cancelled it, False if it refused (it had already finished,
        or knows no such rebin; ``rebin_status`` says which). Not retried once sent.

        Blocking: runs ``xrt_prods_async.XRTClient.cancel_rebin`` on the client's event-loop thread and
        returns its result.
        """
    def count_active_jobs(self) -> int:
        """How many of the user's jobs are queued or running (the service's per-user count).

        Blocking: runs ``xrt_prods_async.XRTClient.count_active_jobs`` on the client's event-loop thread
        and returns its result.
        """
    def download(
        self,
        job: Job,
        dest: str | Path,
        *,
        products: Iterable[Product | str] | None = ...,
        format: str = ...,
        stem: str = ...,
        overwrite: bool = ...,
        missing: Literal["error", "skip"] = ...,
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

        Blocking: runs ``xrt_prods_async.XRTClient.download`` on the client's event-loop thread and
        returns its result.
        """
    def download_all(
        self, job: Job, dest: str | Path, *, format: str = ..., stem: str = ..., overwrite: bool = ...
    ) -> Path:
        """Download the single archive of every product (``{URL}/all.{format}``) once the job has finished.

        Streamed, checked, atomic and retried like ``download``.

        Blocking: runs ``xrt_prods_async.XRTClient.download_all`` on the client's event-loop thread and
        returns its result.
        """
    def download_spectral_files(
        self,
        job: JobRef,
        dest: str | Path,
        *,
        images: bool = ...,
        data: bool = ...,
        extract: bool = ...,
        overwrite: bool = ...,
    ) -> list[Path]:
        """Save the files the spectral fits name into ``dest``; return the files saved, then those unpacked.

        As swifttools' ``saveSpectralData`` does: each interval's data archive (``data``) and each fit's
        plot (``images``), under the names the service gives them (``interval0.tar.gz``,
        ``interval0pc_plot.gif``). The spectrum must be complete (the fits are asked for first). Each file
        is streamed, checked as it arrives, renamed into place and retried like ``download``; an existing
        file raises ``DownloadError`` before anything is fetched, unless ``overwrite=True``. ``extract=True``
        then unpacks each data archive into ``dest`` (``extract()``: safe and all or nothing; files already
        there under a member's name are replaced). No spectrum, no files: an empty list.

        Blocking: runs ``xrt_prods_async.XRTClient.download_spectral_files`` on the client's event-loop
        thread and returns its result.
        """
    def enhanced_position(self, job: JobRef) -> Position:
        """The enhanced (UVOT-astrometry corrected) position; ``found=False`` if none was made.

        Blocking: runs ``xrt_prods_async.XRTClient.enhanced_position`` on the client's event-loop thread
        and returns its result.
        """
    def light_curve(self, job: JobRef, *, nosys: YesNoBoth = ..., incbad: YesNoBoth = ...) -> LightCurveData:
        """The light-curve data. ``nosys``: WT data without the WT systematic error (True), with (False) or
        ``"both"``; ``incbad``: include bins with unverified centroid (True), not (False) or ``"both"``.

        Blocking: runs ``xrt_prods_async.XRTClient.light_curve`` on the client's event-loop thread and
        returns its result.
        """
    def list_old_jobs(self) -> list[OldJob]:
        """Every job of the user (including web-site jobs), newest first.

        Blocking: runs ``xrt_prods_async.XRTClient.list_old_jobs`` on the client's event-loop thread and
        returns its result.
        """
    def old_job(self, job_id: int) -> JobRequest:
        """The parameters of one of the user's earlier jobs, as a request that re-runs it (``submit``).

        Parameters meaning "all data" may pick up newer observations, so a re-run is not guaranteed to be
        identical. Raises ``InvalidRequestError`` if the stored parameters do not make a valid request.

        Blocking: runs ``xrt_prods_async.XRTClient.old_job`` on the client's event-loop thread and
        returns its result.
        """
    def rebin_light_curve(self, job: JobRef, /, **binning: Any) -> RebinJob:
        """Rebin a job's complete light curve with new binning options; return the ``RebinJob`` handle.

        ``binning`` takes the light curve's options in any spelling (``bin_meth="time"``, ``pcBinTime=100``,
        ``wtbin=10``) under the light curve's own rules (``bin_meth`` is required; counts binning needs
        ``pc_counts``, ``wt_counts`` and ``dynamic``...); they are sent under their swifttools names. Every
        problem, an option that is not a binning option included, raises one ``InvalidRequestError`` before
        anything is sent; a light curve that is not complete raises ``ProductNotReadyError``. The service's
        refusal raises ``ServerRefusedError`` in your names. Not retried once sent (each call makes a rebin).

        Blocking: runs ``xrt_prods_async.XRTClient.rebin_light_curve`` on the client's event-loop thread
        and returns its result.
        """
    def rebin_status(self, rebin: RebinRef) -> RebinStatus:
        """The status of a rebin: ``code`` (a ``StatusCode``), ``text``, and ``finished``, ``complete``...

        Blocking: runs ``xrt_prods_async.XRTClient.rebin_status`` on the client's event-loop thread and
        returns its result.
        """
    def rebinned_light_curve(
        self, rebin: RebinRef, *, nosys: YesNoBoth = ..., incbad: YesNoBoth = ...
    ) -> LightCurveData:
        """The rebinned light curve, as ``light_curve`` gives a job's (``nosys``, ``incbad`` the same).

        The rebin must be complete: else ``ProductNotReadyError`` (wait for it first: ``RebinJob.wait()``).

        Blocking: runs ``xrt_prods_async.XRTClient.rebinned_light_curve`` on the client's event-loop
        thread and returns its result.
        """
    def source_list(self, job: JobRef) -> SourceList:
        """The detected sources per band (``Total``; ``Soft``/``Medium``/``Hard`` if all were searched).

        Blocking: runs ``xrt_prods_async.XRTClient.source_list`` on the client's event-loop thread and
        returns its result.
        """
    def spectral_fits(self, job: JobRef) -> SpectralFits:
        """The spectral fits: per time interval, per XRT mode, per model, with the NOSPEC/NOFIT markers.

        Blocking: runs ``xrt_prods_async.XRTClient.spectral_fits`` on the client's event-loop thread and
        returns its result.
        """
    def standard_position(self, job: JobRef) -> Position:
        """The standard (PSF-fitted or SXPS) position; ``found=False`` with the reason if none was made.

        Blocking: runs ``xrt_prods_async.XRTClient.standard_position`` on the client's event-loop thread
        and returns its result.
        """
    def status(self, job: JobRef, products: Iterable[Product | str] | None = ...) -> JobStatus:
        """The status of some or all products of a job, in ONE request (``what`` and ``whatProg``).

        ``products`` defaults to the job's products (every product for a bare JobID; those not in the job
        come back with ``code`` None). A product the reply lacks gets ``StatusCode.NOT_RETURNED``.

        Blocking: runs ``xrt_prods_async.XRTClient.status`` on the client's event-loop thread and
        returns its result.
        """
    def submit(self, request: JobRequest | Mapping[str, Any]) -> Job:
        """Submit a job; return its ``Job`` handle (id, products URL, decoded parameters, products).

        The request model is validated when built, so nothing is sent for an invalid request. Never
        retried blindly: if the request may have reached the service and the reply was lost (timeout
        after sending, dropped connection, 5xx or HTML page, truncated or incomplete reply),
        ``SubmitUncertainError`` carries the job name, the request fingerprint and the UTC window to look
        for with ``list_old_jobs()`` before resubmitting. Failures certainly before sending (connection
        refused) are retried per the retry policy. A refusal raises ``ServerRefusedError`` whose
        ``listErr`` items use the request's parameter names.

        Blocking: runs ``xrt_prods_async.XRTClient.submit`` on the client's event-loop thread and
        returns its result.
        """
    def wait(
        self,
        job: JobRef,
        *,
        poll_interval: float | None = ...,
        timeout: float | None = ...,
        on_progress: ProgressCallback | None = ...,
        progress: bool | None = ...,
    ) -> JobStatus:
        """Poll the job's status until every product has finished; return the final ``JobStatus``.

        Finished means complete (4), failed (negative) or not part of the job; 5 (astrometric position
        waiting) is not finished. ``on_progress`` (a function or coroutine function) gets every status.
        ``timeout`` (seconds, None = no limit) raises ``JobTimeoutError``; the job keeps running.

        ``progress=True`` shows each product's state and current step while waiting, redrawn in place on a
        terminal or in a notebook (with ipywidgets), a line per change elsewhere; ``None`` (the default)
        shows it only in IPython or Jupyter, never in a plain script; ``False`` never. It adds no request.

        Blocking: runs ``xrt_prods_async.XRTClient.wait`` on the client's event-loop thread and returns
        its result.
        """
    def wait_rebin(
        self, rebin: RebinRef, *, poll_interval: float | None = ..., timeout: float | None = ...
    ) -> RebinStatus:
        """Poll the rebin's status until it has finished (complete, failed or cancelled); return that status.

        Paced like ``wait`` (``poll_interval``, default the client's; at least 10 s off loopback).
        ``timeout`` (seconds, None = no limit) raises ``JobTimeoutError``; the rebin keeps running.

        Blocking: runs ``xrt_prods_async.XRTClient.wait_rebin`` on the client's event-loop thread and
        returns its result.
        """

class Job:
    """A job on the service: its id, products URL, parameters and products, bound to the client that made it.

    ``request`` is the job's parameters as the service echoed them (``jobPars``) decoded back into a
    ``JobRequest``, so the job can be re-run exactly; it is None only when the service's parameters cannot
    be decoded (then ``job_pars`` still holds them raw). ``submitted_at`` is the client's UTC clock when the
    service accepted the job (None for attached jobs). ``last_status`` is the newest status seen.

    Every ``XRTClient`` method that takes a job is a method of the job too, without that argument:
    ``await job.wait()`` is ``await client.wait(job)``.

    The blocking twin of ``xrt_prods_async.Job``: its methods block, like the blocking client's.
    """

    client: XRTClient
    @property
    def name(self) -> str | None:
        """The job's object name (``name`` parameter), if known."""
    @property
    def request(self) -> JobRequest | None:
        """The job's parameters as a ``JobRequest`` (see the class docstring); None if they cannot be read."""
    @property
    def job_id(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def products(self) -> tuple[Product, ...]: ...
    @property
    def job_pars(self) -> dict[str, Any]: ...
    @property
    def submitted_at(self) -> datetime | None: ...
    @property
    def last_status(self) -> JobStatus | None: ...
    def archive_url(self, product: Product | str, format: str = ...) -> str:
        """The URL of a product's archive, ``{URL}/{what}.{format}`` (``"all"`` for every product).

        Blocking: runs ``xrt_prods_async.Job.archive_url`` on the client's event-loop thread and returns
        its result.
        """
    def astrometric_position(self) -> Position:
        """The astrometrically corrected position; ``found=False`` if none was made (``NOCORR``).

        Blocking: runs ``xrt_prods_async.XRTClient.astrometric_position`` on the client's event-loop
        thread and returns its result.
        """
    def cancel(self, products: Iterable[Product | str] | None = ...) -> CancelResult:
        """Cancel some or all products of a job; the result says all / partial / none, and why per product.

        Not retried once sent (cancel is not idempotent on the wire); check ``status`` if it fails.

        Blocking: runs ``xrt_prods_async.XRTClient.cancel`` on the client's event-loop thread and
        returns its result.
        """
    def download(
        self,
        dest: str | Path,
        *,
        products: Iterable[Product | str] | None = ...,
        format: str = ...,
        stem: str = ...,
        overwrite: bool = ...,
        missing: Literal["error", "skip"] = ...,
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

        Blocking: runs ``xrt_prods_async.XRTClient.download`` on the client's event-loop thread and
        returns its result.
        """
    def download_all(
        self, dest: str | Path, *, format: str = ..., stem: str = ..., overwrite: bool = ...
    ) -> Path:
        """Download the single archive of every product (``{URL}/all.{format}``) once the job has finished.

        Streamed, checked, atomic and retried like ``download``.

        Blocking: runs ``xrt_prods_async.XRTClient.download_all`` on the client's event-loop thread and
        returns its result.
        """
    def download_spectral_files(
        self,
        dest: str | Path,
        *,
        images: bool = ...,
        data: bool = ...,
        extract: bool = ...,
        overwrite: bool = ...,
    ) -> list[Path]:
        """Save the files the spectral fits name into ``dest``; return the files saved, then those unpacked.

        As swifttools' ``saveSpectralData`` does: each interval's data archive (``data``) and each fit's
        plot (``images``), under the names the service gives them (``interval0.tar.gz``,
        ``interval0pc_plot.gif``). The spectrum must be complete (the fits are asked for first). Each file
        is streamed, checked as it arrives, renamed into place and retried like ``download``; an existing
        file raises ``DownloadError`` before anything is fetched, unless ``overwrite=True``. ``extract=True``
        then unpacks each data archive into ``dest`` (``extract()``: safe and all or nothing; files already
        there under a member's name are replaced). No spectrum, no files: an empty list.

        Blocking: runs ``xrt_prods_async.XRTClient.download_spectral_files`` on the client's event-loop
        thread and returns its result.
        """
    def enhanced_position(self) -> Position:
        """The enhanced (UVOT-astrometry corrected) position; ``found=False`` if none was made.

        Blocking: runs ``xrt_prods_async.XRTClient.enhanced_position`` on the client's event-loop thread
        and returns its result.
        """
    def latest(self, product: Product) -> ProductStatus | None:
        """The newest status seen for one product, from any status call on this handle.

        Blocking: runs ``xrt_prods_async.Job.latest`` on the client's event-loop thread and returns its
        result.
        """
    def light_curve(self, *, nosys: YesNoBoth = ..., incbad: YesNoBoth = ...) -> LightCurveData:
        """The light-curve data. ``nosys``: WT data without the WT systematic error (True), with (False) or
        ``"both"``; ``incbad``: include bins with unverified centroid (True), not (False) or ``"both"``.

        Blocking: runs ``xrt_prods_async.XRTClient.light_curve`` on the client's event-loop thread and
        returns its result.
        """
    def rebin_light_curve(self, **binning: Any) -> RebinJob:
        """Rebin a job's complete light curve with new binning options; return the ``RebinJob`` handle.

        ``binning`` takes the light curve's options in any spelling (``bin_meth="time"``, ``pcBinTime=100``,
        ``wtbin=10``) under the light curve's own rules (``bin_meth`` is required; counts binning needs
        ``pc_counts``, ``wt_counts`` and ``dynamic``...); they are sent under their swifttools names. Every
        problem, an option that is not a binning option included, raises one ``InvalidRequestError`` before
        anything is sent; a light curve that is not complete raises ``ProductNotReadyError``. The service's
        refusal raises ``ServerRefusedError`` in your names. Not retried once sent (each call makes a rebin).

        Blocking: runs ``xrt_prods_async.XRTClient.rebin_light_curve`` on the client's event-loop thread
        and returns its result.
        """
    def source_list(self) -> SourceList:
        """The detected sources per band (``Total``; ``Soft``/``Medium``/``Hard`` if all were searched).

        Blocking: runs ``xrt_prods_async.XRTClient.source_list`` on the client's event-loop thread and
        returns its result.
        """
    def spectral_fits(self) -> SpectralFits:
        """The spectral fits: per time interval, per XRT mode, per model, with the NOSPEC/NOFIT markers.

        Blocking: runs ``xrt_prods_async.XRTClient.spectral_fits`` on the client's event-loop thread and
        returns its result.
        """
    def standard_position(self) -> Position:
        """The standard (PSF-fitted or SXPS) position; ``found=False`` with the reason if none was made.

        Blocking: runs ``xrt_prods_async.XRTClient.standard_position`` on the client's event-loop thread
        and returns its result.
        """
    def status(self, products: Iterable[Product | str] | None = ...) -> JobStatus:
        """The status of some or all products of a job, in ONE request (``what`` and ``whatProg``).

        ``products`` defaults to the job's products (every product for a bare JobID; those not in the job
        come back with ``code`` None). A product the reply lacks gets ``StatusCode.NOT_RETURNED``.

        Blocking: runs ``xrt_prods_async.XRTClient.status`` on the client's event-loop thread and
        returns its result.
        """
    def wait(
        self,
        *,
        poll_interval: float | None = ...,
        timeout: float | None = ...,
        on_progress: ProgressCallback | None = ...,
        progress: bool | None = ...,
    ) -> JobStatus:
        """Poll the job's status until every product has finished; return the final ``JobStatus``.

        Finished means complete (4), failed (negative) or not part of the job; 5 (astrometric position
        waiting) is not finished. ``on_progress`` (a function or coroutine function) gets every status.
        ``timeout`` (seconds, None = no limit) raises ``JobTimeoutError``; the job keeps running.

        ``progress=True`` shows each product's state and current step while waiting, redrawn in place on a
        terminal or in a notebook (with ipywidgets), a line per change elsewhere; ``None`` (the default)
        shows it only in IPython or Jupyter, never in a plain script; ``False`` never. It adds no request.

        Blocking: runs ``xrt_prods_async.XRTClient.wait`` on the client's event-loop thread and returns
        its result.
        """

class RebinJob:
    """A rebin of one job's light curve: its RebinID, the job, the binning asked for, and the client.

    Every ``XRTClient`` method that takes a rebin is a method of the handle too, without that argument and
    without ``rebin`` in its name: ``await rebin.wait()`` is ``await client.wait_rebin(rebin)``,
    ``rebin.light_curve()`` is ``client.rebinned_light_curve(rebin)``. ``last_status`` is the newest status
    seen; ``submitted_at`` the client's UTC clock when the service accepted the rebin.

    The blocking twin of ``xrt_prods_async.RebinJob``: its methods block, like the blocking
    client's.
    """

    client: XRTClient
    @property
    def job_id(self) -> int:
        """The JobID of the job whose light curve this rebins."""
    @property
    def rebin_id(self) -> int: ...
    @property
    def job(self) -> Job | int: ...
    @property
    def binning(self) -> Binning: ...
    @property
    def submitted_at(self) -> datetime | None: ...
    @property
    def last_status(self) -> RebinStatus | None: ...
    def cancel(self) -> bool:
        """Cancel a rebin: True if the service cancelled it, False if it refused (it had already finished,
        or knows no such rebin; ``rebin_status`` says which). Not retried once sent.

        Blocking: runs ``xrt_prods_async.XRTClient.cancel_rebin`` on the client's event-loop thread and
        returns its result.
        """
    def light_curve(self, *, nosys: YesNoBoth = ..., incbad: YesNoBoth = ...) -> LightCurveData:
        """The rebinned light curve, as ``light_curve`` gives a job's (``nosys``, ``incbad`` the same).

        The rebin must be complete: else ``ProductNotReadyError`` (wait for it first: ``RebinJob.wait()``).

        Blocking: runs ``xrt_prods_async.XRTClient.rebinned_light_curve`` on the client's event-loop
        thread and returns its result.
        """
    def status(self) -> RebinStatus:
        """The status of a rebin: ``code`` (a ``StatusCode``), ``text``, and ``finished``, ``complete``...

        Blocking: runs ``xrt_prods_async.XRTClient.rebin_status`` on the client's event-loop thread and
        returns its result.
        """
    def wait(self, *, poll_interval: float | None = ..., timeout: float | None = ...) -> RebinStatus:
        """Poll the rebin's status until it has finished (complete, failed or cancelled); return that status.

        Paced like ``wait`` (``poll_interval``, default the client's; at least 10 s off loopback).
        ``timeout`` (seconds, None = no limit) raises ``JobTimeoutError``; the rebin keeps running.

        Blocking: runs ``xrt_prods_async.XRTClient.wait_rebin`` on the client's event-loop thread and
        returns its result.
        """

class Campaign:
    """A throttled, resumable campaign of XRT jobs recorded in one ledger file.

    ``client`` is an open :class:`~xrt_prods_async.client.XRTClient`; ``ledger`` the SQLite file (created if
    missing; an existing one is resumed); ``output`` the directory for archives and data.

    The blocking twin of ``xrt_prods_async.Campaign``: ``add``, ``run`` and ``cancel`` block; the
    campaign runs on the blocking client's event-loop thread (event handlers are called there).
    Interrupting ``run`` (Ctrl-C) cancels it and leaves the ledger consistent, as cancelling the
    async ``run`` does.
    """

    client: XRTClient
    def __init__(
        self,
        client: XRTClient,
        ledger: str | Path | CampaignStore,
        output: str | Path,
        options: CampaignOptions | None = ...,
        *,
        on_event: EventHandler | Iterable[EventHandler] | None = ...,
        clock: Clock | None = ...,
    ) -> None:
        """Make the campaign on the client's event-loop thread (the async arguments)."""
    @property
    def output(self) -> Path: ...
    @property
    def options(self) -> CampaignOptions: ...
    @property
    def requests(self) -> Counter[str]: ...
    def add(
        self, items: Iterable[CampaignItem | tuple[str, JobRequest]] | AsyncIterable[CampaignItem]
    ) -> int:
        """Record requests in the ledger as pending; returns how many were new (re-adding is harmless).

        ``items`` is read as it comes (a generator of a million sources never sits in memory) and recorded
        in batches: if a write fails (:class:`~xrt_prods_async._errors.LedgerError`), the batches before it
        are kept and adding the same requests again records the rest.

        Blocking: runs ``xrt_prods_async.Campaign.add`` on the client's event-loop thread and returns
        its result.
        """
    def cancel(self) -> CancelTally:
        """Cancel every server job of the campaign and every pending request; returns what was done
        (``int()`` of it: how many jobs the service cancelled). Each ``cancelled`` event says what the
        service answered for its job, and its ``state`` what became of the entry.

        Only what the service cancelled is recorded as cancelled. A job that had already finished is left
        as it was, to be collected (a resume collects it); so is one the service cancelled nothing of for
        another reason. Uncertain submissions are looked up first (immediately), so a job whose reply was
        lost is cancelled too rather than left running; one that still cannot be looked up is left for a
        resume, since a job of it may exist.

        Blocking: runs ``xrt_prods_async.Campaign.cancel`` on the client's event-loop thread and returns
        its result.
        """
    def run(self, *, progress: bool | None = ...) -> CampaignSummary:
        """Run (or resume) the campaign until every entry is done, incomplete, failed or cancelled.

        ``progress=True`` shows it while it runs (:func:`~xrt_prods_async.campaign.show_progress`: live on a
        terminal or in a notebook, a sentence per event elsewhere); ``None`` (the default) shows it only in
        IPython or Jupyter, never in a plain script; ``False`` never. Showing adds no request.

        Entries left incomplete by an earlier run are collected again: exactly what is missing is fetched.
        Raises :class:`~xrt_prods_async._errors.LocalIOError` (:class:`~xrt_prods_async._errors.LedgerError`
        for the ledger) when the output folder or the ledger cannot be written, before anything is submitted
        if it is so from the start, and :class:`~xrt_prods_async._errors.ServiceOutageError` when the
        service fails for longer than ``outage_budget``. Cancelling the task (Ctrl-C in the CLI) stops it
        between steps. In every case the ledger is consistent and :meth:`run` on the same ledger resumes.

        Blocking: runs ``xrt_prods_async.Campaign.run`` on the client's event-loop thread and returns
        its result.
        """
    def subscribe(self, handler: EventHandler) -> None:
        """Call ``handler`` (sync or async) with every :class:`CampaignEvent` from now on.

        Blocking: runs ``xrt_prods_async.Campaign.subscribe`` on the client's event-loop thread and
        returns its result.
        """
    def summary(self) -> CampaignSummary:
        """Per-source outcomes, entry counts by state and this run's request counts.

        Blocking: runs ``xrt_prods_async.Campaign.summary`` on the client's event-loop thread and
        returns its result.
        """

#: A blocking job handle, or a bare JobID.
JobRef = Job | int
#: A blocking rebin handle, or a bare RebinID.
RebinRef = RebinJob | int

__all__ = ["Campaign", "Job", "JobRef", "RebinJob", "RebinRef", "XRTClient"]
