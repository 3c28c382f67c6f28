"""The exceptions this package raises, as one small tree users can catch at any level.

::

    XRTError                        anything raised on purpose by xrt_prods_async
    ├── InvalidRequestError         the request breaks the parameter rules; nothing was sent
    ├── ConfigurationError          unusable settings: no user id, plain http off loopback, polling too fast
    │   └── LedgerLockedError       another process is working the same campaign ledger
    ├── ServerError                 the service answered, and said no (OK = 0)
    │   ├── ServerRefusedError      it rejected the job's parameters (its listErr, in the user's names)
    │   ├── UnknownUserError        the user id is not registered / validated
    │   ├── NotOwnerError           the job belongs to another user
    │   └── JobLimitError           the user already has as many queued and running jobs as allowed
    ├── TransportError              no usable answer came back
    │   ├── ServiceUnavailableError connection failed, non-200 status or an HTML outage page
    │   ├── RequestTimeoutError     the service did not answer in time
    │   ├── ProtocolError           a 200 reply that is not the JSON the protocol promises
    │   ├── UnsafeURLError          a URL the client will not contact: plain http off loopback, not http(s)
    │   │   └── RedirectRefusedError a redirect the client will not follow (any API call; downloads off host)
    │   └── ServiceOutageError      a campaign met no working service for longer than its outage budget
    ├── SubmitUncertainError        a submit may or may not have created a job: reconcile before resubmitting
    ├── JobTimeoutError             waiting for a job took longer than allowed (the job itself goes on)
    ├── ProductNotReadyError        a product was asked for before it finished, or is not in the job
    ├── DownloadError               an archive could not be saved or unpacked safely
    │   ├── DownloadFailedError     every try at fetching a file failed: what, url, attempts, last reason
    │   ├── DownloadWriteError      the file could not be written where asked (also a LocalIOError)
    │   └── ExtractError            an archive was not unpacked (unsafe member, limit, write failure)
    └── LocalIOError                a local folder or file cannot be written (disk full, read-only, denied)
        └── LedgerError             the campaign ledger cannot be written (what it holds stays consistent)

Messages speak the user's parameter names (``posErr``, ``LightCurve: pcCounts``), never bare wire names.
Every exception keeps the raw facts as attributes so programs need not parse messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "ConfigurationError",
    "DownloadError",
    "DownloadFailedError",
    "DownloadWriteError",
    "ExtractError",
    "InvalidRequestError",
    "JobLimitError",
    "JobTimeoutError",
    "LedgerError",
    "LedgerLockedError",
    "LocalIOError",
    "NotOwnerError",
    "Problem",
    "ProblemGroup",
    "ProductNotReadyError",
    "ProtocolError",
    "RedirectRefusedError",
    "RequestTimeoutError",
    "ServerError",
    "ServerRefusedError",
    "ServiceOutageError",
    "ServiceUnavailableError",
    "SubmitUncertainError",
    "TransportError",
    "UnknownNameError",
    "UnknownUserError",
    "UnsafeURLError",
    "XRTError",
]


class XRTError(Exception):
    """Base class of every error xrt_prods_async raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request: the parameter as the user wrote it, and what would fix it."""

    parameter: str
    message: str

    def __str__(self) -> str:
        return f"{self.parameter}: {self.message}"


class InvalidRequestError(XRTError, ValueError):
    """The request breaks one or more parameter rules. ``problems`` lists every one; nothing was sent."""

    def __init__(self, problems: Sequence[Problem], *, context: str = "") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        head = context or "The request is not valid"
        count = len(self.problems)
        lines = [f"{head} ({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  * {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ConfigurationError(XRTError, ValueError):
    """A setting or argument cannot be used (missing user id, insecure base URL, poll interval below the
    minimum, an unknown product name, a JobID that is not a number...)."""


class UnknownNameError(XRTError, KeyError):
    """A name the object does not hold (a light-curve dataset, a parameter of a model); says which it has."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class LedgerLockedError(ConfigurationError):
    """Another process holds the campaign ledger ``ledger`` (``holder``: its pid as it recorded it, if known).

    The lock follows the ledger file itself, so no other path to it (symbolic or hard link, ``..``) gets by.
    """

    def __init__(self, message: str, *, ledger: str, holder: str | None = None) -> None:
        self.ledger = ledger
        self.holder = holder
        super().__init__(message)


class ServerError(XRTError):
    """The service processed the call and refused it (``OK`` = 0). ``message`` is the service's text."""

    def __init__(self, message: str, *, endpoint: str | None = None, reply: dict[str, Any] | None = None):
        self.message = message
        self.endpoint = endpoint
        self.reply = reply
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class ProblemGroup:
    """One ``listErr`` group of a refused submission, with parameter names translated for the user."""

    label: str
    items: tuple[str, ...]


class ServerRefusedError(ServerError):
    """The service rejected a job's parameters. ``groups`` holds its ``listErr``, in the user's names."""

    def __init__(
        self,
        message: str,
        groups: Sequence[ProblemGroup] = (),
        *,
        endpoint: str | None = None,
        reply: dict[str, Any] | None = None,
    ) -> None:
        self.groups: tuple[ProblemGroup, ...] = tuple(groups)
        text = [message]
        for group in self.groups:
            text.append(group.label)
            text += [f"  * {item}" for item in group.items]
        super().__init__("\n".join(text), endpoint=endpoint, reply=reply)
        self.message = message


class UnknownUserError(ServerError):
    """The user id is not a registered, validated e-mail address; register at the service's web page."""


class NotOwnerError(ServerError):
    """The job exists but belongs to another user; only its owner may see, cancel or download it."""


class JobLimitError(ServerError):
    """The user has reached the service's limit on queued plus running jobs; wait for some to finish."""


