"""One HTTP session with the service: JSON POSTs to endpoints and streamed GETs, with the transport policy.

The session owns one ``httpx.AsyncClient``. It turns every way a call can fail into the package's error tree,
retries transient failures of idempotent calls (stamina: exponential backoff, jitter, bounded attempts and
time), never repeats a non-idempotent call whose request may have reached the server, and shows the service's
deprecation and newer-version notices once per session.
"""

from __future__ import annotations

import contextlib
import json
import time
import warnings
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import stamina

from xrt_prods_async._errors import (
    ConfigurationError,
    ProtocolError,
    RedirectRefusedError,
    RequestTimeoutError,
    ServiceUnavailableError,
    TransportError,
)
from xrt_prods_async._version import __version__
from xrt_prods_async.wire._endpoints import (
    API_NAME,
    API_VERSION,
    DEFAULT_BASE_URL,
    MAIN_API_VERSION,
    Endpoint,
    MainApiFunction,
)
from xrt_prods_async.wire._envelope import (
    API_NAME_KEY,
    API_VERSION_KEY,
    REPLY_VERSION_KEY,
    decode_reply_object,
    deprecation_notice,
    error_from_reply,
    html_title,
    is_error_reply,
    is_html,
    parse_reply_text,
    version_is_newer,
)
from xrt_prods_async.wire._mainapi import MAIN_VERSION_KEY, check_main_api_reply, main_api_request

from ._policy import Politeness, RetryPolicy, unsafe_url_reason
from ._warnings import NewerServiceVersionWarning, ServiceDeprecationWarning

__all__ = ["DEFAULT_TIMEOUT", "Session", "UncertainHandler"]


#: Per-request timeout (seconds): connect, read, write and pool each.
DEFAULT_TIMEOUT = 60.0

#: Builds the exception to raise when a non-idempotent call may have reached the server and then failed.
UncertainHandler = Callable[[TransportError], BaseException]

#: Statuses worth another try: overload and gateway trouble, timeouts, rate limiting.
_TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})

#: How much of an error reply to a streamed GET is read, for the message (its HTML title).
_ERROR_BODY = 64 * 1024

#: httpx failures that happen before any byte of the request can have been sent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one failed try: the error to raise, whether the request may have reached the server,
    and whether trying again could help."""

    error: TransportError
    sent: bool
    transient: bool


class _AttemptFailedError(Exception):
    """Carries an ``Attempt`` through stamina's retry loop; never escapes the session."""

    def __init__(self, attempt: Attempt) -> None:
        self.attempt = attempt
        super().__init__(str(attempt.error))


def _from_httpx(exc: httpx.HTTPError, url: str, *, base_url: str | None = None) -> Attempt:
    """The failure of a call that got no answer; ``base_url`` is given for API calls, where a connection
    never made may mean a wrong base URL (a download's URL came from the service)."""
    sent = not isinstance(exc, _NOT_SENT)
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.UnsupportedProtocol):
        return Attempt(ServiceUnavailableError(f"Cannot reach {url}: {detail}", url=url), False, False)
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connecting to",
            httpx.PoolTimeout: "waiting for a free connection to",
            httpx.WriteTimeout: "sending the request to",
        }.get(type(exc), "waiting for the reply from")
        message = f"Timed out {phase} {url}; the service may be busy or down, try again later"
        return Attempt(RequestTimeoutError(message, url=url), sent, True)
    if isinstance(exc, httpx.TransportError):
        what = "Could not connect to" if not sent else "The connection failed while talking to"
        message = f"{what} {url}: {detail}"
        if not sent and base_url is not None:
            message += "; check that base_url is right and the service is running there, or try again later"
        return Attempt(ServiceUnavailableError(message, url=url), sent, True)
    return Attempt(ServiceUnavailableError(f"HTTP failure talking to {url}: {detail}", url=url), sent, False)


def _bad_status(response: httpx.Response, url: str, body: str, *, base_url: str | None = None) -> Attempt:
    """The failure of a non-200 answer; ``base_url`` is given for API calls, whose 404 says the base URL is
    wrong (archive downloads, which may simply be gone, are not)."""
    code = response.status_code
    title = html_title(body) if is_html(body) else None
    reason = response.reason_phrase or "error"
    message = f"The service answered HTTP {code} ({reason}) for {url}"
    if title:
        message += f": {title!r}"
    transient = code in _TRANSIENT_STATUS
    message += "; it may be down or overloaded, try again later" if transient else ""
    if code == 404 and base_url is not None:
        message += _not_found_advice(base_url)
    return Attempt(ServiceUnavailableError(message, url=url, status_code=code), True, transient)


