"""Bad arguments to the client's calls are the library's own errors, naming the argument, sent nowhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import make_job
from tests.support.examples import load_example
from xrt_prods_async import ConfigurationError, LightCurveData, Product, UnknownNameError, XRTClient, XRTError


@pytest.mark.parametrize("job", ["1001", 10.5, None, True, object()])
async def test_a_job_that_is_neither_a_job_nor_a_number(client: XRTClient, job: Any) -> None:
    with pytest.raises(ConfigurationError, match="job must be a Job or an integer JobID"):
        await client.status(job)


@pytest.mark.parametrize("products", [5, ["lc", "nonsense"], [object()]])
async def test_products_that_name_no_product(client: XRTClient, products: Any) -> None:
    with pytest.raises(ConfigurationError):
        await client.status(1001, products)


async def test_a_bare_job_id_must_name_what_to_cancel(client: XRTClient) -> None:
    with pytest.raises(ConfigurationError, match="name the products"):
        await client.cancel(1001)


@pytest.mark.parametrize(("fmt", "stem"), [("rar", ""), ("tar.gz", "../up")])
async def test_download_format_and_stem(client: XRTClient, tmp_path: Any, fmt: str, stem: str) -> None:
    job = make_job(client, Product.LIGHT_CURVE)
    with pytest.raises(ConfigurationError):
        await client.download(job, tmp_path, format=fmt, stem=stem)


async def test_downloads_need_a_job_handle(client: XRTClient, tmp_path: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"needs a Job handle.*attach\(job_id\)"):
        await client.download(1001, tmp_path)  # type: ignore[arg-type]


def test_an_unknown_dataset_is_a_library_key_error() -> None:
    curve = LightCurveData.model_validate(load_example("lcdata_response_reconstructed.json"))
    with pytest.raises(UnknownNameError, match="has no dataset 'XX'") as caught:
        curve.dataset("XX")
    assert isinstance(caught.value, KeyError)
    assert isinstance(caught.value, XRTError)


def test_product_names_are_checked_with_the_choices() -> None:
    with pytest.raises(ConfigurationError, match="is not a product of the XRT service; use one of"):
        Product.parse("lightcurve2")
