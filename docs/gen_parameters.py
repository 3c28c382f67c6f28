"""Regenerate the parameter tables of docs/parameters.md from the parameter models.

The models are the one source of names, wire keys, types, defaults and rules; this script only prints
them. Run it after changing a model and commit the result (tests/test_docs.py fails while they differ)::

    .venv/bin/python docs/gen_parameters.py          # rewrite the tables in place
    .venv/bin/python docs/gen_parameters.py --check  # exit 1 if the committed tables are stale

What it reads, all public:

* ``model_json_schema()`` of each model: per field the ``wire`` and ``swifttools`` keys, ``unit``, the
  model default, and the description, whose fixed phrases give the meaning (before ``Value:``), the
  allowed values (``Value: ...``) and the service's default (``Server default: ...``);
* the constructors: a field's "required" column is found by building each model with one or two
  settings at a time and reading which parameters the ``InvalidRequestError`` says are missing;
* ``Product`` (the names of each product) and the ``api_name`` / ``api_version`` constants of ``wire``.

Between ``<!-- BEGIN GENERATED: key -->`` and ``<!-- END GENERATED: key -->`` everything is rewritten;
everything else in the file is prose and left alone.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xrt_prods_async import InvalidRequestError, Product
from xrt_prods_async.params import (
    AstromPos,
    EnhancedPos,
    Image,
    JobRequest,
    LightCurve,
    ParamModel,
    SourceDet,
    Spectrum,
    StandardPos,
)
from xrt_prods_async.wire import API_NAME, API_VERSION

DOC = Path(__file__).resolve().parent / "parameters.md"

BEGIN = "<!-- BEGIN GENERATED: {key} (docs/gen_parameters.py; do not edit by hand) -->"
END = "<!-- END GENERATED: {key} -->"

# The fixed phrases of a field description (what the models write for every parameter field).
_DESCRIPTION = re.compile(
    r"^(?P<meaning>.+?)\. Value: (?P<value>.+?)\. Server default: (?P<default>.+?)\."
    r"(?: Always sent; default here (?P<sent>.+?)\.)? Wire key '(?P<wire>[^']+)'"
    r"(?:; swifttools name '[^']+')?\.$",
    re.S,
)


class GeneratorError(Exception):
    """The models or the document no longer look the way this script expects; the message says where."""


#: A value for probing a text parameter: digits pass every text rule that matters here.
_TEXT_PROBE = "1"


# --------------------------------------------------------------------------------------------------------
# Reading the models


@dataclass(frozen=True)
class FieldDoc:
    """What the tables show of one parameter field."""

    name: str
    swifttools: str
    wire: str
    value: str
    unit: str
    server_default: str
    meaning: str
    probes: tuple[Any, ...]  # values that may switch a rule on (choices, True/False, a text)


def _schema_type(prop: Mapping[str, Any]) -> Mapping[str, Any]:
    """The non-null branch of an optional field's schema."""
    options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
    return options[0] if len(options) == 1 else {"anyOf": options}


