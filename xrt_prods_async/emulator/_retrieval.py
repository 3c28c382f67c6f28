"""The result calls (positions, source list, light-curve data, spectral fits) and the job's science.

The numbers come from :class:`~xrt_prods_async.emulator._science.JobScience`; this module adds what the
service checks first: the user, ownership, that the job asked for the product and that it finished OK.
"""

from __future__ import annotations

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import Endpoint

from ._api import Context, Handler, Reply, owned_job, ready_product
from ._jobs import Job
from ._request import Body
from ._science import JobScience
from ._state import EmulatorState

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


def _ready(ctx: Context, body: Body, user: tuple[str, str], product: Product) -> JobScience:
    """The science of the caller's job once ``product`` is complete; raises the refusal otherwise."""
    job = owned_job(ctx, body, user)
    ready_product(ctx, job, product)
    return job_science(ctx.state, job, ctx.state.products_url(ctx.base_url, job.job_id))


def _position(product: Product) -> Handler:
    def handler(ctx: Context, body: Body, user: tuple[str, str]) -> Reply:
        return {"OK": 1, **_ready(ctx, body, user, product).position_reply(product.value)}

    handler.__doc__ = f"The {product.label} of a finished job (``GotPos`` and, if found, the position)."
    return handler


def source_list(ctx: Context, body: Body, user: tuple[str, str]) -> Reply:
    """``getSourceDetResults.php``: the detected sources per band, every value a string."""
    return {"OK": 1, **_ready(ctx, body, user, Product.SOURCE_DET).source_list_reply()}


def light_curve(ctx: Context, body: Body, user: tuple[str, str]) -> Reply:
    """``getLCData.php``: the curves in the layout the client's ``api_version`` reads."""
    nosys = body.option("nosys", _YES_NO_BOTH, "no")
    incbad = body.option("incbad", _YES_NO_BOTH, "no")
    science = _ready(ctx, body, user, Product.LIGHT_CURVE)
    reply = science.light_curve_reply(nosys=nosys, incbad=incbad, api_version=body.version())
    return {"OK": 1, **reply}


def spectral_fits(ctx: Context, body: Body, user: tuple[str, str]) -> Reply:
    """``getSpecData.php``: fits per interval and mode, in the layout the client's ``api_version`` reads."""
    science = _ready(ctx, body, user, Product.SPECTRUM)
    return {"OK": 1, **science.spectral_fits_reply(api_version=body.version())}


#: Handlers of the result calls; the old astrometric path answers like the new one
#: (docs/protocol.md §18 item 1).
RETRIEVAL_HANDLERS: dict[Endpoint, Handler] = {
    Endpoint.PSF_POS: _position(Product.STANDARD_POS),
    Endpoint.ENH_POS: _position(Product.ENHANCED_POS),
    Endpoint.ASTROM_POS: _position(Product.ASTROM_POS),
    Endpoint.ASTROM_POS_OLD: _position(Product.ASTROM_POS),
    Endpoint.SOURCE_LIST: source_list,
    Endpoint.LC_DATA: light_curve,
    Endpoint.SPEC_DATA: spectral_fits,
}
