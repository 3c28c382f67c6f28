"""Transport policy: one httpx session per client, retries with jitter on idempotent calls only, HTML-outage
and truncated-reply detection, and the politeness guard (https and >= 10 s polling off loopback)."""

from typing import TYPE_CHECKING

from xrt_prods_async._lazy import lazy_names

if TYPE_CHECKING:
    from ._hosts import is_loopback_host, is_loopback_url
    from ._policy import (
        MAX_SECONDS,
        MIN_REMOTE_POLL_INTERVAL,
        Politeness,
        RetryPolicy,
        check_count,
        check_seconds,
    )
    from ._session import DEFAULT_TIMEOUT, Session
    from ._warnings import NewerServiceVersionWarning, ServiceDeprecationWarning, XRTWarning

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_SECONDS",
    "MIN_REMOTE_POLL_INTERVAL",
    "NewerServiceVersionWarning",
    "Politeness",
    "RetryPolicy",
    "ServiceDeprecationWarning",
    "Session",
    "XRTWarning",
    "check_count",
    "check_seconds",
    "is_loopback_host",
    "is_loopback_url",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "._hosts": ("is_loopback_host", "is_loopback_url"),
            "._policy": (
                "MAX_SECONDS",
                "MIN_REMOTE_POLL_INTERVAL",
                "Politeness",
                "RetryPolicy",
                "check_count",
                "check_seconds",
            ),
            "._session": ("DEFAULT_TIMEOUT", "Session"),
            "._warnings": ("NewerServiceVersionWarning", "ServiceDeprecationWarning", "XRTWarning"),
        },
    )
