"""The http Session against respx: envelope checks, error mapping, retries and their bounds, warnings."""

from __future__ import annotations

import itertools
import json
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
import respx

from xrt_prods_async._errors import (
    ConfigurationError,
    NotOwnerError,
    ProtocolError,
    RequestTimeoutError,
    ServerRefusedError,
    ServiceUnavailableError,
    SubmitUncertainError,
    TransportError,
    UnknownUserError,
    UnsafeURLError,
)
from xrt_prods_async.http import (
    NewerServiceVersionWarning,
    RetryPolicy,
    ServiceDeprecationWarning,
    Session,
)
from xrt_prods_async.wire import DEFAULT_BASE_URL, Endpoint, MainApiFunction

BASE = "https://xrt.test/user_objects"

OK = {"OK": 1, "APIVersion": "1.12", "numJobs": 2}
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
pytestmark = pytest.mark.usefixtures("no_backoff")


def session(base_url: str = BASE, **kwargs: Any) -> Session:
    kwargs.setdefault("retry", RetryPolicy(attempts=3))
    return Session(base_url, **kwargs)


def uncertain(error: TransportError) -> BaseException:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return SubmitUncertainError(
        "maybe", name="n", fingerprint="f", sent_after=now, sent_before=now, cause=error
    )


@respx.mock
async def test_post_sends_json_with_api_keys_and_returns_the_reply() -> None:
    route = respx.post(f"{BASE}/getNumJobs.php").respond(
        200, text=json.dumps(OK), headers={"Content-Type": "text/html"}
    )
    async with session() as s:
        reply = await s.post(Endpoint.NUM_JOBS, {"UserID": "a@b.c"})
    assert reply == OK
    sent = route.calls.last.request
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.content) == {"UserID": "a@b.c", "api_name": "xrt_prods", "api_version": "1.12"}
    assert sent.headers["user-agent"].startswith("xrt_prods_async/")


async def test_session_refuses_plain_http_off_loopback() -> None:
    with pytest.raises(ConfigurationError, match="https"):
        Session("http://www.swift.ac.uk/user_objects")
    with pytest.raises(ConfigurationError, match="timeout"):
        Session(BASE, timeout=0)


@respx.mock
async def test_server_errors_are_mapped(example: Any) -> None:
    respx.post(f"{BASE}/getNumJobs.php").respond(200, json=example("getnumjobs_error_unknown_user.json"))
    respx.post(f"{BASE}/canceljob.php").respond(
        200, json={**example("cancel_error.json"), "APIVersion": "1.12"}
    )
    respx.post(f"{BASE}/run_userobject.php").respond(200, json=example("submit_error_listErr.json"))
    async with session() as s:
        with pytest.raises(UnknownUserError):
            await s.post(Endpoint.NUM_JOBS, {"UserID": "NO-ONE"})
        with pytest.raises(NotOwnerError) as owner:
            await s.post(Endpoint.CANCEL, {"UserID": "x", "JobID": 147, "what": "lc"})
        with pytest.raises(ServerRefusedError) as refused:
            await s.post(Endpoint.SUBMIT, {"UserID": "x"})
    assert owner.value.endpoint == "canceljob.php"
    assert refused.value.groups[0].items == ("Dec", "cent")


@respx.mock
async def test_examples_without_apiversion_are_protocol_errors(example: Any) -> None:
    route = respx.post(f"{BASE}/canceljob.php").respond(200, json=example("cancel_ok.json"))
    async with session() as s:
        with pytest.raises(ProtocolError, match="APIVersion"):
            await s.post(Endpoint.CANCEL, {"UserID": "x", "JobID": 1, "what": "lc"})
    assert route.call_count == 1


@respx.mock
async def test_html_502_is_retried_then_reported_with_its_title() -> None:
    route = respx.post(f"{BASE}/getNumJobs.php").respond(502, text=HTML_502)
    async with session(retry=RetryPolicy(attempts=4)) as s:
        with pytest.raises(ServiceUnavailableError, match=r"HTTP 502 .*'502 Bad Gateway'") as info:
            await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
    assert info.value.status_code == 502
    assert route.call_count == 4


