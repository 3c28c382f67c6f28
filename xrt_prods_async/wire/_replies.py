"""Pydantic models of every success reply in docs/protocol.md, tolerant of the service's loose types.

Field names are snake_case; aliases are the wire keys. Numbers may arrive as strings, flags as 0/1 or JSON
booleans, ``JobID`` as a string or an integer, status codes as ``null``. ``parse_reply`` turns a validation
failure into ``ProtocolError`` so callers see the package's error tree, never a bare pydantic error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xrt_prods_async._errors import ProtocolError
from xrt_prods_async._products import Product

from ._endpoints import GotProgress, ProgressStepStatus, StatusCode
from ._envelope import JOB_ID_KEY, MAX_REPLY_NESTING, REPLY_ENVELOPE_KEYS
from ._loose import (
    Flag,
    LooseFloat,
    LooseInt,
    LooseStr,
    number_or_text,
    safe_str,
    to_float,
    to_int,
    too_deep,
)

__all__ = [
    "ENVELOPE_KEYS",
    "NO_PROGRESS_TEXT",
    "CancelReply",
    "LightCurveDatasetReply",
    "LightCurveReply",
    "ModeFitReply",
    "ModelFitReply",
    "NumJobsReply",
    "OldJobEntry",
    "OldJobsReply",
    "OldProductReply",
    "PositionReply",
    "ProductStatusReply",
    "ProgressReply",
    "ProgressStepReply",
    "SourceListReply",
    "SourceRow",
    "SpecDataReply",
    "SpectralIntervalReply",
    "StatusReply",
    "SubmitReply",
    "parse_reply",
    "products_from_job_pars",
    "render_progress",
]

#: Keys of the reply envelope, never product or band names.
ENVELOPE_KEYS = REPLY_ENVELOPE_KEYS | {JOB_ID_KEY}

#: Text of the progress of a product without progress information (docs/protocol.md §7.4).
NO_PROGRESS_TEXT = "No progress information available"

M = TypeVar("M", bound=BaseModel)


def parse_reply(model: type[M], reply: Mapping[str, Any], *, url: str | None = None) -> M:
    """Validate a decoded reply against ``model``; a mismatch is a ``ProtocolError`` naming the fields.

    Runs for every reply: the excerpt an error shows is made only when there is an error."""
    if not isinstance(reply, Mapping):
        raise ProtocolError(
            f"The service's reply is not a JSON object ({model.__name__})", url=url, body=_excerpt(reply)
        )
    if too_deep(reply, MAX_REPLY_NESTING):
        raise ProtocolError(
            f"The service's reply ({model.__name__}) nests more than {MAX_REPLY_NESTING} levels deep",
            url=url,
            body=_excerpt(reply),
        )
    try:
        return model.model_validate(dict(reply))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(safe_str(p) for p in err['loc']) or '(reply)'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise ProtocolError(
            f"The service's reply does not have the documented shape ({model.__name__}): {problems}",
            url=url,
            body=_excerpt(reply),
        ) from None


def _excerpt(reply: Any) -> str:
    """The start of a reply for an error's ``body``; never fails (see :func:`~._loose.safe_str`)."""
    if too_deep(reply, MAX_REPLY_NESTING):
        return "<nested too deeply to show>"
    return safe_str(reply)[:300]


class _Reply(BaseModel):
    # defer_build: each reply's validator is built when a reply of its kind first arrives, not at import.
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", defer_build=True)


def products_from_job_pars(job_pars: Mapping[str, Any]) -> tuple[Product, ...]:
    """The products a job's ``jobPars`` asks for: every product whose submit flag is set (1, "1", true), with
    those the service adds for them (``Product.with_implied``)."""
    found: list[Product] = []
    for product in Product:
        value = job_pars.get(product.flag)
        try:
            wanted = value is not None and to_int(value) == 1
        except ValueError:
            wanted = False
        if wanted:
            found.append(product)
    return Product.with_implied(found)


