"""Whatever a client sends, the emulator answers as the service does and never fails.

Every API path gets HTTP 200 and a well-formed envelope (docs/protocol.md §1, §4: ``OK`` 0 with an ``ERROR``
text for a refusal); control paths answer 200 or 422 with a JSON object; download paths 200 or the 404 page. A
crash would surface here as an exception: the ASGI transport re-raises whatever the app raises.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.emulator import ALL_PRODUCTS_REQUEST, OTHER, USER, Service
from xrt_prods_async._products import Product
from xrt_prods_async.emulator._validation import WIRE_PARAMETERS
from xrt_prods_async.wire._endpoints import Endpoint

ENDPOINTS = list(Endpoint)
ALL = ",".join(p.value for p in Product)

SPECIAL_TEXT = st.sampled_from(
    ["²", "٣", "1", "0", "-1", " 1001 ", "1001", "00001001", "1e400", "1.5", "NaN", "inf", "", " ", "lc", ALL,
     "yes", "both", "1.10", "1.9", "Array", "9" * 40, "9" * 5000, "0x10", "\ud800", "a\x00b", USER, OTHER]
)  # fmt: skip
NUMBERS = (
    st.integers()
    | st.sampled_from([0, -1, 1001, 2**63 - 1, 2**63, 2**64, 10**308, 10**400])
    | st.floats(allow_nan=False, allow_infinity=False)
)
SCALARS = st.none() | st.booleans() | NUMBERS | st.text(max_size=8) | SPECIAL_TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
#: The fields the non-submit calls read (drawn as often as all the submit parameters together).
FIELDS = st.sampled_from(
    ["UserID", "JobID", "oldJob", "what", "whatProg", "nosys", "incbad", "api_name", "api_version"]
) | st.sampled_from([p.name for p in WIRE_PARAMETERS])
#: Not JobIDs: "²" passes str.isdigit but not int(); the others are negative, fractional or too big.
ODD_JOB_IDS = ["²", "٣", "-1", "0", "1.5", "1e3", "9" * 40, "9" * 5000, " ", "0x10", 2**63, -1, 1.5, 10**308]
#: What a body starts from before random changes: a call's usual fields (JobID filled in), nothing, a submit.
BASES = st.sampled_from(
    [
        {"UserID": USER, "JobID": None, "oldJob": None, "what": ALL, "whatProg": ALL},
        {"UserID": USER, "JobID": None, "oldJob": None, "what": ALL, "nosys": "both", "incbad": "yes"},
        {},
        ALL_PRODUCTS_REQUEST,
    ]
)
#: Bodies PHP's json_decode refuses (non-JSON constants, numbers beyond a double, lone surrogates, bad UTF-8,
#: a BOM, nesting past 512) and JSON that is not an object: each must get the invalid-body envelope.
ODD_BYTES = st.sampled_from(
    [b"", b" ", b"null", b"[]", b'"x"', b"1", b'{"UserID": NaN}', b'{"JobID": Infinity}', b'{"JobID": 1e400}',
     b'{"JobID": ' + b"9" * 5000 + b"}", b"[" * 100_000, b'{"UserID": "\\ud800"}', b'{"UserID": "\xff"}',
     b"\xef\xbb\xbf{}", b'\x00{"UserID": 1}', '{"UserID": "é"}'.encode("utf-16")]
)  # fmt: skip
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def dump(value: Any) -> bytes:
    """JSON as Python writes it (ASCII, so lone surrogates travel as ``\\ud800`` escapes)."""
    return json.dumps(value).encode()


def _no_constant(name: str) -> Any:
    raise AssertionError(f"{name} in a reply")


def assert_envelope(response: Any) -> dict[str, Any]:
    """HTTP 200 and one line of strict JSON: an object with an integer ``OK`` and ``APIVersion``."""
    assert response.status_code == 200, response.text[:300]
    text = response.text
    assert "\n" not in text
    reply = json.loads(text, parse_constant=_no_constant)
    assert isinstance(reply, dict)
    assert type(reply["OK"]) is int
    assert reply["OK"] in (0, 1, 2)
    assert reply["APIVersion"] == "1.12"
    if reply["OK"] == 0:
        assert isinstance(reply["ERROR"], str)
        assert reply["ERROR"]
        for group in reply.get("listErr", []):
            assert isinstance(group["label"], str)
            assert all(isinstance(item, str) for item in group["list"])
    return reply


async def ensure_job(service: Service) -> None:
    """Job 1001 of USER, finished (the fixture is shared by every example of a test)."""
    if not service.state.jobs:
        await service.submit(sourceDet=1, detobs="all")
        service.advance(100_000)


@SETTINGS
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    base=BASES,
    changes=st.dictionaries(FIELDS | st.text(max_size=5), JSON, max_size=4),
    job=st.sampled_from(["1001", 1001, 1001.0, *ODD_JOB_IDS]),
)
async def test_any_json_object_gets_an_envelope(
    service: Service, endpoint: Endpoint, base: dict[str, Any], changes: dict[str, Any], job: Any
) -> None:
    await ensure_job(service)
    body = {**{k: job if v is None else v for k, v in base.items()}, **changes}
    assert_envelope(await service.raw(endpoint, dump(body)))
    service.advance(5000)  # jobs accepted on the way finish, so later examples reach their results


@SETTINGS
@given(endpoint=st.sampled_from(ENDPOINTS), body=JSON | st.binary(max_size=64) | ODD_BYTES)
async def test_any_body_gets_an_envelope(service: Service, endpoint: Endpoint, body: Any) -> None:
    assert_envelope(await service.raw(endpoint, body if isinstance(body, bytes) else dump(body)))


async def test_a_get_without_a_body_gets_an_envelope(service: Service) -> None:
    for endpoint in ENDPOINTS:
        reply = assert_envelope(await service.client.get(f"/user_objects/{endpoint}"))
        assert reply["OK"] == 0


async def test_odd_job_ids_are_refused_by_every_endpoint_that_takes_one(service: Service) -> None:
    await ensure_job(service)
    for endpoint in ENDPOINTS:
        for job_id in ODD_JOB_IDS:
            body = {"UserID": USER, "JobID": job_id, "oldJob": job_id, "what": "lc"}
            reply = assert_envelope(await service.raw(endpoint, dump(body)))
            if endpoint not in (Endpoint.SUBMIT, Endpoint.NUM_JOBS, Endpoint.OLD_JOBS):
                assert reply["OK"] == 0, (endpoint, job_id)
                assert "not a valid job ID" in reply["ERROR"] or "not owned" in reply["ERROR"]


#: Values in range that stretch the science: tiny and huge bins, empty or odd time lists, long names.
EDGE_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "name": st.text(min_size=1, max_size=40),
    "RA": st.floats(0, 359.999),
    "Dec": st.floats(-90, 90),
    "Tstart": NUMBERS | st.text(max_size=12),
    "binMeth": st.sampled_from(["counts", "time", "snapshot", "obsid"]),
    "pcbin": st.sampled_from([1e-300, 1e-3, 1, 1e12, 1e300]),
    "wtbin": st.sampled_from([1e-300, 1e-3, 1, 1e12, 1e300]),
    "pccounts": st.sampled_from([1, 2, 10**12, 10**300]),
    "wtcounts": st.sampled_from([1, 2, 10**12, 10**300]),
    "pcmaxbin": st.sampled_from([1e-300, 1e300]),
    "sigmin": st.sampled_from([1e-300, 1e300]),
    "timeslice": st.sampled_from(["single", "user", "snapshot", "obsid"]),
    "rname1": st.sampled_from(["a", "Z9"]),
    "gti1": st.sampled_from(["0-1", "1e300-1e301", "-5--1", "x", "1-2,3-4", "00000001001"]),
    "lcobs": st.sampled_from(["all", "user"]),
    "uselcobs": st.sampled_from(["0-1e300", "1", "x", "5-1", "00966554001,1-2"]),
    "specobs": st.sampled_from(["all", "user", "hours"]),
    "usespecobs": st.sampled_from(["0-1e300", "x", "00966554001"]),
    "specobstime": st.sampled_from([1e-300, 1e300]),
    "posobstime": st.sampled_from([1e-300, 1e300]),
    "imen": st.sampled_from(["0.3-10", "0.3-0.31,9.9-10"]),
    "models": st.sampled_from(["powerlaw", "apec,blackbody", ["apec"]]),
    "zval": st.sampled_from([0, 1e300]),
    "specz": st.sampled_from([0, 1]),
    "sinceT0": st.sampled_from([0, 1]),
    "femin": st.sampled_from([0, 1]),
}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.fixed_dictionaries({}, optional=EDGE_VALUES))
async def test_accepted_jobs_with_edge_values_serve_their_results(
    service: Service, changes: dict[str, Any]
) -> None:
    body = {**ALL_PRODUCTS_REQUEST, "sourceDet": 1, "detobs": "all", "specz": 0, **changes}
    reply = assert_envelope(await service.raw(Endpoint.SUBMIT, dump(body)))
    if reply["OK"] != 1:
        return
    service.advance(100_000)
    request = {"UserID": USER, "JobID": reply["JobID"], "what": ALL, "nosys": "both", "incbad": "both"}
    for endpoint in ENDPOINTS:
        if endpoint is not Endpoint.SUBMIT:
            assert_envelope(await service.raw(endpoint, dump(request)))
    response = await service.client.get(f"{reply['URL']}/all.tar")
    assert response.status_code == 200


CONTROL = [
    ("PUT", "/emulator/faults"),
    ("POST", "/emulator/users"),
    ("PUT", "/emulator/clock"),
    ("GET", "/emulator/metrics"),
    ("GET", "/emulator/config"),
]
CONTROL_BODIES = JSON.map(dump) | st.binary(max_size=32) | ODD_BYTES | st.sampled_from(
    [dump({"advance": 1e308}), dump({"advance": -0.0}), dump({"time_scale": 1e308}),
     dump({"time_scale": "nan"}), dump({"advance": "1e400"}), dump({"users": "a@b"}), dump({"users": [1]}),
     dump({"UserID": "a@\ud800"}), dump({"rules": [{"endpoint": "\ud800"}]}),
     dump({"rules": [{"endpoint": "*", "limit": 10**400}]})]
)  # fmt: skip


@SETTINGS
@given(route=st.sampled_from(CONTROL), body=CONTROL_BODIES)
async def test_control_paths_answer_200_or_422(service: Service, route: tuple[str, str], body: bytes) -> None:
    method, path = route
    response = await service.client.request(method, path, content=body)
    assert response.status_code in (200, 422), response.text[:300]
    assert isinstance(json.loads(response.text, parse_constant=_no_constant), dict)
    # The clock stays usable, and the metrics (which map simulated moments to wall time) still encode.
    metrics = await service.client.get("/emulator/metrics")
    assert metrics.status_code == 200
    json.loads(metrics.text, parse_constant=_no_constant)


PATH_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="?#"), max_size=20)


@SETTINGS
@given(
    job=st.sampled_from(["1001", "00001001", "1002", "0", "-1", "²", "9" * 30, "9" * 5000]),
    rest=PATH_TEXT | st.sampled_from(["lc.tar", "all.zip", "x.tar.gz", "lc/", "../lc.tar", "%00", "spec/x"]),
)
async def test_download_paths_answer_200_or_404(service: Service, job: str, rest: str) -> None:
    await ensure_job(service)
    response = await service.client.get(f"/user_objects/tprods/USERPROD_{job}/{quote(rest)}")
    if response.status_code == 307:  # the job's folder itself, as Apache adds the slash to a directory
        assert response.headers["location"] == f"{response.request.url}/"
    else:
        assert response.status_code in (200, 404)
