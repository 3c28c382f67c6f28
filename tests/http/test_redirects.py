"""The session's URL guard: redirects of API calls are never followed (they carry the UserID), downloads
follow redirects only on their host and never to plain http off loopback, and every URL fetched - product
URLs taken from replies included - passes the same https-or-loopback guard as the base URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest
import respx

from tests.support.client import USER, ok, product_status
from xrt_prods_async._errors import RedirectRefusedError, UnsafeURLError
from xrt_prods_async._products import Product
from xrt_prods_async.client import Job, XRTClient
from xrt_prods_async.emulator import EmulatorConfig
from xrt_prods_async.emulator._server import running_emulator
from xrt_prods_async.http import RetryPolicy, Session
from xrt_prods_async.wire import Endpoint

BASE = "https://xrt.test/user_objects"
NUM_JOBS = f"{BASE}/getNumJobs.php"
ARCHIVE = f"{BASE}/tprods/USERPROD_1/lc.tar.gz"
pytestmark = pytest.mark.usefixtures("no_backoff")


def session(base: str = BASE) -> Session:
    return Session(base, retry=RetryPolicy(attempts=3))


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@respx.mock
async def test_api_call_redirected_to_plain_http_never_resends_the_user_id(code: int) -> None:
    """Before: a 307 to http:// re-posted the UserID in clear text to wherever the Location pointed."""
    insecure = "http://xrt.test/user_objects/getNumJobs.php"
    first = respx.post(NUM_JOBS).respond(code, headers={"Location": insecure})
    plain = respx.route(url=insecure).respond(200, json=ok(numJobs=0))
    async with session() as s:
        with pytest.raises(
            RedirectRefusedError, match=r"redirect to http://xrt\.test/.*never followed"
        ) as info:
            await s.post(Endpoint.NUM_JOBS, {"UserID": USER})
    assert plain.call_count == 0
    assert first.call_count == 1  # a refused redirect is not a transient failure: no retry
    error = info.value
    assert (error.url, error.location, error.status_code) == (NUM_JOBS, insecure, code)
    assert "set base_url to its new address" in str(error)


@respx.mock
async def test_api_call_redirected_even_to_https_on_the_same_host_is_refused() -> None:
    moved = "https://xrt.test/new/getNumJobs.php"
    respx.post(NUM_JOBS).respond(308, headers={"Location": "/new/getNumJobs.php"})
    elsewhere = respx.route(url=moved).respond(200, json=ok(numJobs=0))
    async with session() as s:
        with pytest.raises(RedirectRefusedError, match="carry your user id") as info:
            await s.post(Endpoint.NUM_JOBS, {"UserID": USER})
    assert info.value.location == moved  # relative Location resolved, so the user sees the full address
    assert elsewhere.call_count == 0


@respx.mock
async def test_download_follows_a_redirect_on_the_same_host_over_https() -> None:
    respx.get(ARCHIVE).respond(302, headers={"Location": "/mirror/lc.tar.gz"})
    respx.get("https://xrt.test/mirror/lc.tar.gz").respond(200, content=b"archive")
    async with session() as s, s.stream(ARCHIVE) as response:
        assert await response.aread() == b"archive"
        assert str(response.url) == "https://xrt.test/mirror/lc.tar.gz"


@pytest.mark.parametrize(
    ("location", "fragment"),
    [
        ("http://xrt.test/mirror/lc.tar.gz", "plain http:// to a host that is not loopback"),
        ("https://mirror.example/lc.tar.gz", "only on the same host, not to 'mirror.example'"),
        ("http://127.0.0.1/lc.tar.gz", "only on the same host"),
        ("ftp://xrt.test/lc.tar.gz", "not an absolute http"),
        ("https://xrt.test:port/lc.tar.gz", "Location is not a valid URL"),
    ],
)
@respx.mock
async def test_download_redirect_off_host_or_to_plain_http_is_refused(location: str, fragment: str) -> None:
    respx.get(ARCHIVE).respond(302, headers={"Location": location})
    anywhere = respx.route().respond(200, content=b"should never be fetched")
    async with session() as s:
        with pytest.raises(RedirectRefusedError, match=fragment) as info:
            async with s.stream(ARCHIVE):
                pass  # pragma: no cover - never reached
    assert info.value.location == location
    assert anywhere.call_count == 0