# --- submit, history -------------------------------------------------------------------------------------


class SubmitReply(_Reply):
    """``run_userobject.php`` success: the job id (a string on the wire), its products URL and ``jobPars``."""

    job_id: LooseInt = Field(alias="JobID")
    url: str = Field(alias="URL")
    job_pars: dict[str, Any] = Field(default_factory=dict, alias="jobPars")


class NumJobsReply(_Reply):
    """``getNumJobs.php``: how many of the user's jobs are queued or running."""

    num_jobs: LooseInt = Field(alias="numJobs")


class OldJobEntry(_Reply):
    """One job of ``listOldJobs.php``: id, name, UTC submission time, product flags, whether downloadable."""

    job_id: LooseInt = Field(alias="JobID")
    name: LooseStr = Field(alias="Name")
    submitted: datetime = Field(alias="DateSubmitted")
    light_curve: Flag = Field(False, alias="LightCurve")
    spectrum: Flag = Field(False, alias="Spectrum")
    standard_pos: Flag = Field(False, alias="StandardPos")
    enhanced_pos: Flag = Field(False, alias="EnhancedPos")
    astrom_pos: Flag = Field(False, alias="AstromPos")
    image: Flag = Field(False, alias="Image")
    has_products: Flag = Field(False, alias="hasProd")

    @field_validator("submitted", mode="before")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        """``"YYYY-MM-DD HH:MM:SS"`` is UTC on the wire; make it an aware datetime."""
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return value

    @property
    def products(self) -> tuple[Product, ...]:
        """The products the job asked for, from the entry's boolean flags."""
        flags = {
            Product.LIGHT_CURVE: self.light_curve,
            Product.SPECTRUM: self.spectrum,
            Product.STANDARD_POS: self.standard_pos,
            Product.ENHANCED_POS: self.enhanced_pos,
            Product.ASTROM_POS: self.astrom_pos,
            Product.IMAGE: self.image,
        }
        return tuple(p for p, on in flags.items() if on)


class OldJobsReply(_Reply):
    """``listOldJobs.php``: the user's jobs, newest (highest JobID) first whatever the wire order."""

    jobs: tuple[OldJobEntry, ...] = ()

    @field_validator("jobs", mode="after")
    @classmethod
    def _newest_first(cls, jobs: tuple[OldJobEntry, ...]) -> tuple[OldJobEntry, ...]:
        return tuple(sorted(jobs, key=lambda j: j.job_id, reverse=True))


class OldProductReply(_Reply):
    """``getOldProduct.php``: an old job's parameters and (newer servers) its products URL."""

    old_job: LooseInt = Field(alias="oldJob")
    job_pars: dict[str, Any] = Field(alias="jobPars")
    url: str | None = Field(None, alias="URL")


# --- status ----------------------------------------------------------------------------------------------


class ProgressStepReply(_Reply):
    """One step of a product's progress; ``status``: 0 not reached, 1 active, 2 done."""

    label: LooseStr = Field(alias="StepLabel")
    status: LooseInt = Field(0, alias="StepStatus")
    extra: LooseStr | None = Field(None, alias="StepExtra")
    substeps: tuple[ProgressStepReply, ...] = Field((), alias="SubStep")

    @property
    def active(self) -> bool:
        """The step the job is working on now."""
        return self.status == ProgressStepStatus.ACTIVE

    @property
    def done(self) -> bool:
        """The step has been completed."""
        return self.status == ProgressStepStatus.DONE


