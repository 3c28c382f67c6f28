"""RetryPolicy and Politeness: validation, https off loopback, minimum poll interval off loopback."""

from __future__ import annotations

import pytest

from xrt_prods_async._errors import ConfigurationError
from xrt_prods_async.http import Politeness, RetryPolicy, is_loopback_host, is_loopback_url


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost", "LOCALHOST", "a.localhost"]
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host", ["www.swift.ac.uk", "10.0.0.1", "128.0.0.1", "::2", "localhost.evil.com", ""]
)
def test_non_loopback_hosts(host: str) -> None:
    assert not is_loopback_host(host)


def test_is_loopback_url() -> None:
    assert is_loopback_url("http://127.0.0.1:8000/user_objects")
    assert is_loopback_url("http://[::1]:8000/user_objects")
    assert not is_loopback_url("https://www.swift.ac.uk/user_objects")


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
