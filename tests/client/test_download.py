"""Downloads: streamed, verified, atomic, concurrent within the limit, never a partial file under the final
name, refusing to overwrite unless asked."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.to_thread
import httpx
import pytest
import respx

from tests.support.client import LOOP, USER, archive_bytes, make_job, ok, product_status
from xrt_prods_async._errors import DownloadError, ProductNotReadyError
from xrt_prods_async._products import Product
from xrt_prods_async.client import XRTClient, archive_filename, verify_archive
from xrt_prods_async.http import RetryPolicy

STATUS = f"{LOOP}/checkProductStatus.php"
JOB_URL = f"{LOOP}/tprods/USERPROD_14"
LC, SPEC, PSF = Product.LIGHT_CURVE, Product.SPECTRUM, Product.STANDARD_POS


def finished(**codes: int) -> dict[str, object]:
    return ok(JobID=14, **{k: product_status(v, "x") for k, v in codes.items()})


def entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("fmt", ["tar.gz", "tar", "zip"])
@respx.mock
async def test_download_every_format(client: XRTClient, tmp_path: Path, fmt: str) -> None:
    respx.post(STATUS).respond(200, json=finished(lc=4, spec=-4))
    for short in ("lc", "spec"):
        data = archive_bytes(fmt, {f"USERPROD_14/{short}/log.txt": short.encode() * 100})
        respx.get(f"{JOB_URL}/{short}.{fmt}").respond(200, content=data)
    job = make_job(client, LC, SPEC)
    paths = await job.download(tmp_path / "out", format=fmt, stem="grb_")
    assert paths == {LC: tmp_path / "out" / f"grb_lc.{fmt}", SPEC: tmp_path / "out" / f"grb_spec.{fmt}"}
    for path in paths.values():
        verify_archive(path, fmt)
    assert leftovers(tmp_path / "out") == []


@respx.mock
async def test_download_refuses_unfinished_or_foreign_products(client: XRTClient, tmp_path: Path) -> None:
    respx.post(STATUS).respond(200, json=finished(lc=4, spec=3))
    job = make_job(client, LC, SPEC)
    with pytest.raises(ProductNotReadyError, match=r"not finished yet.*spectrum: x \(3\)"):
        await job.download(tmp_path)
    with pytest.raises(ProductNotReadyError, match="has no standard position"):
        await job.download(tmp_path, products=["psf"])
    with pytest.raises(ValueError, match="format 'rar'"):
        await job.download(tmp_path, format="rar")
    assert entries(tmp_path) == []


@respx.mock
async def test_download_refuses_to_overwrite_unless_asked(client: XRTClient, tmp_path: Path) -> None:
    respx.post(STATUS).respond(200, json=finished(lc=4))
    archive = respx.get(f"{JOB_URL}/lc.tar.gz").respond(200, content=archive_bytes("tar.gz", {"a": b"new"}))
    (tmp_path / "lc.tar.gz").write_bytes(b"old")
    job = make_job(client, LC)
    with pytest.raises(DownloadError, match=r"lc\.tar\.gz already exists; pass overwrite=True"):
        await job.download(tmp_path)
    assert archive.call_count == 0
    assert (tmp_path / "lc.tar.gz").read_bytes() == b"old"
    await job.download(tmp_path, overwrite=True)
    verify_archive(tmp_path / "lc.tar.gz", "tar.gz")


@respx.mock
async def test_corrupt_archive_never_lands_under_the_final_name(client: XRTClient, tmp_path: Path) -> None:
    respx.post(STATUS).respond(200, json=finished(lc=4))
    good = archive_bytes("tar.gz", {"a": b"x" * 10_000})
    respx.get(f"{JOB_URL}/lc.tar.gz").respond(200, content=good[: len(good) // 2])
    with pytest.raises(DownloadError, match=r"not a complete tar\.gz archive"):
        await make_job(client, LC).download(tmp_path)
    assert entries(tmp_path) == []


@respx.mock
async def test_transient_failures_are_retried_then_reported(client: XRTClient, tmp_path: Path) -> None:
    respx.post(STATUS).respond(200, json=finished(lc=4, spec=4))
    good = archive_bytes("zip", {"a": b"x"})
    lc = respx.get(f"{JOB_URL}/lc.zip").mock(
        side_effect=[
            httpx.Response(503, text="<html>busy</html>"),
            httpx.ReadError("reset"),
            httpx.Response(200, content=good),
        ]
    )
    spec = respx.get(f"{JOB_URL}/spec.zip").respond(
        404, text="<html><title>UKSSDC | 404 page not found</title></html>"
    )
    job = make_job(client, LC, SPEC)
    with pytest.raises(DownloadError, match=r"spec\.zip.*HTTP 404.*404 page not found"):
        await job.download(tmp_path, format="zip")
    assert lc.call_count == 3
    assert spec.call_count == 1  # 404 is not transient
    assert (tmp_path / "lc.zip").exists()  # the good one is kept, complete
    assert leftovers(tmp_path) == []


@respx.mock
async def test_download_all_archive(client: XRTClient, tmp_path: Path) -> None:
    respx.post(STATUS).respond(200, json=finished(lc=4, psf=-3))
    respx.get(f"{JOB_URL}/all.tar").respond(
        200, content=archive_bytes("tar", {"USERPROD_14/lc/curve.qdp": b"1"})
    )
    path = await client.download_all(make_job(client, LC, PSF), tmp_path, format="tar")
    assert path == tmp_path / "all.tar"


def test_archive_filename_follows_swifttools() -> None:
    assert archive_filename("", "lc", "tar.gz") == "lc.tar.gz"
    assert archive_filename("GRB_", "xastrom", ".zip") == "GRB_xastrom.zip"
    with pytest.raises(ValueError, match="stem"):
        archive_filename("../x", "lc", "tar")


class _HeldArchives(httpx.AsyncBaseTransport):
    """Serves archives in two halves, the second only once ``release`` is set, counting downloads at once.

    ``reached`` is set once ``expect`` downloads are under way together; without ``release`` they stall.
    """

    def __init__(self, body: bytes, *, expect: int = 1) -> None:
        self.body = body
        self.active = 0
        self.peak = 0
        self.started = anyio.Event()
        self.expect = expect
        self.reached = anyio.Event()
        self.release = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("checkProductStatus.php"):
            what = json.loads(request.content)["what"].split(",")
            codes = {short: product_status(4, "Complete") for short in what}
            return httpx.Response(200, json=ok(JobID=14, **codes))
        return httpx.Response(200, stream=_Body(self), headers={"Content-Length": str(len(self.body))})


class _Body(httpx.AsyncByteStream):
    def __init__(self, owner: _HeldArchives) -> None:
        self.owner = owner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        owner = self.owner
        owner.active += 1
        owner.peak = max(owner.peak, owner.active)
        if owner.active >= owner.expect:
            owner.reached.set()
        try:
            half = len(owner.body) // 2
            yield owner.body[:half]
            owner.started.set()
            await owner.release.wait()
            yield owner.body[half:]
        finally:
            owner.active -= 1


async def _settled() -> None:
    """Return once every other task waits for something, none of them for a worker thread (file I/O):
    whatever could start by now has started."""
    threads = anyio.to_thread.current_default_thread_limiter()
    await anyio.wait_all_tasks_blocked()
    while threads.borrowed_tokens:
        await anyio.sleep(0.001)
        await anyio.wait_all_tasks_blocked()


async def test_concurrent_downloads_stay_within_the_limit(tmp_path: Path, no_backoff: None) -> None:
    transport = _HeldArchives(archive_bytes("tar", {"f": b"y" * 50_000}), expect=2)
    products = (LC, SPEC, PSF, Product.ENHANCED_POS, Product.IMAGE)
    paths: dict[Product, Path] = {}
    async with XRTClient(USER, base_url=LOOP, transport=transport, max_concurrent_downloads=2) as client:

        async def download() -> None:
            paths.update(await make_job(client, *products).download(tmp_path, format="tar"))

        async with anyio.create_task_group() as group:
            group.start_soon(download)
            with anyio.fail_after(10):
                await transport.reached.wait()
            # Two downloads hold their archives open: the other three must wait for a slot, not start.
            await _settled()
            assert transport.active == 2
            transport.release.set()
    assert set(paths) == set(products)
    assert transport.peak == 2


async def test_cancelled_download_leaves_no_file(tmp_path: Path, no_backoff: None) -> None:
    transport = _HeldArchives(archive_bytes("tar", {"f": b"z" * 50_000}))  # never released: it stalls
    async with XRTClient(USER, base_url=LOOP, transport=transport, retry=RetryPolicy.never()) as client:
        job = make_job(client, LC)
        async with anyio.create_task_group() as group:
            group.start_soon(job.download, tmp_path)
            await transport.started.wait()
            assert leftovers(tmp_path)  # the partial temporary file exists while downloading
            group.cancel_scope.cancel()
    assert entries(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
@respx.mock
async def test_downloaded_archive_gets_the_mode_open_would_give(
    client: XRTClient, tmp_path: Path, umask: int, mode: int
) -> None:
    """Before: always 0600, the temporary file's mode, kept through the rename."""
    respx.post(STATUS).respond(200, json=finished(lc=4))
    respx.get(f"{JOB_URL}/lc.tar.gz").respond(200, content=archive_bytes("tar.gz", {"a": b"x"}))
    old = os.umask(umask)
    try:
        paths = await make_job(client, LC).download(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(paths[LC]).st_mode) == mode