def _pretty_default(text: str, unit: str) -> str:
    if text == "none":
        return "—"
    if unit and text.endswith(" " + unit):
        text = text[: -len(unit) - 1]
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if isinstance(value, (bool, str)):
        return f"`{value!r}`"
    if isinstance(value, (int, float)):
        return f"`{value:g}`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(repr(v) for v in value) + "]`"
    return text


def read_fields(model: type[ParamModel]) -> list[FieldDoc]:
    """Every parameter field of ``model`` (fields carrying a ``wire`` key), in declaration order."""
    out: list[FieldDoc] = []
    for name, prop in model.model_json_schema()["properties"].items():
        if "wire" not in prop:
            continue  # a product slot of the request, not a parameter
        match = _DESCRIPTION.match(prop.get("description", ""))
        if match is None or match["wire"] != prop["wire"]:
            raise GeneratorError(f"{model.__name__}.{name}: the description does not read as expected")
        unit = prop.get("unit", "")
        value = match["value"]
        if unit and value.endswith(f" ({unit})"):
            value = value[: -len(unit) - 3]
        default = _pretty_default(match["default"], unit)
        if match["sent"] is not None:
            default += f"; always sent, `{match['sent']}` unless given"
        kind = _schema_type(prop)
        probes: tuple[Any, ...] = ()
        if "enum" in kind:
            probes = tuple(kind["enum"])
        elif kind.get("type") == "boolean":
            probes = (True, False)
        elif kind.get("type") == "string":
            probes = (_TEXT_PROBE,)
        out.append(
            FieldDoc(
                name=name,
                swifttools=prop["swifttools"],
                wire=prop["wire"],
                value=value,
                unit=unit,
                server_default=default,
                meaning=match["meaning"],
                probes=probes,
            )
        )
    return out


# --------------------------------------------------------------------------------------------------------
# Which parameters are required, and when: found by building the models


Build = Callable[[dict[str, Any]], object]
Probe = tuple[str, Any, str]  # field, value, the condition in words


def _missing(build: Build, settings: dict[str, Any]) -> set[str]:
    """Fields reported as required (missing) when building with ``settings``."""
    try:
        build(settings)
    except InvalidRequestError as error:
        return {p.parameter.rsplit(".", 1)[-1] for p in error.problems if p.message.startswith("required")}
    return set()


def _probes(f: FieldDoc) -> list[Probe]:
    if f.probes == (_TEXT_PROBE,):
        return [(f.name, _TEXT_PROBE, f"`{f.name}` is given")]
    return [(f.name, value, f"`{f.name}={value!r}`") for value in f.probes]


@dataclass
class _Requirement:
    always: bool = False
    unless: list[str] = field(default_factory=list)
    when: list[str] = field(default_factory=list)
    note: str = ""

    def text(self) -> str:
        if self.always:
            out = "yes"
            if self.unless:
                out += ", unless " + " or ".join(self.unless)
            if self.note:
                out += f" ({self.note})"
            return out
        if self.when:
            return "when " + " or ".join(self.when)
        return "no"


def requirements(
    fields: list[FieldDoc], build: Build, *, alternative: tuple[Build, str] | None = None
) -> dict[str, str]:
    """The "required" text of each field: always (unless some setting), or when some setting(s) hold.

    ``build`` makes the model from settings of its own fields (Python names). Each probe sets one field to
    one of its values (a choice, True/False, or any text) and compares what is reported missing with the
    bare build; then every probe that made something required is paired with every other probe, to find
    rules that need two settings. ``alternative`` is a second bare build (with its note) in which a field
    that is otherwise always required may not be.
    """
    order = [f.name for f in fields]
    found = {name: _Requirement() for name in order}
    base = _missing(build, {})
    for name in order:
        found[name].always = name in base
    if alternative is not None:
        other_build, note = alternative
        spared = base - _missing(other_build, {})
        for name in order:
            if name in spared:
                found[name].note = note
    probes = [probe for f in fields for probe in _probes(f)]
    single: list[set[str]] = []
    for name, value, words in probes:
        missing = _missing(build, {name: value})
        single.append(missing)
        for other in order:
            if other == name:
                continue
            if other in base and other not in missing and value is True:
                found[other].unless.append(words)
            if other in missing and other not in base:
                found[other].when.append(words)
    # Pairs: a probe that made something required, with every probe of another field (each pair once).
    switches = [i for i, missing in enumerate(single) if missing - base - {probes[i][0]}]
    for i in switches:
        first = probes[i]
        for j, second in enumerate(probes):
            if second[0] == first[0] or (j in switches and j < i):
                continue
            missing = _missing(build, {first[0]: first[1], second[0]: second[1]})
            explained = single[i] | single[j] | {first[0], second[0]}
            for other in order:
                if other in missing and other not in explained:
                    found[other].when.append(f"{first[2]} and {second[2]}")
    return {name: req.text() for name, req in found.items()}


def _product(model: type[ParamModel]) -> Build:
    return lambda settings: model(**settings)


def _request(**products: Any) -> Build:
    return lambda settings: JobRequest(**products, **settings)


# --------------------------------------------------------------------------------------------------------
# Tables


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def parameter_table(fields: Iterable[FieldDoc], required: Mapping[str, str]) -> str:
    """The markdown table of a group of parameters."""
    head = "| Python | swifttools | wire | value | unit | service default | required | meaning |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for f in fields:
        cells = [
            f"`{f.name}`",
            f"`{f.swifttools}`",
            f"`{f.wire}`",
            f.value,
            f.unit or "—",
            f.server_default,
            required[f.name],
            f.meaning,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _group(model: type[ParamModel], build: Build, **kw: Any) -> str:
    fields = read_fields(model)
    return parameter_table(fields, requirements(fields, build, **kw))


def metadata_table() -> str:
    lines = ["| wire key | value |", "|---|---|"]
    lines.append("| `UserID` | the e-mail address the user registered; every call |")
    lines.append(f"| `api_name` | `{API_NAME!r}`; every call |")
    lines.append(f"| `api_version` | `{API_VERSION!r}` (a string); every call |")
    return "\n".join(lines)


def products_table() -> str:
    slots = {}
    for name, prop in JobRequest.model_json_schema()["properties"].items():
        refs = [o.get("$ref", "") for o in prop.get("anyOf", [])]
        for ref in refs:
            if ref:
                slots[ref.rsplit("/", 1)[-1]] = name
    lines = [
        "| product | submit flag | short name (`what`, archive stem) | `JobRequest` field | swifttools name "
        "| `listOldJobs` key |",
        "|---|---|---|---|---|---|",
    ]
    for p in Product:
        history = f"`{p.history_key}`" if p.history_key else "—"
        lines.append(
            f"| {p.label} | `{p.flag}` | `{p.short}` | `{slots[p.long_name]}` | `{p.long_name}` | {history} |"
        )
    return "\n".join(lines)


def positions_tables() -> tuple[str, str]:
    shared = read_fields(StandardPos)
    shared_names = {f.name for f in shared}
    for model in (EnhancedPos, AstromPos):
        if not shared_names <= {f.name for f in read_fields(model)}:
            raise GeneratorError(f"{model.__name__} lacks some of the shared position options")
    own = [f for f in read_fields(AstromPos) if f.name not in shared_names]
    extra = [f for f in read_fields(EnhancedPos) if f.name not in shared_names]
    if extra:
        raise GeneratorError("EnhancedPos has options of its own; give them a table of their own")
    return (
        parameter_table(shared, requirements(shared, _product(StandardPos))),
        parameter_table(own, requirements(own, _product(AstromPos))),
    )


def tables() -> dict[str, str]:
    """Every generated block, by marker key."""
    position_shared, position_astrom = positions_tables()
    return {
        "request-metadata": metadata_table(),
        "product-flags": products_table(),
        "globals": _group(
            JobRequest,
            _request(standard_pos={}),
            alternative=(
                _request(source_det={"which_data": "all"}),
                "not when source detection is the only product",
            ),
        ),
        "light-curve": _group(LightCurve, _product(LightCurve)),
        "spectrum": _group(Spectrum, _product(Spectrum)),
        "positions": position_shared,
        "astrometric-position": position_astrom,
        "image": _group(Image, _product(Image)),
        "source-detection": _group(SourceDet, _product(SourceDet)),
    }


# --------------------------------------------------------------------------------------------------------
# The file


def render(text: str) -> str:
    """``text`` with every generated block replaced by its current content."""
    for key, table in tables().items():
        begin, end = BEGIN.format(key=key), END.format(key=key)
        start = text.find(begin)
        stop = text.find(end)
        if start < 0 or stop < start:
            raise GeneratorError(f"{DOC.name}: markers for {key!r} are missing or out of order")
        text = text[: start + len(begin)] + "\n" + table + "\n" + text[stop:]
    return text


def main(argv: list[str]) -> int:
    current = DOC.read_text(encoding="utf-8")
    try:
        fresh = render(current)
    except GeneratorError as error:
        print(f"docs/gen_parameters.py: {error}", file=sys.stderr)
        return 2
    if "--check" in argv:
        if fresh != current:
            print(f"{DOC} is stale: run .venv/bin/python docs/gen_parameters.py", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        DOC.write_text(fresh, encoding="utf-8")
        print(f"rewrote the tables of {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