@respx.mock
async def test_outage_page_with_status_200_is_retried_and_recovers() -> None:
    route = respx.post(f"{BASE}/getNumJobs.php")
    route.side_effect = [
        httpx.Response(200, text="<html><title>Maintenance</title></html>"),
        httpx.Response(200, json=OK),
    ]
    async with session() as s:
        assert await s.post(Endpoint.NUM_JOBS, {"UserID": "x"}) == OK
    assert route.call_count == 2


@respx.mock
async def test_truncated_json_is_retried() -> None:
    route = respx.post(f"{BASE}/getNumJobs.php")
    route.side_effect = [httpx.Response(200, text='{"OK": 1, "APIVers'), httpx.Response(200, json=OK)]
    async with session() as s:
        assert await s.post(Endpoint.NUM_JOBS, {"UserID": "x"}) == OK
    assert route.call_count == 2


@respx.mock
async def test_truncated_json_every_time_ends_in_protocol_error() -> None:
    route = respx.post(f"{BASE}/getNumJobs.php").respond(200, text='{"OK": 1, "APIVers')
    async with session(retry=RetryPolicy(attempts=2)) as s:
        with pytest.raises(ProtocolError, match="not valid JSON") as info:
            await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
    assert info.value.body == '{"OK": 1, "APIVers'
    assert route.call_count == 2


@respx.mock
async def test_well_formed_reply_missing_ok_is_not_retried() -> None:
    route = respx.post(f"{BASE}/getNumJobs.php").respond(200, json={"APIVersion": "1.12"})
    async with session() as s:
        with pytest.raises(ProtocolError, match="lacks OK"):
            await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
    assert route.call_count == 1


@respx.mock
async def test_404_is_not_retried() -> None:
    page = "<html><head><title>UKSSDC | 404 page not found</title></head></html>"
    route = respx.post(f"{BASE}/getNumJobs.php").respond(404, text=page)
    async with session() as s:
        with pytest.raises(ServiceUnavailableError, match="404 page not found"):
            await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("base", "advice"),
    [
        (
            "http://127.0.0.1:8000",
            "there is no API endpoint at that URL: base_url must be the service's root, ending in "
            "/user_objects; try base_url='http://127.0.0.1:8000/user_objects'",
        ),
        (
            "http://127.0.0.1:8000/user_objects/tprods/",
            "try base_url='http://127.0.0.1:8000/user_objects'",
        ),
        (
            BASE,
            "there is no API endpoint at that URL: check that base_url is the service's root (the real one "
            "is https://www.swift.ac.uk/user_objects)",
        ),
        (
            DEFAULT_BASE_URL,
            "there is no API endpoint at that URL: the service may have moved or changed its API; look for a "
            "newer xrt_prods_async",
        ),
    ],
)
@pytest.mark.parametrize("page", ["Not Found", "<html><head><title>404 page not found</title></head></html>"])
@respx.mock
async def test_an_api_call_not_found_says_what_to_do_with_the_base_url(
    base: str, advice: str, page: str
) -> None:
    respx.post(url__regex=r".*").respond(404, text=page)
    async with session(base_url=base) as s:
        with pytest.raises(ServiceUnavailableError) as info:
            await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
    message = str(info.value)
    assert message.startswith(
        f"The service answered HTTP 404 (Not Found) for {base.rstrip('/')}/getNumJobs.php"
    )
    assert message.endswith(advice)
    assert info.value.status_code == 404


@respx.mock
async def test_a_main_api_call_not_found_says_nothing_of_base_url() -> None:
    url = "http://127.0.0.1:8000/API/main.php"
    respx.post(url).respond(404, text="Not Found")
    async with session(base_url="http://127.0.0.1:8000") as s:
        with pytest.raises(ServiceUnavailableError) as info:
            await s.call_main_api(url, MainApiFunction.REBIN_STATUS, {"JobID": 1})
    assert str(info.value) == f"The service answered HTTP 404 (Not Found) for {url}"


