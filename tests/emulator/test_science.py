"""JobScience: a job's data replies and product files agree, follow docs/protocol.md and are deterministic."""

from __future__ import annotations

import gzip
import io
import math
import re
import struct
import tarfile
from typing import Any

import pytest

from xrt_prods_async.emulator._archives import ArchiveMember, stream_archive
from xrt_prods_async.emulator._catalogue import CATALOGUE, angular_distance, resolve_name
from xrt_prods_async.emulator._science import JobScience, api_version_tuple
from xrt_prods_async.emulator._sky import galactic, met_to_mjd

URL = "http://127.0.0.1:8000/user_objects/tprods/USERPROD_1001"
ALL_PRODUCTS = {"lc": 1, "spec": 1, "dopsf": 1, "doenh": 1, "doxastrom": 1, "image": 1, "sourceDet": 1}
GRB = {"name": "GRB 200416A", "RA": 335.6985, "Dec": -7.5179, "targ": "00966554", "Tstart": 608713541.952}
DATASET_NAME = re.compile(r"^(WT|PC)(UL|Hard|Soft|HR)?(_nosys)?(_incbad)?$")
RATE_COLUMNS = [
    "Time",
    "TimePos",
    "TimeNeg",
    "Rate",
    "RatePos",
    "RateNeg",
    "FracExp",
    "BGrate",
    "BGerr",
    "CorrFact",
    "CtsInSrc",
    "BGInSrc",
    "Exposure",
    "Sigma",
    "SNR",
]
POWERLAW_KEYS = [
    "NH",
    "NHPos",
    "NHNeg",
    "Gamma",
    "GammaPos",
    "GammaNeg",
    "ObsFlux",
    "ObsFluxPos",
    "ObsFluxNeg",
    "UnabsFlux",
    "UnabsFluxPos",
    "UnabsFluxNeg",
    "Cstat",
    "Dof",
    "FitChi",
    "Image",
]


def science(seed: int = 1, job_id: int = 1001, url: str = URL, **pars: Any) -> JobScience:
    return JobScience(job_id, {**ALL_PRODUCTS, **GRB, **pars}, seed=seed, products_url=url)


def content(member: ArchiveMember | None) -> bytes:
    assert member is not None
    data = b"".join(member.chunks())
    assert len(data) == member.size
    return data


def text_of(job: JobScience, path: str) -> str:
    return content(job.file(path)).decode()


@pytest.fixture(scope="module")
def grb() -> JobScience:
    return science(binMeth="counts", pccounts=20, wtcounts=30, lctimetype="s")


# ---- a strict QDP reader -------------------------------------------------------------------------


def parse_qdp(text: str) -> list[tuple[str, list[list[str]]]]:
    """Groups of a QDP file as (label, rows); checks READ lines, column counts and numeric cells."""
    serr: list[int] = []
    terr: list[int] = []
    groups: list[tuple[str, list[list[str]]]] = []
    label = group_label = ""
    rows: list[list[str]] = []
    width = None
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0].upper() == "READ":
            assert not groups, "READ commands come first"
            assert not rows, "READ commands come first"
            target = serr if words[1].upper() == "SERR" else terr
            assert words[1].upper() in ("SERR", "TERR"), line
            target.extend(int(w) for w in words[2:])
            continue
        if line.startswith("!"):
            label = line[1:].strip()
            continue
        if all(w == "NO" for w in words):
            assert rows, "a NO line separates two groups"
            assert len(words) == width, "a separator has one NO per column"
            groups.append((group_label, rows))
            rows = []
            continue
        for cell in words:
            if cell != "NO":
                float(cell)
        if width is None:
            width = len(words)
            vectors = width - len(serr) - 2 * len(terr)
            assert vectors > 0
            assert all(i <= vectors for i in serr + terr)
        assert len(words) == width, f"row has {len(words)} cells, expected {width}"
        if not rows:
            group_label = label
        rows.append(words)
    if rows:
        groups.append((group_label, rows))
    return groups


def as_qdp_cells(rows: list[list[str]]) -> list[list[str]]:
    """What the QDP file holds for reply rows: ``inf`` (no QDP equivalent) becomes ``NO``."""
    return [["NO" if c == "inf" else c for c in row] for row in rows]


def sexagesimal_to_deg(ra: str, dec: str) -> tuple[float, float]:
    h, m, s = (float(x) for x in ra.split())
    d, dm, ds = (float(x) for x in dec.split())
    sign = -1 if dec.strip().startswith("-") else 1
    return 15 * (h + m / 60 + s / 3600), sign * (abs(d) + dm / 60 + ds / 3600)


def decode_gif(data: bytes) -> tuple[int, int, int]:
    """Width, height and decoded pixel count of a single-image GIF with a global palette (LZW decoded)."""
    assert data[:6] == b"GIF89a"
    assert data[-1:] == b";"
    width, height, flags = struct.unpack("<HHB", data[6:11])
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    assert data[pos] == 0x2C
    pos += 10
    min_size = data[pos]
    pos += 1
    stream = bytearray()
    while data[pos]:
        stream += data[pos + 1 : pos + 1 + data[pos]]
        pos += 1 + data[pos]
    clear, end = 1 << min_size, (1 << min_size) + 1
    size, table, prev, out = min_size + 1, None, None, 0
    bits = int.from_bytes(stream, "little")
    at = 0
    while True:
        code = (bits >> at) & ((1 << size) - 1)
        at += size
        if code == clear:
            table = [bytes([i]) for i in range(clear)] + [b"", b""]
            size, prev = min_size + 1, None
            continue
        if code == end:
            break
        assert table is not None
        entry = table[code] if code < len(table) else prev + prev[:1]  # type: ignore[operator]
        if prev is not None:
            table.append(prev + entry[:1])
            if len(table) == 1 << size and size < 12:
                size += 1
        out += len(entry)
        prev = entry
    return width, height, out


