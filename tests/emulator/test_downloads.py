"""Product archives and single files under a job's URL, streamed."""

from __future__ import annotations

import io
import tarfile
import tracemalloc
import zipfile
from typing import Any

import httpx
import pytest

from tests.support.emulator import USER, Service
from xrt_prods_async.emulator import EmulatorConfig, FaultConfig, FaultRule, emulator_in_thread
from xrt_prods_async.emulator._downloads import media_type_for
from xrt_prods_async.wire._endpoints import Endpoint

STEMS = ["lc", "spec", "psf", "enh", "xastrom", "image", "sourceDet"]


def names_in(content: bytes, fmt: str) -> list[str]:
    if fmt == "zip":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            assert archive.testzip() is None
            return [n.rstrip("/") for n in archive.namelist()]
    with tarfile.open(fileobj=io.BytesIO(content)) as archive:
        for member in archive.getmembers():
            if member.isfile():
                extracted = archive.extractfile(member)
                assert extracted is not None
                assert len(extracted.read()) == member.size
        return archive.getnames()


async def finished(service: Service, **overrides: Any) -> tuple[str, str]:
    reply = await service.submit(sourceDet=1, detobs="all", **overrides)
    service.advance(100_000)
    return reply["JobID"], reply["URL"]


@pytest.mark.parametrize("fmt", ["tar", "tar.gz", "zip"])
async def test_each_product_archive_holds_its_folder(service: Service, fmt: str) -> None:
    _, url = await finished(service)
    for stem in STEMS:
        response = await service.client.get(f"{url}/{stem}.{fmt}")
        assert response.status_code == 200, stem
        assert "content-length" not in response.headers  # streamed
        names = names_in(response.content, fmt)
        files = [n for n in names if "/" in n]
        assert files, stem
        assert all(n == stem or n.startswith(f"{stem}/") for n in names)


@pytest.mark.parametrize("fmt", ["tar", "tar.gz", "zip"])
async def test_all_holds_every_product_under_userprod(service: Service, fmt: str) -> None:
    job, url = await finished(service)
    response = await service.client.get(f"{url}/all.{fmt}")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="all.{fmt}"'
    names = names_in(response.content, fmt)
    assert all(n.startswith(f"USERPROD_{job}") for n in names)
    for stem in STEMS:
        assert any(n.startswith(f"USERPROD_{job}/{stem}/") for n in names), stem


async def test_unfinished_or_unknown_things_are_not_found(service: Service) -> None:
    reply = await service.submit(image=None)
    url = reply["URL"]
    for path in ("lc.tar.gz", "all.zip", "image.tar", "lc/curve.qdp", "lc.rar", "nothing.txt", ""):
        response = await service.client.get(f"{url}/{path}")
        assert response.status_code == 404, path
        assert "UKSSDC | 404 page not found" in response.text
    missing = await service.client.get("/user_objects/tprods/USERPROD_99/lc.tar.gz")
    assert missing.status_code == 404
    await service.call(Endpoint.CANCEL, {"UserID": USER, "JobID": reply["JobID"], "what": "lc"})
    cancelled = await service.client.get(f"{url}/lc.tar.gz")
    assert cancelled.status_code == 200  # a cancelled product's folder (logs) is there
    everything = await service.client.get(f"{url}/all.tar")
    assert names_in(everything.content, "tar")  # only the finished (cancelled) lc so far
    metrics = (await service.client.get("/emulator/metrics")).json()["downloads"]
    assert metrics["not_found"] == 8
    assert metrics["archives"] == 2


async def test_single_files_linked_from_the_replies(service: Service) -> None:
    job, url = await finished(service)
    spec = await service.call(Endpoint.SPEC_DATA, {"UserID": USER, "JobID": job})
    data_file = spec["interval0"]["DataFile"]
    response = await service.client.get(data_file)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    assert int(response.headers["content-length"]) == len(response.content)
    with tarfile.open(fileobj=io.BytesIO(response.content)) as inner:
        assert inner.getnames()
    curve = await service.client.get(f"{url}/lc/curve.qdp")
    assert curve.status_code == 200
    assert curve.text.startswith("READ")
    assert curve.headers["content-type"].startswith("text/plain")


async def test_archives_can_be_padded_for_benchmarks(make_service: Any) -> None:
    async with make_service(EmulatorConfig(time_scale=1e-6, pad_archives_to=3_000_000)) as svc:
        _, url = await finished(svc)
        for fmt in ("tar", "zip", "tar.gz"):
            response = await svc.client.get(f"{url}/psf.{fmt}")
            assert abs(len(response.content) - 3_000_000) < 30_000, fmt  # "about" the size: ±1 %
            assert "psf/padding.dat" in names_in(response.content, fmt)


async def test_truncated_downloads_are_corrupt(service: Service) -> None:
    _, url = await finished(service)
    service.state.faults.configure(FaultConfig(rules=[FaultRule(endpoint="download", truncate=1.0)]))
    response = await service.client.get(f"{url}/lc.tar.gz")
    assert response.status_code == 200
    with pytest.raises((tarfile.TarError, EOFError, OSError)):
        names_in(response.content, "tar.gz")


def test_a_big_download_streams_over_loopback_in_flat_memory() -> None:
    size = 64 * 1024 * 1024
    config = EmulatorConfig(time_scale=1e-6, pad_archives_to=size)
    with emulator_in_thread(config) as emu, httpx.Client(base_url=emu.base_url) as client:
        reply = client.post(
            "/run_userobject.php",
            json={"UserID": USER, "name": "Crab", "targ": "1", "RA": 83.6, "Dec": 22.0, "image": 1},
        ).json()
        emu.state.clock.advance(100_000)
        tracemalloc.start()
        try:
            received = 0
            with client.stream("GET", f"{reply['URL']}/image.tar") as response:
                assert response.status_code == 200
                for chunk in response.iter_raw():
                    received += len(chunk)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert received >= size
    assert peak < 16 * 1024 * 1024


def test_media_types() -> None:
    assert media_type_for("a/b.gif") == "image/gif"
    assert media_type_for("x.tar") == "application/x-tar"
    assert media_type_for("spec/interval0.tar.gz") == "application/gzip"
    assert media_type_for("lc/curve.qdp").startswith("text/plain")
    assert media_type_for("README") == "application/octet-stream"
