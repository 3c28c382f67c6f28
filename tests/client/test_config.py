"""XRTClient construction: user id and base URL from the environment, politeness, validation."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.client import LOOP, USER
from tests.support.nasty import nasty
from xrt_prods_async._errors import ConfigurationError
from xrt_prods_async.client import ENV_BASE_URL, ENV_USER_ID, XRTClient
from xrt_prods_async.wire import DEFAULT_BASE_URL


async def test_user_id_from_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_USER_ID, raising=False)
    monkeypatch.delenv(ENV_BASE_URL, raising=False)
    async with XRTClient(USER) as given:
        assert given.user_id == USER
        assert given.base_url == DEFAULT_BASE_URL
    monkeypatch.setenv(ENV_USER_ID, "env@example.org")
    async with XRTClient() as from_env:
        assert from_env.user_id == "env@example.org"


def test_missing_user_id_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_USER_ID, raising=False)
    with pytest.raises(ConfigurationError, match=r"XRTClient\(user_id=.*XRT_PRODS_USER_ID.*register"):
        XRTClient()
    with pytest.raises(ConfigurationError, match="No user id"):
        XRTClient("  ")


async def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_BASE_URL, LOOP + "/")
    async with XRTClient(USER) as client:
        assert client.base_url == LOOP
        assert repr(client) == f"<XRTClient {USER} at {LOOP}>"
        assert client.session.base_url == LOOP


def test_politeness_checks_at_construction() -> None:
    with pytest.raises(ConfigurationError, match="https"):
        XRTClient(USER, base_url="http://www.swift.ac.uk/user_objects")
    with pytest.raises(ConfigurationError, match="too fast"):
        XRTClient(USER, poll_interval=1)
    XRTClient(USER, base_url=LOOP, poll_interval=0.01)


@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_max_concurrent_downloads_validated(value: object) -> None:
    with pytest.raises(ConfigurationError, match="max_concurrent_downloads"):
        XRTClient(USER, base_url=LOOP, max_concurrent_downloads=value)  # type: ignore[arg-type]


async def test_aclose_closes_the_session() -> None:
    client = XRTClient(USER, base_url=LOOP)
    await client.aclose()
    assert client.session.closed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"poll_interval": math.inf},
            "poll_interval must be a number of seconds, more than 0 and at most 86400",
        ),
        ({"poll_interval": 10**400}, "poll_interval must be a number of seconds"),
        ({"poll_interval": "60"}, "poll_interval must be a number of seconds"),
        ({"timeout": math.nan}, "timeout must be a number of seconds"),
        ({"timeout": math.inf}, "timeout must be a number of seconds"),
        ({"timeout": "60"}, "timeout must be a number of seconds or an httpx.Timeout"),
        ({"retry": 5}, "retry must be a RetryPolicy"),
        ({"politeness": "polite"}, "politeness must be a Politeness"),
        ({"transport": object()}, "transport must be an httpx.AsyncBaseTransport"),
        ({"clock": "now"}, "clock must be a function"),
        ({"user_id": 42}, "user_id must be a string"),
        ({"user_id": "me\ud800@example.org"}, "user_id holds a lone surrogate"),
    ],
)
def test_arguments_of_the_wrong_type_or_out_of_range_name_the_fix(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(".", r"\.")):
        XRTClient(**{"user_id": USER, "base_url": LOOP, **kwargs})


_ARGUMENTS = ["user_id", "base_url", "poll_interval", "timeout", "retry", "politeness", "clock"]


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(_ARGUMENTS),
        st.one_of(st.integers(), st.floats(), st.text(max_size=12), st.none(), st.binary(max_size=3), nasty),
        max_size=3,
    )
)
def test_construction_raises_only_configuration_error(kwargs: dict[str, Any]) -> None:
    """Whatever the arguments: a ConfigurationError before any connection is opened, or a client whose poll
    interval is a finite number of seconds."""
    try:
        client = XRTClient(**{"user_id": USER, "base_url": LOOP, **kwargs})
    except ConfigurationError:
        return
    assert math.isfinite(client.poll_interval)
    assert isinstance(client.session._client, httpx.AsyncClient)
