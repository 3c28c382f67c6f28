"""The blocking twins: ``XRTClient``, its ``Job`` and ``RebinJob`` handles, and ``Campaign``.

Each states only what the async class cannot give it (making and closing the event-loop thread, the client a
handle belongs to); :func:`._twin.install` adds every method and attribute from the async class. Their types
for checkers are in the package's stub, ``__init__.pyi``, which ``_stubgen`` writes from the same specs.
"""

from __future__ import annotations

import inspect
from typing import Any

from xrt_prods_async.campaign import Campaign as AsyncCampaign
from xrt_prods_async.client import Job as AsyncJob
from xrt_prods_async.client import RebinJob as AsyncRebinJob
from xrt_prods_async.client import XRTClient as AsyncXRTClient

from ._portal import Portal
from ._twin import Twin, TwinSpec, install, register, with_note

__all__ = ["SPECS", "Campaign", "Job", "JobRef", "RebinJob", "RebinRef", "XRTClient"]

#: What each twin shows of its async class; plain instance attributes are named with their types here.
SPECS: dict[str, TwinSpec] = {
    "XRTClient": TwinSpec(
        AsyncXRTClient,
        attributes={"user_id": "str", "poll_interval": "float", "max_concurrent_downloads": "int"},
        exclude=frozenset({"aclose", "session"}),
    ),
    "Job": TwinSpec(
        AsyncJob,
        attributes={
            "job_id": "int",
            "url": "str",
            "products": "tuple[Product, ...]",
            "job_pars": "dict[str, Any]",
            "submitted_at": "datetime | None",
            "last_status": "JobStatus | None",
        },
    ),
    "RebinJob": TwinSpec(
        AsyncRebinJob,
        attributes={
            "rebin_id": "int",
            "job": "Job | int",
            "binning": "Binning",
            "submitted_at": "datetime | None",
            "last_status": "RebinStatus | None",
        },
    ),
    "Campaign": TwinSpec(
        AsyncCampaign,
        attributes={"output": "Path", "options": "CampaignOptions", "requests": "Counter[str]"},
    ),
}


def _doc(async_class: type, what: str) -> str:
    return with_note(
        async_class.__doc__, f"The blocking twin of ``xrt_prods_async.{async_class.__name__}``: {what}"
    )


class XRTClient(Twin):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        portal = Portal()
        try:
            client = portal.run(AsyncXRTClient, *args, **kwargs)  # made on the loop's thread, like its pool
        except BaseException:
            portal.close()
            raise
        portal.on_close(client.aclose)
        self._portal = portal
        self._async = client

    def close(self) -> None:
        """Close the HTTP connections and stop the client's event-loop thread. The client cannot be used
        afterwards (a call raises ``RuntimeError``); closing again does nothing."""
        self._portal.close()

    def __enter__(self) -> XRTClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


XRTClient.__doc__ = _doc(
    AsyncXRTClient,
    "the same methods and results, each blocking until done. It drives an async client on an event loop in "
    "a thread of its own, so it works in plain scripts and where a loop already runs (Jupyter). Use it as "
    "a context manager (``with XRTClient(...) as client:``) or call ``close()``.",
)
XRTClient.__init__.__doc__ = "Make the async client on a new event-loop thread (the same arguments)."
XRTClient.__init__.__signature__ = inspect.signature(AsyncXRTClient.__init__)  # type: ignore[attr-defined]


class _Handle(Twin):
    """A twin of an async handle: bound to the blocking client whose calls made it."""

    def __init__(self, client: XRTClient, handle: Any) -> None:
        self.client = client
        self._portal = client._portal
        self._async = handle

    @property
    def _client(self) -> Twin:
        return self.client


class Job(_Handle):
    pass


Job.__doc__ = _doc(AsyncJob, "its methods block, like the blocking client's.")


class RebinJob(_Handle):
    pass


RebinJob.__doc__ = _doc(AsyncRebinJob, "its methods block, like the blocking client's.")


class Campaign(Twin):
    def __init__(self, client: XRTClient, *args: Any, **kwargs: Any) -> None:
        self.client = client
        self._portal = client._portal
        self._async = client._portal.run(AsyncCampaign, client._async, *args, **kwargs)

    @property
    def _client(self) -> Twin:
        return self.client


Campaign.__doc__ = _doc(
    AsyncCampaign,
    "``add``, ``run`` and ``cancel`` block; the campaign runs on the blocking client's event-loop thread "
    "(event handlers are called there). Interrupting ``run`` (Ctrl-C) cancels it and leaves the ledger "
    "consistent, as cancelling the async ``run`` does.",
)
Campaign.__init__.__doc__ = "Make the campaign on the client's event-loop thread (the async arguments)."
Campaign.__init__.__signature__ = inspect.signature(AsyncCampaign.__init__)  # type: ignore[attr-defined]

for _twin, _name in ((XRTClient, "XRTClient"), (Job, "Job"), (RebinJob, "RebinJob"), (Campaign, "Campaign")):
    install(_twin, SPECS[_name])
register(AsyncJob, Job)
register(AsyncRebinJob, RebinJob)

#: A blocking job handle, or a bare JobID.
JobRef = Job | int
#: A blocking rebin handle, or a bare RebinID.
RebinRef = RebinJob | int
