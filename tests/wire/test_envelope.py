"""The reply envelope: JSON decoding, OK/APIVersion, versions, deprecation notices, error mapping."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.nasty import nested
from xrt_prods_async._errors import (
    JobLimitError,
    NotOwnerError,
    ProtocolError,
    ServerError,
    ServerRefusedError,
    UnknownUserError,
)
from xrt_prods_async.wire._envelope import (
    deprecation_notice,
    error_from_reply,
    html_title,
    is_error_reply,
    is_html,
    parse_reply_text,
    parse_version,
    version_is_newer,
)
from xrt_prods_async.wire._replies import PositionReply, SubmitReply, parse_reply

PAGE_404 = "<!DOCTYPE html><html><head><title>UKSSDC | 404 page not found</title></head><body>x</body></html>"


def test_is_html_and_title() -> None:
    assert is_html(PAGE_404)
    assert is_html("\n  <html><body>down</body></html>")
    assert not is_html('{"OK": 1}')
    assert html_title(PAGE_404) == "UKSSDC | 404 page not found"
    assert html_title("<html><body>no title</body></html>") is None


@pytest.mark.parametrize(("ok", "error"), [(0, True), ("0", True), (False, True), (1, False), (2, False)])
def test_an_error_reply_is_ok_zero_however_spelled(ok: object, error: bool) -> None:
    assert is_error_reply({"OK": ok, "APIVersion": "1.12"}) is error


def test_parse_reply_text_accepts_a_full_envelope() -> None:
    assert parse_reply_text('{"OK": 1, "APIVersion": 0.1, "numJobs": 0}') == {
        "OK": 1,
        "APIVersion": 0.1,
        "numJobs": 0,
    }


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('{"OK": 1, "APIVer', "not valid JSON"),
        ("", "empty"),
        ("[1, 2]", "not an object"),
        ('{"APIVersion": "1.12"}', "lacks OK"),
        ('{"OK": 1}', "lacks APIVersion"),
    ],
)
def test_parse_reply_text_rejects_bad_bodies(body: str, fragment: str) -> None:
    with pytest.raises(ProtocolError, match=fragment) as info:
        parse_reply_text(body, url="https://x.test/a.php")
    assert info.value.url == "https://x.test/a.php"
    assert info.value.body == body[:300]


@pytest.mark.parametrize("depth", [65, 900, 100_000])
def test_a_reply_nested_too_deeply_is_a_protocol_error(depth: int) -> None:
    """Past Python's JSON reader (100,000 levels) or merely past any reply of the protocol (65)."""
    body = '{"OK": 1, "APIVersion": "1.12", "x": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(ProtocolError, match="more than 64 levels deep"):
        parse_reply_text(body)


def test_parse_reply_refuses_a_mapping_nested_too_deeply_or_not_a_mapping() -> None:
    with pytest.raises(ProtocolError, match="nests more than 64 levels deep") as info:
        parse_reply(SubmitReply, {"JobID": 1, "URL": "u", "jobPars": {"x": nested(3000)}})
    assert info.value.body == "<nested too deeply to show>"
    with pytest.raises(ProtocolError, match="not a JSON object"):
        parse_reply(SubmitReply, [1, 2])  # type: ignore[arg-type]


def test_numbers_beyond_float_range_are_a_mismatch() -> None:
    reply = parse_reply_text('{"OK": 1, "APIVersion": "1.12", "GotPos": 1, "RA": 1' + "0" * 400 + "}")
    with pytest.raises(ProtocolError, match="RA"):
        parse_reply(PositionReply, {**reply, "Dec": 1, "Err90": 1})


def test_error_replies_are_read_whatever_they_hold() -> None:
    huge = 10**5000  # too long for str() under Python's integer-string limit
    error = error_from_reply({"OK": 0, "ERROR": huge, "listErr": [{"label": huge, "list": [huge, "poserr"]}]})
    assert isinstance(error, ServerRefusedError)
    assert error.groups[0].items == ("<a int>", "poserr")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.12", (1, 12)),
        (0.1, (0, 1)),
        ("1.6.1", (1, 6, 1)),
        (2, (2,)),
        ("v1", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_version(value: object, expected: tuple[int, ...] | None) -> None:
    assert parse_version(value) == expected


@pytest.mark.parametrize(
    ("server", "client", "newer"),
    [
        ("1.10", "1.9", True),  # dotted, not float: 1.10 > 1.9
        ("1.9", "1.12", False),
        ("1.12", "1.12", False),
        ("1.12.1", "1.12", True),
        ("1.12.0", "1.12", False),
        (0.1, "1.12", False),
        ("2.0", "1.12", True),
        ("garbage", "1.12", False),
    ],
)
def test_version_is_newer_compares_dotted_versions(server: object, client: str, newer: bool) -> None:
    assert version_is_newer(server, client) is newer


def test_deprecation_notice() -> None:
    assert deprecation_notice({"OK": 1}) is None
    notice = deprecation_notice({"deprecationWarning": {"type": "lcformat", "message": "old layout goes"}})
    assert notice is not None
    assert (notice.type, notice.message) == ("lcformat", "old layout goes")
    with pytest.raises(ProtocolError, match="deprecationWarning"):
        deprecation_notice({"deprecationWarning": {"type": "x"}})


def test_listerr_reply_becomes_server_refused_with_groups(example: Any) -> None:
    error = error_from_reply(example("submit_error_listErr.json"), endpoint="run_userobject.php")
    assert isinstance(error, ServerRefusedError)
    assert error.message == "There were problems with the parameters you supplied."
    assert [g.label for g in error.groups] == [
        "The following parameters are needed, but were not supplied:",
        "The following parameters have invalid values:",
    ]
    assert error.groups[0].items == ("Dec", "cent")
    assert error.groups[1].items == ("poserr is 0.01, but must be between 1 and 6",)
    assert error.endpoint == "run_userobject.php"


def test_unknown_user_reply(example: Any) -> None:
    error = error_from_reply(example("getnumjobs_error_unknown_user.json"))
    assert isinstance(error, UnknownUserError)
    assert "NO-ONE" in str(error)
    assert "register" in str(error)


def test_not_owner_reply(example: Any) -> None:
    error = error_from_reply(example("cancel_error.json"))
    assert isinstance(error, NotOwnerError)
    assert error.message == "Job 147 is not owned by user frodo@mount.doom"


@pytest.mark.parametrize(
    "text",
    [
        "You already have 20 jobs queued or running; the limit is 20. Please wait for some to finish.",
        "Too many active jobs",
        "You have reached the maximum number of concurrent jobs",
        "Job limit reached",
    ],
)
def test_job_cap_reply(text: str) -> None:
    assert isinstance(error_from_reply({"OK": 0, "ERROR": text}), JobLimitError)


def test_other_errors_are_plain_server_errors() -> None:
    error = error_from_reply({"OK": 0, "ERROR": "Something odd happened"})
    assert type(error) is ServerError
    assert error.reply == {"OK": 0, "ERROR": "Something odd happened"}
    missing = error_from_reply({"OK": 0})
    assert "without saying why" in str(missing)
