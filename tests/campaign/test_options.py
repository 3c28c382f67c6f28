"""Campaign settings of the wrong type or out of range are refused, naming the setting and the fix.

``CampaignOptions`` (the scheduler's options) and the ``[campaign]`` table of a campaign file are given
every kind of value: only a ConfigurationError comes back, or options whose numbers are finite and in range
(an infinite poll interval would hang a campaign).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.nasty import nasty
from xrt_prods_async._errors import ConfigurationError, XRTError
from xrt_prods_async._products import Product
from xrt_prods_async.campaign import CampaignOptions, load_campaign_file
from xrt_prods_async.campaign._sources import CAMPAIGN_SETTINGS

SOURCE = '[[source]]\nname = "GK Per"\nRA = 52.8\nDec = 43.9043\ntarg = "00010873"\n'

_INTERVALS = ("poll_interval", "round_interval", "refresh_interval", "reconcile_after")
_CAPS = ("max_active", "max_concurrent_collections", "max_submit_attempts")


@pytest.mark.parametrize("name", _INTERVALS)
@pytest.mark.parametrize("value", [math.inf, math.nan, -1, 0, 10**400, 86_401, "60", True])
def test_intervals_are_finite_seconds_up_to_a_day(name: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=rf"{name} must be a number of seconds, more than 0 and"):
        CampaignOptions(**{name: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", _CAPS)
@pytest.mark.parametrize("value", [math.inf, 0, -3, 2.0, "5", True, None])
def test_caps_are_whole_numbers_of_at_least_one(name: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=rf"{name} must be a whole number, at least 1"):
        CampaignOptions(**{name: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"retrieve": 5}, "retrieve must be a set of names"),
        ({"retrieve": "positions"}, "retrieve must be a set of names"),
        ({"retrieve": frozenset({"positions", "x"})}, r"retrieve has \['x'\]"),
        ({"download": [1]}, "download must be None .* or a tuple of Product members"),
        ({"download": "lc"}, "download must be None"),
        ({"archive_format": ["zip"]}, "archive_format must be one of"),
        ({"track_progress": "yes"}, "track_progress must be True or False"),
    ],
)
def test_choices_of_the_wrong_type_name_the_fix(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        CampaignOptions(**kwargs)


def test_every_bad_option_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError) as caught:
        CampaignOptions(max_active=0, poll_interval=math.inf, retrieve=5)  # type: ignore[arg-type]
    text = str(caught.value)
    assert all(name in text for name in ("max_active", "poll_interval", "retrieve"))
    CampaignOptions(download=(Product.LIGHT_CURVE,), retrieve=frozenset(), poll_interval=0.01)


_FIELDS = [*_INTERVALS, *_CAPS, "download", "retrieve", "archive_format", "track_progress"]
anything = st.one_of(
    st.integers(), st.floats(), st.text(max_size=6), st.booleans(), st.none(), st.lists(st.integers()), nasty
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(_FIELDS), anything, max_size=3))
def test_options_raise_only_configuration_error(kwargs: dict[str, Any]) -> None:
    try:
        options = CampaignOptions(**kwargs)
    except ConfigurationError:
        return
    for seconds in (options.poll_interval, options.round, options.refresh, options.reconcile_delay):
        assert 0 < seconds < math.inf


# ---------------------------------------------------------------------------- the [campaign] table of a file


def toml_value(value: Any) -> str:
    """``value`` written as TOML (strings as JSON strings, which TOML reads alike)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


toml_values = st.recursive(
    st.one_of(
        st.integers(),
        st.integers(min_value=10**300),
        st.floats(),
        st.text(max_size=8),
        st.booleans(),
        st.sampled_from(["lc,psf", "positions", "tar", "zip", "https://x.test", "out"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=4,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(sorted(CAMPAIGN_SETTINGS - {"sources"})), toml_values, max_size=3))
def test_campaign_file_settings_raise_only_configuration_error(tmp_path: Path, table: dict[str, Any]) -> None:
    text = "[campaign]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in table.items()) + SOURCE
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    try:
        parsed = load_campaign_file(path)
    except ConfigurationError:
        return
    except XRTError as error:
        raise AssertionError(f"only the settings vary here, yet {error!r}") from error
    found = parsed.settings
    if "max_active" in found:
        assert isinstance(found["max_active"], int)
        assert not isinstance(found["max_active"], bool)
    if "poll_interval" in found:
        assert 0 < found["poll_interval"] <= 86_400
    if "track_progress" in found:
        assert isinstance(found["track_progress"], bool)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("retrieve = 5", r"\[campaign\] retrieve must be a list of names .*got 5"),
        ("download = [1]", r"\[campaign\] download must be a list of names .*got \[1\]"),
        ("max_active = inf", r"\[campaign\] max_active must be a whole number, at least 1 \(got inf\)"),
        ("poll_interval = inf", r"\[campaign\] poll_interval must be a number of seconds, more than 0"),
        ("poll_interval = 1e400", r"poll_interval must be a number of seconds"),
        ("format = ['zip']", r"\[campaign\] format must be one of tar\.gz, tar, zip"),
        ("output = 3", r"\[campaign\] output must be a non-empty string"),
        ("sources = []", r"\[campaign\] sources must be a non-empty string"),
        ("max_active = 0\npoll_interval = -1", r"max_active .*; poll_interval .*"),
    ],
)
def test_the_fuzzing_cases_are_configuration_errors(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[campaign]\n{line}\n{SOURCE}", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        load_campaign_file(path)


@pytest.mark.parametrize("path", [5, None, b"c.toml", "c\x00.toml", "\ud800.toml"])
def test_a_campaign_file_that_is_no_path_is_a_configuration_error(path: Any) -> None:
    with pytest.raises(ConfigurationError):
        load_campaign_file(path)


def test_toml_nested_past_the_reader_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[template]\nx = " + "[" * 3000 + "]" * 3000 + "\n" + SOURCE, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="nested too deeply"):
        load_campaign_file(path)
