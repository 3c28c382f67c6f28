"""Transport policy: one httpx session per client, retries with jitter on idempotent calls only, HTML-outage
and truncated-reply detection, and the politeness guard (https and >= 10 s polling off loopback)."""

from .hosts import is_loopback_host, is_loopback_url
from .policy import MIN_REMOTE_POLL_INTERVAL, Politeness, RetryPolicy
from .session import DEFAULT_TIMEOUT, Session
from .warnings import NewerServiceVersionWarning, ServiceDeprecationWarning, XRTWarning

__all__ = [
    "DEFAULT_TIMEOUT",
    "MIN_REMOTE_POLL_INTERVAL",
    "NewerServiceVersionWarning",
    "Politeness",
    "RetryPolicy",
    "ServiceDeprecationWarning",
    "Session",
    "XRTWarning",
    "is_loopback_host",
    "is_loopback_url",
]
