"""The result calls (positions, source list, light-curve data, spectral fits) and the job's science.

The numbers come from :class:`~xrt_prods_async.emulator._science.JobScience`; this module adds what the
service checks first: the user, ownership, that the job asked for the product and that it finished OK.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import Endpoint

from ._api import Context, Handler, Reply, error, owned_job, ready_product
from ._jobs import Job
from ._science import JobScience
from ._state import EmulatorState
from ._values import version_text

__all__ = ["RETRIEVAL_HANDLERS", "job_science"]

_YES_NO_BOTH = ("yes", "no", "both")


def job_science(state: EmulatorState, job: Job, products_url: str) -> JobScience:
    """The job's synthetic science, built once per (job, URL): its files and replies name ``products_url``."""
    key = (job.job_id, products_url)
    science = state.science_cache.get(key)
    if science is None:
        science = JobScience(job.job_id, job.pars, seed=state.config.seed, products_url=products_url)
        state.science_cache[key] = science
    return science


def _ready(
    ctx: Context, body: Mapping[str, Any], user: tuple[str, str], product: Product
) -> tuple[Job, JobScience] | Reply:
    job = owned_job(ctx, body, user)
    if isinstance(job, dict):
        return job
    run = ready_product(ctx, job, product)
    if isinstance(run, dict):
        return run
    return job, job_science(ctx.state, job, ctx.state.products_url(ctx.base_url, job.job_id))


def _position(product: Product) -> Handler:
    def handler(ctx: Context, body: Mapping[str, Any], user: tuple[str, str]) -> Reply:
        found = _ready(ctx, body, user, product)
        if isinstance(found, dict):
            return found
        return {"OK": 1, **found[1].position_reply(product.value)}

    handler.__doc__ = f"The {product.label} of a finished job (``GotPos`` and, if found, the position)."
    return handler


def source_list(ctx: Context, body: Mapping[str, Any], user: tuple[str, str]) -> Reply:
    """``getSourceDetResults.php``: the detected sources per band, every value a string."""
    found = _ready(ctx, body, user, Product.SOURCE_DET)
    if isinstance(found, dict):
        return found
    return {"OK": 1, **found[1].source_list_reply()}


def light_curve(ctx: Context, body: Mapping[str, Any], user: tuple[str, str]) -> Reply:
    """``getLCData.php``: the curves in the layout the client's ``api_version`` reads."""
    options: dict[str, str] = {}
    for name in ("nosys", "incbad"):
        raw = body.get(name, "no")
        value = str(raw).strip().lower() if raw is not None else "no"
        if isinstance(raw, bool):
            value = "yes" if raw else "no"
        if value not in _YES_NO_BOTH:
            return error(f"{name} must be one of yes, no or both; you sent `{raw}`.")
        options[name] = value
    found = _ready(ctx, body, user, Product.LIGHT_CURVE)
    if isinstance(found, dict):
        return found
    reply = found[1].light_curve_reply(
        nosys=options["nosys"], incbad=options["incbad"], api_version=version_text(body.get("api_version"))
    )
    return {"OK": 1, **reply}


def spectral_fits(ctx: Context, body: Mapping[str, Any], user: tuple[str, str]) -> Reply:
    """``getSpecData.php``: fits per interval and mode, in the layout the client's ``api_version`` reads."""
    found = _ready(ctx, body, user, Product.SPECTRUM)
    if isinstance(found, dict):
        return found
    return {"OK": 1, **found[1].spectral_fits_reply(api_version=version_text(body.get("api_version")))}


#: Handlers of the result calls; the old astrometric path answers like the new one (PROTOCOL.md §18.1).
RETRIEVAL_HANDLERS: dict[Endpoint, Handler] = {
    Endpoint.PSF_POS: _position(Product.STANDARD_POS),
    Endpoint.ENH_POS: _position(Product.ENHANCED_POS),
    Endpoint.ASTROM_POS: _position(Product.ASTROM_POS),
    Endpoint.ASTROM_POS_OLD: _position(Product.ASTROM_POS),
    Endpoint.SOURCE_LIST: source_list,
    Endpoint.LC_DATA: light_curve,
    Endpoint.SPEC_DATA: spectral_fits,
}
