"""Downloads: streamed, verified, atomic, concurrent within the limit, never a partial file under the final
name, refusing to overwrite unless asked."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.to_thread
import httpx
import pytest
import respx

from tests.support.client import LOOP, USER, archive_bytes, make_job, ok, product_status
from xrt_prods_async._errors import (
    DownloadError,
    DownloadFailedError,
    DownloadWriteError,
    ProductNotReadyError,
    UnsafeURLError,
)
from xrt_prods_async._products import Product
from xrt_prods_async.client import Job, XRTClient, archive_filename, verify_archive
from xrt_prods_async.client import _download as download_module
from xrt_prods_async.http import RetryPolicy

STATUS = f"{LOOP}/checkProductStatus.php"
JOB_URL = f"{LOOP}/tprods/USERPROD_14"
LC, SPEC, PSF = Product.LIGHT_CURVE, Product.SPECTRUM, Product.STANDARD_POS
FORMATS = ("tar.gz", "tar", "zip")


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
async def test_a_reply_cut_short_is_fetched_again_and_the_whole_one_kept(
    client: XRTClient, tmp_path: Path
) -> None:
    """Before: a 200 reply cut short (no Content-Length to tell) failed its check and was never retried."""
    respx.post(STATUS).respond(200, json=finished(lc=4))
    good = archive_bytes("tar.gz", {"a": b"x" * 10_000})
    route = respx.get(f"{JOB_URL}/lc.tar.gz").mock(
        side_effect=[httpx.Response(200, content=good[: len(good) // 2]), httpx.Response(200, content=good)]
    )
    paths = await make_job(client, LC).download(tmp_path)
    assert route.call_count == 2
    assert paths[LC].read_bytes() == good
    assert entries(tmp_path) == ["lc.tar.gz"]


def _cut(body: bytes) -> httpx.Response:
    """A 200 reply announcing ``body``'s length and sending only part of it."""
    return httpx.Response(
        200, headers={"Content-Length": str(len(body))}, stream=httpx.ByteStream(body[: len(body) - 100])
    )


def _flipped(body: bytes, at: int) -> bytes:
    changed = bytearray(body)
    changed[at] ^= 0xFF
    return bytes(changed)


HTML_PAGE = b"<!DOCTYPE html><html><head><title>Down for maintenance</title></head><body>Soon</body></html>"
#: A whole archive of each format, and replies that must each be fetched again, with the reason given.
_GOOD = {fmt: archive_bytes(fmt, {"lc/curve.qdp": bytes(range(256)) * 300}) for fmt in FORMATS}
BAD_REPLIES: dict[str, tuple[str, httpx.Response, str]] = {
    "short of Content-Length": ("tar", _cut(_GOOD["tar"]), r"cut short: \d+ of the \d+ bytes announced"),
    "gzip CRC wrong": ("tar.gz", httpx.Response(200, content=_flipped(_GOOD["tar.gz"], -6)), "incorrect"),
    "zip member corrupt": ("zip", httpx.Response(200, content=_flipped(_GOOD["zip"], 200)), "corrupt"),
    "zip without its end": ("zip", httpx.Response(200, content=_GOOD["zip"][:-30]), "no end record"),
    "tar header broken": ("tar", httpx.Response(200, content=_flipped(_GOOD["tar"], 100)), "tar header"),
    "an HTML page": ("zip", httpx.Response(200, content=HTML_PAGE), "HTML page .*Down for maintenance"),
    "empty": ("tar.gz", httpx.Response(200, content=b""), "empty"),
}


@pytest.mark.parametrize("case", list(BAD_REPLIES))
@respx.mock
async def test_a_reply_that_is_not_the_whole_archive_is_fetched_again(
    client: XRTClient, tmp_path: Path, case: str
) -> None:
    fmt, bad, reason = BAD_REPLIES[case]
    respx.post(STATUS).respond(200, json=finished(lc=4))
    url = f"{JOB_URL}/lc.{fmt}"
    route = respx.get(url).mock(side_effect=[bad, httpx.Response(200, content=_GOOD[fmt])])
    paths = await make_job(client, LC).download(tmp_path, format=fmt)
    assert route.call_count == 2
    assert paths[LC].read_bytes() == _GOOD[fmt]
    # The same reply every time: the bound is reached and the error says what, where, how often, why.
    route.side_effect = None
    route.return_value = bad
    with pytest.raises(DownloadFailedError) as failed:
        await make_job(client, LC).download(tmp_path / "again", format=fmt)
    error = failed.value
    assert (error.url, error.attempts, error.path) == (url, 3, str(tmp_path / "again" / f"lc.{fmt}"))
    assert error.what == "the light curve archive"
    assert re.search(reason, error.reason), error.reason
    assert re.search(rf"archive from {re.escape(url)} .* after 3 attempts: .*{reason}", str(error))
    assert entries(tmp_path / "again") == []


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