@respx.mock
async def test_loopback_download_may_redirect_over_plain_http_on_its_host() -> None:
    base = "http://127.0.0.1:9/user_objects"
    respx.get(f"{base}/tprods/USERPROD_1/lc.tar.gz").respond(307, headers={"Location": "/elsewhere.tar.gz"})
    respx.get("http://127.0.0.1:9/elsewhere.tar.gz").respond(200, content=b"ok")
    async with session(base) as s, s.stream(f"{base}/tprods/USERPROD_1/lc.tar.gz") as response:
        assert await response.aread() == b"ok"


@pytest.mark.parametrize(
    "url",
    [
        "http://www.swift.ac.uk/user_objects/tprods/USERPROD_1/lc.tar.gz",
        "http://evil.localhost/USERPROD_1/lc.tar.gz",
        "http://localhost./USERPROD_1/lc.tar.gz",
        "ftp://www.swift.ac.uk/USERPROD_1/lc.tar.gz",
    ],
)
@respx.mock
async def test_product_urls_from_replies_pass_the_base_url_guard(url: str) -> None:
    """Before: a plain-http product URL from a reply was downloaded (the guard covered the base URL only)."""
    anywhere = respx.route().respond(200, content=b"x")
    async with session() as s:
        with pytest.raises(UnsafeURLError, match="Refused to contact") as info:
            async with s.stream(url):
                pass  # pragma: no cover - never reached
    assert info.value.url == url
    assert anywhere.call_count == 0


@respx.mock
async def test_download_of_a_job_whose_reply_url_is_plain_http_writes_nothing(tmp_path: Path) -> None:
    status = respx.post(f"{BASE}/checkProductStatus.php").respond(
        200, json=ok(JobID=14, lc=product_status(4, "Complete"))
    )
    archive = respx.get(url__startswith="http://").respond(200, content=b"x")
    async with XRTClient(USER, base_url=BASE, retry=RetryPolicy(attempts=2)) as client:
        job = Job(
            client,
            job_id=14,
            url="http://www.swift.ac.uk/tprods/USERPROD_14",
            products=(Product.LIGHT_CURVE,),
        )
        with pytest.raises(
            UnsafeURLError, match=r"http://www\.swift\.ac\.uk/tprods/USERPROD_14/all\.tar\.gz"
        ):
            await client.download_all(job, tmp_path)
    assert status.call_count == 1
    assert archive.call_count == 0
    assert [p async for p in anyio.Path(tmp_path).iterdir()] == []


# --- over real loopback sockets -----------------------------------------------------------------------------


@asynccontextmanager
async def redirector(root: str) -> AsyncIterator[str]:
    """A loopback HTTP server answering every request with a 307 to the same path under ``root``; yields its
    own root URL."""

    async def handle(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            received = b""
            while b"\r\n\r\n" not in received:
                received += await stream.receive()
            path = received.split(b" ", 2)[1].decode()
            await stream.send(
                f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {root}{path}\r\nContent-Length: 0\r\n"
                "Connection: close\r\n\r\n".encode()
            )

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, handle)
        yield f"http://127.0.0.1:{port}"
        group.cancel_scope.cancel()


async def test_real_emulator_never_sees_a_user_id_sent_to_a_redirector() -> None:
    """A loopback front that 307s every call to the emulator (another host: ``localhost``) gets no UserID
    through to it: the refusal names the emulator's address, and the emulator counts no call at all."""
    async with (
        running_emulator(EmulatorConfig(time_scale=1000.0)) as emu,
        redirector(f"http://localhost:{emu.port}") as front,
        XRTClient(USER, base_url=f"{front}/user_objects", retry=RetryPolicy.never()) as client,
        httpx.AsyncClient(follow_redirects=True) as blind,
    ):
        with pytest.raises(RedirectRefusedError) as info:
            await client.count_active_jobs()
        assert info.value.location == f"http://localhost:{emu.port}/user_objects/getNumJobs.php"
        assert info.value.status_code == 307
        assert emu.state.metrics_snapshot()["requests"] == {}
        # Control: a client that follows redirects blindly does hand the UserID to the emulator.
        await blind.post(f"{front}/user_objects/getNumJobs.php", json={"UserID": USER})
        assert emu.state.metrics_snapshot()["requests"] == {"getNumJobs.php": 1}
