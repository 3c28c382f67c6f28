"""The envelope every xrt_prods call shares (docs/protocol.md §1, §3, §4): the keys of every request and
reply, HTML outage pages, JSON decoding, ``OK`` / ``APIVersion`` / ``ERROR`` / ``listErr`` /
``deprecationWarning``, and the mapping of an ``OK`` = 0 reply onto the error tree.

Pure functions on text and dicts, with no I/O, so the http layer, the tests and any other caller read replies
the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xrt_prods_async._errors import (
    JobLimitError,
    NotOwnerError,
    ProblemGroup,
    ProtocolError,
    ServerError,
    ServerRefusedError,
    UnknownUserError,
)

from ._endpoints import PARAMETER_PROBLEMS_ERROR
from ._loose import MAX_NESTING, safe_str, too_deep

__all__ = [
    "API_NAME_KEY",
    "API_VERSION_KEY",
    "DEPRECATION_KEY",
    "ERROR_KEY",
    "JOB_ID_KEY",
    "LIST_ERR_KEY",
    "OK_KEY",
    "REPLY_ENVELOPE_KEYS",
    "REPLY_VERSION_KEY",
    "REQUEST_ENVELOPE_KEYS",
    "USER_ID_KEY",
    "DeprecationNotice",
    "decode_reply_object",
    "deprecation_notice",
    "error_from_reply",
    "html_title",
    "is_error_reply",
    "is_html",
    "parse_reply_text",
    "parse_version",
    "version_is_newer",
]

# -- the request envelope: keys swifttools adds to every xrt_prods call (docs/protocol.md §3.1) -------------

API_NAME_KEY = "api_name"
API_VERSION_KEY = "api_version"
USER_ID_KEY = "UserID"
#: Every request's envelope keys, in the order swifttools sends them; they are never job parameters.
REQUEST_ENVELOPE_KEYS: tuple[str, ...] = (API_NAME_KEY, API_VERSION_KEY, USER_ID_KEY)

# -- the reply envelope (docs/protocol.md §3.3, §4.1) ----------------------------------------------------

#: 1 = processed, 0 = error, 2 = partial success (cancel only).
OK_KEY = "OK"
#: The service's API version, in every reply.
REPLY_VERSION_KEY = "APIVersion"
#: The error text of an ``OK`` = 0 reply.
ERROR_KEY = "ERROR"
#: Groups of parameter problems of an ``OK`` = 0 reply.
LIST_ERR_KEY = "listErr"
#: An optional ``{"type", "message"}`` notice, shown once per type.
DEPRECATION_KEY = "deprecationWarning"
#: Keys any reply may carry besides its own body.
REPLY_ENVELOPE_KEYS: frozenset[str] = frozenset(
    {OK_KEY, REPLY_VERSION_KEY, ERROR_KEY, LIST_ERR_KEY, DEPRECATION_KEY}
)

#: The job a call is about: a request key of every call on one job, echoed in most of their replies.
JOB_ID_KEY = "JobID"

_BODY_EXCERPT = 300
#: Deepest JSON nesting a reply may have: the documented replies nest about ten levels (a status whose
#: progress steps hold sub-steps); anything far deeper is no reply of the service.
MAX_REPLY_NESTING = 2 * MAX_NESTING

_UNKNOWN_USER = re.compile(r"is not recognised|not recogni[sz]ed\s*/\s*validated|not validated", re.I)
_NOT_OWNER = re.compile(r"\bis not owned by\b", re.I)
# The job-cap reply is undocumented (docs/protocol.md §16); these phrasings cover "too many jobs",
# "job limit", "maximum number of jobs", "N jobs queued or running; the limit is N".
_JOB_LIMIT = re.compile(
    r"too many (active |queued |running )?jobs|jobs? limit|limit (of|on) .*jobs|maximum number of .*jobs"
    r"|jobs? (queued|running|active).*\blimit\b|\blimit\b.*\bjobs\b",
    re.I,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


def is_html(text: str) -> bool:
    """True when a body is an HTML page (the service's outage and error pages) rather than JSON."""
    head = text.lstrip()[:512].lower()
    return head.startswith("<") or "<html" in head or "<!doctype" in head


def html_title(text: str) -> str | None:
    """The ``<title>`` of an HTML page, whitespace collapsed, for error messages."""
    match = _TITLE.search(text)
    if not match:
        return None
    title = " ".join(match.group(1).split())
    return title or None


def decode_reply_object(text: str, *, url: str | None = None) -> dict[str, Any]:
    """Decode one reply body that must be a JSON object; ``ProtocolError`` for anything else (truncated,
    empty, an array). The envelope keys are not checked: xrt_prods and the main API differ there."""
    excerpt = text[:_BODY_EXCERPT]
    try:
        reply = json.loads(text)
    except ValueError as exc:
        what = "empty" if not text.strip() else "not valid JSON (truncated or garbled?)"
        raise ProtocolError(f"The service's reply is {what}: {exc}", url=url, body=excerpt) from None
    except RecursionError:
        reply = None  # nested too deeply for Python's JSON reader: reported as such below
    if reply is None or too_deep(reply, MAX_REPLY_NESTING):
        raise ProtocolError(
            f"The service's reply nests JSON more than {MAX_REPLY_NESTING} levels deep; no reply of the "
            "protocol does",
            url=url,
            body=excerpt,
        )
    if not isinstance(reply, dict):
        raise ProtocolError(
            f"The service's reply is JSON but not an object (got {type(reply).__name__})",
            url=url,
            body=excerpt,
        )
    return reply


def parse_reply_text(text: str, *, url: str | None = None) -> dict[str, Any]:
    """Decode one reply body and check the envelope keys every reply must carry (``OK``, ``APIVersion``).

    Raises ``ProtocolError`` for a body that is not a JSON object (truncated, empty, an array) or lacks
    ``OK`` or ``APIVersion``. HTML pages must be detected before this (see ``is_html``).
    """
    excerpt = text[:_BODY_EXCERPT]
    reply = decode_reply_object(text, url=url)
    missing = [key for key in (OK_KEY, REPLY_VERSION_KEY) if key not in reply]
    if missing:
        raise ProtocolError(
            f"The service's reply lacks {' and '.join(missing)}, which every reply carries; "
            "the service may have changed its protocol (is there a newer xrt_prods_async?)",
            url=url,
            body=excerpt,
        )
    return reply


def parse_version(value: Any) -> tuple[int, ...] | None:
    """A dotted version (``"1.12"``, ``1.6``, ``"1.6.1"``) as a tuple of ints, or None if it is not one.

    Compare versions as tuples, never as floats: ``"1.10"`` is newer than ``"1.9"`` while ``1.10 < 1.9``.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = repr(value) if isinstance(value, float) else str(value)
    text = text.strip()
    if not re.fullmatch(r"\d+(\.\d+){0,3}", text):
        return None
    return tuple(int(part) for part in text.split("."))


def version_is_newer(server: Any, client: str) -> bool:
    """True when the server's ``APIVersion`` is a newer dotted version than ``client``'s."""
    theirs = parse_version(server)
    ours = parse_version(client)
    if theirs is None or ours is None:
        return False
    width = max(len(theirs), len(ours))
    return theirs + (0,) * (width - len(theirs)) > ours + (0,) * (width - len(ours))


@dataclass(frozen=True, slots=True)
class DeprecationNotice:
    """A ``deprecationWarning`` object of a reply: shown to the user once per ``type``."""

    type: str
    message: str


def deprecation_notice(reply: Mapping[str, Any], *, url: str | None = None) -> DeprecationNotice | None:
    """The reply's ``deprecationWarning``, if any; ``ProtocolError`` if it lacks ``type`` or ``message``."""
    raw = reply.get(DEPRECATION_KEY)
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or "type" not in raw or "message" not in raw:
        raise ProtocolError(
            "The service's deprecationWarning lacks its 'type' or 'message'",
            url=url,
            body=safe_str(raw)[:300],
        )
    return DeprecationNotice(type=safe_str(raw["type"]), message=safe_str(raw["message"]))


def _problem_groups(raw: Any) -> tuple[ProblemGroup, ...]:
    groups: list[ProblemGroup] = []
    if not isinstance(raw, list):
        return ()
    for entry in raw:
        if not isinstance(entry, Mapping):
            continue
        label = safe_str(entry.get("label", "")).strip()
        items = entry.get("list", [])
        if not isinstance(items, list):
            items = [items]
        groups.append(ProblemGroup(label=label, items=tuple(safe_str(item) for item in items)))
    return tuple(groups)


def is_error_reply(reply: Mapping[str, Any]) -> bool:
    """True for an ``OK`` = 0 reply (the service's error; 0 may come as a number, a string or false)."""
    return reply.get(OK_KEY) in (0, "0", False)


def error_from_reply(reply: Mapping[str, Any], *, endpoint: str | None = None) -> ServerError:
    """The exception for an ``OK`` = 0 reply, chosen by what the service said.

    ``listErr`` (or the parameter-problems text) -> ``ServerRefusedError`` with the raw groups (wire names;
    the client translates them); unknown user -> ``UnknownUserError``; another user's job ->
    ``NotOwnerError``; the per-user job cap -> ``JobLimitError``; anything else -> ``ServerError``.
    """
    raw_error = reply.get(ERROR_KEY)
    message = safe_str(raw_error).strip() if raw_error is not None else ""
    if not message:
        message = "The service reported an error (OK = 0) without saying why"
    copy = dict(reply)
    if LIST_ERR_KEY in reply or message.startswith(PARAMETER_PROBLEMS_ERROR):
        return ServerRefusedError(
            message, _problem_groups(reply.get(LIST_ERR_KEY)), endpoint=endpoint, reply=copy
        )
    if _UNKNOWN_USER.search(message):
        return UnknownUserError(
            f"{message} (register and verify the address at "
            "https://www.swift.ac.uk/user_objects/register.php)",
            endpoint=endpoint,
            reply=copy,
        )
    if _NOT_OWNER.search(message):
        return NotOwnerError(message, endpoint=endpoint, reply=copy)
    if _JOB_LIMIT.search(message):
        return JobLimitError(message, endpoint=endpoint, reply=copy)
    return ServerError(message, endpoint=endpoint, reply=copy)