@respx.mock
async def test_timeouts_and_connection_errors_are_retried_up_to_the_attempt_bound() -> None:
    slow = respx.post(f"{BASE}/getNumJobs.php").mock(side_effect=httpx.ReadTimeout("slow"))
    down = respx.post(f"{BASE}/listOldJobs.php").mock(side_effect=httpx.ConnectError("refused"))
    async with session(retry=RetryPolicy(attempts=5)) as s:
        with pytest.raises(RequestTimeoutError, match="waiting for the reply"):
            await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
        with pytest.raises(ServiceUnavailableError, match="Could not connect"):
            await s.post(Endpoint.OLD_JOBS, {"UserID": "x"})
    assert slow.call_count == 5
    assert down.call_count == 5


@respx.mock
async def test_no_answer_says_what_to_do() -> None:
    respx.post(f"{BASE}/getNumJobs.php").mock(side_effect=httpx.ReadTimeout("slow"))
    respx.post(f"{BASE}/listOldJobs.php").mock(side_effect=httpx.ConnectError("refused"))
    respx.post(f"{BASE}/checkProductStatus.php").mock(side_effect=httpx.ReadError("reset"))
    async with session(retry=RetryPolicy(attempts=1)) as s:
        with pytest.raises(RequestTimeoutError) as slow:
            await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
        with pytest.raises(ServiceUnavailableError) as down:
            await s.post(Endpoint.OLD_JOBS, {"UserID": "x"})
        with pytest.raises(ServiceUnavailableError) as reset:
            await s.post(Endpoint.STATUS, {"UserID": "x"})
    assert str(slow.value) == (
        f"Timed out waiting for the reply from {BASE}/getNumJobs.php; the service may be busy or down, try "
        "again later"
    )
    assert str(down.value) == (
        f"Could not connect to {BASE}/listOldJobs.php: refused; check that base_url is right and the service "
        "is running there, or try again later"
    )
    # the request reached the service, so its address was right
    assert str(reset.value) == f"The connection failed while talking to {BASE}/checkProductStatus.php: reset"


@respx.mock
async def test_never_policy_tries_once() -> None:
    route = respx.post(f"{BASE}/getNumJobs.php").mock(side_effect=httpx.ConnectError("refused"))
    async with session(retry=RetryPolicy.never()) as s:
        with pytest.raises(ServiceUnavailableError):
            await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
    assert route.call_count == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
        httpx.Response(502, text=HTML_502),
        httpx.Response(200, text="<html>down</html>"),
        httpx.Response(200, text='{"OK": 1, "UR'),
    ],
    ids=["read-timeout", "dropped", "html-502", "html-200", "truncated"],
)
@respx.mock
async def test_submit_is_never_retried_after_sending(failure: Exception | httpx.Response) -> None:
    route = respx.post(f"{BASE}/run_userobject.php").mock(side_effect=[failure, httpx.Response(200, json=OK)])
    async with session(retry=RetryPolicy(attempts=5)) as s:
        with pytest.raises(SubmitUncertainError) as info:
            await s.post(Endpoint.SUBMIT, {"UserID": "x"}, on_uncertain=uncertain)
    assert route.call_count == 1
    assert isinstance(info.value.cause, TransportError)
    assert info.value.__cause__ is info.value.cause


@respx.mock
async def test_submit_is_retried_when_the_request_never_left() -> None:
    route = respx.post(f"{BASE}/run_userobject.php")
    route.side_effect = [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow"),
        httpx.Response(200, json=OK),
    ]
    async with session(retry=RetryPolicy(attempts=5)) as s:
        assert await s.post(Endpoint.SUBMIT, {"UserID": "x"}, on_uncertain=uncertain) == OK
    assert route.call_count == 3


@respx.mock
async def test_submit_connection_refused_every_time_is_certain_failure() -> None:
    route = respx.post(f"{BASE}/run_userobject.php").mock(side_effect=httpx.ConnectError("refused"))
    async with session(retry=RetryPolicy(attempts=3)) as s:
        with pytest.raises(ServiceUnavailableError, match="Could not connect"):
            await s.post(Endpoint.SUBMIT, {"UserID": "x"}, on_uncertain=uncertain)
    assert route.call_count == 3


@respx.mock
async def test_cancel_is_not_retried_after_sending_and_raises_the_transport_error() -> None:
    route = respx.post(f"{BASE}/canceljob.php").mock(side_effect=httpx.ReadTimeout("slow"))
    async with session(retry=RetryPolicy(attempts=5)) as s:
        with pytest.raises(RequestTimeoutError):
            await s.post(Endpoint.CANCEL, {"UserID": "x", "JobID": 1, "what": "lc"})
    assert route.call_count == 1


