"""Which hosts count as loopback: the only ones where plain http and fast polling are allowed."""

from __future__ import annotations

import ipaddress

import httpx

__all__ = ["is_loopback_host", "is_loopback_url"]


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1`` (with or without brackets); False for anything else."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str | httpx.URL) -> bool:
    """True when the URL's host is loopback (see ``is_loopback_host``)."""
    return is_loopback_host(httpx.URL(str(url)).host)