# ---- light curves --------------------------------------------------------------------------------

VARIANTS = ["yes", "no", "both"]


@pytest.mark.parametrize("nosys", VARIANTS)
@pytest.mark.parametrize("incbad", VARIANTS)
def test_light_curve_current_layout_for_every_nosys_incbad_combination(
    grb: JobScience, nosys: str, incbad: str
) -> None:
    reply = grb.light_curve_reply(nosys=nosys, incbad=incbad, api_version="1.12")
    names = reply["Datasets"]
    assert names
    assert len(names) == len(set(names))
    assert reply["Binning"] == "Counts"
    assert reply["TimeFormat"] == "MET"
    assert reply["T0"] == 608713541.952
    for name in names:
        assert DATASET_NAME.match(name), name
        assert ("_nosys" in name) == (nosys == "yes") or nosys == "both"
        assert ("_incbad" in name) == (incbad == "yes") or incbad == "both"
        data = reply[f"{name}Data"]
        assert set(data) == {"columns", "data", "URL"}
        assert data["URL"].startswith(f"{URL}/lc/")
        for row in data["data"]:
            assert len(row) == len(data["columns"])
            assert all(isinstance(cell, str) for cell in row)
            assert all(math.isfinite(float(cell)) or cell == "inf" for cell in row)
    for word, choice in (("_nosys", nosys), ("_incbad", incbad)):
        if choice == "both":  # every set comes with and without the variant
            assert {n.replace(word, "") for n in names if word in n} == {n for n in names if word not in n}
    assert set(reply) == {"Datasets", "Binning", "TimeFormat", "T0"} | {f"{n}Data" for n in names}


def test_light_curve_has_wt_early_and_pc_later_with_the_documented_columns(grb: JobScience) -> None:
    reply = grb.light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    assert reply["Datasets"][:4] == ["WT", "WTHard", "WTSoft", "WTHR"]
    assert "PC" in reply["Datasets"]
    wt, pc = reply["WTData"], reply["PCData"]
    assert wt["columns"] == RATE_COLUMNS
    assert reply["PCHardData"]["columns"] == ["Time", "TimePos", "TimeNeg", "Rate", "RateErr", "Exposure"]
    assert reply["PCHRData"]["columns"] == ["Time", "TimePos", "TimeNeg", "HR", "HRErr", "Exposure"]
    wt_times = [float(r[0]) for r in wt["data"]]
    pc_times = [float(r[0]) for r in pc["data"]]
    assert wt_times == sorted(wt_times)
    assert pc_times == sorted(pc_times)
    assert max(wt_times) < min(pc_times)
    assert 50 < wt_times[0] < 200  # Swift slews within a couple of minutes
    # A GRB afterglow fades: the first WT rate is far above the last PC rate.
    assert float(wt["data"][0][3]) > 100 * float(pc["data"][-1][3])
    for row in pc["data"]:
        _, tpos, tneg, rate, pos, neg = (float(x) for x in row[:6])
        assert tpos >= 0 >= tneg
        assert pos == -neg > 0
        assert rate > 0
        assert 0 < float(row[6]) <= 1  # FracExp


def test_nosys_removes_the_wt_systematic_and_incbad_adds_pc_bins(grb: JobScience) -> None:
    reply = grb.light_curve_reply(nosys="both", incbad="both", api_version="1.12")
    wt, wt_nosys = reply["WTData"]["data"], reply["WT_nosysData"]["data"]
    assert [r[3] for r in wt] == [r[3] for r in wt_nosys]
    assert all(float(a[4]) > float(b[4]) for a, b in zip(wt, wt_nosys, strict=True))
    assert reply["WT_incbadData"]["data"] == wt
    pc, pc_incbad = reply["PCData"]["data"], reply["PC_incbadData"]["data"]
    assert reply["PC_nosysData"]["data"] == pc
    assert len(pc_incbad) > len(pc)
    assert all(row in pc_incbad for row in pc)


def test_every_dataset_matches_its_qdp_file(grb: JobScience) -> None:
    reply = grb.light_curve_reply(nosys="both", incbad="both", api_version="1.12")
    seen_files = set()
    for name in reply["Datasets"]:
        data = reply[f"{name}Data"]
        path = data["URL"].removeprefix(f"{URL}/")
        seen_files.add(path)
        groups = parse_qdp(text_of(grb, path))
        kind = DATASET_NAME.match(name).group(2) or ""  # type: ignore[union-attr]
        if kind in ("Hard", "Soft", "HR"):
            assert len(groups) == 3
            index = ("Hard", "Soft", "HR").index(kind)
            assert groups[index][1] == as_qdp_cells(data["data"])
        else:
            assert len(groups) == 1
            assert groups[0][1] == as_qdp_cells(data["data"])
    # Every QDP file the product holds is referenced by some dataset, plus the all-in-one curve.qdp.
    qdp = {f"lc/{m.path}" for m in grb.product_members("lc", outcome="complete") if m.path.endswith(".qdp")}
    assert qdp == seen_files | {"lc/curve.qdp"}


