"""The UKSSDC main API, ``POST /API/main.php`` (docs/protocol.md §15): the calls of swifttools' rebinning.

Its envelope is not xrt_prods': the body is one JSON object holding ``APIFunc`` (the function), ``APIVersion``
(the client's ukssdc version) and the function's arguments, and no ``UserID``; rebins belong to no user, like
downloads. A success reply holds ``OK`` (1); an error reply holds ``ERROR`` (a code, as text, like the
documented example) and ``ERRORTEXT``, and no ``OK``: swifttools tells them apart by ``ERROR``'s presence,
and ``cancelRebin`` by ``OK``'s. Every reply carries ``APIVersion`` and is answered 200.

The service's error codes are undocumented; :class:`MainApiError` lists the emulator's. Every request is
counted in the metrics as ``API/main.php:{APIFunc}`` (``API/main.php`` when the function is not one of
these). The rebinned curves' QDP files are served by :func:`rebin_file_route`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import (
    LISTERR_INVALID_LABEL,
    LISTERR_MISSING_LABEL,
    MAIN_API_PATH,
    PARAMETER_PROBLEMS_ERROR,
    LightCurveType,
    MainApiFunction,
    StatusCode,
)

from ._api import INVALID_JSON_ERROR, parse_body
from ._archives import member_from_text
from ._downloads import media_type_for
from ._faults import error_page
from ._jobs import Job
from ._lightcurve import parse_variants
from ._rebin import REBIN_OPTIONS, OptionCheck, Rebin, check_options
from ._state import EmulatorState
from ._values import parse_job_id, php_str, version_key, version_text

__all__ = ["MainApiError", "Reply", "call", "failure", "metric_key", "rebin_file_route"]

Reply = dict[str, Any]


class MainApiError(enum.IntEnum):
    """``ERROR`` codes of the emulator's main API (the service's own are undocumented)."""

    #: The body is not one JSON object, or lacks ``APIFunc`` or a dotted ``APIVersion``.
    BAD_REQUEST = 1
    #: ``APIFunc`` names no function this server offers.
    UNKNOWN_FUNCTION = 2
    #: An argument is missing or malformed, or the function does not take it.
    BAD_ARGUMENT = 3
    #: No such job, light curve or rebin.
    NOT_FOUND = 4
    #: The light curve (to rebin) or the rebin (to download) has not finished yet.
    NOT_READY = 5
    #: The binning options break the light-curve rules; ``listErr`` groups the problems.
    BAD_OPTIONS = 6
    #: The rebin has already finished (complete, failed or cancelled).
    NOT_CANCELLABLE = 7
    #: A ``type`` of object this emulator does not hold (e.g. ``GRB``).
    UNSUPPORTED_TYPE = 8
    #: The light curve or the rebin finished without a product (failed or cancelled).
    NO_PRODUCT = 9


def failure(code: MainApiError, text: str, **extra: Any) -> Reply:
    """An error reply: ``ERROR`` (the code as text) and ``ERRORTEXT``, no ``OK``."""
    return {"ERROR": str(int(code)), "ERRORTEXT": text, **extra}


@dataclass(frozen=True, slots=True)
class _Context:
    state: EmulatorState
    base_url: str
    now: float


_ENVELOPE = ("APIFunc", "APIVersion")
_YES_NO_BOTH = ("yes", "no", "both")


def _arguments(body: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in _ENVELOPE}


def _unexpected(func: MainApiFunction, args: Mapping[str, Any], allowed: tuple[str, ...]) -> Reply | None:
    extra = [key for key in args if key not in allowed]
    if not extra:
        return None
    return failure(
        MainApiError.BAD_ARGUMENT,
        f"{func.value} does not take {', '.join(extra)}; it takes {', '.join(allowed)}.",
    )


def _object_type(args: Mapping[str, Any], wanted: LightCurveType, func: MainApiFunction) -> Reply | None:
    raw = args.get("type")
    if raw == wanted.value:
        return None
    if raw is None or raw == "":
        return failure(MainApiError.BAD_ARGUMENT, f"No type was given; {func.value} takes {wanted.value}.")
    if not isinstance(raw, str):
        return failure(MainApiError.BAD_ARGUMENT, f"type `{php_str(raw)}` is not a light-curve type.")
    return failure(
        MainApiError.UNSUPPORTED_TYPE,
        f"{func.value} of type `{raw}` is not available from this server; it serves type {wanted.value}.",
    )


def _identifier(args: Mapping[str, Any], key: str) -> int | Reply:
    raw = args.get(key)
    if raw is None or raw == "":
        return failure(MainApiError.BAD_ARGUMENT, f"No {key} was given.")
    number = parse_job_id(raw)
    if number is None:
        return failure(MainApiError.BAD_ARGUMENT, f"{key} `{php_str(raw)}` is not a valid job identifier.")
    return number


def _rebin_of(ctx: _Context, args: Mapping[str, Any], key: str) -> Rebin | Reply:
    rebin_id = _identifier(args, key)
    if isinstance(rebin_id, dict):
        return rebin_id
    rebin = ctx.state.rebins.get(rebin_id)
    if rebin is None:
        return failure(MainApiError.NOT_FOUND, f"There is no rebin job {rebin_id}.")
    return rebin


def _finished_light_curve(ctx: _Context, job_id: int) -> Job | Reply:
    """The job whose complete light curve is to be rebinned, or why it cannot be."""
    job = ctx.state.jobs.get(job_id)
    if job is None:
        return failure(MainApiError.NOT_FOUND, f"There is no job {job_id} to rebin.")
    run = job.products.get(Product.LIGHT_CURVE)
    if run is None:
        return failure(MainApiError.NOT_FOUND, f"Job {job_id} made no light curve; there is none to rebin.")
    if not run.finished:
        return failure(
            MainApiError.NOT_READY, f"The light curve of job {job_id} is not complete yet; rebin it later."
        )
    if run.code is not StatusCode.COMPLETE:
        return failure(
            MainApiError.NO_PRODUCT,
            f"The light curve of job {job_id} was not produced (status {int(run.code)}); none to rebin.",
        )
    return job


def _options_failure(check: OptionCheck) -> Reply:
    """The reply to binning options that break the light-curve rules: ``listErr`` groups the problems."""
    groups = []
    if check.missing:
        groups.append({"label": LISTERR_MISSING_LABEL, "list": list(check.missing)})
    if check.invalid:
        groups.append({"label": LISTERR_INVALID_LABEL, "list": list(check.invalid)})
    lines = [f"{group['label']} {'; '.join(group['list'])}." for group in groups]
    text = " ".join([PARAMETER_PROBLEMS_ERROR, *lines])
    return failure(MainApiError.BAD_OPTIONS, text, listErr=groups)


# --------------------------------------------------------------------------- the functions
def rebin_light_curve(ctx: _Context, body: Mapping[str, Any]) -> Reply:
    """``rebinLightCurve``: check the job and the options, start a rebin; ``JobID`` is the RebinID (text)."""
    func = MainApiFunction.REBIN
    args = _arguments(body)
    problem = _object_type(args, LightCurveType.USER_OBJECT, func)
    if problem is not None:
        return problem
    job_id = _identifier(args, "objectID")
    if isinstance(job_id, dict):
        return job_id
    name = args.get("name")
    if name is not None and not isinstance(name, str):
        return failure(MainApiError.BAD_ARGUMENT, f"name `{php_str(name)}` is not text.")
    job = _finished_light_curve(ctx, job_id)
    if isinstance(job, dict):
        return job
    options = {key: value for key, value in args.items() if key not in ("type", "objectID", "name")}
    check = check_options(job.pars, options, job_id=job.job_id)
    if check.unknown:
        return failure(
            MainApiError.BAD_ARGUMENT,
            f"{func.value} does not take {', '.join(check.unknown)}; binning options take swifttools' "
            f"names: {', '.join(REBIN_OPTIONS)}.",
        )
    if check.pars is None:
        return _options_failure(check)
    rebin = ctx.state.rebins.create(
        job.job_id, check.pars, name=name or job.name, now=ctx.now, config=ctx.state.config
    )
    return {"OK": 1, "JobID": str(rebin.rebin_id)}


def check_rebin_status(ctx: _Context, body: Mapping[str, Any]) -> Reply:
    """``checkRebinStatus``: ``status`` (a code as for products) and ``text``."""
    args = _arguments(body)
    problem = _unexpected(MainApiFunction.REBIN_STATUS, args, ("JobID",))
    if problem is not None:
        return problem
    rebin = _rebin_of(ctx, args, "JobID")
    if isinstance(rebin, dict):
        return rebin
    rebin.note_status_request(ctx.now)
    return {"OK": 1, "status": int(rebin.code(ctx.now)), "text": rebin.text(ctx.now)}


def cancel_rebin(ctx: _Context, body: Mapping[str, Any]) -> Reply:
    """``cancelRebin``: ``OK`` when cancelled; an error when the rebin had already finished."""
    args = _arguments(body)
    problem = _unexpected(MainApiFunction.CANCEL_REBIN, args, ("JobID",))
    if problem is not None:
        return problem
    rebin = _rebin_of(ctx, args, "JobID")
    if isinstance(rebin, dict):
        return rebin
    if rebin.cancel(ctx.now):
        return {"OK": 1}
    return failure(
        MainApiError.NOT_CANCELLABLE,
        f"Rebin job {rebin.rebin_id} could not be cancelled - it has already finished "
        f"({rebin.text(ctx.now)}).",
    )


def _variants(args: Mapping[str, Any], key: str) -> tuple[bool, ...] | Reply:
    raw = args.get(key)
    if raw is None:
        return (False,)
    if not isinstance(raw, bool) and (not isinstance(raw, str) or raw.strip().lower() not in _YES_NO_BOTH):
        return failure(
            MainApiError.BAD_ARGUMENT, f"{key} must be one of yes, no or both; you sent `{php_str(raw)}`."
        )
    return parse_variants(raw, key)


def download_light_curve(ctx: _Context, body: Mapping[str, Any]) -> Reply:
    """``downloadLightCurve`` of a finished rebin: the ``getLCData`` layout, or ``NOLC`` with no data."""
    func = MainApiFunction.DOWNLOAD_LIGHT_CURVE
    args = _arguments(body)
    problem = _unexpected(func, args, ("type", "objectID", "incbad", "nosys")) or _object_type(
        args, LightCurveType.REBIN, func
    )
    if problem is not None:
        return problem
    rebin = _rebin_of(ctx, args, "objectID")
    if isinstance(rebin, dict):
        return rebin
    nosys, incbad = _variants(args, "nosys"), _variants(args, "incbad")
    if isinstance(nosys, dict):
        return nosys
    if isinstance(incbad, dict):
        return incbad
    code = rebin.code(ctx.now)
    if not code.finished:
        return failure(
            MainApiError.NOT_READY,
            f"Rebin job {rebin.rebin_id} is not complete yet (status {int(code)}: {rebin.text(ctx.now)}).",
        )
    if code is not StatusCode.COMPLETE:
        return failure(
            MainApiError.NO_PRODUCT,
            f"Rebin job {rebin.rebin_id} made no light curve (status {int(code)}: {rebin.text(ctx.now)}).",
        )
    products_url = ctx.state.products_url(ctx.base_url, rebin.job_id)
    reply = rebin.curve(products_url, seed=ctx.state.config.seed).reply(nosys, incbad)
    if not reply["Datasets"]:
        reply = {"NOLC": 1, **reply}
    return {"OK": 1, **reply}


_Handler = Callable[[_Context, Mapping[str, Any]], Reply]

_HANDLERS: dict[MainApiFunction, _Handler] = {
    MainApiFunction.REBIN: rebin_light_curve,
    MainApiFunction.REBIN_STATUS: check_rebin_status,
    MainApiFunction.CANCEL_REBIN: cancel_rebin,
    MainApiFunction.DOWNLOAD_LIGHT_CURVE: download_light_curve,
}
_FUNCTIONS = {f.value: f for f in MainApiFunction}


def metric_key(func: object) -> str:
    """The metrics' request key of a main-API call: ``API/main.php:{APIFunc}`` for a known function."""
    return f"{MAIN_API_PATH}:{func}" if isinstance(func, str) and func in _FUNCTIONS else MAIN_API_PATH