@respx.mock
async def test_deprecation_warning_shown_once_per_type() -> None:
    def reply(kind: str) -> httpx.Response:
        return httpx.Response(
            200, json={**OK, "deprecationWarning": {"type": kind, "message": f"{kind} goes"}}
        )

    respx.post(f"{BASE}/getNumJobs.php").mock(side_effect=[reply("a"), reply("a"), reply("b"), reply("a")])
    async with session() as s:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(4):
                await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
    messages = [str(w.message) for w in caught if w.category is ServiceDeprecationWarning]
    assert messages == [
        "The service announced a deprecation (a): a goes",
        "The service announced a deprecation (b): b goes",
    ]


@respx.mock
async def test_newer_server_version_warns_once_and_compares_dotted() -> None:
    route = respx.post(f"{BASE}/getNumJobs.php")
    route.side_effect = [
        httpx.Response(
            200, json={**OK, "APIVersion": "1.9"}
        ),  # older: 1.9 < 1.12 though 1.9 > 1.12 as floats
        httpx.Response(200, json={**OK, "APIVersion": 0.1}),
        httpx.Response(200, json={**OK, "APIVersion": "1.13"}),
        httpx.Response(200, json={**OK, "APIVersion": "2.0"}),
    ]
    async with session() as s:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(4):
                await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
    newer = [w for w in caught if w.category is NewerServiceVersionWarning]
    assert len(newer) == 1
    assert "1.13" in str(newer[0].message)


@respx.mock
async def test_bad_deprecation_warning_is_a_protocol_error() -> None:
    respx.post(f"{BASE}/getNumJobs.php").respond(200, json={**OK, "deprecationWarning": {"message": "m"}})
    async with session() as s:
        with pytest.raises(ProtocolError, match="deprecationWarning"):
            await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})


@respx.mock
async def test_stream_get_and_its_failures() -> None:
    respx.get(f"{BASE}/tprods/USERPROD_1/lc.tar").respond(200, content=b"abc")
    respx.get(f"{BASE}/tprods/USERPROD_1/spec.tar").respond(404, text="<html><title>nope</title></html>")
    async with session() as s:
        async with s.stream(f"{BASE}/tprods/USERPROD_1/lc.tar") as response:
            assert await response.aread() == b"abc"
        with pytest.raises(Exception) as info:  # noqa: PT011 - an internal wrapper, unwrapped below
            async with s.stream(f"{BASE}/tprods/USERPROD_1/spec.tar"):
                pass
        error = Session.unwrap_failure(info.value)
    assert isinstance(error, ServiceUnavailableError)
    assert error.status_code == 404
    assert "base_url" not in str(error)  # a missing archive is not a wrong base URL
    assert s.closed


async def test_retry_total_time_is_bounded_by_the_policy_timeout() -> None:
    policy = RetryPolicy(attempts=1000, timeout=0.05, wait_initial=0.01, wait_max=0.01, wait_jitter=0)
    with respx.mock:
        route = respx.post(f"{BASE}/getNumJobs.php").mock(side_effect=httpx.ConnectError("refused"))
        import stamina

        with stamina.set_testing(False):
            start = time.monotonic()
            async with Session(BASE, retry=policy) as s:
                with pytest.raises(ServiceUnavailableError):
                    await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
            elapsed = time.monotonic() - start
    assert 2 <= route.call_count < 50
    assert elapsed < 3  # unbounded: 1000 attempts 10 ms apart, 10 s; a loaded machine is slow to start


async def test_a_call_answered_at_once_never_enters_the_retry_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_loop(*args: object, **kwargs: object) -> object:
        raise AssertionError("stamina's loop was entered for a call that succeeded")

    with respx.mock:
        respx.post(f"{BASE}/getNumJobs.php").respond(200, json=OK)
        async with Session(BASE) as s:
            monkeypatch.setattr(s, "_retrying", no_loop)
            assert (await s.post(Endpoint.NUM_JOBS, {"UserID": "x"}))["numJobs"] == 2


