"""The service's JSON calls, as plain functions from a request body to a reply dict (docs/protocol.md §5-§14).

Transport-free, so they are easy to test and cheap to run: :func:`call` parses the body, counts the
request, takes the state's lock, brings the simulation up to date and dispatches. Handlers read fields through
:class:`~._request.Body` and refuse a request by raising :class:`~._request.RequestError`, which :func:`call`
answers in the one place, so a malformed field gets the service's error envelope and never a crash. Replies
carry ``OK``; :func:`encode_reply` adds ``APIVersion`` and writes the one-line JSON the PHP service would.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import (
    LISTERR_INVALID_LABEL,
    LISTERR_MISSING_LABEL,
    PARAMETER_PROBLEMS_ERROR,
    CancelCode,
    Endpoint,
    StatusCode,
)
from xrt_prods_async.wire._envelope import ERROR_KEY, OK_KEY, REPLY_VERSION_KEY, USER_ID_KEY

from ._jobs import Job, ProductRun, plan_job
from ._request import Body, RequestError, decode_json
from ._state import EmulatorState, user_key
from ._validation import ResolutionError, build_job_pars, resolve_derived, validate_submission

__all__ = [
    "INVALID_JSON_ERROR",
    "Body",
    "Context",
    "Reply",
    "RequestError",
    "call",
    "decode_json",
    "encode_reply",
    "error",
    "owned_job",
    "parse_body",
    "ready_product",
    "user_of",
]

Reply = dict[str, Any]

INVALID_JSON_ERROR = "The data you sent could not be read: the request body must be a single JSON object."

CANCEL_TEXT: dict[CancelCode, str] = {
    CancelCode.CANCELLED: "Job cancelled OK",
    CancelCode.ALREADY_FINISHED: "Job could not be cancelled - has it already finished?",
    CancelCode.NO_SUCH_PRODUCT: "Job could not be cancelled - this product was not requested for this job",
    CancelCode.UNKNOWN_REASON: "Job could not be cancelled - the reason is unknown",
    CancelCode.OUTCOME_UNKNOWN: "An error occurred while cancelling; the job may or may not be cancelled",
}


@dataclass(frozen=True, slots=True)
class Context:
    """What a handler knows besides the body: the state, and the request's base URL (for job URLs)."""

    state: EmulatorState
    base_url: str
    now: float


def error(text: str, **extra: Any) -> Reply:
    """An ``OK``=0 reply."""
    return {OK_KEY: 0, ERROR_KEY: text, **extra}


def encode_reply(reply: Reply, api_version: str) -> bytes:
    """One-line JSON with ``APIVersion``, slashes escaped as PHP's ``json_encode`` does."""
    if REPLY_VERSION_KEY not in reply:
        reply[REPLY_VERSION_KEY] = api_version
    return json.dumps(reply, separators=(",", ":")).replace("/", "\\/").encode()


