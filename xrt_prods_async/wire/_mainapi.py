"""The UKSSDC main API's envelope and replies (docs/protocol.md §15): rebinning a finished light curve.

Its envelope is not xrt_prods': a request names its function (``APIFunc``) and the client's ukssdc version
(``APIVersion``) beside the function's arguments, with no ``api_name`` or ``UserID``; a reply signals failure
by the *presence* of ``ERROR`` (a code) with an optional ``ERRORTEXT``, success by ``OK``, and may omit
``APIVersion``. Pure functions on dicts, like ``_envelope``, so the http layer and the tests read replies the
same way; errors land in the package's tree (``ServerRefusedError`` when the reply groups parameter problems
in ``listErr``, else ``ServerError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from pydantic import BaseModel, ConfigDict, Field

from xrt_prods_async._errors import ServerError

from ._endpoints import MAIN_API_PATH, MAIN_API_VERSION, MainApiFunction
from ._envelope import ERROR_KEY, LIST_ERR_KEY, OK_KEY, REPLY_VERSION_KEY, error_from_reply
from ._loose import LooseInt, LooseStr

__all__ = [
    "MAIN_ERROR_TEXT_KEY",
    "MAIN_FUNCTION_KEY",
    "MAIN_VERSION_KEY",
    "OBJECT_ID_KEY",
    "OBJECT_NAME_KEY",
    "OBJECT_TYPE_KEY",
    "REBIN_ID_KEY",
    "RebinReply",
    "RebinStatusReply",
    "check_main_api_reply",
    "main_api_endpoint",
    "main_api_error",
    "main_api_request",
    "main_api_url_for",
]

#: The function a request calls.
MAIN_FUNCTION_KEY = "APIFunc"
#: The client's ukssdc version in a request; the service's, when it says, in a reply.
MAIN_VERSION_KEY = REPLY_VERSION_KEY
#: The words of an error reply, beside its ``ERROR`` code.
MAIN_ERROR_TEXT_KEY = "ERRORTEXT"
#: The kind of object a light-curve call is about (``LightCurveType``).
OBJECT_TYPE_KEY = "type"
#: The object itself: the xrt_prods JobID to rebin, or the RebinID to download.
OBJECT_ID_KEY = "objectID"
#: The object name a rebin is filed under (swifttools fills in the job's name).
OBJECT_NAME_KEY = "name"
#: The RebinID: in the reply of ``rebinLightCurve`` and the request of ``checkRebinStatus``/``cancelRebin``.
REBIN_ID_KEY = "JobID"


def main_api_url_for(base_url: str) -> str:
    """The main API beside a service root: ``https://www.swift.ac.uk/user_objects`` ->
    ``https://www.swift.ac.uk/API/main.php`` (the root's sibling, as on the real site and the emulator)."""
    return urljoin(base_url.rstrip("/"), MAIN_API_PATH)


def main_api_endpoint(function: MainApiFunction | str) -> str:
    """How errors name a main-API call: ``API/main.php:rebinLightCurve``."""
    return f"{MAIN_API_PATH}:{MainApiFunction(function).value}"


def main_api_request(function: MainApiFunction, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The body of one call: its arguments, then ``APIFunc`` and ``APIVersion`` (as swifttools sends them)."""
    return {**arguments, MAIN_FUNCTION_KEY: function.value, MAIN_VERSION_KEY: MAIN_API_VERSION}


def main_api_error(reply: Mapping[str, Any], *, function: MainApiFunction | str) -> ServerError:
    """The exception for a reply holding ``ERROR``: its text and code, mapped like an xrt_prods refusal.

    The main API's codes are undocumented, so the text decides, as for xrt_prods replies: ``listErr`` (or
    the parameter-problems text) makes a ``ServerRefusedError`` (raw names; the client translates them).
    """
    code = reply.get(ERROR_KEY)
    text = str(reply.get(MAIN_ERROR_TEXT_KEY) or "").strip() or "The UKSSDC API reported an error"
    endpoint = main_api_endpoint(function)
    shaped: dict[str, Any] = {ERROR_KEY: f"{text} (error code {code} from {endpoint})"}
    if LIST_ERR_KEY in reply:
        shaped[LIST_ERR_KEY] = reply[LIST_ERR_KEY]
    error = error_from_reply(shaped, endpoint=endpoint)
    error.reply = dict(reply)
    return error


def check_main_api_reply(reply: Mapping[str, Any], *, function: MainApiFunction | str) -> None:
    """Raise for a reply that is not a success: ``ERROR`` present, or no ``OK`` (an unspecified error)."""
    if ERROR_KEY in reply:
        raise main_api_error(reply, function=function)
    if OK_KEY not in reply:
        endpoint = main_api_endpoint(function)
        raise ServerError(
            f"The UKSSDC API answered {endpoint} with neither OK nor an error code: an unspecified error",
            endpoint=endpoint,
            reply=dict(reply),
        )


class _MainReply(BaseModel):
    # defer_build: each reply's validator is built when a reply of its kind first arrives, not at import.
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", defer_build=True)


class RebinReply(_MainReply):
    """``rebinLightCurve``: the rebin's own identifier (``JobID``, text on the wire; not an xrt_prods job)."""

    rebin_id: LooseInt = Field(alias=REBIN_ID_KEY)


class RebinStatusReply(_MainReply):
    """``checkRebinStatus``: a status code as for a product (docs/protocol.md §7.2) and its text."""

    code: LooseInt = Field(alias="status")
    text: LooseStr = Field(alias="text")
