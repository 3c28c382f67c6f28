"""The blocking client: ``XRTClient``, its ``Job`` and ``RebinJob`` handles and ``Campaign``, for plain
scripts and notebooks.

Every method of the async ``xrt_prods_async.XRTClient`` is here with the same name, arguments and result,
and blocks until done. There is one implementation: each blocking client drives an async client on an
event loop in a thread of its own (an anyio blocking portal), so it also works where the calling thread
already runs a loop (Jupyter). The methods are made from the async classes, so the two cannot drift; their
types for checkers are in ``__init__.pyi``, written from the same classes by ``_stubgen``.

::

    from xrt_prods_async.sync import XRTClient

    with XRTClient("you@example.org") as client:
        job = client.submit(request)
        job.wait()
        position = job.standard_position()
"""

from ._classes import Campaign, Job, JobRef, RebinJob, RebinRef, XRTClient

__all__ = ["Campaign", "Job", "JobRef", "RebinJob", "RebinRef", "XRTClient"]
