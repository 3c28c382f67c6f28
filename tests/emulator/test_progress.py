"""Progress steps of running products."""

from __future__ import annotations

from typing import Any

from tests.conftest import load_example
from xrt_prods_async._products import Product
from xrt_prods_async.emulator._progress import PLANS, Plan, Step, render_steps


def statuses(steps: list[dict[str, Any]]) -> list[int]:
    return [s["StepStatus"] for s in steps]


def labels(steps: list[dict[str, Any]]) -> list[str]:
    out = []
    for step in steps:
        out.append(step["StepLabel"])
        out += labels(step.get("SubStep", []))
    return out


def test_steps_advance_in_order() -> None:
    steps = PLANS[Product.IMAGE].steps
    assert statuses(render_steps(steps, 0.0, {})) == [1, 0, 0, 0]
    assert statuses(render_steps(steps, 0.25, {})) == [2, 1, 0, 0]
    assert statuses(render_steps(steps, 0.4, {})) == [2, 2, 1, 0]
    assert statuses(render_steps(steps, 0.99, {})) == [2, 2, 2, 1]
    assert statuses(render_steps(steps, 1.5, {})) == [2, 2, 2, 1]  # clamped: never all done while running


def test_loops_fill_step_extra_and_restart_substeps() -> None:
    plan = PLANS[Product.SPECTRUM]
    items = {"spectra": ("interval0", "late"), "spectrum_obs": ("a", "b", "c")}
    early = render_steps(plan.steps, 1 / 7 + 0.01, items)
    build = early[1]
    assert build["StepStatus"] == 1
    assert build["StepExtra"] == "Working on spectrum: interval0 (1/2)"
    assert build["SubStep"][0] == {
        "StepLabel": "Extract data.",
        "StepStatus": 1,
        "StepExtra": "Working on observation 1 / 3",
    }
    late = render_steps(plan.steps, 0.999, items)[1]
    assert late["StepExtra"] == "Working on spectrum: late (2/2)"
    assert statuses(late["SubStep"]) == [2, 1]
    not_reached = render_steps(plan.steps, 0.0, items)[1]
    assert statuses(not_reached["SubStep"]) == [0, 0]
    assert "StepExtra" not in not_reached


def test_a_step_without_items_counts_as_one() -> None:
    steps = (Step("Loop.", loop="missing", extra="{i} of {n}: {item}"),)
    assert render_steps(steps, 0.5, {})[0]["StepExtra"] == "1 of 1: 1"


def test_labels_are_the_documented_ones() -> None:
    documented: set[str] = set()
    for name in ("status_response_all_products.json", "status_response_with_progress.json"):
        for entry in load_example(name).values():
            if isinstance(entry, dict) and entry["progress"].get("GotProgress") == 1:
                documented.update(labels(entry["progress"]["ProgressSteps"]))
    ours: set[str] = set()
    for product in (Product.LIGHT_CURVE, Product.SPECTRUM, Product.STANDARD_POS, Product.ENHANCED_POS,
                    Product.ASTROM_POS, Product.IMAGE):  # fmt: skip
        ours.update(labels(render_steps(PLANS[product].steps, 0.0, {})))
    assert documented <= ours
    assert PLANS[Product.ENHANCED_POS].pre == "Trying using the <em>v,b,white</em> filters:"
    assert isinstance(PLANS[Product.SOURCE_DET], Plan)
