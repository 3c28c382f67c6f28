"""Constants and builders shared by the client tests."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from xrt_prods_async._products import Product
from xrt_prods_async.client import Job, XRTClient
from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, RunningEmulator, running_emulator
from xrt_prods_async.http import RetryPolicy

#: A loopback base URL: respx intercepts it, and loopback allows fast polling in tests.
LOOP = "http://127.0.0.1:9/user_objects"
USER = "me@example.org"


def make_job(client: XRTClient, *products: Product, job_id: int = 14) -> Job:
    """A job handle without a submission (for endpoints other than submit)."""
    return Job(client, job_id=job_id, url=f"{LOOP}/tprods/USERPROD_{job_id}", products=products)


def ok(**body: Any) -> dict[str, Any]:
    """A success reply with the envelope keys."""
    return {"OK": 1, "APIVersion": "1.12", **body}


def product_status(
    code: int | None, text: str = "", progress: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One product's status object."""
    return {"statusCode": code, "statusText": text, "progress": progress or {"GotProgress": 0}}


def archive_bytes(fmt: str, files: dict[str, bytes]) -> bytes:
    """An in-memory archive of ``files`` in ``fmt`` (tar.gz, tar or zip)."""
    buffer = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buffer, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        return buffer.getvalue()
    mode = "w:gz" if fmt == "tar.gz" else "w"
    with tarfile.open(fileobj=buffer, mode=mode) as tar:  # type: ignore[call-overload]
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@asynccontextmanager
async def emulated(seed: int = 3) -> AsyncIterator[tuple[RunningEmulator, XRTClient]]:
    """An emulator over real loopback whose clock stands still unless the test advances it (so a job or a
    rebin stays where it is until then), and a client of it with fast polling and three attempts per call.

    A context manager, not a fixture: the server's task group must be entered and left by the same task.
    """
    retry = RetryPolicy(attempts=3)
    async with (
        running_emulator(EmulatorConfig(time_scale=1e-6, seed=seed)) as emu,
        XRTClient(DEMO_USER_ID, base_url=emu.base_url, poll_interval=0.01, retry=retry) as client,
    ):
        yield emu, client