def test_curve_qdp_holds_the_default_variant_of_both_modes(grb: JobScience) -> None:
    reply = grb.light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    groups = parse_qdp(text_of(grb, "lc/curve.qdp"))
    expected = [n for n in ("WT", "WTUL", "PC", "PCUL") if n in reply["Datasets"]]
    assert len(groups) == len(expected)
    for (label, rows), name in zip(groups, expected, strict=True):
        assert label.startswith(name[:2])
        assert ("upper limits" in label) == name.endswith("UL")
        assert rows == as_qdp_cells(reply[f"{name}Data"]["data"])
    assert text_of(grb, "lc/curve.qdp").startswith("READ TERR 1 2\n")


def find_job_with_upper_limits() -> JobScience:
    for i in range(40):
        job = science(
            name=f"Faint source {i}", RA=123.4, Dec=-45.6, Tstart=None, targ=None, binMeth="time", pcbin=2000
        )
        if any(b.upper_limit for bins in job.light_curve.bins.values() for b in bins):
            return job
    raise AssertionError("no synthetic source with upper limits among 40 faint sources")


def test_upper_limits_have_rate_zero_errors_and_infinite_snr() -> None:
    job = find_job_with_upper_limits()
    reply = job.light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    assert reply["Binning"] == "Time"
    assert "PCUL" in reply["Datasets"]
    table = reply["PCULData"]
    assert table["columns"][3] == "Rate"
    for row in table["data"]:
        assert float(row[3]) > 0
        assert float(row[4]) == 0
        assert float(row[5]) == 0
        assert row[14] == "inf"
    groups = parse_qdp(text_of(job, "lc/PCUL.qdp"))
    assert groups[0][1] == as_qdp_cells(table["data"])
    assert all(row[14] == "NO" for row in groups[0][1])


def test_upper_limits_follow_allow_ul() -> None:
    job = find_job_with_upper_limits()
    pars = dict(job.pars, allowUL="no")
    strict = JobScience(job.job_id, pars, seed=job.seed, products_url=URL)
    reply = strict.light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    assert not any("UL" in name for name in reply["Datasets"])


def test_reply_survives_the_reference_clients_parser(grb: JobScience) -> None:
    from swifttools.ukssdc.data.download import _handleLightCurve

    reply = grb.light_curve_reply(nosys="both", incbad="both", api_version="1.12")
    parsed = _handleLightCurve(reply)
    assert set(parsed["Datasets"]) == set(reply["Datasets"])
    assert parsed["URLs"]["PC"] == f"{URL}/lc/PCCURVE.qdp"
    assert list(parsed["PC"].columns) == RATE_COLUMNS
    assert parsed["PC"]["Rate"].dtype == float


@pytest.mark.parametrize(
    ("method", "label"),
    [("counts", "Counts"), ("time", "Time"), ("snapshot", "Snapshot"), ("obsid", "Observation")],
)
def test_binning_echoes_bin_method(method: str, label: str) -> None:
    job = science(binMeth=method, pcbin=500.0, wtbin=20.0)
    reply = job.light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    assert reply["Binning"] == label
    pc = reply["PCData"]["data"]
    assert pc
    if method in ("snapshot", "obsid"):
        plan = [w for w in job.source.plan if w.mode == "PC"]
        expected = len(plan) if method == "snapshot" else len({w.obsid for w in plan})
        assert len(job.light_curve.bins["PC"]) == expected
    if method == "time":
        assert all(float(r[1]) - float(r[2]) == pytest.approx(500.0, abs=0.002) for r in pc)


def test_mjd_time_format() -> None:
    job = science(lctimetype="m", binMeth="counts")
    reply = job.light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    assert reply["TimeFormat"] == "MJD"
    start = met_to_mjd(608713541.952)
    times = [float(r[0]) for r in reply["PCData"]["data"]]
    assert start < min(times) < max(times) < start + 30
    assert 58955 < start < 58956  # 2020 April 16
    assert all(float(r[1]) < 10 for r in reply["PCData"]["data"])  # half-widths in days


def test_times_are_relative_to_the_jobs_t0() -> None:
    a = science(Tstart=608713541.952).light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    b = science(Tstart=608713500.952).light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    assert b["T0"] == 608713500.952
    ta = float(a["PCData"]["data"][0][0])
    tb = float(b["PCData"]["data"][0][0])
    assert tb - ta == pytest.approx(41.0, abs=0.002)
    assert [r[3:] for r in a["PCData"]["data"]] == [r[3:] for r in b["PCData"]["data"]]


