"""Campaign files: CSV rows and TOML templates/sources become validated requests, or one error listing all."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.campaign.test_options import toml_value, toml_values
from xrt_prods_async._errors import ConfigurationError, InvalidRequestError
from xrt_prods_async._products import Product
from xrt_prods_async.campaign import load_campaign_file
from xrt_prods_async.campaign._sources import CAMPAIGN_SETTINGS, DEFAULT_TEMPLATE, merge, read_csv
from xrt_prods_async.params import JobRequest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SOURCE = 'name = "GK Per"\nRA = 52.8\nDec = 43.9043\ntarg = "00010873"\n'
TEMPLATE = "[template]\ncentroid = true\nposErr = 1\n[template.StandardPos]\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidRequestError) as caught:
        load_campaign_file(path)
    return [str(p) for p in caught.value.problems]


# -- the documented examples ----------------------------------------------------------------------------


def test_the_example_toml_loads_with_its_csv_and_overrides() -> None:
    parsed = load_campaign_file(EXAMPLES / "campaign.toml")
    labels = [item.label for item in parsed.items]
    assert labels == [
        "GRB 200416A",
        "GRB 130925A",
        "BOAT",
        "GK Per",
        "GRB 190114C",
        "GRB 200416A (z=0.2)",
    ]
    by_label = {item.label: item.request for item in parsed.items}
    # The CSV rows take the template as it is...
    boat = by_label["BOAT"]
    assert boat.name == "GRB 221009A"
    assert set(boat.products) == {Product.LIGHT_CURVE, Product.SPECTRUM, Product.STANDARD_POS}
    assert by_label["GK Per"].pos_err == 2.0  # the CSV's posErr column overrides the template
    assert by_label["GK Per"].targ == "00010873,00010907"
    # ... a [[source]] overrides one light-curve key, keeps the others and adds a product.
    lc = by_label["GRB 190114C"].light_curve
    assert lc is not None
    assert lc.bin_meth == "snapshot"
    assert lc.pc_counts == 20
    assert Product.ENHANCED_POS in by_label["GRB 190114C"].products
    spectrum = by_label["GRB 200416A (z=0.2)"].spectrum
    assert spectrum is not None
    assert spectrum.has_redshift is True
    assert parsed.settings["max_active"] == 5
    assert Path(parsed.settings["output"]) == EXAMPLES / "campaign-output"
    assert "sources" not in parsed.settings
    assert set(parsed.settings) <= CAMPAIGN_SETTINGS


def test_the_example_csv_loads_on_its_own_with_the_default_template() -> None:
    parsed = load_campaign_file(EXAMPLES / "sources.csv")
    assert [item.label for item in parsed.items] == ["GRB 200416A", "GRB 130925A", "BOAT", "GK Per"]
    assert parsed.settings == {}
    first = parsed.items[0].request
    assert first.t0 == pytest.approx(608713541.952)
    assert first.ra == pytest.approx(335.6985)
    assert set(first.products) == {
        Product.parse(k) for k, v in DEFAULT_TEMPLATE.items() if isinstance(v, dict)
    }


# -- merging ----------------------------------------------------------------------------------------------


def test_merge_replaces_globals_and_merges_product_tables_key_by_key() -> None:
    template = {"posErr": 1, "centroid": True, "LightCurve": {"binMeth": "counts", "pcCounts": 20}}
    merged = merge(template, {"posErr": 3, "lc": {"pcCounts": 5, "dynamic": False}, "Spectrum": {}})
    assert merged == {
        "posErr": 3,
        "centroid": True,
        # the source's spelling "lc" names the same product as the template's "LightCurve"
        "lc": {"binMeth": "counts", "pcCounts": 5, "dynamic": False},
        "Spectrum": {},
    }
    assert template["LightCurve"] == {"binMeth": "counts", "pcCounts": 20}  # the template is not changed


def test_merge_replaces_a_parameter_written_in_another_spelling() -> None:
    template = {"posErr": 1, "centroid": True, "LightCurve": {"binMeth": "counts", "pcCounts": 20}}
    merged = merge(template, {"pos_err": 3, "cent": False, "lc": {"pc_counts": 5}})
    assert merged == {"pos_err": 3, "cent": False, "lc": {"binMeth": "counts", "pc_counts": 5}}


def test_a_csv_column_overrides_the_template_in_any_spelling(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "name,ra,dec,targ,pos_err,cent\nGK Per,52.8,43.9043,00010873,2,no\n")
    [item] = load_campaign_file(path).items  # the default template writes posErr and centroid
    assert item.request.pos_err == 2.0
    assert item.request.centroid is False


def test_a_toml_source_overrides_the_template(tmp_path: Path) -> None:
    text = (
        "[template]\ncentroid = true\nposErr = 1\n"
        "[template.LightCurve]\nbinMeth = 'counts'\npcCounts = 20\nwtCounts = 30\ndynamic = true\n"
        f"[[source]]\n{SOURCE}posErr = 4\n[source.lc]\nwtCounts = 10\n"
        f"[[source]]\n{SOURCE}label = 'second'\ncentroid = false\n"
    )
    first, second = load_campaign_file(write(tmp_path, "c.toml", text)).items
    assert first.request.pos_err == 4.0
    assert first.request.light_curve is not None
    assert (first.request.light_curve.pc_counts, first.request.light_curve.wt_counts) == (20, 10)
    assert second.label == "second"
    assert second.request.centroid is False
    assert second.request.light_curve is not None
    assert second.request.light_curve.wt_counts == 30


def test_an_explicit_template_replaces_the_default(tmp_path: Path) -> None:
    csv_file = write(tmp_path, "s.csv", "name,RA,Dec,targ\nGK Per,52.8,43.9043,00010873\n")
    parsed = load_campaign_file(csv_file, template={"centroid": False, "Image": {}})
    assert parsed.items[0].request.products == (Product.IMAGE,)
    toml_file = write(tmp_path, "c.toml", f"{TEMPLATE}[[source]]\n{SOURCE}")
    assert load_campaign_file(toml_file).items[0].request.products == (Product.STANDARD_POS,)


# -- CSV cells ---------------------------------------------------------------------------------------------


def test_csv_cells_are_read_for_each_parameters_type(tmp_path: Path) -> None:
    text = (
        "\ufeffname , RA,Dec,targ,T0,centroid,posErr,useSXPS,label\n"
        'GK Per,52.8,43.9043," 00010873, 00010907",124048802.5,yes,2,0,gk\n'
        "\n"
        "FO Aqr,334.48075,-8.35106,00037098,,no,,1,\n"
    )
    path = write(tmp_path, "s.csv", text)
    gk, fo = load_campaign_file(path, template={"centroid": True, "posErr": 1, "StandardPos": {}}).items
    assert gk.label == "gk"
    assert gk.request.name == "GK Per"
    assert gk.request.ra == 52.8
    assert gk.request.t0 == 124048802.5
    assert gk.request.centroid is True
    assert gk.request.pos_err == 2.0
    assert gk.request.use_sxps is False
    assert gk.request.targ == "00010873,00010907"
    assert fo.label == "FO Aqr"  # no label: the name
    assert fo.request.centroid is False
    assert fo.request.pos_err == 1.0  # the empty cell leaves the template's value
    assert fo.request.t0 is None
    assert fo.request.use_sxps is True
    rows = read_csv(path)
    assert [row.where for row in rows] == ["s.csv line 2", "s.csv line 4"]  # the blank line is skipped
    assert rows[1].values == {
        "name": "FO Aqr",
        "RA": "334.48075",
        "Dec": "-8.35106",
        "targ": "00037098",
        "centroid": "no",
        "useSXPS": "1",
    }


def test_a_csv_without_a_name_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "RA,Dec\n1,2\n")
    with pytest.raises(ConfigurationError, match=r"s\.csv: the first line must name the columns.*'name'"):
        load_campaign_file(path)
    with pytest.raises(ConfigurationError, match="no sources"):
        load_campaign_file(write(tmp_path, "empty.csv", "name,RA,Dec\n"))


def test_a_row_with_more_cells_than_columns_is_refused_naming_its_line(tmp_path: Path) -> None:
    text = (
        "name,RA,Dec,targ,posErr\n"
        "GK Per,52.8,43.9043,00010873,00010907,2\n"  # an unquoted list of targets shifts every cell after it
        "FO Aqr,334.48075,-8.35106,00037098,1,,\n"  # trailing empty cells are harmless
    )
    path = write(tmp_path, "s.csv", text)
    assert problems_of(path) == [
        "s.csv line 2: 6 cells, but the first line names 5 columns; quote a cell holding commas "
        '("00010873,00010907"), or name the extra columns on the first line'
    ]
    with pytest.raises(InvalidRequestError, match=r"s\.csv line 2: 6 cells"):
        read_csv(path)
    write(tmp_path, "s.csv", text.replace("00010873,00010907", '"00010873,00010907"'))
    assert [item.label for item in load_campaign_file(path).items] == ["GK Per", "FO Aqr"]


def test_unknown_csv_columns_are_refused_once_naming_line_and_column(tmp_path: Path) -> None:
    text = (
        "name,RA,Dec,targ,posEr,lable,pcCounts,LightCurve,RA,,T0\n"
        "GK Per,52.8,43.9043,00010873,2,gk,20,1,52.8,,\n"
        "FO Aqr,334.48075,-8.35106,00037098,1,fo,20,1,,,\n"
        "V1223 Sgr,283.759,-31.163,00037099,1,v,,,,oops,\n"
    )
    assert problems_of(write(tmp_path, "s.csv", text)) == [
        "s.csv line 1, column 5 'posEr': unknown column; did you mean 'posErr'?",
        "s.csv line 1, column 6 'lable': unknown column; did you mean 'label'?",
        "s.csv line 1, column 7 'pcCounts': a parameter of the light curve, which a column cannot set: set "
        "it in the template (a TOML campaign file's [template.LightCurve] table)",
        "s.csv line 1, column 8 'LightCurve': names the light curve, and a column cannot ask for a product: "
        "the products come from the template (a TOML campaign file's [template.LightCurve] table)",
        "s.csv line 1, column 9 'RA': the same column as column 2; keep one",
        "s.csv line 4, column 10: 'oops' is in a column with no name; name the column on the first line, or "
        "empty it",
    ]


@pytest.mark.parametrize(
    ("header", "hint"),
    [
        ("name,ra,dec,targ,pos_er", "did you mean 'pos_err'?"),  # Python names: a Python name
        ("name,RA,Dec,targ,poserror", "did you mean 'posErr'?"),  # swifttools names: a swifttools name
        ("name,RA,Dec,targ,cent,poserrr", "did you mean 'poserr'?"),  # wire keys: a wire key
        ("name,RA,Dec,targ,xyzzy", "unknown column: the columns are name, label and global parameters"),
    ],
)
def test_an_unknown_column_hears_of_the_columns_in_the_headers_spelling(
    tmp_path: Path, header: str, hint: str
) -> None:
    row = ",".join(["GK Per", "52.8", "43.9043", "00010873", "1", "1"][: header.count(",") + 1])
    [problem] = problems_of(write(tmp_path, "s.csv", f"{header}\n{row}\n"))
    assert problem.startswith(f"s.csv line 1, column {header.count(',') + 1} "), problem
    assert hint in problem, problem


def test_a_sources_csv_beside_a_toml_file_reports_its_columns_with_the_sources(tmp_path: Path) -> None:
    write(tmp_path, "s.csv", "name,RA,Dec,targ,posEr\nGK Per,52.8,43.9043,00010873,2\n")
    text = f"[campaign]\nsources = 's.csv'\n{TEMPLATE}[[source]]\n{SOURCE}label = 'gk'\nposErr = -1\n"
    problems = problems_of(write(tmp_path, "c.toml", text))
    assert problems[0] == "s.csv line 1, column 5 'posEr': unknown column; did you mean 'posErr'?"
    assert problems[1].startswith("gk: posErr:")
    assert len(problems) == 2


def test_template_typos_are_reported_once_where_they_were_written(tmp_path: Path) -> None:
    text = (
        "[template]\ncentroid = false\nposEr = 1\npcCounts = 20\n"
        "[template.LightCurve]\nbinMeth = 'snapshot'\nbinmethod = 'x'\n"
        f"[[source]]\n{SOURCE}label = 'one'\nnmae = 'x'\nbinMeth = 'counts'\n"
        "[source.LightCurve]\npcCount = 3\n"
        f"[[source]]\n{SOURCE}label = 'two'\n"
    )
    assert problems_of(write(tmp_path, "c.toml", text)) == [
        "c.toml [template]: posEr: not a parameter of the request; did you mean 'posErr'?",
        "c.toml [template]: pcCounts: not a global parameter but one of the light curve: put it in "
        "[template.LightCurve]",
        "c.toml [template]: LightCurve.binmethod: not a parameter of the light curve (LightCurve); did you "
        "mean 'binMeth'?",
        "one: nmae: not a parameter of the request; did you mean 'name'?",
        "one: binMeth: not a global parameter but one of the light curve: put it in [source.LightCurve]",
        "one: LightCurve.pcCount: not a parameter of the light curve (LightCurve); did you mean 'pcCounts'?",
    ]


def test_a_template_given_in_python_keeps_pythons_words(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "name,RA,Dec,targ\nGK Per,52.8,43.9043,00010873\n")
    with pytest.raises(InvalidRequestError) as caught:
        load_campaign_file(path, template={"centroid": False, "image": {}, "bin_meth": "counts"})
    assert [str(p) for p in caught.value.problems] == [
        "template: bin_meth: not a global parameter but one of the light curve: pass it inside "
        "light_curve={...}"
    ]


# -- problems, all at once -------------------------------------------------------------------------------


def test_every_problem_of_every_source_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        "name,RA,Dec,targ,posErr\n"
        "good,52.8,43.9043,00010873,\n"
        "bad position,notanumber,-95,00010873,\n"
        "no targets,52.8,43.9043,,\n"
        ",52.8,43.9043,00010873,\n"
        "bad error,52.8,43.9043,00010873,-1\n"
    )
    problems = problems_of(write(tmp_path, "s.csv", text))
    assert len(problems) == 5, problems
    assert problems[0].startswith("bad position: RA: must be a number")
    assert "'notanumber'" in problems[0]
    assert problems[1].startswith("bad position: Dec:")
    assert problems[2].startswith("no targets: targ: required")
    assert problems[3].startswith("s.csv line 5: name:")  # a source without a name is named by its place
    assert problems[4].startswith("bad error: posErr:")
    with pytest.raises(InvalidRequestError, match=r"s\.csv has invalid sources \(5 problems\)"):
        load_campaign_file(tmp_path / "s.csv")


def test_problems_in_toml_sources_and_their_csv_are_reported_together(tmp_path: Path) -> None:
    write(tmp_path, "s.csv", "name,RA,Dec,targ\nfrom csv,52.8,43.9043,\n")
    text = (
        f"[campaign]\nsources = 's.csv'\n{TEMPLATE}"
        f"[[source]]\n{SOURCE}label = 'typo'\nnmae = 'x'\n"
        f"[[source]]\n{SOURCE}label = 'bad product'\n[source.LightCurve]\nbinMeth = 'weekly'\n"
    )
    problems = problems_of(write(tmp_path, "c.toml", text))
    assert len(problems) == 3, problems
    assert problems[0].startswith("from csv: targ:")
    assert problems[1].startswith("typo: nmae:")
    assert problems[2].startswith("bad product: LightCurve.binMeth:")


def test_duplicate_labels_name_both_places(tmp_path: Path) -> None:
    write(tmp_path, "s.csv", "name,RA,Dec,targ\nGK Per,52.8,43.9043,00010873\n")
    text = f"[campaign]\nsources = 's.csv'\n{TEMPLATE}[[source]]\n{SOURCE}"
    problems = problems_of(write(tmp_path, "c.toml", text))
    assert len(problems) == 1
    assert problems[0].startswith("GK Per: c.toml [[source]] 1 has the same label as s.csv line 2")
    assert "label" in problems[0]
    # Every row is still validated: a duplicate with its own problems reports those too.
    text += f"[[source]]\n{SOURCE}posErr = -1\n"
    problems = problems_of(write(tmp_path, "c.toml", text))
    assert len(problems) == 3, problems
    assert problems[1].startswith("GK Per: c.toml [[source]] 2 has the same label as s.csv line 2")
    assert problems[2].startswith("GK Per: posErr:")


# -- files that cannot be used at all ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"[sources]\nx = 1\n[[source]]\n{SOURCE}", r"unknown table\(s\) \['sources'\]; use \[campaign\]"),
        ("[campaign]\nmax_actve = 3\n", r"unknown \[campaign\] setting\(s\) \['max_actve'\]; use any of"),
        ("campaign = 3\n", r"campaign must be a table"),
        ("template = 'lc'\n", r"template must be a table"),
        (f"{TEMPLATE}[source]\n{SOURCE}", r"\[\[source\]\] tables \(double brackets\)"),
        ("[campaign\nmax_active = 3\n", r"c\.toml is not valid TOML"),
        ("[campaign]\nsources = 'nowhere.csv'\n", r"sources file .*nowhere\.csv does not exist"),
        ("[campaign]\nmax_active = 3\n", r"c\.toml lists no sources"),
    ],
)
def test_unusable_toml_files_are_refused_with_the_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_campaign_file(write(tmp_path, "c.toml", text))


def test_missing_and_misnamed_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"campaign file .*absent\.toml does not exist"):
        load_campaign_file(tmp_path / "absent.toml")
    with pytest.raises(ConfigurationError, match=r"campaign file .* does not exist"):
        load_campaign_file(tmp_path)  # a folder is not a campaign file
    with pytest.raises(ConfigurationError, match=r"campaign files are \.csv or \.toml"):
        load_campaign_file(write(tmp_path, "c.json", "{}"))
    with pytest.raises(ConfigurationError, match="cannot read sources file"):
        load_campaign_file(write_bytes(tmp_path / "latin1.csv", "name\nS\xe9rsic\n".encode("latin-1")))


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_output_is_relative_to_the_campaign_file(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    parsed = load_campaign_file(
        write(folder, "c.toml", f"[campaign]\noutput = 'out'\n{TEMPLATE}[[source]]\n{SOURCE}")
    )
    assert Path(parsed.settings["output"]) == folder / "out"
    absolute = tmp_path / "elsewhere"
    parsed = load_campaign_file(
        write(folder, "c.toml", f"[campaign]\noutput = '{absolute}'\n{TEMPLATE}[[source]]\n{SOURCE}")
    )
    assert Path(parsed.settings["output"]) == absolute


# -- whatever a file holds, only the library's errors ------------------------------------------------------

_NAMES = sorted({*JobRequest.__xrt__.lookup, "LightCurve", "StandardPos", "label"})
_CELLS = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
    st.sampled_from(["1e999", "1" * 5000, "nan", "-inf", "yes", "{1,2}", "[1,2]", "[" * 3000, "counts"]),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(_NAMES), min_size=1, max_size=5, unique=True),
    st.lists(st.lists(_CELLS, min_size=5, max_size=5), max_size=3),
    st.dictionaries(st.sampled_from(_NAMES), toml_values, max_size=5),
)
def test_sources_of_any_content_raise_only_the_librarys_errors(
    tmp_path: Path, columns: list[str], rows: list[list[str]], source: dict[str, Any]
) -> None:
    """CSV cells of any text (numbers past float range or printing, nesting brackets) and TOML source values
    of any type: a campaign, or an InvalidRequestError / ConfigurationError saying what is wrong."""
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["name", *columns])
    writer.writerows(["GK Per", *row[: len(columns)]] for row in rows)
    toml = "[[source]]\n" + "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in source.items())
    for name, text in (("s.csv", table.getvalue()), ("c.toml", toml)):
        with contextlib.suppress(InvalidRequestError, ConfigurationError):
            load_campaign_file(write(tmp_path, name, text))