def parse_body(raw: bytes) -> dict[str, Any] | None:
    """The request body as a JSON object whatever the Content-Type said; None if it is not one.

    Read as strictly as PHP reads JSON (:func:`~._request.decode_json`).
    """
    try:
        data = decode_json(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def user_of(ctx: Context, body: Body) -> tuple[str, str]:
    """(key, UserID as sent) of a registered user; raises the service's refusal otherwise."""
    given = body.text(USER_ID_KEY)
    key = user_key(given)
    if not key or not ctx.state.is_registered(key):
        raise RequestError(f"The user `{given}` is not recognised / validated")
    return key, given


def owned_job(ctx: Context, body: Body, user: tuple[str, str], field: str = "JobID") -> Job:
    """The job named by ``field`` if the user owns it. A job that does not exist reads as not owned."""
    job_id = body.job_id(field)
    job = ctx.state.jobs.get(job_id)
    if job is None or job.owner != user[0]:
        raise RequestError(f"Job {job_id} is not owned by user {user[1]}")
    return job


_UNKNOWN_STATUS: Reply = {"statusCode": None, "statusText": "Unknown status", "progress": {"GotProgress": 0}}


# --------------------------------------------------------------------------- submit
def submit(ctx: Context, body: Body, user: tuple[str, str]) -> Reply:
    """``run_userobject.php``: validate, derive, check the cap, create the job."""
    state = ctx.state
    outcome = validate_submission(body.fields)
    if outcome.no_products:
        flags = ", ".join(p.flag for p in Product)
        return error(f"You have not requested any products: set at least one of {flags} to 1.")
    if outcome.submission is None:
        groups = []
        if outcome.missing:
            groups.append({"label": LISTERR_MISSING_LABEL, "list": outcome.missing})
        if outcome.invalid:
            groups.append({"label": LISTERR_INVALID_LABEL, "list": outcome.invalid})
        return error(PARAMETER_PROBLEMS_ERROR, listErr=groups)
    submission = outcome.submission
    values = submission.values
    if any(values.get(flag) == 1 for flag in ("getCoords", "getTargs", "getT0")):
        try:
            resolve_derived(values, state.resolver)
        except ResolutionError as exc:
            return error(str(exc))
    limit = state.config.max_jobs_per_user
    active = state.active_jobs(user[0])
    if active >= limit:
        return error(
            f"You already have {active} jobs queued or running; the limit is {limit}. "
            "Please wait for some to finish before submitting more."
        )
    job_id = state.allocate_job_id()
    pars = build_job_pars(submission, job_id=job_id, envelope=body.fields)
    job = Job(
        job_id=job_id,
        owner=user[0],
        user_id=user[1],
        name=str(values["name"]),
        pars=pars,
        submitted_at=ctx.now,
        submitted_wall=state.clock.wall_now(),
    )
    plan_job(job, submission.products, state.config)
    state.add_job(job, ctx.now)
    return {"OK": 1, "URL": state.products_url(ctx.base_url, job_id), "JobID": str(job_id), "jobPars": pars}


# --------------------------------------------------------------------------- status and cancel
def status(ctx: Context, body: Body, user: tuple[str, str]) -> Reply:
    """``checkProductStatus.php``: one object per product in ``what``; progress for ``whatProg``."""
    job = owned_job(ctx, body, user)
    what = body.products("what", required=True)
    progress = body.products("whatProg", required=False)
    job.note_status_request(ctx.now)
    reply: Reply = {}
    for product in what:
        run = job.products.get(product)
        if run is None:
            reply[product.value] = {**_UNKNOWN_STATUS, "progress": {"GotProgress": 0}}
        else:
            reply[product.value] = run.status_entry(ctx.now, with_progress=product in progress)
    reply["OK"] = 1
    reply["JobID"] = job.job_id
    return reply


def _cancel_one(ctx: Context, run: ProductRun | None, rng: random.Random) -> CancelCode:
    if run is None:
        return CancelCode.NO_SUCH_PRODUCT
    if run.finished:
        return CancelCode.ALREADY_FINISHED
    rate = ctx.state.config.cancel_anomaly_rate
    if rate > 0 and rng.random() < rate:
        if rng.random() < 0.5:
            return CancelCode.UNKNOWN_REASON
        ctx.state.simulation.cancel(run, ctx.now)
        return CancelCode.OUTCOME_UNKNOWN
    ctx.state.simulation.cancel(run, ctx.now)
    return CancelCode.CANCELLED


def cancel(ctx: Context, body: Body, user: tuple[str, str]) -> Reply:
    """``canceljob.php``: per-product codes; ``OK`` 1 when all were cancelled, 2 when some were not."""
    job = owned_job(ctx, body, user)
    what = body.products("what", required=True)
    rng = ctx.state.cancel_rng
    texts: dict[str, str] = {}
    codes: dict[str, int] = {}
    for product in what:
        code = _cancel_one(ctx, job.products.get(product), rng)
        texts[product.value] = CANCEL_TEXT[code]
        codes[product.value] = int(code)
    all_cancelled = all(code == CancelCode.CANCELLED for code in codes.values())
    return {"JobID": job.job_id, "OK": 1 if all_cancelled else 2, "status": texts, "statusCodes": codes}


# --------------------------------------------------------------------------- history
def num_jobs(ctx: Context, body: Body, user: tuple[str, str]) -> Reply:
    """``getNumJobs.php``: the user's jobs with a product at code 1, 2, 3 or 5."""
    return {"OK": 1, "numJobs": ctx.state.active_jobs(user[0])}


def old_jobs(ctx: Context, body: Body, user: tuple[str, str]) -> Reply:
    """``listOldJobs.php``: newest first, product flags as real JSON booleans."""
    jobs = []
    for job in ctx.state.jobs_of(user[0]):
        entry: dict[str, Any] = {
            "JobID": job.job_id,
            "Name": job.name,
            "DateSubmitted": job.submitted_wall.strftime("%Y-%m-%d %H:%M:%S"),
        }
        for product in Product:
            if product.history_key is not None:
                entry[product.history_key] = product in job.products
        entry["hasProd"] = any(run.code is StatusCode.COMPLETE for run in job.products.values())
        jobs.append(entry)
    return {"OK": 1, "jobs": jobs}


def old_product(ctx: Context, body: Body, user: tuple[str, str]) -> Reply:
    """``getOldProduct.php``: an old job's ``jobPars`` and ``URL`` (to copy it)."""
    job = owned_job(ctx, body, user, field="oldJob")
    return {
        "OK": 1,
        "oldJob": job.job_id,
        "jobPars": dict(job.pars),
        "URL": ctx.state.products_url(ctx.base_url, job.job_id),
    }


def ready_product(ctx: Context, job: Job, product: Product) -> ProductRun:
    """The finished-OK run of ``product``; raises the refusal explaining why its results are not there."""
    run = job.products.get(product)
    if run is None:
        raise RequestError(f"Job {job.job_id} did not request a {product.label}.")
    if run.code is StatusCode.COMPLETE:
        return run
    if not run.finished:
        raise RequestError(f"The {product.label} of job {job.job_id} is not complete yet.")
    raise RequestError(f"The {product.label} of job {job.job_id} was not produced (status {int(run.code)}).")


#: A JSON call: the context, the request's fields and the (key, UserID) of the registered caller.
Handler = Callable[[Context, Body, tuple[str, str]], Reply]

#: The handlers that need only the state (the science endpoints are added by :mod:`.app`).
CORE_HANDLERS: dict[Endpoint, Handler] = {
    Endpoint.SUBMIT: submit,
    Endpoint.STATUS: status,
    Endpoint.CANCEL: cancel,
    Endpoint.NUM_JOBS: num_jobs,
    Endpoint.OLD_JOBS: old_jobs,
    Endpoint.OLD_PRODUCT: old_product,
}


def call(
    state: EmulatorState,
    endpoint: Endpoint,
    raw: bytes,
    *,
    base_url: str,
    handlers: Mapping[Endpoint, Handler] = CORE_HANDLERS,
) -> Reply:
    """Run one API call end to end (parse, count, authenticate, dispatch) under the state's lock.

    The one place a refusal (:class:`RequestError`) becomes the service's ``OK`` 0 reply.
    """
    data = parse_body(raw)
    with state.lock:
        if data is None:
            state.metrics.record_request(None, endpoint.value)
            return error(INVALID_JSON_ERROR)
        body = Body(data)
        raw_user = body.get("UserID")
        state.metrics.record_request(
            user_key(raw_user) if isinstance(raw_user, str) and raw_user.strip() else None, endpoint.value
        )
        ctx = Context(state=state, base_url=base_url, now=state.sync())
        user: tuple[str, str] | None = None
        try:
            user = user_of(ctx, body)
            reply = handlers[endpoint](ctx, body, user)
        except RequestError as exc:
            reply = exc.reply()
        if endpoint is Endpoint.SUBMIT and user is not None:
            accepted = reply.get("OK") == 1
            state.metrics.record_submission(user[0], accepted=accepted, active_now=state.active_jobs(user[0]))
        return reply
