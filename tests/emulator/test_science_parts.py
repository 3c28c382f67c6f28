"""The building blocks of the emulator's science: formats, parameter reading, the sky model."""

from __future__ import annotations

import gzip
import math
import struct

import pytest

from xrt_prods_async.emulator._formats import (
    QDPGroup,
    blob_pixels,
    dec_sexagesimal,
    fits_image,
    format_value,
    gif_image,
    gzip_bytes,
    postscript_chart,
    qdp_cell,
    ra_sexagesimal,
    scatter_pixels,
    write_qdp,
)
from xrt_prods_async.emulator._jobpars import (
    choice,
    flag,
    number,
    select_windows,
    target_list,
    text,
    time_ranges,
    word_list,
)
from xrt_prods_async.emulator._lightcurve import LCSettings, parse_variants, settings_from
from xrt_prods_async.emulator._positions import Position
from xrt_prods_async.emulator._sky import (
    RateModel,
    Snapshot,
    galactic_nh,
    integrate,
    make_source,
    met_to_mjd,
    source_counts,
    stable_random,
)
from xrt_prods_async.emulator._spectra import (
    SpecSettings,
    clean_label,
    interval_spans,
    obsid_spans,
    snapshot_spans,
    user_spans,
)

# ---- formats --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text_"),
    [
        (1.5, "1.500000"),
        (-0.0, "0.000000"),
        (0.0, "0.000000"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (1.23e-5, "1.230000e-05"),
        (0.00123, "0.001230"),
        (123456.7, "123456.700000"),
    ],
)
def test_format_value(value: float, text_: str) -> None:
    assert format_value(value) == text_


@pytest.mark.parametrize(
    ("ra", "dec", "ra_text", "dec_text"),
    [
        (335.6985, -7.5179, "22 22 47.64", "-07 31 04.4"),
        (0.0, 0.0, "00 00 00.00", "+00 00 00.0"),
        (359.99999999, 89.99999999, "00 00 00.00", "+90 00 00.0"),  # carries into the next unit
        (52.8, 43.9043, "03 31 12.00", "+43 54 15.5"),
        (10.0, -0.5, "00 40 00.00", "-00 30 00.0"),
    ],
)
def test_sexagesimal(ra: float, dec: float, ra_text: str, dec_text: str) -> None:
    assert ra_sexagesimal(ra) == ra_text
    assert dec_sexagesimal(dec) == dec_text


def test_write_qdp_groups_separators_and_errors() -> None:
    text_ = write_qdp(
        [
            QDPGroup("first", [("1", "2", "inf")]),
            QDPGroup("empty", []),
            QDPGroup("second", [("3", "4", "5")]),
        ],
        ["a", "b", "c"],
        serr=(1,),
        header=["made by a test"],
    )
    assert text_.splitlines() == [
        "READ SERR 1",
        "! made by a test",
        "! a\tb\tc",
        "! first",
        "1\t2\tNO",
        "NO NO NO",
        "! second",
        "3\t4\t5",
    ]
    with pytest.raises(ValueError, match="row has 2 cells for 3 columns"):
        write_qdp([QDPGroup("bad", [("1", "2")])], ["a", "b", "c"])
    assert qdp_cell("inf") == "NO"
    assert qdp_cell("1.5") == "1.5"


def test_gif_image_structure() -> None:
    pixels = [[(r * 7 + c) % 256 for c in range(30)] for r in range(20)]
    data = gif_image(pixels)
    assert data[:6] == b"GIF89a"
    assert struct.unpack("<HH", data[6:10]) == (30, 20)
    assert data.endswith(b"\x00;")
    assert gif_image(pixels) == data
    with pytest.raises(ValueError, match="non-empty rectangle"):
        gif_image([[1, 2], [3]])
    with pytest.raises(ValueError, match="non-empty rectangle"):
        gif_image([])


def test_pixel_helpers() -> None:
    blob = blob_pixels(16, x=8, y=8, sigma=2)
    assert blob[8][8] == max(max(row) for row in blob)
    assert blob[0][0] == 12
    plot = scatter_pixels([(0.0, 0.0), (1.0, 1.0)], width=40, height=30)
    assert len(plot) == 30
    assert len(plot[0]) == 40
    assert any(40 in row for row in plot)
    assert not any(40 in row for row in scatter_pixels([], width=40, height=30))


def test_fits_image_is_blocked_and_big_endian() -> None:
    data = fits_image([[1, 2], [3, 40000]], [("OBJECT", "GK Per", "name"), ("EXPOSURE", 10.5, "s")])
    assert len(data) == 2 * 2880
    header = data[:2880].decode("ascii")
    assert header.startswith("SIMPLE  =                    T")
    assert "NAXIS1  =                    2" in header
    assert "OBJECT  = 'GK Per  '" in header
    assert "END" + " " * 77 in header
    assert struct.unpack(">4h", data[2880:2888]) == (1, 2, 3, 32767)


