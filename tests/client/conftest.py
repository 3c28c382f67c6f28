"""Fixtures of the client tests."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.support.client import LOOP, USER
from xrt_prods_async.client import LightCurveData, XRTClient
from xrt_prods_async.http import RetryPolicy


@pytest.fixture
async def client(no_backoff: None) -> AsyncIterator[XRTClient]:
    """An XRTClient on a loopback URL with a fast poll interval and three attempts per call."""
    async with XRTClient(USER, base_url=LOOP, poll_interval=0.01, retry=RetryPolicy(attempts=3)) as c:
        yield c


#: Dataset kinds of a light-curve reply and the example dataset each copies its columns and rows from.
KIND_SOURCES = {
    "": "PC_incbad",
    "UL": "PCUL_incbad",
    "Hard": "PCHard_incbad",
    "Soft": "PCHard_incbad",
    "HR": "PCHR_incbad",
}


@pytest.fixture
def every_kind_body(example: Callable[[str], Any]) -> dict[str, Any]:
    """A getLCData reply with WT and PC datasets of every kind, plain and with each variant suffix."""
    base = example("lcdata_response_reconstructed.json")
    body: dict[str, Any] = {key: base[key] for key in ("OK", "APIVersion", "Binning", "TimeFormat", "T0")}
    names: list[str] = []
    for mode in ("WT", "PC"):
        for suffix in ("", "_nosys", "_incbad", "_nosys_incbad"):
            for kind, source in KIND_SOURCES.items():
                name = f"{mode}{kind}{suffix}"
                names.append(name)
                body[f"{name}Data"] = {
                    **copy.deepcopy(base[f"{source}Data"]),
                    "URL": f"https://x.test/{name}.qdp",
                }
    body["Datasets"] = names
    return body


@pytest.fixture
def light_curve(example: Callable[[str], Any]) -> LightCurveData:
    """The documented light curve (PC_incbad, PCUL_incbad, PCHard/Soft/HR_incbad; MET with T0)."""
    return LightCurveData.model_validate(example("lcdata_response_reconstructed.json"))


@pytest.fixture
def every_kind(every_kind_body: dict[str, Any]) -> LightCurveData:
    return LightCurveData.model_validate(every_kind_body)
