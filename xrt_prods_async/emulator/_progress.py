"""Step-by-step progress of a running product, as ``checkProductStatus.php`` shows it (docs/protocol.md §7.3).

Each product has a plan: ordered steps with weights (their share of the build time), optional loops over
items (observations, spectra, overlaps) that fill ``StepExtra``, and nested ``SubStep`` lists that restart
for every item of their parent's loop. The labels are the service's own, from the documented examples;
source detection's are not documented and are modelled on the astrometric position's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import ProgressStepStatus

__all__ = ["PLANS", "Plan", "Step", "render_steps"]


@dataclass(frozen=True, slots=True)
class Step:
    """One progress step. ``loop`` names an item list; ``extra`` may use ``{i}``, ``{n}`` and ``{item}``."""

    label: str
    weight: float = 1.0
    loop: str | None = None
    extra: str | None = None
    substeps: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """The steps of one product, with the optional ``PreProgress`` preamble."""

    steps: tuple[Step, ...]
    pre: str | None = None


_OBS_EXTRA = "Working on observation {i} / {n}"
_DETECTION_LOOP = Step(
    "Searching for sources.",
    3,
    loop="iterations",
    substeps=(
        Step("PSF fit sources found in previous iteration."),
        Step("Build background map."),
        Step("Perform source detection."),
    ),
)

#: Progress plans of every product.
PLANS: dict[Product, Plan] = {
    Product.LIGHT_CURVE: Plan(
        (
            Step("Prepare data and centroid (if selected).", 1),
            Step("Extract data.", 3, loop="obs", extra=_OBS_EXTRA),
            Step("Binning light curve.", 2),
            Step("Plotting light curve as image.", 0.5),
        )
    ),
    Product.SPECTRUM: Plan(
        (
            Step("Prepare data.", 1),
            Step(
                "Build spectra.",
                6,
                loop="spectra",
                extra="Working on spectrum: {item} ({i}/{n})",
                substeps=(
                    Step("Extract data.", 2, loop="spectrum_obs", extra=_OBS_EXTRA),
                    Step("Fit spectrum.", 1),
                ),
            ),
        )
    ),
    Product.STANDARD_POS: Plan(
        (
            Step("Collect data."),
            Step("Sum images and exposure maps."),
            Step("Perform detection with locally-estimated background"),
            Step("Perform PSF fit.", 1.5),
        )
    ),
    Product.ENHANCED_POS: Plan(
        (
            Step("Identify XRT-UVOT overlaps.", 1),
            Step("Determine position.", 2, loop="overlaps", extra="Working on overlap {i} / {n}"),
            Step("Build Images.", 1),
        ),
        pre="Trying using the <em>v,b,white</em> filters:",
    ),
    Product.ASTROM_POS: Plan(
        (
            Step("Prepare data.", 0.5),
            Step("Collect data.", 0.5),
            Step("Prepare data for iterative source detection.", 0.5),
            Step("Create per-snapshot images and exposure maps.", 2, loop="obs", extra=_OBS_EXTRA),
            Step("Sum per-snapshot images and exposure maps.", 0.5),
            Step("Run source detection.", 0.2),
            Step("Perform initial rough detection with locally-estimated background", 0.5),
            Step("Construct initial background map.", 0.5),
            Step("Perform initial source detection using the background map.", 0.5),
            _DETECTION_LOOP,
            Step("Perform final fit.", 1),
            Step("Calculate astrometric correction.", 0.5),
        )
    ),
    Product.IMAGE: Plan(
        (
            Step("Collect data."),
            Step("Merge event lists."),
            Step("Creating images.", 2),
            Step("Creating exposure map.", 2),
        )
    ),
    Product.SOURCE_DET: Plan(
        (
            Step("Collect data.", 0.5),
            Step("Create per-snapshot images and exposure maps.", 2, loop="obs", extra=_OBS_EXTRA),
            Step("Sum per-snapshot images and exposure maps.", 0.5),
            Step("Run source detection.", 0.2),
            Step("Perform initial rough detection with locally-estimated background", 0.5),
            Step("Construct initial background map.", 0.5),
            Step("Perform initial source detection using the background map.", 0.5),
            _DETECTION_LOOP,
            Step("Perform final fit.", 1),
            Step("Characterise sources.", 1),
        )
    ),
}


def _flat(steps: Sequence[Step], status: ProgressStepStatus) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for step in steps:
        entry: dict[str, Any] = {"StepLabel": step.label, "StepStatus": int(status)}
        if step.substeps:
            entry["SubStep"] = _flat(step.substeps, status)
        out.append(entry)
    return out


def render_steps(
    steps: Sequence[Step], fraction: float, items: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    """The ``ProgressSteps`` array when ``fraction`` (0 ≤ f < 1) of the work is done.

    ``items`` gives each loop's item names; a loop with no entry counts as one item.
    """
    fraction = min(max(fraction, 0.0), 0.999999)
    total = sum(s.weight for s in steps) or 1.0
    position = fraction * total
    out: list[dict[str, Any]] = []
    start = 0.0
    for step in steps:
        end = start + step.weight
        if position >= end:
            out += _flat((step,), ProgressStepStatus.DONE)
        elif position < start:
            out += _flat((step,), ProgressStepStatus.NOT_REACHED)
        else:
            local = (position - start) / step.weight if step.weight else 0.0
            entry: dict[str, Any] = {"StepLabel": step.label, "StepStatus": int(ProgressStepStatus.ACTIVE)}
            names = list(items.get(step.loop, ())) if step.loop else []
            count = max(1, len(names))
            index = min(int(local * count), count - 1)
            inner = local * count - index
            if step.extra:
                item = names[index] if names else str(index + 1)
                entry["StepExtra"] = step.extra.format(i=index + 1, n=count, item=item)
            if step.substeps:
                entry["SubStep"] = render_steps(step.substeps, inner if step.loop else local, items)
            out.append(entry)
        start = end
    return out