def test_gzip_bytes_is_deterministic_and_postscript_is_a_page() -> None:
    assert gzip_bytes(b"abc") == gzip_bytes(b"abc")
    assert gzip.decompress(gzip_bytes(b"abc")) == b"abc"
    page = postscript_chart("A (title)", ["line 1", "line 2"])
    assert page.startswith("%!PS-Adobe-3.0")
    assert "(A \\(title\\)) show" in page
    assert page.rstrip().endswith("%%EOF")


# ---- parameter reading -------------------------------------------------------------------------------------


def test_number_flag_text_choice() -> None:
    pars = {"a": "2.51", "b": 3, "c": "x", "d": None, "e": "nan", "f": True}
    assert number(pars, "a", 0) == 2.51
    assert number(pars, "b", 0) == 3.0
    assert number(pars, "c", 7) == 7
    assert number(pars, "d", 7) == 7
    assert number(pars, "e", 7) == 7
    assert number(pars, "f", 0) == 1.0
    assert number(pars, "missing", 1.5) == 1.5
    flags = {"one": 1, "s1": "1", "yes": "yes", "zero": 0, "s0": "0", "no": "no", "cat": "2SXPS", "num": "2"}
    assert [flag(flags, k) for k in flags] == [True, True, True, False, False, False, True, True]
    assert flag(flags, "missing", True)
    assert text({"a": " x "}, "a") == "x"
    assert text({}, "a", "d") == "d"
    assert choice({"m": "Counts"}, "m", ("counts", "time"), "time") == "counts"
    assert choice({"m": "weird"}, "m", ("counts", "time"), "time") == "time"
    assert choice({"t": 1}, "t", ("single", "user"), "user", {1: "single"}) == "single"
    assert choice({"t": "1"}, "t", ("single", "user"), "user", {1: "single"}) == "single"
    assert choice({"t": "x"}, "t", ("single",), "single", {1: "single"}) == "single"


def test_word_and_target_lists() -> None:
    assert word_list(["powerlaw", "APEC"]) == ["powerlaw", "APEC"]
    assert word_list("powerlaw, apec") == ["powerlaw", "apec"]
    assert word_list("['blackbody']") == ["blackbody"]
    assert word_list(None) == []
    assert target_list("{00010873,00010907}") == ("00010873", "00010907")
    assert target_list("966554") == ("00966554",)
    assert target_list(["00966554", "junk", "00000000"]) == ("00966554",)
    assert target_list(None) == ()


def test_time_ranges_and_window_selection() -> None:
    assert time_ranges("1000-2000, 5000-4000,junk", 1000) == [(0.0, 1000.0), (3000.0, 4000.0)]
    plan = [
        Snapshot("00000001001", "WT", 0, 100),
        Snapshot("00000001001", "PC", 100, 2000),
        Snapshot("00000001002", "PC", 50000, 51000),
    ]
    assert select_windows(plan, "all") == tuple(plan)
    assert select_windows(plan, "hours", hours=0.5) == (plan[0], Snapshot("00000001001", "PC", 100, 1800))
    assert select_windows(plan, "user", use_obs="00000001002") == (plan[2],)
    clipped = select_windows(plan, "user", use_obs="1500-50500", zero=0)
    assert clipped == (Snapshot("00000001001", "PC", 1500, 2000), Snapshot("00000001002", "PC", 50000, 50500))
    assert select_windows(plan, "user", use_obs="") == ()
    assert select_windows([], "all") == ()


#: Two snapshots of one observation (the first in WT then PC), then a snapshot of another.
PLAN = (
    Snapshot("00000001001", "WT", 0, 100),
    Snapshot("00000001001", "PC", 100, 2000),
    Snapshot("00000001001", "PC", 6000, 7000),
    Snapshot("00000001002", "PC", 50000, 51000),
)


def test_spectrum_intervals_per_observation_and_per_snapshot() -> None:
    assert obsid_spans(PLAN) == [
        ("Obs_00000001001", 0, 7000, list(PLAN[:3])),
        ("Obs_00000001002", 50000, 51000, [PLAN[3]]),
    ]
    assert snapshot_spans(PLAN) == [
        ("Obs_00000001001_snap1", 0, 2000, list(PLAN[:2])),
        ("Obs_00000001001_snap2", 6000, 7000, [PLAN[2]]),
        ("Obs_00000001002_snap1", 50000, 51000, [PLAN[3]]),
    ]


def test_user_spectrum_intervals_clip_the_data_to_their_ranges() -> None:
    slices = [("early", "1050-1500,1900-6500"), ("never", "junk"), ("late", "51500-90000")]
    assert user_spans(slices, PLAN, zero=1000) == [
        (
            "early",
            50,
            5500,
            [
                Snapshot("00000001001", "WT", 50, 100),
                Snapshot("00000001001", "PC", 100, 500),
                Snapshot("00000001001", "PC", 900, 2000),
            ],
        ),
        ("late", 50500, 89000, [Snapshot("00000001002", "PC", 50500, 51000)]),
    ]


