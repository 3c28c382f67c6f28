"""The part of ``xrt_prods_async.params.JobRequest`` the client relies on (interim, until params lands)."""

from __future__ import annotations

from typing import Any, Protocol

from xrt_prods_async.products import Product


class RequestLike(Protocol):
    """What the client calls on a job request."""

    @property
    def name(self) -> str: ...

    @property
    def products(self) -> tuple[Product, ...]: ...

    def to_wire(self, user_id: str) -> dict[str, Any]: ...

    def fingerprint(self) -> str: ...

    def describe_wire_name(self, wire: str) -> str | None: ...