def call(state: EmulatorState, raw: bytes, *, base_url: str) -> Reply:
    """Run one main-API call end to end (parse, count, check the envelope, dispatch) under the lock."""
    body = parse_body(raw)
    with state.lock:
        func = body.get("APIFunc") if body is not None else None
        state.metrics.record_request(None, metric_key(func))
        if body is None:
            return failure(MainApiError.BAD_REQUEST, INVALID_JSON_ERROR)
        if func is None or func == "":
            return failure(MainApiError.BAD_REQUEST, "No APIFunc was given: name the function to call.")
        if not isinstance(func, str) or func not in _FUNCTIONS:
            return failure(
                MainApiError.UNKNOWN_FUNCTION,
                f"Unknown APIFunc `{php_str(func)}`; this server offers {', '.join(_FUNCTIONS)}.",
            )
        version = version_text(body.get("APIVersion"))
        if version is None or version_key(version) is None:
            return failure(
                MainApiError.BAD_REQUEST,
                f"APIVersion `{php_str(body.get('APIVersion'))}` is not a version such as 1.0.5; send the "
                "version of your client.",
            )
        ctx = _Context(state=state, base_url=base_url, now=state.sync())
        return _HANDLERS[_FUNCTIONS[func]](ctx, body)


def rebin_file_route(state: EmulatorState, prefix: str) -> Route:
    """GET ``{prefix}/tprods/USERPROD_{JobID}/rebin_{RebinID}/lc/{file}``: a finished rebin's QDP files."""

    async def serve(request: Request) -> Response:
        job_id: int = request.path_params["job_id"]
        rebin_id: int = request.path_params["rebin_id"]
        name: str = request.path_params["name"]
        with state.lock:
            now = state.sync()
            rebin = state.rebins.get(rebin_id)
            text = None
            if rebin is not None and rebin.job_id == job_id and rebin.code(now) is StatusCode.COMPLETE:
                products_url = state.products_url(str(request.base_url), job_id)
                text = rebin.curve(products_url, seed=state.config.seed).files().get(name)
            if text is None:
                state.metrics.downloads["not_found"] += 1
                return Response(error_page(404), status_code=404, media_type="text/html; charset=UTF-8")
            member = member_from_text(name, text)
            state.metrics.downloads["files"] += 1
            state.metrics.downloads["bytes"] += member.size
        return StreamingResponse(
            member.chunks(), media_type=media_type_for(name), headers={"Content-Length": str(member.size)}
        )

    return Route(
        f"{prefix}/tprods/USERPROD_{{job_id:int}}/rebin_{{rebin_id:int}}/lc/{{name}}", serve, methods=["GET"]
    )
