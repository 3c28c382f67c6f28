"""The client's parameter models and the emulator's validation, written apart, checked against each other.

Every request the client's models accept (random ones, from the params tests' strategy) must be accepted by
the emulator, and the ``jobPars`` it echoes must decode back to the same request.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings

from tests.params.test_documented import DOCUMENTED_VALID
from tests.params.test_properties import requests as job_requests
from xrt_prods_async.emulator._validation import build_job_pars, validate_submission
from xrt_prods_async.params import JobRequest

META = ("api_name", "api_version", "UserID")


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(job_requests())
def test_requests_the_client_accepts_are_accepted_and_echoed_faithfully(request: JobRequest) -> None:
    wire = request.to_wire("u@example.org")
    # name resolution depends on the catalogue
    assume(not any(wire.get(flag) == 1 for flag in ("getCoords", "getTargs", "getT0")))
    outcome = validate_submission(wire)
    assert outcome.submission is not None, (outcome.missing, outcome.invalid, wire)
    pars = build_job_pars(outcome.submission, job_id=1, envelope=wire)
    echoed = JobRequest.from_job_pars(pars)
    assert echoed.products == request.products
    again = echoed.to_wire("u@example.org")
    changed = {
        key: (value, again.get(key))
        for key, value in wire.items()
        if key not in META and again.get(key) != value
    }
    assert changed == {}


@pytest.mark.parametrize("name", sorted(DOCUMENTED_VALID))
def test_documented_requests_are_accepted_by_the_emulator(name: str) -> None:
    """The emulator models the service: it accepts every request the documentation allows."""
    body = DOCUMENTED_VALID[name]
    flat = any(p.flag in body for p in JobRequest.slots())
    request = JobRequest.from_swifttools_json(body) if flat else JobRequest(**body)
    outcome = validate_submission(request.to_wire("u@example.org"))
    assert outcome.submission is not None, (outcome.missing, outcome.invalid)