class ProgressReply(_Reply):
    """A product's ``progress`` object: whether progress came back, and the step tree."""

    got_progress: LooseInt = Field(GotProgress.NOT_REQUESTED, alias="GotProgress")
    time_running: LooseStr | None = Field(None, alias="TimeRunning")
    pre_progress: LooseStr | None = Field(None, alias="PreProgress")
    steps: tuple[ProgressStepReply, ...] = Field((), alias="ProgressSteps")

    @property
    def available(self) -> bool:
        """True when the reply carried progress (``GotProgress`` = 1)."""
        return self.got_progress == GotProgress.RETURNED

    def render(self) -> str:
        """The progress as text, exactly as docs/protocol.md §7.4 describes."""
        return render_progress(self)


def _render_steps(steps: tuple[ProgressStepReply, ...], prefix: str) -> str:
    lines: list[str] = []
    for step in steps:
        line = prefix
        if step.active:
            line += "** " + step.label + " - ACTIVE"
            if step.extra is not None:
                line += " -- " + step.extra
            line += "**"
        elif step.done:
            line += step.label + " - DONE"
        else:
            line += step.label
        lines.append(line + "\n")
        if step.substeps:
            lines.append(_render_steps(step.substeps, "  " + prefix))
    return "".join(lines)


def render_progress(progress: ProgressReply) -> str:
    """Human-readable progress (docs/protocol.md §7.4), or ``No progress information available``.

    Preamble line, then one line per step indented two spaces per level, the active step wrapped in ``**``
    with ``- ACTIVE`` and its extra text, done steps marked ``- DONE``, then the running time.
    """
    if not progress.available:
        return NO_PROGRESS_TEXT
    text = ""
    if progress.pre_progress is not None:
        text += progress.pre_progress + "\n"
    text += _render_steps(progress.steps, "  ")
    if progress.time_running is not None:
        text += f"\nThe job has been running for {progress.time_running}\n"
    return text