@respx.mock
async def test_missing_skip_fetches_the_finished_products_and_names_the_others(
    client: XRTClient, tmp_path: Path
) -> None:
    """Before: any unfinished product made the whole call raise; there was no way to take what is done."""
    respx.post(STATUS).respond(200, json=finished(lc=4, spec=2, psf=-3))
    lc = respx.get(f"{JOB_URL}/lc.zip").respond(200, content=archive_bytes("zip", {"a": b"1"}))
    psf = respx.get(f"{JOB_URL}/psf.zip").respond(200, content=archive_bytes("zip", {"b": b"2"}))
    spec = respx.get(f"{JOB_URL}/spec.zip").respond(200, content=archive_bytes("zip", {"c": b"3"}))
    job = make_job(client, LC, SPEC, PSF)
    with pytest.raises(ProductNotReadyError, match=r"not finished yet.*spectrum: x \(2\)"):
        await job.download(tmp_path, format="zip")
    result = await job.download(tmp_path, format="zip", missing="skip")
    assert result == {LC: tmp_path / "lc.zip", PSF: tmp_path / "psf.zip"}  # failed products are finished
    assert list(result.skipped) == [SPEC]
    assert result.skipped[SPEC].raw_code == 2
    assert (lc.call_count, psf.call_count, spec.call_count) == (1, 1, 0)
    assert "skipped=[spec]" in repr(result)


@respx.mock
async def test_missing_skip_with_nothing_finished_fetches_nothing(client: XRTClient, tmp_path: Path) -> None:
    respx.post(STATUS).respond(200, json=finished(lc=1))
    result = await make_job(client, LC).download(tmp_path / "out", missing="skip")
    assert result == {}
    assert list(result.skipped) == [LC]
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="missing must be 'error' or 'skip'"):
        await make_job(client, LC).download(tmp_path, missing="ignore")  # type: ignore[arg-type]


@respx.mock
async def test_a_refused_url_is_raised_as_itself(client: XRTClient, tmp_path: Path) -> None:
    """Before: the UnsafeURLError was buried in a DownloadError "1 of 1 downloads failed"."""
    respx.post(STATUS).respond(200, json=finished(lc=4, spec=4))
    for products in ((LC,), (LC, SPEC)):
        job = Job(client, job_id=14, url="http://example.org/tprods/USERPROD_14", products=products)
        with pytest.raises(UnsafeURLError, match="plain http://") as refused:
            await job.download(tmp_path)
        assert refused.value.url == "http://example.org/tprods/USERPROD_14/lc.tar.gz"
    assert entries(tmp_path) == []


@respx.mock
async def test_a_destination_that_is_not_a_folder_is_a_write_error(client: XRTClient, tmp_path: Path) -> None:
    respx.post(STATUS).respond(200, json=finished(lc=4))
    archive = respx.get(f"{JOB_URL}/lc.tar.gz").respond(200, content=archive_bytes("tar.gz", {"a": b"x"}))
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DownloadWriteError, match="Cannot create the folder") as refused:
        await make_job(client, LC).download(tmp_path / "file" / "out")
    assert refused.value.path == str(tmp_path / "file" / "out")
    assert isinstance(refused.value.__cause__, OSError)
    assert archive.call_count == 0


@respx.mock
async def test_a_full_disk_is_a_write_error_not_retried_and_leaves_nothing(
    client: XRTClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the bare OSError escaped (or, among several downloads, a generic DownloadError)."""

    def full(fd: int, parts: list[bytes]) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(download_module, "_write_all", full)
    respx.post(STATUS).respond(200, json=finished(lc=4))
    archive = respx.get(f"{JOB_URL}/lc.tar").respond(200, content=archive_bytes("tar", {"a": b"x"}))
    with pytest.raises(DownloadWriteError, match="No space left on device") as refused:
        await make_job(client, LC).download(tmp_path, format="tar")
    assert refused.value.path == str(tmp_path / "lc.tar")
    assert archive.call_count == 1
    assert entries(tmp_path) == []


@respx.mock
async def test_retries_stop_at_the_policys_time_bound(tmp_path: Path) -> None:
    """Real (short) backoff: 50 attempts allowed, but 0.3 s in all, 0.05 s between tries."""
    respx.post(STATUS).respond(200, json=finished(lc=4))
    respx.get(f"{JOB_URL}/lc.tar.gz").respond(200, content=b"\x1f\x8b not quite")
    policy = RetryPolicy(attempts=50, timeout=0.3, wait_initial=0.05, wait_max=0.05, wait_jitter=0)
    async with XRTClient(USER, base_url=LOOP, retry=policy) as client:
        start = anyio.current_time()
        with pytest.raises(DownloadFailedError) as failed:
            await make_job(client, LC).download(tmp_path)
        elapsed = anyio.current_time() - start
    assert 2 <= failed.value.attempts < 50
    assert elapsed < 3
    assert entries(tmp_path) == []
