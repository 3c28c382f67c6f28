"""Retry and politeness settings: small, frozen, keyword-only config objects (stamina style)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import httpx

from xrt_prods_async._errors import ConfigurationError, UnsafeURLError

from ._hosts import is_loopback_url

__all__ = [
    "MAX_SECONDS",
    "MIN_REMOTE_POLL_INTERVAL",
    "Politeness",
    "RetryPolicy",
    "check_count",
    "check_seconds",
    "unsafe_url_reason",
]

#: The service asks clients to poll no faster than every ~10 s (docs/protocol.md §17); only loopback may
#: go faster.
MIN_REMOTE_POLL_INTERVAL = 10.0


#: Longest interval, wait or timeout a setting may give (seconds): a day. Nothing the client waits for needs
#: longer (a job runs at most 12 hours), and a longer or infinite one would only make a program hang.
MAX_SECONDS = 86_400.0


def _shown(value: object) -> str:
    try:
        text = repr(value)
    except Exception:  # whatever a value's repr raises, the message must still be made
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def check_seconds(
    name: str, value: object, *, allow_zero: bool = False, minimum: float = 0.0, maximum: float = MAX_SECONDS
) -> float:
    """``value`` as seconds, if it is a finite number in range: above ``minimum`` (or equal to it with
    ``allow_zero``) and at most ``maximum``. Otherwise a :class:`ConfigurationError` naming ``name``, the
    range, and what was given."""
    low = f"{minimum:g} or more" if allow_zero else f"more than {minimum:g}"
    rule = f"{name} must be a number of seconds, {low} and at most {maximum:g}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"{rule}; got {_shown(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond float range
        raise ConfigurationError(f"{rule}; got {_shown(value)}") from None
    if not math.isfinite(number) or number < minimum or (number == minimum and not allow_zero):
        raise ConfigurationError(f"{rule}; got {_shown(value)}")
    if number > maximum:
        raise ConfigurationError(f"{rule} (a day; nothing needs longer); got {_shown(value)}")
    return number


def check_count(name: str, value: object, *, minimum: int = 1) -> int:
    """``value`` if it is a whole number (not a bool, not a float) of at least ``minimum``; otherwise a
    :class:`ConfigurationError` naming ``name`` and what was given."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{name} must be a whole number, at least {minimum}; got {_shown(value)}")
    return value


#: Largest growth factor of the backoff between tries: beyond it the second wait already hits ``wait_max``.
_MAX_EXP_BASE = 100.0


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    """How transient failures of idempotent calls are retried: exponential backoff with jitter, bounded.

    ``attempts`` counts every try (1 = never retry); ``timeout`` bounds the total time spent retrying one call
    (seconds, None = only the attempts bound). Backoff before try *n* + 1 is
    ``min(wait_max, wait_initial * wait_exp_base ** (n - 1) + uniform(0, wait_jitter))``. Submissions are
    only ever retried when the request certainly never left this machine (connection refused).
    """

    attempts: int = 5
    timeout: float | None = 120.0
    wait_initial: float = 1.0
    wait_max: float = 30.0
    wait_jitter: float = 1.0
    wait_exp_base: float = 2.0

    def __post_init__(self) -> None:
        check_count("RetryPolicy.attempts", self.attempts)
        if self.timeout is not None:
            check_seconds("RetryPolicy.timeout", self.timeout)
        check_seconds("RetryPolicy.wait_initial", self.wait_initial, allow_zero=True)
        check_seconds("RetryPolicy.wait_max", self.wait_max, allow_zero=True)
        check_seconds("RetryPolicy.wait_jitter", self.wait_jitter, allow_zero=True)
        base = self.wait_exp_base
        if (
            isinstance(base, bool)
            or not isinstance(base, (int, float))
            or not (1 <= base <= _MAX_EXP_BASE)  # also refuses NaN; and an int beyond float range
        ):
            raise ConfigurationError(
                f"RetryPolicy.wait_exp_base must be a number from 1 to {_MAX_EXP_BASE:g} (the backoff's "
                f"growth per try; 2 doubles it); got {_shown(base)}"
            )

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that tries every call exactly once."""
        return cls(attempts=1)


@dataclass(frozen=True, kw_only=True, slots=True)
class Politeness:
    """Guards that keep the client a good citizen of a shared public service.

    Off loopback: the base URL must be ``https://`` and poll intervals must be at least
    ``min_poll_interval`` seconds (which may be raised above, never set below, 10 s). Loopback hosts (the
    emulator) are exempt from both.
    """

    min_poll_interval: float = MIN_REMOTE_POLL_INTERVAL

    def __post_init__(self) -> None:
        check_seconds("Politeness.min_poll_interval", self.min_poll_interval)
        if self.min_poll_interval < MIN_REMOTE_POLL_INTERVAL:
            raise ConfigurationError(
                f"Politeness.min_poll_interval must be at least {MIN_REMOTE_POLL_INTERVAL:g} s "
                f"(the service asks for no faster polling), got {self.min_poll_interval!r}"
            )

    def check_base_url(self, url: str) -> None:
        """Refuse (``ConfigurationError``: it is the user's setting) a base URL ``check_url`` would refuse."""
        reason = unsafe_url_reason(url)
        if reason is not None:
            raise ConfigurationError(f"base_url {_shown(url)} {reason}")

    def check_url(self, url: str | httpx.URL) -> None:
        """Refuse (``UnsafeURLError``) to contact a URL that is not http(s), or plain http off loopback.

        The session runs this on every request it sends, redirects included, so URLs taken from the
        service's replies (product archives) get the same guard as the base URL.
        """
        reason = unsafe_url_reason(url)
        if reason is not None:
            raise UnsafeURLError(f"Refused to contact {str(url)!r}: it {reason}", url=str(url), reason=reason)

    def check_poll_interval(self, interval: float, base_url: str) -> None:
        """Refuse a poll interval that is not a positive number of seconds (at most a day), or is below the
        minimum for a non-loopback host."""
        interval = check_seconds("poll_interval", interval)
        if interval < self.min_poll_interval and not is_loopback_url(base_url):
            raise ConfigurationError(
                f"poll_interval {interval:g} s is too fast for {httpx.URL(base_url).host}: the service asks "
                f"clients to poll no more often than every {self.min_poll_interval:g} s; use "
                f"poll_interval >= {self.min_poll_interval:g} (faster polling is allowed only on loopback)"
            )


def unsafe_url_reason(url: str | httpx.URL) -> str | None:
    """Why the client must not contact ``url`` (a phrase to follow "it"), or None when it may.

    Allowed: ``https://`` to any host, and plain ``http://`` to loopback only (``is_loopback_host``): off
    this machine, plain http would show the user id and the job to anyone on the path.
    """
    if not isinstance(url, (str, httpx.URL)):
        return f"is not a URL but a value of type {type(url).__name__}"
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        return f"is not a valid URL: {exc}"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "is not an absolute http(s) URL such as https://www.swift.ac.uk/user_objects"
    if parsed.scheme == "http" and not is_loopback_url(parsed):
        return (
            "uses plain http:// to a host that is not loopback; use https:// "
            "(plain http is allowed only for 127.0.0.0/8, ::1 and localhost, e.g. the emulator)"
        )
    return None