def test_persistent_sources_flicker_around_a_constant() -> None:
    obj = resolve_name("Her X-1")
    assert obj is not None
    job = science(name=obj.name, RA=obj.ra, Dec=obj.dec, Tstart=None, targ=None, binMeth="obsid")
    reply = job.light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    rates = [
        float(r[3])
        for name in ("WT", "PC")
        if name in reply["Datasets"]
        for r in reply[f"{name}Data"]["data"]
    ]
    assert len(rates) >= 3
    middle = sorted(rates)[len(rates) // 2]
    assert all(middle / 6 < r < middle * 6 for r in rates)
    assert reply["T0"] == obj.t0


def test_observation_selection_user_obsids() -> None:
    job = science(lcobs="user", uselcobs="00966554001", binMeth="snapshot")
    bins = [b for bins in job.light_curve.bins.values() for b in bins]
    plan = [w for w in job.source.plan if w.obsid == "00966554001"]
    assert len(bins) == len(plan)
    assert all(plan[0].start <= b.start for b in bins)


@pytest.mark.parametrize("api", ["1.9", 1.9])
def test_light_curve_v19_layout(grb: JobScience, api: object) -> None:
    reply = grb.light_curve_reply(nosys="both", incbad="both", api_version=api)  # type: ignore[arg-type]
    assert "Datasets" not in reply
    names = reply["datasets"]
    assert names[:2] == ["WT", "PC"]
    assert "WTHR" in names
    assert not any("_" in n for n in names)
    assert reply["WTData"]["columns"][:6] == ["Time", "T_+ve", "T_-ve", "Rate", "Ratepos", "Rateneg"]
    assert reply["WTHRData"]["columns"] == ["Time", "T_+ve", "T_-ve", "HR", "HRerr", "Exposure"]
    assert "URL" not in reply["WTData"]


@pytest.mark.parametrize("api", ["1.8", "1.0", 1.5, "0.1"])
def test_light_curve_v18_layout(grb: JobScience, api: object) -> None:
    reply = grb.light_curve_reply(nosys="no", incbad="no", api_version=api)  # type: ignore[arg-type]
    assert reply["hasWT"] == 1
    assert reply["hasPC"] == 1
    assert "datasets" not in reply
    assert "Datasets" not in reply
    assert reply["PCData"]["columns"][1] == "T_+ve"
    assert set(reply) <= {"hasWT", "hasWTUL", "hasPC", "hasPCUL", "WTData", "WTULData", "PCData", "PCULData"}


@pytest.mark.parametrize("api", [None, "1.10", "1.12", "2.0"])
def test_current_layout_from_110_and_when_absent(grb: JobScience, api: str | None) -> None:
    assert "Datasets" in grb.light_curve_reply(nosys="no", incbad="no", api_version=api)
    assert "rnames" in grb.spectral_fits_reply(api_version=api)


def test_bad_nosys_value_is_named() -> None:
    with pytest.raises(ValueError, match="nosys must be 'yes', 'no' or 'both'"):
        science().light_curve_reply(nosys="maybe", incbad="no", api_version="1.12")


def test_api_version_parsing() -> None:
    assert api_version_tuple("1.10") == (1, 10)
    assert api_version_tuple(1.9) == (1, 9)
    assert api_version_tuple("1.6.1") == (1, 6, 1)
    assert api_version_tuple(None) is None
    assert api_version_tuple("x") is None


# ---- determinism ---------------------------------------------------------------------------------


def everything(job: JobScience) -> dict[str, Any]:
    files = {
        f"{p}/{m.path}": content(m)
        for p in ("lc", "spec", "psf", "enh", "xastrom", "image", "sourceDet")
        for m in job.product_members(p, outcome="complete")
    }
    return {
        "lc": job.light_curve_reply(nosys="both", incbad="both", api_version="1.12"),
        "spec": job.spectral_fits_reply(api_version="1.12"),
        "pos": [job.position_reply(p) for p in ("psf", "enh", "xastrom")],
        "src": job.source_list_reply(),
        "files": files,
    }


def test_same_seed_and_source_give_identical_science_and_files() -> None:
    a = everything(science(seed=7))
    b = everything(science(seed=7))
    assert a == b


def test_the_same_source_gives_the_same_science_in_other_jobs() -> None:
    first = science(seed=7, job_id=1, url="http://h/tprods/USERPROD_1")
    other = JobScience(
        2,
        {**GRB, "lc": 1, "binMeth": "counts", "RA": "335.6985"},
        seed=7,
        products_url="http://h/tprods/USERPROD_2",
    )
    a = first.light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    b = other.light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    assert a["Datasets"] == b["Datasets"]
    assert a["PCData"]["data"] == b["PCData"]["data"]
    assert a["PCData"]["URL"].replace("USERPROD_1", "USERPROD_2") == b["PCData"]["URL"]
    assert first.position_reply("psf") == other.position_reply("psf")


def test_different_seeds_give_different_science() -> None:
    a = science(seed=1)
    b = science(seed=2)
    assert a.light_curve_reply(nosys="no", incbad="no", api_version="1.12") != b.light_curve_reply(
        nosys="no", incbad="no", api_version="1.12"
    )
    assert a.position_reply("psf") != b.position_reply("psf")


# ---- positions -----------------------------------------------------------------------------------


def check_position(
    reply: dict[str, Any], low: float, high: float, ra: float, dec: float
) -> tuple[float, float]:
    assert reply["GotPos"] == 1
    assert re.fullmatch(r"\d+\.\d{5}", reply["RA"])
    assert re.fullmatch(r"-?\d+\.\d{5}", reply["Dec"])
    err = float(reply["Err90"])
    assert low <= err <= high
    got = float(reply["RA"]), float(reply["Dec"])
    assert angular_distance(got[0], got[1], ra, dec) < 10 / 3600  # within a few arcsec of the request
    return got


def test_standard_position_matches_results_dat(grb: JobScience) -> None:
    reply = grb.position_reply("psf")
    ra, dec = check_position(reply, 1.5, 6.0, 335.6985, -7.5179)
    assert reply["FromSXPS"] == 0
    assert "WhichSXPS" not in reply
    line = text_of(grb, "psf/results.dat")
    assert line.endswith("\n")
    fields = line.rstrip("\n").split("\t")
    assert len(fields) == 11
    assert fields[0] == reply["RA"]
    assert fields[1] == reply["Dec"]
    assert fields[4] == reply["Err90"]
    sra, sdec = sexagesimal_to_deg(fields[2], fields[3])
    assert angular_distance(sra, sdec, ra, dec) < 0.2 / 3600
    assert fields[5] in ("0", "1")
    assert int(fields[6]) >= 1
    assert all(float(x) for x in fields[7:])
    assert grb.file("psf/INSXPS") is None


def test_enhanced_position_matches_success_txt(grb: JobScience) -> None:
    reply = grb.position_reply("enh")
    check_position(reply, 1.5, 2.5, 335.6985, -7.5179)
    assert "FromSXPS" not in reply
    lines = text_of(grb, "enh/success.txt").splitlines()
    assert len(lines) == 11
    assert lines[0] == "GRB 200416A"
    assert lines[1] == "00966554"
    assert (lines[6], lines[7], lines[10]) == (reply["RA"], reply["Dec"], reply["Err90"])
    sra, sdec = sexagesimal_to_deg(lines[8], lines[9])
    assert angular_distance(sra, sdec, float(lines[6]), float(lines[7])) < 0.2 / 3600
    assert content(grb.file("enh/finding_chart.ps")).startswith(b"%!PS-Adobe")


def test_astrometric_position_matches_corrpos_dat(grb: JobScience) -> None:
    reply = grb.position_reply("xastrom")
    check_position(reply, 2.0, 4.0, 335.6985, -7.5179)
    fields = text_of(grb, "xastrom/corrpos.dat").rstrip("\n").split("\t")
    assert len(fields) == 5
    assert (fields[0], fields[1], fields[4]) == (reply["RA"], reply["Dec"], reply["Err90"])
    shift = text_of(grb, "xastrom/xastrom_corr.dat").rstrip("\n").split("\t")
    assert len(shift) == 4
    assert [float(x) for x in shift]
    assert grb.file("xastrom/NOCORR") is None


def sxps_job() -> JobScience:
    for obj in CATALOGUE:
        if obj.kind != "GRB":
            job = science(
                name=obj.name, RA=obj.ra, Dec=obj.dec, Tstart=None, targ=None, useSXPS=1, whatSXPS="2SXPS"
            )
            if job.source.in_sxps:
                return job
    raise AssertionError("no catalogue object in SXPS under seed 1")


def test_positions_copied_from_sxps_are_in_insxps() -> None:
    job = sxps_job()
    psf, xastrom = job.position_reply("psf"), job.position_reply("xastrom")
    check_position(psf, 1.5, 6.0, job.ra, job.dec)
    assert psf["FromSXPS"] == 1
    assert psf["WhichSXPS"] == "2SXPS"
    assert xastrom == psf
    for folder in ("psf", "xastrom"):
        lines = text_of(job, f"{folder}/INSXPS").splitlines()
        assert len(lines) == 8
        assert re.fullmatch(r"2SXPS J\d{6}\.\d[+-]\d{6}", lines[0])
        assert (lines[1], lines[2], lines[3]) == (psf["RA"], psf["Dec"], psf["Err90"])
        assert re.fullmatch(r"\d{11}", lines[6])
        assert lines[7] == "2SXPS"
    assert job.file("psf/results.dat") is None
    # Without useSXPS the same source gets a fitted position.
    plain = JobScience(1, dict(job.pars, useSXPS=0), seed=1, products_url=URL)
    assert plain.position_reply("psf")["FromSXPS"] == 0


def test_some_sources_have_no_position_and_say_so_in_every_file() -> None:
    job = science(name="Test NOPOS source", RA=10.0, Dec=10.0, Tstart=None, targ=None)
    for product in ("psf", "enh", "xastrom"):
        assert job.position_reply(product) == {"GotPos": 0}
    assert text_of(job, "psf/results.dat") == "NOPOS\n"
    assert job.file("xastrom/NOCORR") is not None
    assert job.file("xastrom/corrpos.dat") is None
    assert job.file("enh/success.txt") is None
    # Deterministically, a minority of ordinary unknown sources lack a position.
    missing = sum(
        science(name=f"Field source {i}", RA=10.0 + i, Dec=10.0, Tstart=None, targ=None).position_reply(
            "psf"
        )["GotPos"]
        == 0
        for i in range(60)
    )
    assert 1 <= missing <= 20


def test_position_reply_rejects_other_products(grb: JobScience) -> None:
    with pytest.raises(ValueError, match="'psf', 'enh' or 'xastrom'"):
        grb.position_reply("lc")


# ---- source lists --------------------------------------------------------------------------------

SOURCE_FIELDS = [
    "sno",
    "x",
    "y",
    "ra",
    "ra_pos",
    "ra_neg",
    "dec",
    "dec_pos",
    "dec_neg",
    "err90",
    "l",
    "b",
    "C",
]


def test_source_list_fields_strings_and_galactic_coordinates(grb: JobScience) -> None:
    reply = grb.source_list_reply()
    assert list(reply) == ["Total"]
    sources = reply["Total"]
    assert len(sources) >= 2
    for i, src in enumerate(sources, 1):
        assert list(src) == SOURCE_FIELDS
        assert all(isinstance(v, str) for v in src.values())
        assert all("e" not in v.lower() for v in src.values())  # the reference client int()s exponents
        assert src["sno"] == str(i)
        ra, dec = float(src["ra"]), float(src["dec"])
        assert angular_distance(ra, dec, 335.6985, -7.5179) < 12 / 60
        lon, lat = galactic(ra, dec)
        assert float(src["l"]) == pytest.approx(lon, abs=1e-9)
        assert float(src["b"]) == pytest.approx(lat, abs=1e-9)
        assert float(src["ra_pos"]) > 0 > float(src["ra_neg"])
        assert float(src["dec_pos"]) > 0 > float(src["dec_neg"])
        assert int(src["C"]) >= 6
        assert 0 < float(src["x"]) < 1000
    # The target is detected near the image centre.
    assert abs(float(sources[0]["x"]) - 500.5) < 5
    rows = text_of(grb, "sourceDet/Total_sources.dat").splitlines()
    assert rows[0] == "# Sources detected in the Total band (0.3-10 keV)"
    assert rows[1] == "# " + "\t".join(SOURCE_FIELDS)
    assert [r.split("\t") for r in rows[2:]] == [[s[f] for f in SOURCE_FIELDS] for s in sources]


def test_source_list_bands_with_detbands_all() -> None:
    job = science(detbands="all")
    reply = job.source_list_reply()
    assert list(reply) == ["Total", "Soft", "Medium", "Hard"]
    for band, sources in reply.items():
        rows = text_of(job, f"sourceDet/{band}_sources.dat").splitlines()[2:]
        assert len(rows) == len(sources)


def test_galactic_conversion_at_known_points() -> None:
    lon, lat = galactic(192.85948, 27.12825)  # north galactic pole
    assert lat == pytest.approx(90.0, abs=1e-4)
    lon, lat = galactic(266.40500, -28.93617)  # galactic centre
    assert min(lon, 360 - lon) == pytest.approx(0.0, abs=1e-3)
    assert lat == pytest.approx(0.0, abs=1e-3)
    lon, lat = galactic(83.63308, 22.01450)  # Crab
    assert (lon, lat) == (pytest.approx(184.5575, abs=1e-3), pytest.approx(-5.7843, abs=1e-3))


# ---- spectra -------------------------------------------------------------------------------------


def test_spectral_fits_current_layout(grb: JobScience) -> None:
    reply = grb.spectral_fits_reply(api_version="1.12")
    assert reply["T0"] == 608713541.952
    assert reply["DeltaFitStat"] == 2.706
    assert reply["GalNH_unfitted"] > 1e19
    assert reply["rnames"] == ["interval0"]
    interval = reply["interval0"]
    assert interval["DataFile"] == f"{URL}/spec/interval0.tar.gz"
    assert 0 < interval["Start"] < interval["Stop"]
    assert interval["Modes"] == ["WT", "PC"]
    for mode in interval["Modes"]:
        block = interval[mode]
        assert block["Models"] == ["PowerLaw"]
        fit = block["PowerLaw"]
        assert list(fit) == POWERLAW_KEYS
        assert fit["Image"] == f"{URL}/spec/interval0{mode.lower()}_plot.gif"
        assert fit["NHPos"] > 0 > fit["NHNeg"]
        assert fit["GammaPos"] > 0 > fit["GammaNeg"]
        assert 1.0 < fit["Gamma"] < 3.5
        assert fit["UnabsFlux"] >= fit["ObsFlux"] > 0
        assert isinstance(fit["Dof"], int)
        assert interval["Start"] <= block["MeanTime"] <= interval["Stop"]
        assert block["Exposure"] > 0
    # Brighter early WT data give a higher flux than the later PC data.
    assert interval["WT"]["PowerLaw"]["ObsFlux"] > interval["PC"]["PowerLaw"]["ObsFlux"]


def test_spectral_options_redshift_galactic_models_and_dchi() -> None:
    reply = science(
        specz=1, zval=0.5, galactic=1, dchi=1.0, models=["powerlaw", "APEC", "blackbody"]
    ).spectral_fits_reply(api_version="1.12")
    assert "GalNH_unfitted" not in reply
    assert reply["DeltaFitStat"] == 1.0
    block = reply["interval0"]["PC"]
    assert block["Models"] == ["PowerLaw", "APEC", "Blackbody"]
    assert block["PowerLaw"]["Redshift_abs"] == 0.5
    assert block["PowerLaw"]["GalacticNH"] > 0
    for key in ("APEC", "Blackbody"):
        assert "Gamma" not in block[key]
        assert block[key]["KT"] > 0
        assert block[key]["KTPos"] > 0 > block[key]["KTNeg"]
    assert block["APEC"]["Image"] == f"{URL}/spec/interval0pc_apec_plot.gif"
    plain = science().spectral_fits_reply(api_version="1.12")["interval0"]["PC"]["PowerLaw"]
    assert "Redshift_abs" not in plain
    assert "GalacticNH" not in plain


def test_do_not_fit_gives_nofit_modes() -> None:
    reply = science(doNotFit=1).spectral_fits_reply(api_version="1.12")
    for mode in reply["interval0"]["Modes"]:
        block = reply["interval0"][mode]
        assert "NOFIT" in block
        assert "Models" not in block
        assert block["Exposure"] > 0


def test_user_time_slices() -> None:
    job = science(
        timeslice="user",
        rname1="Early!",
        gti1="608713541-608714541",
        rname2="late_time",
        gti2="608720000-608800000",
    )
    reply = job.spectral_fits_reply(api_version="1.12")
    assert reply["rnames"] == ["Early", "latetime"]
    assert reply["Early"]["Start"] == pytest.approx(-0.952)
    assert reply["Early"]["Stop"] == pytest.approx(999.048)
    assert reply["latetime"]["DataFile"] == f"{URL}/spec/latetime.tar.gz"
    assert reply["Early"]["Modes"]


def test_user_time_slices_since_t0_and_empty_slices() -> None:
    job = science(
        timeslice="user", sinceT0=1, rname1="first", gti1="0-1000", rname2="never", gti2="-9000--8000"
    )
    reply = job.spectral_fits_reply(api_version="1.12")
    assert reply["first"]["Start"] == 0
    assert reply["first"]["Stop"] == 1000
    assert reply["never"]["NOSPEC"] == 1
    assert "Modes" not in reply["never"]
    # The interval's DataFile is still served: an archive holding only the README that says why.
    assert reply["never"]["DataFile"] == f"{URL}/spec/never.tar.gz"
    member = job.file("spec/never.tar.gz")
    assert member is not None
    with tarfile.open(fileobj=io.BytesIO(b"".join(member.chunks()))) as archive:
        assert [m.name for m in archive.getmembers() if m.name.endswith((".pi", ".arf", ".rmf"))] == []
        readme = archive.extractfile("README.txt")
        assert readme is not None
        assert b"No spectrum" in readme.read()


@pytest.mark.parametrize("slicing", ["snapshot", "obsid"])
def test_snapshot_and_obsid_time_slices(slicing: str) -> None:
    reply = science(timeslice=slicing, specobs="all").spectral_fits_reply(api_version="1.12")
    names = reply["rnames"]
    assert len(names) > 2
    pattern = r"Obs_\d{11}_snap\d+" if slicing == "snapshot" else r"Obs_\d{11}"
    assert all(re.fullmatch(pattern, n) for n in names)
    starts = [reply[n]["Start"] for n in names]
    assert starts == sorted(starts)


def test_no_selected_data_means_no_spectrum() -> None:
    job = science(specobs="user", usespecobs="00000000001")
    assert job.spectral_fits_reply(api_version="1.12") == {"NoSpectrum": 1}
    assert [m.path for m in job.product_members("spec", outcome="complete")] == ["spec.log", "progress.dat"]


def test_spectral_fits_old_layout() -> None:
    reply = science().spectral_fits_reply(api_version="1.9")
    assert set(reply) == {"T0", "GalNH", "interval0"}
    entry = reply["interval0"]
    assert isinstance(entry["start"], str)
    assert isinstance(entry["stop"], str)
    assert entry["HaveWT"] == 1
    assert entry["HavePC"] == 1
    assert list(entry["WT"]) == [
        "meantime",
        "nh",
        "nhpos",
        "nhneg",
        "gamma",
        "gammapos",
        "gammaneg",
        "obsFlux",
        "obsFluxpos",
        "obsFluxneg",
        "unabsFlux",
        "unabsFluxpos",
        "unabsFluxneg",
        "cstat",
        "dof",
        "fitChi",
        "exposure",
    ]


def test_spectrum_files_are_real_archives_and_gifs(grb: JobScience) -> None:
    reply = grb.spectral_fits_reply(api_version="1.12")
    archive = content(grb.file("spec/interval0.tar.gz"))
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        names = tar.getnames()
    assert "README.txt" in names
    assert {"interval0wtsource.pi", "interval0pcback.pi", "interval0pc.rmf", "interval0wt.arf"} <= set(names)
    for mode in reply["interval0"]["Modes"]:
        path = reply["interval0"][mode]["PowerLaw"]["Image"].removeprefix(f"{URL}/")
        width, height, pixels = decode_gif(content(grb.file(path)))
        assert pixels == width * height
    scripts = [
        m.path for m in grb.product_members("spec", outcome="complete") if m.path.startswith("scripts/")
    ]
    assert scripts
    assert all(p.endswith(".xcm") for p in scripts)


# ---- product directories -------------------------------------------------------------------------


@pytest.mark.parametrize("product", ["lc", "spec", "psf", "enh", "xastrom", "image", "sourceDet"])
def test_every_product_has_files_a_log_and_a_progress_file(grb: JobScience, product: str) -> None:
    members = grb.product_members(product, outcome="complete")
    paths = [m.path for m in members]
    assert len(paths) == len(set(paths))
    assert f"{product}.log" in paths
    assert "progress.dat" in paths
    assert len(paths) > 2
    for member in members:
        assert grb.file(f"{product}/{member.path}") is not None
        assert len(content(member)) == member.size
    for outcome in ("failed", "cancelled"):
        few = grb.product_members(product, outcome=outcome)
        assert [m.path for m in few] == [f"{product}.log", "progress.dat"]
    assert (
        "Cancelled at your request" in content(grb.product_members(product, outcome="cancelled")[0]).decode()
    )


def test_product_members_accepts_long_names_and_refuses_bad_outcomes(grb: JobScience) -> None:
    assert grb.product_members("LightCurve", outcome="failed")[0].path == "lc.log"
    with pytest.raises(ValueError, match="outcome must be one of complete, failed, cancelled"):
        grb.product_members("lc", outcome="done")
    with pytest.raises(ValueError, match="not a product"):
        grb.product_members("movie", outcome="complete")


def test_archive_members_put_each_product_below_the_root(grb: JobScience) -> None:
    members = list(grb.archive_members({"lc": "complete", "Spectrum": "cancelled"}, root="USERPROD_1001"))
    paths = [m.path for m in members]
    assert "USERPROD_1001/lc/curve.qdp" in paths
    assert paths[-2:] == ["USERPROD_1001/spec/spec.log", "USERPROD_1001/spec/progress.dat"]
    data = b"".join(stream_archive(members, "tar.gz"))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.extractfile("USERPROD_1001/lc/curve.qdp").read() == content(grb.file("lc/curve.qdp"))  # type: ignore[union-attr]
    assert [m.path for m in grb.archive_members({"StandardPos": "failed"}, root="")] == [
        "psf/psf.log",
        "psf/progress.dat",
    ]


def test_file_lookup_refuses_unknown_and_unrequested_paths() -> None:
    job = JobScience(5, {**GRB, "lc": 1, "binMeth": "counts"}, seed=1, products_url=URL)
    assert job.file("lc/curve.qdp") is not None
    assert job.file("/lc/curve.qdp") is not None
    assert job.file("spec/interval0.tar.gz") is None  # no spectrum in this job
    assert job.file("lc/../lc/curve.qdp") is None
    assert job.file("lc") is None
    assert job.file("movies/x") is None
    assert job.file("lc/missing.qdp") is None


def test_astrometric_request_implies_standard_position() -> None:
    job = JobScience(5, {**GRB, "doxastrom": "1"}, seed=1, products_url=URL)
    assert job.file("psf/results.dat") is not None


def test_image_product_follows_imen() -> None:
    job = science(imen="0.3-10,1-4")
    assert text_of(job, "image/images.log") == "1\t0.3\t10\n2\t1\t4\n"
    for n in (1, 2):
        fits = gzip.decompress(content(job.file(f"image/image{n}.img.gz")))
        assert fits.startswith(b"SIMPLE  =                    T")
        assert len(fits) % 2880 == 0
        assert b"E_MIN" in fits
        width, height, pixels = decode_gif(content(job.file(f"image/image{n}.gif")))
        assert pixels == width * height
    for stem in ("summed_ex", "summed_vignet_ex"):
        assert job.file(f"image/{stem}.img.gz") is not None
        assert job.file(f"image/{stem}.gif") is not None


def test_iterative_centroiding_writes_a_centroid_folder() -> None:
    job = science(detMeth="iterative")
    paths = [m.path for m in job.product_members("psf", outcome="complete")]
    assert any(p.startswith("centroid/") for p in paths)
    assert "centroid.img.gz" not in paths


def test_documented_jobpars_example_is_understood(example: Any) -> None:
    pars = example("submit_jobPars_grb200416A_newer_server.json")
    job = JobScience(1001, pars, seed=1, products_url=URL)
    assert job.t0 == 608713541.952
    assert job.targets == ("00966554",)
    assert (job.ra, job.dec) == (335.6985, -7.5179)
    reply = job.light_curve_reply(nosys="no", incbad="no", api_version="1.12")
    assert reply["Binning"] == "Counts"
    assert job.spectral_fits_reply(api_version="1.12")["rnames"] == ["interval0"]
    old = example("submit_ok_gkper_old_server.json")["jobPars"]
    gk = JobScience(14, old, seed=1, products_url=URL)
    assert len(gk.targets) == 25
    assert gk.t0 == 124048802.40058
    assert gk.spectral_fits_reply(api_version="0.1")["T0"] == 124048802.40058


@pytest.mark.conformance
@pytest.mark.parametrize("deprecate", [True, False])
def test_the_reference_client_reads_the_data_replies(grb: JobScience, deprecate: bool) -> None:
    """swifttools' own retrieval code (HTTP stubbed) accepts the light-curve and spectrum replies."""
    import warnings

    from swifttools.ukssdc.xrt_prods import XRTProductRequest

    request = XRTProductRequest("demo@example.org", silent=True)
    request.addLightCurve()
    request.addSpectrum()
    request._submitted = True
    request._jobID = "1001"
    request.deprecate = deprecate
    calls: list[str] = []

    def reply(body: dict[str, Any], what: str, minKeys: Any = None) -> dict[str, Any]:
        calls.append(what)
        if what == "getLightCurve":
            return grb.light_curve_reply(nosys=body["nosys"], incbad=body["incbad"], api_version="1.12")
        return grb.spectral_fits_reply(api_version="1.12")

    request._submitAPICall = reply
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        curve = request.retrieveLightCurve(nosys="both", incbad="both", returnData=True)
        fits = request.retrieveSpectralFits(returnData=True)
    assert calls == ["getLightCurve", "getSpectrum"]
    assert curve["Binning"] == "Counts"
    assert len(curve["PC"]) > 0
    assert fits["rnames"] == ["interval0"]
    if deprecate:
        assert fits["interval0"]["HaveWT"] == 1
        assert fits["interval0"]["WT"]["gamma"] > 0
    else:
        assert fits["interval0"]["WT"]["PowerLaw"]["Gamma"] > 0
