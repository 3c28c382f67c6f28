"""The main API's envelope: the request body, where it lives, and what its replies mean."""

from __future__ import annotations

from typing import Any

import pytest

from xrt_prods_async._errors import ServerError, ServerRefusedError
from xrt_prods_async.wire import (
    DEFAULT_BASE_URL,
    DEFAULT_MAIN_API_URL,
    MainApiFunction,
    RebinReply,
    RebinStatusReply,
    check_main_api_reply,
    main_api_error,
    main_api_request,
    main_api_url_for,
)


def test_the_main_api_is_the_service_roots_sibling() -> None:
    assert main_api_url_for(DEFAULT_BASE_URL) == DEFAULT_MAIN_API_URL
    assert main_api_url_for("http://127.0.0.1:8000/user_objects/") == "http://127.0.0.1:8000/API/main.php"
    assert (
        main_api_url_for("https://mirror.example/a/user_objects") == "https://mirror.example/a/API/main.php"
    )


def test_a_request_names_its_function_and_the_ukssdc_version(example: Any) -> None:
    body = main_api_request(MainApiFunction.REBIN_STATUS, {"JobID": 77})
    assert body == example("rebin_status_request_constructed.json")
    assert list(body) == ["JobID", "APIFunc", "APIVersion"]


@pytest.mark.parametrize(
    ("function", "idempotent"),
    [
        ("rebinLightCurve", False),
        ("cancelRebin", False),
        ("checkRebinStatus", True),
        ("downloadLightCurve", True),
    ],
)
def test_only_reads_may_be_repeated(function: str, idempotent: bool) -> None:
    assert MainApiFunction(function).idempotent is idempotent


def test_success_needs_ok_and_no_error(example: Any) -> None:
    check_main_api_reply({"OK": 1}, function=MainApiFunction.CANCEL_REBIN)
    with pytest.raises(ServerError, match=r"^bad thing \(error code 42 from API/main.php:cancelRebin\)$"):
        check_main_api_reply(example("mainapi_error_constructed.json"), function="cancelRebin")
    with pytest.raises(ServerError, match="neither OK nor an error code"):
        check_main_api_reply({"APIVersion": "1.0.5"}, function=MainApiFunction.REBIN)


def test_parameter_problems_are_a_refusal() -> None:
    reply = {
        "ERROR": "6",
        "ERRORTEXT": "There were problems with the parameters you supplied.",
        "listErr": [
            {"label": "The following parameters are needed, but were not supplied:", "list": ["dynamic"]}
        ],
    }
    error = main_api_error(reply, function=MainApiFunction.REBIN)
    assert isinstance(error, ServerRefusedError)
    assert error.groups[0].items == ("dynamic",)
    assert error.reply == reply
    assert error.endpoint == "API/main.php:rebinLightCurve"


def test_reply_models_read_loose_types(example: Any) -> None:
    assert RebinReply.model_validate(example("rebin_response_constructed.json")).rebin_id == 77
    status = RebinStatusReply.model_validate(example("rebin_status_response_constructed.json"))
    assert (status.code, status.text) == (3, "Running")
    assert RebinStatusReply.model_validate({"OK": 1, "status": "4", "text": "Complete"}).code == 4
