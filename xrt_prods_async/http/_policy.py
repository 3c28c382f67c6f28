"""Retry and politeness settings: small, frozen, keyword-only config objects (stamina style)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import httpx

from xrt_prods_async._errors import ConfigurationError, UnsafeURLError

from ._hosts import is_loopback_url

__all__ = ["MIN_REMOTE_POLL_INTERVAL", "Politeness", "RetryPolicy", "unsafe_url_reason"]

#: The service asks clients to poll no faster than every ~10 s (docs/protocol.md §17); only loopback may
#: go faster.
MIN_REMOTE_POLL_INTERVAL = 10.0


def _positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ConfigurationError(f"{name} must be a number of seconds, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "more than zero"
        raise ConfigurationError(f"{name} must be {bound}, got {value!r}")


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
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1:
            raise ConfigurationError(
                f"RetryPolicy.attempts must be a whole number >= 1, got {self.attempts!r}"
            )
        if self.timeout is not None:
            _positive("RetryPolicy.timeout", self.timeout)
        _positive("RetryPolicy.wait_initial", self.wait_initial, allow_zero=True)
        _positive("RetryPolicy.wait_max", self.wait_max, allow_zero=True)
        _positive("RetryPolicy.wait_jitter", self.wait_jitter, allow_zero=True)
        if self.wait_exp_base < 1:
            raise ConfigurationError(f"RetryPolicy.wait_exp_base must be >= 1, got {self.wait_exp_base!r}")

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
        _positive("Politeness.min_poll_interval", self.min_poll_interval)
        if self.min_poll_interval < MIN_REMOTE_POLL_INTERVAL:
            raise ConfigurationError(
                f"Politeness.min_poll_interval must be at least {MIN_REMOTE_POLL_INTERVAL:g} s "
                f"(the service asks for no faster polling), got {self.min_poll_interval!r}"
            )

    def check_base_url(self, url: str) -> None:
        """Refuse (``ConfigurationError``: it is the user's setting) a base URL ``check_url`` would refuse."""
        reason = unsafe_url_reason(url)
        if reason is not None:
            raise ConfigurationError(f"base_url {url!r} {reason}")

    def check_url(self, url: str | httpx.URL) -> None:
        """Refuse (``UnsafeURLError``) to contact a URL that is not http(s), or plain http off loopback.

        The session runs this on every request it sends, redirects included, so URLs taken from the
        service's replies (product archives) get the same guard as the base URL.
        """
        reason = unsafe_url_reason(url)
        if reason is not None:
            raise UnsafeURLError(f"Refused to contact {str(url)!r}: it {reason}", url=str(url), reason=reason)

    def check_poll_interval(self, interval: float, base_url: str) -> None:
        """Refuse a poll interval that is not positive, or below the minimum for a non-loopback host."""
        _positive("poll_interval", interval)
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