async def test_the_time_bound_counts_the_first_try_made_before_the_retry_loop() -> None:
    calls: list[float] = []

    class Slow(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            calls.append(time.monotonic())
            await anyio.sleep(0.1)
            raise httpx.ConnectError("refused", request=request)

    policy = RetryPolicy(attempts=5, timeout=0.05, wait_initial=0.01, wait_max=0.01, wait_jitter=0)
    import stamina

    with stamina.set_testing(False):
        async with Session(BASE, retry=policy, transport=Slow()) as s:
            with pytest.raises(ServiceUnavailableError, match="Could not connect"):
                await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
    assert len(calls) == 1  # the first try alone spent the 0.05 s: no second


async def test_backoff_grows_exponentially_between_attempts() -> None:
    policy = RetryPolicy(
        attempts=4, timeout=None, wait_initial=0.02, wait_max=1, wait_jitter=0, wait_exp_base=2
    )
    stamps: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        stamps.append(time.monotonic())
        return httpx.Response(503, text="<html>busy</html>")

    import stamina

    with respx.mock, stamina.set_testing(False):
        respx.post(f"{BASE}/getNumJobs.php").mock(side_effect=record)
        async with Session(BASE, retry=policy) as s:
            with pytest.raises(ServiceUnavailableError):
                await s.post(Endpoint.NUM_JOBS, {"UserID": "x"})
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(gaps) == 3
    assert gaps[0] >= 0.018
    assert gaps[1] >= 0.038
    assert gaps[2] >= 0.078


class _CallerError(Exception):
    """A caller's own reason to try a GET again (a body that proved unusable)."""


async def get_retrying(
    s: Session, url: str, tries: list[str], *, also_on: tuple[type[Exception], ...] = (), fail: str = ""
) -> None:
    """GET ``url`` in ``retrying_get``'s loop, noting each try in ``tries``; raise ``fail`` in each."""
    async for attempt in s.retrying_get(also_on=also_on):
        with attempt:
            tries.append(url)
            async with s.stream(url) as response:
                await response.aread()
                if fail == "caller":
                    raise _CallerError("not whole")
                if fail == "other":
                    raise KeyError("no")


@respx.mock
async def test_retrying_get_retries_the_callers_own_failures_with_fresh_requests() -> None:
    url = f"{BASE}/tprods/USERPROD_1/lc.tar"
    route = respx.get(url).respond(200, content=b"abc")
    caller: list[str] = []
    other: list[str] = []
    async with session() as s:
        with pytest.raises(_CallerError):
            await get_retrying(s, url, caller, also_on=(_CallerError,), fail="caller")
        with pytest.raises(KeyError):  # anything else ends the loop at once
            await get_retrying(s, url, other, also_on=(_CallerError,), fail="other")
    assert (len(caller), len(other), route.call_count) == (3, 1, 4)


class _Endless(httpx.AsyncByteStream):
    """An error page that never ends, counting what was read of it."""

    def __init__(self) -> None:
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.sent += 65_536
            yield b"<html><title>500 Oops</title>" + b" " * 65_506


async def test_only_the_start_of_an_error_reply_is_read() -> None:
    """Before: the whole body of a non-200 reply was read into memory for its title."""
    body = _Endless()
    transport = httpx.MockTransport(lambda request: httpx.Response(500, stream=body))
    async with Session(BASE, retry=RetryPolicy.never(), transport=transport) as s:
        with pytest.raises(Exception) as info:  # noqa: PT011 - an internal wrapper, unwrapped below
            async with s.stream(f"{BASE}/tprods/USERPROD_1/lc.tar"):
                pass
    error = Session.unwrap_failure(info.value)
    assert isinstance(error, ServiceUnavailableError)
    assert error.status_code == 500
    assert "500 Oops" in str(error)
    assert body.sent <= 2 * 65_536


@respx.mock
async def test_a_refused_url_escapes_the_stream_as_itself_and_is_not_retried() -> None:
    url = "http://example.org/tprods/USERPROD_1/lc.tar"
    route = respx.get(url).respond(200, content=b"abc")
    tries: list[str] = []
    async with session() as s:
        with pytest.raises(UnsafeURLError, match="plain http://"):
            await get_retrying(s, url, tries)
    assert (len(tries), route.call_count) == (1, 0)
