"""The Job handle: every client method that takes a job is a method of the job, with the same signature."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from tests.support.client import make_job
from xrt_prods_async._products import Product
from xrt_prods_async.client import Job, JobRef, XRTClient


def _job_methods() -> dict[str, inspect.Signature]:
    """XRTClient's public methods whose first parameter is a job, with their signatures minus the job."""
    found: dict[str, inspect.Signature] = {}
    for name, method in inspect.getmembers(XRTClient, inspect.isfunction):
        if name.startswith("_"):
            continue
        first = list(inspect.signature(method, eval_str=True).parameters.values())[1:2]
        if first and (first[0].name == "job" or first[0].annotation in (Job, JobRef)):
            signature = inspect.signature(method)
            found[name] = signature.replace(parameters=list(signature.parameters.values())[2:])
    return found


def test_the_client_methods_on_a_job_are_found() -> None:
    # Guards the test below against finding nothing: these are the documented ones at least.
    assert {"status", "wait", "cancel", "download", "download_all", "light_curve"} <= set(_job_methods())
    assert "submit" not in _job_methods()


def test_every_client_method_on_a_job_is_a_job_method_with_the_same_signature(client: XRTClient) -> None:
    job = make_job(client, Product.LIGHT_CURVE)
    for name, expected in _job_methods().items():
        assert hasattr(job, name), f"Job has no {name}(); XRTClient.{name} takes a job"
        assert inspect.signature(getattr(job, name)) == expected, name
        assert getattr(job, name).__doc__ == getattr(Job, name).__doc__ == getattr(XRTClient, name).__doc__


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("status", (["lc"],), {}),
        ("wait", (), {"timeout": 5.0}),
        ("download_all", ("out",), {"overwrite": True}),
        ("light_curve", (), {"nosys": "both"}),
    ],
)
async def test_a_job_method_calls_the_client_with_the_job_first(
    client: XRTClient,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    job = make_job(client, Product.LIGHT_CURVE)
    calls: list[tuple[Any, ...]] = []

    async def record(*call_args: Any, **call_kwargs: Any) -> str:
        calls.append((call_args, call_kwargs))
        return "result"

    monkeypatch.setattr(client, name, record)  # looked up on the client at call time
    assert await getattr(job, name)(*args, **kwargs) == "result"
    assert await getattr(Job, name)(job, *args, **kwargs) == "result"
    assert calls == [((job, *args), kwargs)] * 2