def test_a_single_spectrum_interval_spans_all_the_data() -> None:
    assert interval_spans(SpecSettings(stem="all", windows=PLAN)) == [("all", 0, 51000, list(PLAN))]
    assert interval_spans(SpecSettings(windows=())) == []
    assert interval_spans(SpecSettings(timeslice="snapshot", windows=PLAN)) == snapshot_spans(PLAN)


def test_light_curve_settings_and_variants() -> None:
    settings = settings_from({"binMeth": "TIME", "pcbin": "10", "lctimetype": "m", "allowUL": "pc"}, [])
    assert settings == LCSettings(bin_method="time", pc_bin=10.0, mjd=True, allow_ul="pc")
    assert settings_from({}, []).bin_method == "counts"
    assert parse_variants("both", "nosys") == (False, True)
    assert parse_variants("YES", "nosys") == (True,)
    assert parse_variants(False, "incbad") == (False,)
    assert parse_variants(None, "incbad") == (False,)
    with pytest.raises(ValueError, match="incbad must be"):
        parse_variants("all", "incbad")


def test_clean_label_and_position_text() -> None:
    assert clean_label("late_time!") == "latetime"
    pos = Position(335.6985, -7.5179, 3.456)
    assert (pos.ra_text, pos.dec_text, pos.err_text) == ("335.69850", "-7.51790", "3.5")
    assert (pos.ra_hms, pos.dec_dms) == ("22 22 47.64", "-07 31 04.4")


# ---- the sky model ----------------------------------------------------------------------------------


def test_stable_random_is_stable_and_distinct() -> None:
    assert stable_random(1, "a").random() == stable_random(1, "a").random()
    assert stable_random(1, "a").random() != stable_random(1, "b").random()


def test_broken_power_law_is_continuous_and_decays() -> None:
    model = RateModel(decaying=True, norm=10.0, slopes=(3.0, 0.5, 1.2), breaks=(400.0, 2.0e4))
    assert model.rate(100.0) == pytest.approx(10.0)
    for brk in model.breaks:
        assert model.rate(brk * 0.999999) == pytest.approx(model.rate(brk * 1.000001), rel=1e-4)
    assert model.rate(200.0) == pytest.approx(10.0 / 8)
    times = [100.0 * 1.5**i for i in range(25)]
    rates = [model.rate(t) for t in times]
    assert rates == sorted(rates, reverse=True)
    assert model.timescale(1000.0) == pytest.approx(1000.0 / 3.0)


def test_flicker_stays_near_its_mean_and_integrates() -> None:
    model = RateModel(
        decaying=False, norm=2.0, periods=(1000.0, 5000.0, 9000.0), phases=(0.0, 1.0, 2.0), amplitude=0.2
    )
    rates = [model.rate(t) for t in range(0, 20000, 97)]
    assert all(2.0 * math.exp(-0.5) < r < 2.0 * math.exp(0.5) for r in rates)
    flat = RateModel(decaying=False, norm=2.0, periods=(1e9,), phases=(0.0,), amplitude=0.0)
    assert integrate(flat.rate, flat.timescale, 0.0, 1000.0) == pytest.approx(2000.0)


def test_sources_are_deterministic_and_grbs_are_planned_like_swift() -> None:
    a = make_source(1, "GRB 200416A", 335.6985, -7.5179, t0=608713541.952, targets=["00966554"])
    b = make_source(1, "grb 200416a", 335.6985, -7.5179, t0=608713541.952, targets=["00966554"])
    c = make_source(2, "GRB 200416A", 335.6985, -7.5179, t0=608713541.952, targets=["00966554"])
    assert a.key == b.key
    assert (a.model, a.plan, a.true_ra, a.gamma) == (b.model, b.plan, b.true_ra, b.gamma)
    assert a.model != c.model
    assert a.kind == "GRB"
    assert a.plan[0].mode == "WT"
    assert all(s.obsid.startswith("00966554") for s in a.plan)
    starts = [s.start for s in a.plan]
    assert starts == sorted(starts)
    assert a.plan[0].start < 200
    assert a.plan[-1].stop > 3e5
    assert source_counts(a, "WT", a.plan[0].start, a.plan[0].stop) > 100
    persistent = make_source(1, "Her X-1", 254.45755, 35.34236, t0=1.8e8, targets=["00030852"])
    assert persistent.kind == "XRB"
    assert persistent.plan[0].start == 0.0
    unknown = make_source(1, "Something", 10.0, 10.0, t0=3e8, targets=[])
    assert unknown.kind == "Unknown"
    assert unknown.targets == ("00000000",)


def test_galactic_column_and_mjd() -> None:
    assert galactic_nh(192.85948, 27.12825) == pytest.approx(2e20 / 1.02, rel=1e-3)  # galactic pole
    assert galactic_nh(266.405, -28.936) > 5e21  # galactic centre
    assert met_to_mjd(0.0) == 51910.0
    assert met_to_mjd(86400.0) == 51911.0
