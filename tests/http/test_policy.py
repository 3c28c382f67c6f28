"""RetryPolicy and Politeness: validation, https off loopback, minimum poll interval off loopback."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.nasty import nasty
from xrt_prods_async._errors import ConfigurationError, UnsafeURLError
from xrt_prods_async.http import Politeness, RetryPolicy, is_loopback_host, is_loopback_url
from xrt_prods_async.http._policy import unsafe_url_reason


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.3.2.1",
        "127.255.255.254",
        "::1",
        "[::1]",
        "0:0:0:0:0:0:0:1",
        "localhost",
        "LOCALHOST",
    ],
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host",
    [
        "www.swift.ac.uk",
        "10.0.0.1",
        "128.0.0.1",
        "::2",
        "localhost.evil.com",
        "",
        # Look local, are not: any resolver (or DNS owner) may answer these with another machine.
        "evil.localhost",
        "a.localhost",
        "localhost.",
        "LOCALHOST.",
        " localhost",
        "127.0.0.1.nip.io",
        # Shorthand or mapped forms some resolvers expand to 127.0.0.1: refused rather than guessed.
        "127.1",
        "0x7f000001",
        "2130706433",
        "::ffff:127.0.0.1",
        "::1%eth0",
    ],
)
def test_non_loopback_hosts(host: str) -> None:
    assert not is_loopback_host(host)


def test_is_loopback_url() -> None:
    assert is_loopback_url("http://127.0.0.1:8000/user_objects")
    assert is_loopback_url("http://[::1]:8000/user_objects")
    assert is_loopback_url("http://LocalHost:8000/user_objects")
    assert not is_loopback_url("https://www.swift.ac.uk/user_objects")
    assert not is_loopback_url("http://evil.localhost/user_objects")
    assert not is_loopback_url("http://localhost./user_objects")


def test_retry_policy_defaults_and_never() -> None:
    policy = RetryPolicy()
    assert policy.attempts >= 2
    assert policy.timeout is not None
    assert RetryPolicy.never().attempts == 1


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"attempts": 0}, "attempts"),
        ({"attempts": 1.5}, "attempts"),
        ({"timeout": 0}, "timeout"),
        ({"wait_initial": -1}, "wait_initial"),
        ({"wait_max": float("nan")}, "wait_max"),
        ({"wait_exp_base": 0.5}, "wait_exp_base"),
    ],
)
def test_retry_policy_rejects_bad_values(kwargs: dict[str, float], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 10**400, 86_401, "5", None, True])
@pytest.mark.parametrize("name", ["timeout", "wait_initial", "wait_max", "wait_jitter"])
def test_retry_policy_waits_are_finite_seconds_up_to_a_day(name: str, value: object) -> None:
    if name == "timeout" and value is None:
        return  # None: no time bound, only the attempts bound
    with pytest.raises(
        ConfigurationError, match=rf"RetryPolicy\.{name} must be a number of seconds, .* at most 86400"
    ):
        RetryPolicy(**{name: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [math.inf, math.nan, 10**400, 101, "2", True, 0.99])
def test_retry_policy_growth_is_a_number_from_1_to_100(value: object) -> None:
    with pytest.raises(ConfigurationError, match=r"wait_exp_base must be a number from 1 to 100"):
        RetryPolicy(wait_exp_base=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [math.inf, math.nan, 10**400, 86_401, "60"])
def test_poll_intervals_are_finite_seconds_up_to_a_day(value: object) -> None:
    with pytest.raises(ConfigurationError, match="min_poll_interval must be a number of seconds"):
        Politeness(min_poll_interval=value)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="poll_interval must be a number of seconds"):
        Politeness().check_poll_interval(value, "http://127.0.0.1:8000/user_objects")  # type: ignore[arg-type]


_RETRY_FIELDS = ["attempts", "timeout", "wait_initial", "wait_max", "wait_jitter", "wait_exp_base"]


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(_RETRY_FIELDS),
        st.one_of(st.integers(), st.floats(), st.text(max_size=3), st.none(), nasty),
        max_size=3,
    ),
    st.one_of(st.integers(), st.floats(), nasty),
)
def test_policies_raise_only_configuration_error(retry: dict[str, Any], minimum: Any) -> None:
    """Whatever they are given: a ConfigurationError, or a policy whose numbers are finite."""
    try:
        policy = RetryPolicy(**retry)
    except ConfigurationError:
        pass
    else:
        numbers = [getattr(policy, name) for name in _RETRY_FIELDS if getattr(policy, name) is not None]
        assert all(math.isfinite(n) for n in numbers)
    try:
        guard = Politeness(min_poll_interval=minimum)
    except ConfigurationError:
        pass
    else:
        assert 10 <= guard.min_poll_interval <= 86_400


def test_retry_policy_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        RetryPolicy(3)  # type: ignore[misc]


def test_politeness_refuses_plain_http_off_loopback() -> None:
    guard = Politeness()
    guard.check_base_url("https://www.swift.ac.uk/user_objects")
    guard.check_base_url("http://127.0.0.1:8000/user_objects")
    guard.check_base_url("http://localhost/user_objects")
    with pytest.raises(ConfigurationError, match=r"plain http:// .* use https://"):
        guard.check_base_url("http://www.swift.ac.uk/user_objects")
    with pytest.raises(ConfigurationError, match="absolute http"):
        guard.check_base_url("ftp://www.swift.ac.uk/user_objects")
    with pytest.raises(ConfigurationError, match="absolute http"):
        guard.check_base_url("user_objects")
    for lookalike in ("http://evil.localhost/user_objects", "http://localhost./user_objects"):
        with pytest.raises(ConfigurationError, match=r"plain http:// to a host that is not loopback"):
            guard.check_base_url(lookalike)


@pytest.mark.parametrize(
    "url",
    [
        "http://www.swift.ac.uk/user_objects/tprods/USERPROD_1/lc.tar.gz",
        "http://evil.localhost/x",
        "ftp://www.swift.ac.uk/x",
        "file:///etc/passwd",
        "https://",
        "https://[::1",
    ],
)
def test_check_url_refuses_with_the_reason(url: str) -> None:
    with pytest.raises(UnsafeURLError, match="Refused to contact") as info:
        Politeness().check_url(url)
    assert info.value.url == url
    assert info.value.reason in str(info.value)
    assert unsafe_url_reason(url) == info.value.reason


def test_check_url_allows_https_anywhere_and_http_on_loopback() -> None:
    for url in ("https://www.swift.ac.uk/x", "http://127.0.0.1:9/x", "http://[::1]/x", "http://localhost/x"):
        Politeness().check_url(url)
        assert unsafe_url_reason(url) is None


def test_politeness_refuses_fast_polling_off_loopback() -> None:
    guard = Politeness()
    guard.check_poll_interval(10, "https://www.swift.ac.uk/user_objects")
    guard.check_poll_interval(0.01, "http://127.0.0.1:8000/user_objects")
    with pytest.raises(ConfigurationError, match=r"poll_interval 5 s is too fast .* poll_interval >= 10"):
        guard.check_poll_interval(5, "https://www.swift.ac.uk/user_objects")
    with pytest.raises(ConfigurationError, match="poll_interval"):
        guard.check_poll_interval(0, "http://127.0.0.1:8000/user_objects")


def test_politeness_minimum_can_be_raised_not_lowered() -> None:
    strict = Politeness(min_poll_interval=60)
    with pytest.raises(ConfigurationError, match="60"):
        strict.check_poll_interval(30, "https://www.swift.ac.uk/user_objects")
    with pytest.raises(ConfigurationError, match="at least 10"):
        Politeness(min_poll_interval=1)
