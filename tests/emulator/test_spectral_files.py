"""Every URL a spectral-fit reply advertises is served (a real tar.gz, real GIF plots); nothing else is."""

from __future__ import annotations

import io
import tarfile
from typing import Any

import pytest
from PIL import Image

from tests.support.emulator import USER, Service
from xrt_prods_async.wire import Endpoint

#: Only the spectrum (and a light curve, so a cancelled spectrum leaves the job running).
SPEC_ONLY = {"lc": None, "dopsf": None, "doenh": None, "doxastrom": None, "image": None}
CASES: dict[str, dict[str, Any]] = {
    "single": {},
    "snapshots": {"timeslice": "snapshot", "specobs": "all"},
    "obsids": {"timeslice": "obsid", "specobs": "all"},
    "three models": {"models": ["powerlaw", "apec", "blackbody"]},
    "redshift, galactic": {"specz": 1, "zval": 1.2, "galactic": 1},
    "not fitted": {"doNotFit": 1},
    "user slices, one empty": {
        "timeslice": "user",
        "sinceT0": 1,
        "rname1": "early",
        "gti1": "0-2000",
        "rname2": "never",
        "gti2": "-9000--8000",
    },
    "persistent source": {"name": "V* GK Per", "targ": "00030842", "RA": 52.8, "Dec": 43.9},
}


async def fits(service: Service, **overrides: Any) -> tuple[str, dict[str, Any]]:
    job = (await service.submit(**{**SPEC_ONLY, **overrides}))["JobID"]
    service.advance(100_000)
    reply = await service.call(Endpoint.SPEC_DATA, {"UserID": USER, "JobID": job})
    assert reply["OK"] == 1, reply
    return job, reply


def advertised(reply: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The reply's (DataFile URLs, Image URLs), read the way swifttools' ``saveSpectralData`` reads them."""
    archives, images = [], []
    for rname in reply["rnames"]:
        interval = reply[rname]
        archives.append(interval["DataFile"])
        for mode in interval.get("Modes", []):
            for model in interval[mode].get("Models", []):
                if "Image" in interval[mode][model]:
                    images.append(interval[mode][model]["Image"])
    return archives, images


@pytest.mark.parametrize("case", list(CASES))
async def test_every_advertised_url_is_served(service: Service, case: str) -> None:
    job, reply = await fits(service, **CASES[case])
    archives, images = advertised(reply)
    assert archives
    base = f"http://testserver/user_objects/tprods/USERPROD_{job}/spec/"
    for url in archives:
        assert url.startswith(base)
        assert url.endswith(".tar.gz")
        response = await service.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "application/gzip"
        assert int(response.headers["content-length"]) == len(response.content)
        rname = url[len(base) : -len(".tar.gz")]
        interval = reply[rname]
        with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as archive:
            names = archive.getnames()
            assert "README.txt" in names
            for mode in interval.get("Modes", []):
                stem = f"{rname}{mode.lower()}"
                assert {f"{stem}source.pi", f"{stem}back.pi", f"{stem}.arf", f"{stem}.rmf"} <= set(names)
            if "NOSPEC" in interval:
                assert not any(name.endswith(".pi") for name in names)
    for url in images:
        assert url.startswith(base)
        assert url.endswith("_plot.gif")
        response = await service.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "image/gif"
        with Image.open(io.BytesIO(response.content)) as picture:
            assert picture.format == "GIF"
            picture.load()
            assert picture.size[0] > 0
            assert picture.size[1] > 0
    if case == "not fitted":
        assert images == []
    if case == "three models":
        assert {url.rsplit("/", 1)[1] for url in images} >= {
            "interval0wt_plot.gif",
            "interval0wt_apec_plot.gif",
            "interval0wt_bb_plot.gif",
        }
    if case == "user slices, one empty":
        assert reply["never"]["NOSPEC"] == 1


async def test_urls_that_are_not_advertised_are_404(service: Service) -> None:
    job, _reply = await fits(service)
    spec = f"/user_objects/tprods/USERPROD_{job}/spec"
    for path in (
        f"{spec}/interval1.tar.gz",
        f"{spec}/interval0wt_apec_plot.gif",  # apec was not fitted
        f"{spec}/interval0.tar",
        f"{spec}/../lc/curve.qdp",
        f"/user_objects/tprods/USERPROD_{job}/lc/curve.qdp",  # the job made no light curve
        f"/user_objects/tprods/USERPROD_{int(job) + 1}/spec/interval0.tar.gz",
    ):
        response = await service.client.get(path)
        assert response.status_code == 404, path


async def test_a_cancelled_spectrum_serves_no_data(service: Service) -> None:
    job = (await service.submit(**{**SPEC_ONLY, "lc": 1}))["JobID"]
    cancel = await service.call(Endpoint.CANCEL, {"UserID": USER, "JobID": job, "what": "spec"})
    assert cancel["OK"] == 1
    service.advance(100_000)
    spec = f"/user_objects/tprods/USERPROD_{job}/spec"
    assert (await service.client.get(f"{spec}/interval0.tar.gz")).status_code == 404
    log = await service.client.get(f"{spec}/spec.log")  # its log is there, as in its archive
    assert log.status_code == 200
    assert "Cancelled at your request" in log.text
