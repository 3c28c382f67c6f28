"""Reply models against every documented reply in tests/data/examples, plus the odd cases."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from swifttools.ukssdc.xrt_prods import XRTProductRequest

from xrt_prods_async._errors import ProtocolError
from xrt_prods_async._products import Product
from xrt_prods_async.wire import StatusCode
from xrt_prods_async.wire._replies import (
    NO_PROGRESS_TEXT,
    CancelReply,
    LightCurveReply,
    NumJobsReply,
    OldJobsReply,
    OldProductReply,
    PositionReply,
    ProgressReply,
    SourceListReply,
    SpecDataReply,
    StatusReply,
    SubmitReply,
    parse_reply,
    products_from_job_pars,
    render_progress,
)

STATUS_EXAMPLES = [
    "status_response_all_products.json",
    "status_response_no_progress.json",
    "status_response_nonexistent_products.json",
    "status_response_tutorial_complete.json",
    "status_response_tutorial_running_one_cancelled.json",
    "status_response_with_progress.json",
]


@pytest.mark.parametrize(
    ("name", "job_id", "url"),
    [
        ("submit_ok_gkper_old_server.json", 14, "https://www.swift.ac.uk/user_objects/tprods/USERPROD_14"),
        (
            "submit_ok_tutorial_jobPars_redacted.json",
            803,
            "https://www.swift.ac.uk/user_objects/tprods/USERPROD_803",
        ),
    ],
)
def test_submit_reply_takes_string_job_id(example: Any, name: str, job_id: int, url: str) -> None:
    reply = parse_reply(SubmitReply, example(name))
    assert reply.job_id == job_id
    assert reply.url == url
    assert isinstance(reply.job_pars, dict)


def test_submit_reply_takes_integer_job_id_too() -> None:
    reply = parse_reply(SubmitReply, {"OK": 1, "APIVersion": "1.12", "JobID": 7, "URL": "u", "jobPars": {}})
    assert reply.job_id == 7


def test_submit_reply_without_job_id_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="JobID"):
        parse_reply(SubmitReply, {"OK": 1, "APIVersion": "1.12", "URL": "u"}, url="https://x.test")


def test_products_from_job_pars(example: Any) -> None:
    gkper = example("submit_ok_gkper_old_server.json")["jobPars"]
    assert products_from_job_pars(gkper) == (Product.SPECTRUM,)
    newer = example("submit_jobPars_grb200416A_newer_server.json")
    assert products_from_job_pars(newer) == (
        Product.LIGHT_CURVE,
        Product.SPECTRUM,
        Product.STANDARD_POS,
        Product.ENHANCED_POS,
        Product.ASTROM_POS,
    )
    # doxastrom forces dopsf on the server, and flags may be strings
    assert products_from_job_pars({"doxastrom": "1", "image": "yes?"}) == (
        Product.STANDARD_POS,
        Product.ASTROM_POS,
    )


@pytest.mark.parametrize("name", STATUS_EXAMPLES)
def test_status_examples_parse_and_render_like_swifttools(example: Any, name: str) -> None:
    raw = example(name)
    reply = parse_reply(StatusReply, raw)
    assert reply.job_id == raw["JobID"]
    expected_keys = {k for k, v in raw.items() if isinstance(v, dict)}
    assert set(reply.products) == expected_keys
    reference = XRTProductRequest("someone@example.org", silent=True)
    for short, status in reply.products.items():
        wire = raw[short]
        assert status.raw_code == wire["statusCode"]
        assert status.text == wire["statusText"]
        if wire["progress"]["GotProgress"] == 1:
            assert status.progress.render() == reference._buildProgressString(wire["progress"])
        else:
            assert status.progress.render() == NO_PROGRESS_TEXT


def test_null_status_code_means_not_in_job(example: Any) -> None:
    reply = parse_reply(StatusReply, example("status_response_nonexistent_products.json"))
    assert reply.products["lc"].code is None
    assert reply.products["lc"].text == "Unknown status"
    assert reply.products["spec"].code is StatusCode.RUNNING


def test_status_codes_as_strings_and_undocumented_codes() -> None:
    reply = parse_reply(
        StatusReply,
        {
            "OK": 1,
            "APIVersion": "1.12",
            "JobID": "5",
            "lc": {"statusCode": "4", "statusText": "Complete", "progress": {"GotProgress": "0"}},
            "spec": {"statusCode": 17, "statusText": "Odd"},
            "deprecationWarning": {"type": "t", "message": "m"},
        },
    )
    assert reply.job_id == 5
    assert set(reply.products) == {"lc", "spec"}
    assert reply.products["lc"].code is StatusCode.COMPLETE
    assert reply.products["spec"].raw_code == 17
    assert reply.products["spec"].code is None


def test_progress_rendering_matches_the_documented_text() -> None:
    progress = ProgressReply.model_validate(
        {
            "GotProgress": 1,
            "PreProgress": "Trying using the <em>v,b,white</em> filters:",
            "ProgressSteps": [
                {"StepLabel": "Identify XRT-UVOT overlaps.", "StepStatus": 2},
                {
                    "StepLabel": "Determine position.",
                    "StepStatus": 1,
                    "StepExtra": "Working on overlap 1 / 1",
                },
                {"StepLabel": "Build Images.", "StepStatus": 0},
            ],
            "TimeRunning": "00:00:08",
        }
    )
    assert render_progress(progress) == (
        "Trying using the <em>v,b,white</em> filters:\n"
        "  Identify XRT-UVOT overlaps. - DONE\n"
        "  ** Determine position. - ACTIVE -- Working on overlap 1 / 1**\n"
        "  Build Images.\n"
        "\n"
        "The job has been running for 00:00:08\n"
    )


def test_nested_progress_object_renders_substeps_indented(example: Any) -> None:
    progress = ProgressReply.model_validate(example("status_progress_object_spectrum_nested.json"))
    text = progress.render()
    assert "  ** Build spectra. - ACTIVE -- Working on spectrum: interval0 (1/1)**\n" in text
    assert "    ** Extract data. - ACTIVE -- Working on observation 1 / 1**\n" in text
    assert "    Fit spectrum.\n" in text
    assert progress.steps[1].substeps[0].active
    assert progress.steps[0].done


@pytest.mark.parametrize(
    ("name", "ok", "codes"),
    [
        ("cancel_ok.json", 1, {"lc": 0, "spec": 0}),
        ("cancel_partial.json", 2, {"lc": 1, "spec": 0}),
        ("cancel_ok_tutorial_with_apiversion.json", 1, {"spec": 0}),
    ],
)
def test_cancel_replies(example: Any, name: str, ok: int, codes: dict[str, int]) -> None:
    reply = parse_reply(CancelReply, example(name))
    assert reply.ok == ok
    assert reply.status_codes == codes
    assert set(reply.status) == set(codes)


def test_num_jobs_reply(example: Any) -> None:
    assert parse_reply(NumJobsReply, example("getnumjobs_ok.json")).num_jobs == 0
    assert parse_reply(NumJobsReply, {"OK": 1, "APIVersion": "1", "numJobs": "3"}).num_jobs == 3


def test_list_old_jobs_reply(example: Any) -> None:
    reply = parse_reply(OldJobsReply, example("listoldjobs_ok.json"))
    assert [j.job_id for j in reply.jobs] == [3414, 3413]
    first = reply.jobs[0]
    assert first.name == "GRB 200416A"
    assert first.submitted == datetime(2020, 7, 23, 17, 32, 29, tzinfo=UTC)
    assert first.products == (Product.SPECTRUM,)
    assert first.has_products is True


def test_list_old_jobs_sorted_newest_first_whatever_the_wire_order() -> None:
    jobs = [
        {"JobID": "5", "Name": "a", "DateSubmitted": "2024-01-01 00:00:00", "LightCurve": 1, "hasProd": 0},
        {"JobID": 9, "Name": "b", "DateSubmitted": "2024-01-02 00:00:00", "Image": True, "hasProd": True},
    ]
    reply = parse_reply(OldJobsReply, {"OK": 1, "APIVersion": "1.12", "jobs": jobs})
    assert [j.job_id for j in reply.jobs] == [9, 5]
    assert reply.jobs[1].products == (Product.LIGHT_CURVE,)


def test_old_product_reply(example: Any) -> None:
    reply = parse_reply(OldProductReply, example("getoldproduct_ok_truncated.json"))
    assert reply.old_job == 800
    assert reply.url is None
    assert reply.job_pars["soft1"] == "0.3"


@pytest.mark.parametrize(
    ("name", "ra", "dec", "err", "sxps"),
    [
        ("position_psf_gotpos_wire.json", 335.69850, -7.51788, 3.5, False),
        ("position_enh_gotpos_wire.json", 335.69928, -7.51816, 1.7, None),
        ("position_xastrom_gotpos_wire.json", 335.70087, -7.51741, 14.3, False),
    ],
)
def test_position_replies(
    example: Any, name: str, ra: float, dec: float, err: float, sxps: bool | None
) -> None:
    reply = parse_reply(PositionReply, example(name))
    assert reply.got_pos is True
    assert (reply.ra, reply.dec, reply.err90) == (pytest.approx(ra), pytest.approx(dec), pytest.approx(err))
    assert reply.from_sxps is sxps


def test_no_position_reply(example: Any) -> None:
    reply = parse_reply(PositionReply, example("position_nopos_wire.json"))
    assert reply.got_pos is False
    assert reply.ra is None


def test_position_claiming_success_without_coordinates_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="GotPos"):
        parse_reply(PositionReply, {"OK": 1, "APIVersion": "1", "GotPos": 1, "RA": "1"})


def test_source_list_reply_types_every_column(example: Any) -> None:
    reply = parse_reply(
        SourceListReply, {"OK": 1, "APIVersion": 0.1, **example("sourcelist_ok_truncated.json")}
    )
    assert list(reply.bands) == ["Total"]
    first = reply.bands["Total"][0]
    assert first.sno == 1
    assert first.ra == pytest.approx(32.1512078019)
    assert first.gal_l == pytest.approx(133.343722697934)
    assert first["C"] == 1236
    assert isinstance(first["C"], int)
    assert first.err90 == pytest.approx(3.51785655609393)


def test_source_list_robust_to_exponents_and_text() -> None:
    reply = parse_reply(
        SourceListReply,
        {
            "OK": 1,
            "APIVersion": "1.12",
            "Total": [{"sno": "1", "ra": "10", "rate": "1e-07", "flag": "Good"}],
            "Soft": [],
        },
    )
    row = reply.bands["Total"][0]
    assert row["rate"] == pytest.approx(1e-07)
    assert row["flag"] == "Good"
    assert row.ra == 10.0
    assert reply.bands["Soft"] == ()


def test_light_curve_reply(example: Any) -> None:
    reply = parse_reply(LightCurveReply, example("lcdata_response_reconstructed.json"))
    assert reply.dataset_names == (
        "PC_incbad",
        "PCUL_incbad",
        "PCHard_incbad",
        "PCSoft_incbad",
        "PCHR_incbad",
    )
    assert reply.binning == "Counts"
    assert reply.time_format == "MET"
    assert reply.t0 == 672786064.0
    pc = reply.datasets["PC_incbad"]
    assert pc.columns[:4] == ("Time", "TimePos", "TimeNeg", "Rate")
    assert pc.rows[0][0] == pytest.approx(231.329)
    assert pc.url == "https://www.swift.ac.uk/xrt_curves/01104343/PCCURVE_incbad.qdp"
    assert math.isinf(float(reply.datasets["PCUL_incbad"].rows[0][-1]))
    assert reply.datasets["PCSoft_incbad"].rows == ()


def test_light_curve_obsid_cells_are_normalised() -> None:
    reply = parse_reply(
        LightCurveReply,
        {
            "OK": 1,
            "APIVersion": "1.12",
            "Datasets": ["WT"],
            "WTData": {"columns": ["Time", "Rate", "ObsID"], "data": [[1, "2.5", "::ObsID=966554000"]]},
        },
    )
    assert reply.datasets["WT"].rows[0] == (1.0, 2.5, "00966554000")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"Datasets": ["WT"]}, "WTData"),
        ({"Datasets": ["WT"], "WTData": {"columns": ["Time", "Rate"], "data": [[1.0]]}}, "row 0 has 1 cells"),
        ({"Binning": "Counts"}, "Datasets"),
    ],
)
def test_malformed_light_curves_are_protocol_errors(body: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ProtocolError, match=fragment):
        parse_reply(LightCurveReply, {"OK": 1, "APIVersion": "1.12", **body})


def test_spectral_fits_current_layout(example: Any) -> None:
    reply = parse_reply(SpecDataReply, example("specdata_grb130925A_current_format.json"))
    assert reply.t0 == 401775096
    assert reply.delta_fit_stat == pytest.approx(2.706)
    assert reply.galactic_nh_unfitted is None
    assert list(reply.intervals) == ["interval0", "late_time"]
    interval = reply.intervals["interval0"]
    assert interval.data_file == "https://www.swift.ac.uk/xrt_spectra/00571830/interval0.tar.gz"
    assert list(interval.modes) == ["WT", "PC"]
    wt = interval.modes["WT"]
    assert wt.exposure == pytest.approx(3162.851695179939)
    fit = wt.models["PowerLaw"]
    assert fit.values["Gamma"] == pytest.approx(1.74059)
    assert fit.values["Dof"] == 960
    assert fit.image == "https://www.swift.ac.uk/xrt_spectra/00571830/interval0wt_plot.gif"
    assert not fit.no_fit


def test_spectral_fits_truncated_tutorial(example: Any) -> None:
    reply = parse_reply(SpecDataReply, example("specdata_tutorial_truncated_current_format.json"))
    assert list(reply.intervals["interval0"].modes) == ["WT"]  # PC listed in Modes but absent
    assert reply.intervals["interval0"].modes["WT"].models["PowerLaw"].values["NH"] == pytest.approx(
        1.57609e17
    )


def test_spectral_fit_markers() -> None:
    reply = parse_reply(
        SpecDataReply,
        {
            "OK": 1,
            "APIVersion": "1.12",
            "T0": 1,
            "GalNH_unfitted": 3e20,
            "rnames": ["a", "b"],
            "a": {"NOSPEC": 1, "Start": "0", "Stop": "10"},
            "b": {
                "Modes": ["PC", "WT"],
                "PC": {"Models": ["PowerLaw", "APEC"], "PowerLaw": {"NOFIT": 1}, "APEC": {"kT": "1.5"}},
                "WT": {"NOFIT": 1},
            },
        },
    )
    assert reply.galactic_nh_unfitted == 3e20
    assert reply.intervals["a"].no_spec
    assert reply.intervals["a"].stop == 10.0
    pc = reply.intervals["b"].modes["PC"]
    assert pc.models["PowerLaw"].no_fit
    assert pc.models["APEC"].values == {"kT": 1.5}
    assert reply.intervals["b"].modes["WT"].no_fit
    no_spectrum = parse_reply(SpecDataReply, {"OK": 1, "APIVersion": "1.12", "NoSpectrum": 1})
    assert no_spectrum.no_spectrum


def test_old_spectral_layout_is_a_protocol_error(example: Any) -> None:
    with pytest.raises(ProtocolError, match="rnames"):
        parse_reply(SpecDataReply, example("specdata_old_format_v1.9.json"))
