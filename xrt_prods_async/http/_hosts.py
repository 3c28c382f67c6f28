"""Which hosts count as loopback: the only ones where plain http and fast polling are allowed.

Loopback is decided from the host text alone, never by asking a resolver: an IPv4 address in 127.0.0.0/8,
the IPv6 address ``::1``, or exactly the name ``localhost`` (any case). Names that merely look local
(``evil.localhost``, ``localhost.``, ``127.0.0.1.nip.io``) and shorthand addresses that only some resolvers
expand (``127.1``, ``0x7f000001``) are not loopback: whatever answers them may be another machine.
"""

from __future__ import annotations

import functools
import ipaddress

import httpx

__all__ = ["is_loopback_host", "is_loopback_url"]

_LOOPBACK_V4 = ipaddress.IPv4Network("127.0.0.0/8")
_LOOPBACK_V6 = ipaddress.IPv6Address("::1")


@functools.lru_cache(maxsize=64)
def is_loopback_host(host: str) -> bool:
    """True for exactly ``localhost`` (any case), 127.0.0.0/8 and ``::1`` (bracketed or not); else False."""
    if host.lower() == "localhost":
        return True
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return address in _LOOPBACK_V4
    # A zone index (``::1%eth0``) names an interface, not the loopback address: not exempt.
    return address == _LOOPBACK_V6 and address.scope_id is None


def is_loopback_url(url: str | httpx.URL) -> bool:
    """True when the URL's host is loopback (see ``is_loopback_host``). Runs for every request the session
    sends (``Politeness.check_url``), so a parsed URL is not parsed again and hosts are remembered."""
    return is_loopback_host((url if isinstance(url, httpx.URL) else httpx.URL(url)).host)
