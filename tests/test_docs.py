"""The reference documents in docs/ stay in step with the code and keep the section numbers code cites."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "tests" / "data" / "examples"

#: Numbered sections and subsections of docs/protocol.md (code cites them as ``docs/protocol.md §N``).
PROTOCOL_SECTIONS = [str(n) for n in range(21)]
PROTOCOL_SUBSECTIONS = [
    "3.1", "3.2", "3.3", "4.1", "4.2", "5.1", "5.2", "5.3", "7.1", "7.2", "7.3", "7.4", "7.5",
    "12.1", "12.2", "12.3", "12.4", "13.1", "13.2", "13.3",
]  # fmt: skip
#: §18 is a numbered list; code cites its entries as ``§18 item N``.
PROTOCOL_ITEMS_18 = 27
PARAMETERS_SECTIONS = [str(n) for n in range(1, 12)]
PARAMETERS_SUBSECTIONS = ["9.1", "9.2", "9.3", "9.4", "9.5"]


def _generator() -> ModuleType:
    """docs/gen_parameters.py as a module (docs/ is not a package)."""
    name = "docs_gen_parameters"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, DOCS / "gen_parameters.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


def _headings(text: str) -> tuple[list[str], list[str]]:
    sections = re.findall(r"^## (\d+)\. ", text, flags=re.M)
    subsections = re.findall(r"^### (\d+\.\d+) ", text, flags=re.M)
    return sections, subsections


def _section(text: str, number: str) -> str:
    match = re.search(rf"^## {number}\. .*?(?=^## \d+\. |\Z)", text, flags=re.M | re.S)
    assert match is not None, f"no section {number}"
    return match.group(0)


def test_parameter_tables_match_the_models() -> None:
    doc = (DOCS / "parameters.md").read_text(encoding="utf-8")
    assert _generator().render(doc) == doc, "run .venv/bin/python docs/gen_parameters.py and commit"


def test_parameter_tables_name_every_model_field() -> None:
    from xrt_prods_async.params import AstromPos, Image, JobRequest, LightCurve, SourceDet, Spectrum

    doc = (DOCS / "parameters.md").read_text(encoding="utf-8")
    for model in (JobRequest, LightCurve, Spectrum, AstromPos, Image, SourceDet):
        for name, prop in model.model_json_schema()["properties"].items():
            if "wire" in prop:
                assert f"| `{name}` | `{prop['swifttools']}` | `{prop['wire']}` |" in doc, (model, name)


def test_protocol_keeps_its_section_numbers() -> None:
    text = (DOCS / "protocol.md").read_text(encoding="utf-8")
    sections, subsections = _headings(text)
    assert sections == PROTOCOL_SECTIONS
    assert subsections == PROTOCOL_SUBSECTIONS
    items = re.findall(r"^(\d+)\. ", _section(text, "18"), flags=re.M)
    assert items == [str(n) for n in range(1, PROTOCOL_ITEMS_18 + 1)]


def test_parameters_keeps_its_section_numbers() -> None:
    sections, subsections = _headings((DOCS / "parameters.md").read_text(encoding="utf-8"))
    assert sections == PARAMETERS_SECTIONS
    assert subsections == PARAMETERS_SUBSECTIONS


_CITATION = re.compile(r"(?:docs/)?(protocol|parameters)\.md §(\d+(?:\.\d+)?)(?: item (\d+))?")


def _cited_files() -> list[Path]:
    files = [ROOT / "README.md", *DOCS.glob("*.md"), ROOT / "tests" / "data" / "README.md"]
    for folder in ("xrt_prods_async", "tests", "benchmarks", "examples"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return [f for f in files if f.exists()]


def test_citations_of_the_docs_point_at_existing_sections() -> None:
    known = {}
    for name in ("protocol", "parameters"):
        text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
        sections, subsections = _headings(text)
        known[name] = set(sections) | set(subsections)
    items_18 = set(re.findall(r"^(\d+)\. ", _section((DOCS / "protocol.md").read_text("utf-8"), "18"), re.M))
    bad = []
    for path in _cited_files():
        for match in _CITATION.finditer(path.read_text(encoding="utf-8")):
            doc, section, item = match.groups()
            if section not in known[doc] or (item is not None and (section != "18" or item not in items_18)):
                bad.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not bad, bad


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_every_example_is_described(name: str) -> None:
    readme = (ROOT / "tests" / "data" / "README.md").read_text(encoding="utf-8")
    assert f"`{name}`" in readme
