"""The ``serve`` command: loopback-only by default, options, and a real server process."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from xrt_prods_async._products import Product
from xrt_prods_async.cli import build_parser, main
from xrt_prods_async.cli._serve import config_from_args, is_loopback
from xrt_prods_async.emulator import DurationModel
from xrt_prods_async.emulator._config import DEFAULT_DURATIONS


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.4.5.6", True), ("localhost", True), ("::1", True), ("[::1]", True),
     ("0.0.0.0", False), ("192.168.1.10", False), ("::", False), ("example.org", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_refuses_non_loopback_addresses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "refusing to bind 0.0.0.0" in err
    assert "--allow-remote" in err


def test_serve_rejects_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0", "--workers", "0"]) == 2
    assert "workers" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", "--users", "not-an-email"])


def test_serve_options_parse() -> None:
    args = build_parser().parse_args(
        ["serve", "--time-scale", "1000", "--users", "a@b.c,d@e.f", "--workers", "8", "--seed", "3",
         "--max-jobs", "5", "--failure-rate", "0.1", "--pad-archives", "1000000", "--allow-remote"]
    )  # fmt: skip
    assert (args.time_scale, args.users, args.workers, args.seed) == (1000.0, ["a@b.c", "d@e.f"], 8, 3)
    assert (args.max_jobs, args.failure_rate, args.pad_archives, args.allow_remote) == (5, 0.1, 1000000, True)


@pytest.mark.parametrize(("stop", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_serve_runs_a_server_prints_its_url_and_stops_on_a_signal(stop: int, status: int) -> None:
    command = [sys.executable, "-m", "xrt_prods_async", "serve", "--port", "0", "--users", "a@b.c"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            assert first.startswith("XRT product service emulator at http://127.0.0.1:")
            base = first.rsplit(" ", 1)[1].strip()
            assert base.endswith("/user_objects")
            assert "a@b.c" in proc.stdout.readline()
            reply = httpx.post(f"{base}/getNumJobs.php", json={"UserID": "a@b.c"}, timeout=10)
            assert reply.json() == {"OK": 1, "numJobs": 0, "APIVersion": "1.12"}
            demo = httpx.post(f"{base}/getNumJobs.php", json={"UserID": "demo@example.org"}, timeout=10)
            assert demo.json()["OK"] == 1
        finally:
            proc.send_signal(stop)
            _out, err = proc.communicate(timeout=10)
    # A graceful shutdown, then the status shells report for the signal (before: a traceback after Ctrl-C).
    assert proc.returncode == status
    assert "Traceback" not in err


def test_serve_durations_from_json_or_file(tmp_path: Path) -> None:
    inline = '{"lc": {"median": 600, "sigma": 0.5}, "psf": 120}'
    config = config_from_args(build_parser().parse_args(["serve", "--durations", inline]))
    assert config.duration_for(Product.LIGHT_CURVE) == DurationModel(median=600, sigma=0.5)
    assert config.duration_for(Product.STANDARD_POS) == DurationModel(median=120, sigma=0)
    assert config.duration_for(Product.SPECTRUM) == DEFAULT_DURATIONS["spec"]
    spec_file = tmp_path / "durations.json"
    spec_file.write_text('{"spec": {"median": 900, "maximum": 3600}}', encoding="utf-8")
    config = config_from_args(build_parser().parse_args(["serve", "--durations", str(spec_file)]))
    assert config.duration_for(Product.SPECTRUM) == DurationModel(median=900, maximum=3600)
    assert config_from_args(build_parser().parse_args(["serve"])).durations == DEFAULT_DURATIONS


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{lc: 1}", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ("no/such/file.json", "neither a JSON object"),
    ],
)
def test_serve_rejects_unreadable_durations(
    value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--durations", value])
    err = capsys.readouterr().err
    assert "--durations" in err
    assert message in err


@pytest.mark.parametrize(
    ("durations", "message"),
    [('{"lc": {"median": -5}}', "durations.lc.median"), ('{"grb": 60}', "unknown products ['grb']"),
     ('{"lc": {"median": 60, "sgima": 1}}', "durations.lc.sgima")],
)  # fmt: skip
def test_serve_reports_invalid_durations(
    durations: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "0", "--durations", durations]) == 2
    err = capsys.readouterr().err
    assert "invalid emulator settings" in err
    assert message in err