def _status_code(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return to_int(value)


class ProductStatusReply(_Reply):
    """One product's status: the code (None when the service sent ``null``), its text and progress."""

    raw_code: int | None = Field(None, alias="statusCode")
    text: LooseStr = Field("", alias="statusText")
    progress: ProgressReply = Field(default_factory=ProgressReply)

    @field_validator("raw_code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> int | None:
        return _status_code(value)

    @property
    def code(self) -> StatusCode | None:
        """The code as a ``StatusCode``; None for ``null`` (not in the job) or an undocumented code."""
        if self.raw_code is None:
            return None
        try:
            return StatusCode(self.raw_code)
        except ValueError:
            return None


class StatusReply(_Reply):
    """``checkProductStatus.php``: one status object per product short name the service returned."""

    job_id: LooseInt | None = Field(None, alias="JobID")
    products: dict[str, ProductStatusReply] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_products(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "products" in data:
            return data
        products = {k: v for k, v in data.items() if k not in ENVELOPE_KEYS and isinstance(v, Mapping)}
        return {"JobID": data.get("JobID"), "products": products}


# --- cancel ----------------------------------------------------------------------------------------------


class CancelReply(_Reply):
    """``canceljob.php``: ``OK`` 1 all cancelled / 2 partial, with a text and a ``CancelCode`` per product."""

    ok: LooseInt = Field(alias="OK")
    job_id: LooseInt | None = Field(None, alias="JobID")
    status: dict[str, LooseStr] = Field(default_factory=dict)
    status_codes: dict[str, LooseInt] = Field(default_factory=dict, alias="statusCodes")


# --- positions and source lists --------------------------------------------------------------------------


class PositionReply(_Reply):
    """``getPSFPos`` / ``getEnhPos`` / ``getAstromPos``: RA, Dec (deg), 90% error (arcsec) when ``GotPos``."""

    got_pos: Flag = Field(alias="GotPos")
    ra: LooseFloat | None = Field(None, alias="RA")
    dec: LooseFloat | None = Field(None, alias="Dec")
    err90: LooseFloat | None = Field(None, alias="Err90")
    from_sxps: Flag | None = Field(None, alias="FromSXPS")
    which_sxps: LooseStr | None = Field(None, alias="WhichSXPS")

    @model_validator(mode="after")
    def _complete(self) -> PositionReply:
        if self.got_pos and (self.ra is None or self.dec is None or self.err90 is None):
            raise ValueError("GotPos is 1 but RA, Dec or Err90 is missing")
        return self


class SourceRow(_Reply):
    """One detected source. Every column is kept in ``values`` (numbers as int/float, text as str) and the
    documented ones are also typed attributes. ``row["C"]`` reads any column by its wire name."""

    sno: int | None = None
    x: float | None = None
    y: float | None = None
    ra: float | None = None
    ra_pos: float | None = None
    ra_neg: float | None = None
    dec: float | None = None
    dec_pos: float | None = None
    dec_neg: float | None = None
    err90: float | None = None
    gal_l: float | None = Field(None, alias="l")
    gal_b: float | None = Field(None, alias="b")
    counts: float | None = Field(None, alias="C")
    values: dict[str, int | float | str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _convert(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "values" in data:
            return data
        values = {str(k): number_or_text(v) for k, v in data.items()}
        typed = {k: v for k, v in values.items() if not isinstance(v, str)}
        return {**typed, "values": values}

    def __getitem__(self, column: str) -> int | float | str:
        return self.values[column]


class SourceListReply(_Reply):
    """``getSourceDetResults.php``: source rows per band (``Total``, maybe ``Soft``/``Medium``/``Hard``)."""

    bands: dict[str, tuple[SourceRow, ...]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_bands(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "bands" in data:
            return data
        return {"bands": {k: v for k, v in data.items() if k not in ENVELOPE_KEYS and isinstance(v, list)}}


# --- light curves ----------------------------------------------------------------------------------------

_TEXT_COLUMNS = frozenset({"ObsID", "URL"})


def _obsid(value: Any) -> str:
    text = str(value).strip()
    if text.startswith("::ObsID="):
        text = text[len("::ObsID=") :]
    return text.zfill(11) if text.isdigit() else text


def _cell(column: str, value: Any) -> float | str:
    if column == "ObsID":
        return _obsid(value)
    if column in _TEXT_COLUMNS:
        return str(value)
    try:
        return to_float(value)
    except ValueError:
        return str(value)


class LightCurveDatasetReply(_Reply):
    """One light-curve dataset: column labels, rows (floats; ``ObsID`` as 11-digit text), QDP file URL."""

    name: str = ""
    columns: tuple[LooseStr, ...]
    rows: tuple[tuple[float | str, ...], ...] = Field((), alias="data")
    url: str | None = Field(None, alias="URL")

    @model_validator(mode="before")
    @classmethod
    def _cells(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
            return data
        raw_columns = data.get("columns")
        if not isinstance(raw_columns, list):
            raise ValueError("columns must be a list of column labels")
        columns = [str(c) for c in raw_columns]
        rows = []
        for index, row in enumerate(data["data"]):
            if not isinstance(row, list) or len(row) != len(columns):
                width = len(row) if isinstance(row, list) else "not a list"
                raise ValueError(f"row {index} has {width} cells but there are {len(columns)} columns")
            rows.append(tuple(_cell(c, v) for c, v in zip(columns, row, strict=True)))
        return {**data, "columns": columns, "data": rows}


class LightCurveReply(_Reply):
    """``getLCData.php`` (layout for clients ≥ 1.10): datasets by name, binning, time format and T0."""

    dataset_names: tuple[LooseStr, ...] = Field(alias="Datasets")
    datasets: Mapping[str, LightCurveDatasetReply] = Field(default_factory=dict)
    binning: LooseStr | None = Field(None, alias="Binning")
    time_format: LooseStr | None = Field(None, alias="TimeFormat")
    t0: LooseFloat | None = Field(None, alias="T0")

    @model_validator(mode="before")
    @classmethod
    def _collect(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "datasets" in data:
            return data
        names = data.get("Datasets")
        if not isinstance(names, list):
            return data
        if not all(isinstance(n, str) for n in names):
            raise ValueError("Datasets must be a list of dataset names")
        missing = [n for n in names if f"{n}Data" not in data]
        if missing:
            raise ValueError(f"Datasets lists {missing} but the reply has no {missing[0]}Data")
        datasets = {}
        for n in names:
            raw = data[f"{n}Data"]
            datasets[str(n)] = {"name": str(n), **raw} if isinstance(raw, Mapping) else raw
        return {**data, "datasets": datasets}


# --- spectral fits ---------------------------------------------------------------------------------------


def _listed_children(data: Mapping[str, Any], key: str, what: str) -> dict[str, Any]:
    """The sub-objects a spectral-fit level names in its list ``key`` (``Models``, ``Modes``)."""
    names = data.get(key) or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{key} must be a list of {what}")
    return {n: data[n] for n in names if isinstance(data.get(n), Mapping)}


class ModelFitReply(_Reply):
    """One fitted model of one mode: its numeric results by key (``Gamma``, ``NH``...), plot URL, or NOFIT."""

    no_fit: bool = False
    values: dict[str, float] = Field(default_factory=dict)
    image: str | None = None
    text: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "values" in data:
            return data
        values: dict[str, float] = {}
        text: dict[str, str] = {}
        for key, value in data.items():
            if key in ("NOFIT", "Image"):
                continue
            converted = number_or_text(value)
            try:
                values[key] = float(converted)
            except (TypeError, ValueError, OverflowError):  # text, or a number beyond float range
                text[key] = safe_str(value)
        image = data.get("Image")
        return {"no_fit": "NOFIT" in data, "values": values, "image": image, "text": text}


class ModeFitReply(_Reply):
    """One XRT mode (WT or PC) of one interval: mean time, exposure and the fitted models (or NOFIT)."""

    mean_time: LooseFloat | None = Field(None, alias="MeanTime")
    exposure: LooseFloat | None = Field(None, alias="Exposure")
    no_fit: bool = False
    models: dict[str, ModelFitReply] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "models" in data:
            return data
        models = _listed_children(data, "Models", "model names")
        return {**data, "no_fit": "NOFIT" in data, "models": models}


class SpectralIntervalReply(_Reply):
    """One time interval of the spectral fits: data file, start/stop (s since T0), its modes, or NOSPEC."""

    data_file: str | None = Field(None, alias="DataFile")
    start: LooseFloat | None = Field(None, alias="Start")
    stop: LooseFloat | None = Field(None, alias="Stop")
    no_spec: bool = False
    modes: dict[str, ModeFitReply] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "modes" in data:
            return data
        modes = _listed_children(data, "Modes", "XRT mode names")
        return {**data, "no_spec": "NOSPEC" in data, "modes": modes}


class SpecDataReply(_Reply):
    """``getSpecData.php`` (layout for clients ≥ 1.10): T0, fit statistic, Galactic NH and the intervals."""

    t0: LooseFloat | None = Field(None, alias="T0")
    delta_fit_stat: LooseFloat | None = Field(None, alias="DeltaFitStat")
    galactic_nh_unfitted: LooseFloat | None = Field(None, alias="GalNH_unfitted")
    no_spectrum: bool = False
    intervals: dict[str, SpectralIntervalReply] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "intervals" in data:
            return data
        if "NoSpectrum" in data:
            return {**data, "no_spectrum": True, "intervals": {}}
        names = data.get("rnames")
        if not isinstance(names, list):
            raise ValueError("rnames is missing (is this the layout for clients older than 1.10?)")
        if not all(isinstance(n, str) for n in names):
            raise ValueError("rnames must be a list of interval names")
        missing = [n for n in names if not isinstance(data.get(n), Mapping)]
        if missing:
            raise ValueError(f"rnames lists {missing} but the reply has no such interval")
        return {**data, "intervals": {n: data[n] for n in names}}