#: The last part of the service's root, under which every API endpoint lives.
_ROOT = "/user_objects"


def _not_found_advice(base_url: str) -> str:
    """What to do when an API endpoint is not found under ``base_url``: usually a base URL missing its
    ``/user_objects`` (``http://127.0.0.1:8000`` for an emulator), or one with too much after it."""
    message = "; there is no API endpoint at that URL"
    if base_url.endswith(_ROOT):
        if base_url == DEFAULT_BASE_URL:
            return (
                f"{message}: the service may have moved or changed its API; look for a newer xrt_prods_async"
            )
        return f"{message}: check that base_url is the service's root (the real one is {DEFAULT_BASE_URL})"
    head, inside, _ = base_url.partition(_ROOT + "/")
    fixed = head + _ROOT if inside else base_url + _ROOT
    return f"{message}: base_url must be the service's root, ending in {_ROOT}; try base_url='{fixed}'"


class Session:
    """An HTTP session with the xrt_prods service at ``base_url`` (the ``.../user_objects`` root).

    Use as an async context manager, or call ``aclose()``. ``transport`` replaces the network (tests,
    ``httpx.ASGITransport``). ``base_url`` must be https unless it is loopback (``Politeness``), and so must
    every URL the session fetches (archive URLs from replies, redirect targets): ``UnsafeURLError``.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        politeness: Politeness | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.politeness = politeness if politeness is not None else Politeness()
        self.politeness.check_base_url(base_url)
        self.base_url = base_url.rstrip("/")
        self.retry = retry if retry is not None else RetryPolicy()
        if isinstance(timeout, (int, float)) and (isinstance(timeout, bool) or timeout <= 0):
            raise ConfigurationError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self._client = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            follow_redirects=True,  # each hop is vetted by _vet_redirect; API calls' redirects never followed
            event_hooks={"request": [self._guard_request], "response": [self._vet_redirect]},
            headers={
                "User-Agent": f"xrt_prods_async/{__version__} (+https://pypi.org/project/xrt_prods_async)"
            },
        )
        self._deprecations_seen: set[str] = set()
        self._version_warned = False
        self._main_version_warned = False

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    @property
    def closed(self) -> bool:
        """True once ``aclose()`` ran."""
        return self._client.is_closed

    def url_for(self, endpoint: Endpoint) -> str:
        """The absolute URL of an endpoint under this session's base URL."""
        return f"{self.base_url}/{endpoint.value}"

    # --- URL guard: every request and every redirect, whatever URL it came from -------------------------

    async def _guard_request(self, request: httpx.Request) -> None:
        """httpx request hook: refuse to send anything to a URL the politeness guard refuses."""
        self.politeness.check_url(request.url)

    async def _vet_redirect(self, response: httpx.Response) -> None:
        """httpx response hook: refuse any redirect but a GET staying on its host and passing the guard.

        API calls are POSTs carrying the user id; the service answers them 200 with JSON at their documented
        address, so a redirect there means a wrong or moved ``base_url`` (or someone in the way), and
        following it would send the user id and the job where the user never pointed the client (and a
        301/302/303 would silently turn the POST into a bodyless GET). It becomes an error naming the new
        address instead. Archive GETs carry no user id; they follow redirects, as the reference client does,
        but only on the same host and never to plain http off loopback (the request hook checks each hop).
        """
        if not response.has_redirect_location:
            return
        request = response.request
        target = response.headers["Location"]
        refusal = _redirect_refusal(request, target)
        if refusal is None:
            return
        location, reason = refusal
        code = response.status_code
        moved = request.method != "GET"
        advice = "; if the service has moved, set base_url to its new address" if moved else ""
        raise RedirectRefusedError(
            f"The service answered {request.method} {request.url} with HTTP {code}, a redirect to "
            f"{location}, which was not followed: {reason}{advice}",
            url=str(request.url),
            location=location,
            status_code=code,
            reason=reason,
        )

    # --- retries ------------------------------------------------------------------------------------------

    def _retrying(
        self, *, idempotent: bool, also_on: tuple[type[Exception], ...] = (), spent: float = 0.0
    ) -> Any:
        """stamina's retry loop under the policy; ``spent``: seconds of its time bound already used."""
        policy = self.retry
        timeout = None if policy.timeout is None else max(policy.timeout - spent, 1e-9)

        def should_retry(exc: Exception) -> bool:
            if not isinstance(exc, _AttemptFailedError):
                return isinstance(exc, also_on)
            attempt = exc.attempt
            return attempt.transient and (idempotent or not attempt.sent)

        return stamina.retry_context(
            on=should_retry,
            attempts=policy.attempts,
            timeout=timeout,
            wait_initial=policy.wait_initial,
            wait_max=policy.wait_max,
            wait_jitter=policy.wait_jitter,
            wait_exp_base=policy.wait_exp_base,
        )

    # --- JSON calls ---------------------------------------------------------------------------------------

    async def post(
        self,
        endpoint: Endpoint,
        body: Mapping[str, Any],
        *,
        on_uncertain: UncertainHandler | None = None,
    ) -> dict[str, Any]:
        """POST ``body`` (plus ``api_name``/``api_version``) as JSON to ``endpoint``; return the reply object.

        The reply has ``OK`` != 0; an ``OK`` = 0 reply raises the matching ``ServerError``. Transport failures
        raise ``TransportError`` subclasses after the retries the endpoint allows. For a non-idempotent
        endpoint, a failure after the request may have reached the server raises ``on_uncertain(error)``
        when given (chained from the error), else the error itself.
        """
        url = self.url_for(endpoint)
        payload = dict(body)
        payload.setdefault(API_NAME_KEY, API_NAME)
        payload.setdefault(API_VERSION_KEY, API_VERSION)
        reply = await self._post_json(
            url, payload, idempotent=endpoint.idempotent, parse=parse_reply_text, on_uncertain=on_uncertain
        )
        self._notices(reply, url)
        if is_error_reply(reply):
            raise error_from_reply(reply, endpoint=endpoint.value)
        return reply

    async def call_main_api(
        self, url: str, function: MainApiFunction, arguments: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Call one function of the UKSSDC main API at ``url`` (docs/protocol.md §15); return the reply.

        The same transport policy as ``post``: the URL guard, retries of idempotent functions only
        (``MainApiFunction.idempotent``), HTML pages and non-200 statuses as ``ServiceUnavailableError``.
        Its own envelope: ``APIFunc``/``APIVersion`` in the body; a reply holding ``ERROR`` (or lacking
        ``OK``) raises a ``ServerError``; a newer ``APIVersion`` than ours is warned about once.
        """
        payload = main_api_request(function, arguments)
        reply = await self._post_json(url, payload, idempotent=function.idempotent, parse=decode_reply_object)
        version = reply.get(MAIN_VERSION_KEY)
        if not self._main_version_warned and version_is_newer(version, MAIN_API_VERSION):
            self._main_version_warned = True
            warnings.warn(
                f"You are using version {MAIN_API_VERSION} of the UKSSDC API component; the service speaks "
                f"version {version}. It would be advisable to update xrt_prods_async.",
                NewerServiceVersionWarning,
                stacklevel=4,
            )
        check_main_api_reply(reply, function=function)
        return reply

    async def _post_json(
        self,
        url: str,
        payload: Mapping[str, Any],
        *,
        idempotent: bool,
        parse: Callable[..., dict[str, Any]],
        on_uncertain: UncertainHandler | None = None,
    ) -> dict[str, Any]:
        """POST ``payload`` to ``url`` under the retry policy; ``parse(text, url=url)`` reads a 200 body.

        The first try runs outside stamina, whose machinery costs about 0.2 ms of CPU a call while nearly
        every call succeeds at once. A failed first try is handed to stamina as its first attempt's failure,
        so whether and when to try again (backoff, attempts, the time bound counted from the first try,
        test mode, logging) is stamina's, exactly as if it had made that try.
        """
        started = time.monotonic()
        try:
            return await self._post_once(url, payload, parse)
        except _AttemptFailedError as exc:
            first: _AttemptFailedError | None = exc
        reply: dict[str, Any] = {}
        try:
            async for attempt in self._retrying(idempotent=idempotent, spent=time.monotonic() - started):
                with attempt:
                    if first is not None:
                        failed, first = first, None
                        raise failed
                    reply = await self._post_once(url, payload, parse)
        except _AttemptFailedError as failed:
            error = failed.attempt.error
            if not idempotent and failed.attempt.sent and on_uncertain is not None:
                raise on_uncertain(error) from error
            raise error from failed.__cause__
        return reply

    async def _post_once(
        self, url: str, payload: Mapping[str, Any], parse: Callable[..., dict[str, Any]]
    ) -> dict[str, Any]:
        # Advice about base_url only for its endpoints, not for the main API, which has its own URL.
        base_url = self.base_url if any(url == self.url_for(e) for e in Endpoint) else None
        try:
            response = await self._client.post(url, json=payload)
        except httpx.HTTPError as exc:
            raise _AttemptFailedError(_from_httpx(exc, url, base_url=base_url)) from exc
        body = response.text
        if response.status_code != 200:
            raise _AttemptFailedError(_bad_status(response, url, body, base_url=base_url))
        if is_html(body):
            title = html_title(body)
            message = f"The service returned an HTML page instead of JSON for {url}"
            message += f" ({title!r})" if title else ""
            message += "; it may be down for maintenance, try again later"
            raise _AttemptFailedError(
                Attempt(ServiceUnavailableError(message, url=url, status_code=200), True, True)
            )
        try:
            return parse(body, url=url)
        except ProtocolError as exc:
            # Undecodable JSON is most likely a reply cut short: worth another try. A well-formed reply
            # missing OK/APIVersion will not get better by asking again.
            transient = not _is_json(body)
            raise _AttemptFailedError(Attempt(exc, True, transient)) from None

    def _notices(self, reply: Mapping[str, Any], url: str) -> None:
        version = reply.get(REPLY_VERSION_KEY)
        if not self._version_warned and version_is_newer(version, API_VERSION):
            self._version_warned = True
            warnings.warn(
                f"You are using version {API_VERSION} of the xrt_prods API; the service speaks version "
                f"{version}. It would be advisable to update xrt_prods_async.",
                NewerServiceVersionWarning,
                stacklevel=4,
            )
        notice = deprecation_notice(reply, url=url)
        if notice is not None and notice.type not in self._deprecations_seen:
            self._deprecations_seen.add(notice.type)
            warnings.warn(
                f"The service announced a deprecation ({notice.type}): {notice.message}",
                ServiceDeprecationWarning,
                stacklevel=4,
            )

    # --- streamed GETs ------------------------------------------------------------------------------------

    def retrying_get(self, *, also_on: tuple[type[Exception], ...] = ()) -> Any:
        """A stamina ``retry_context`` for GETs (idempotent): iterate, and run one try inside each attempt.

        Inside an attempt, failures raised through ``stream()`` are classified (transient ones retried);
        after the loop, ``unwrap_failure`` turns what escaped into the package's error. ``also_on``: the
        caller's own exceptions that are worth a fresh try too (a 200 reply whose body proved cut short or
        damaged). Each try is a new request, under the same bounds (attempts, total time) and backoff.
        """
        return self._retrying(idempotent=True, also_on=also_on)

    @contextlib.asynccontextmanager
    async def stream(self, url: str) -> AsyncIterator[httpx.Response]:
        """GET ``url`` as a stream; yields the 200 response with its body not yet read.

        Non-200 statuses and connection failures, including those while the caller reads the body inside
        the ``async with``, raise an internal attempt failure that ``retrying_get`` understands. Of an error
        reply only the first ``_ERROR_BODY`` bytes are read (for its HTML title): it may be large. A URL the
        politeness guard refuses, or a redirect it will not follow, raises ``UnsafeURLError`` as itself,
        before anything is sent there.
        """
        try:
            async with self._client.stream("GET", url) as response:
                if response.status_code != 200:
                    body = await _read_at_most(response, _ERROR_BODY)
                    raise _AttemptFailedError(_bad_status(response, url, body))
                yield response
        except httpx.HTTPError as exc:
            raise _AttemptFailedError(_from_httpx(exc, url)) from exc

    @staticmethod
    def unwrap_failure(exc: BaseException) -> BaseException:
        """The package error inside an attempt failure that escaped the retries; others unchanged."""
        if isinstance(exc, _AttemptFailedError):
            return exc.attempt.error
        return exc


async def _read_at_most(response: httpx.Response, limit: int) -> str:
    """The start of a streamed reply's body, decoded; the rest is left unread (the connection then closes)."""
    kept = bytearray()
    async for chunk in response.aiter_bytes():
        kept += chunk[: limit - len(kept)]
        if len(kept) >= limit:
            break
    try:
        return bytes(kept).decode(response.charset_encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return bytes(kept).decode("utf-8", errors="replace")


def _redirect_refusal(request: httpx.Request, target: str) -> tuple[str, str] | None:
    """``(location, reason)`` when a redirect of ``request`` to ``target`` must not be followed, else None."""
    try:
        location = request.url.join(target)
    except httpx.InvalidURL:
        return target, "its Location is not a valid URL"
    if request.method != "GET":
        return str(location), "API calls carry your user id, so their redirects are never followed"
    if location.host != request.url.host:
        return str(location), f"downloads follow redirects only on the same host, not to {location.host!r}"
    unsafe = unsafe_url_reason(location)
    return None if unsafe is None else (str(location), f"it {unsafe}")


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    except RecursionError:  # complete enough to nest that deep: not a reply cut short
        return True
    return True
