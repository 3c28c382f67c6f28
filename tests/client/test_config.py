"""XRTClient construction: user id and base URL from the environment, politeness, validation."""

from __future__ import annotations

import pytest

from tests.support.client import LOOP, USER
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