class TransportError(XRTError):
    """No usable answer came back from the service (after any retries the call allows)."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        super().__init__(message)


class ServiceUnavailableError(TransportError):
    """The connection failed, or the service answered with a non-200 status or an HTML outage page."""

    def __init__(self, message: str, *, url: str | None = None, status_code: int | None = None) -> None:
        self.status_code = status_code
        super().__init__(message, url=url)


class RequestTimeoutError(TransportError):
    """The service did not answer within the time allowed."""


class ProtocolError(TransportError):
    """A reply that is not what the protocol promises: not JSON, or JSON missing expected keys."""

    def __init__(self, message: str, *, url: str | None = None, body: str | None = None) -> None:
        self.body = body
        super().__init__(message, url=url)


class UnsafeURLError(TransportError):
    """The client refused to contact ``url``: plain ``http://`` off loopback, or not an http(s) URL at all.

    Raised before anything is sent, for the base URL's calls and for URLs taken from the service's replies.
    ``reason`` says what is wrong with the URL.
    """

    def __init__(self, message: str, *, url: str, reason: str) -> None:
        self.reason = reason
        super().__init__(message, url=url)


class RedirectRefusedError(UnsafeURLError):
    """The service answered ``url`` with a redirect (``status_code``) to ``location`` that was not followed.

    API calls carry the user id, so their redirects are never followed; downloads follow a redirect only to
    https (or loopback) on the same host.
    """

    def __init__(self, message: str, *, url: str, location: str, status_code: int, reason: str) -> None:
        self.location = location
        self.status_code = status_code
        super().__init__(message, url=url, reason=reason)


class ServiceOutageError(TransportError):
    """A campaign stopped: the service was unreachable or failing for longer than its outage budget.

    ``since`` is when the failures began (UTC), ``duration`` how long they lasted (seconds, on the
    campaign's clock) and ``last_error`` the latest failure's message. Nothing is lost: the ledger is
    consistent and the campaign resumes where it stopped.
    """

    def __init__(
        self, message: str, *, since: datetime, duration: float, last_error: str, url: str | None = None
    ) -> None:
        self.since = since
        self.duration = duration
        self.last_error = last_error
        super().__init__(message, url=url)


class SubmitUncertainError(XRTError):
    """A submission failed in a way that leaves unknown whether the service created the job.

    Resubmitting blindly could make a duplicate. Reconcile first: look for a job named ``name`` submitted
    between ``sent_after`` and ``sent_before`` (UTC) with ``list_old_jobs()``; adopt it if found, else
    resubmit. ``fingerprint`` identifies the request; ``cause`` is the underlying failure.
    """

    def __init__(
        self,
        message: str,
        *,
        name: str,
        fingerprint: str,
        sent_after: datetime,
        sent_before: datetime,
        cause: BaseException | None = None,
    ) -> None:
        self.name = name
        self.fingerprint = fingerprint
        self.sent_after = sent_after
        self.sent_before = sent_before
        self.cause = cause
        super().__init__(message)


class JobTimeoutError(XRTError, TimeoutError):
    """Waiting for a job exceeded the allowed time. The job itself keeps running on the server."""


class ProductNotReadyError(XRTError):
    """A product's results were asked for before it finished, or the job never included it."""


class DownloadError(XRTError):
    """An archive could not be downloaded, verified, saved or safely unpacked."""


class DownloadFailedError(DownloadError):
    """No try at fetching ``url`` (``what``: the archive or file, in words) to ``path`` gave a whole file.

    A reply cut short, a file that is not what it claims to be, an HTML page, a connection failure and a
    transient HTTP status are each tried again with a fresh request, within the client's ``RetryPolicy``;
    other statuses (404) end at once. ``attempts`` counts the tries made, ``reason`` says why the last one
    failed; the underlying error is chained. Nothing is left under ``path``.
    """

    def __init__(self, message: str, *, what: str, url: str, path: str, attempts: int, reason: str) -> None:
        self.what = what
        self.url = url
        self.path = path
        self.attempts = attempts
        self.reason = reason
        super().__init__(message)


class ExtractError(DownloadError):
    """An archive was not unpacked into ``dest``; nothing of it was left there.

    ``archive`` is the archive's path and ``member`` the member at fault (None when the archive as a whole
    is: unreadable, too many members, too large). The cause is a member that could escape ``dest``, a limit
    that was reached, or the disk refusing to write (chained ``OSError``).
    """

    def __init__(self, message: str, *, archive: str, dest: str, member: str | None = None) -> None:
        self.archive = archive
        self.dest = dest
        self.member = member
        super().__init__(message)


class LocalIOError(XRTError):
    """A local folder or file could not be written: ``path`` and the system's ``reason`` (disk full,
    read-only file system, permission denied). Nothing was claimed done that was not written."""

    def __init__(self, message: str, *, path: str, reason: str | None = None) -> None:
        self.path = path
        self.reason = reason
        super().__init__(message)


class LedgerError(LocalIOError):
    """The campaign ledger at ``path`` could not be written (disk full, read-only, I/O error).

    The write was rolled back, so the ledger holds every step committed before it and nothing half-done: fix
    the cause (free space, permissions) and resume.
    """


class DownloadWriteError(DownloadError, LocalIOError):
    """The disk refused a download at ``path`` (not writable, no space left, not a folder); ``reason`` is the
    system's word for it.

    Not retried: asking the service again would not help. The ``OSError`` is chained; nothing is left under
    the final name, and no temporary file either. Both a ``DownloadError`` and a ``LocalIOError``.
    """

    def __init__(self, message: str, *, path: str, reason: str | None = None) -> None:
        super().__init__(message, path=path, reason=reason)
