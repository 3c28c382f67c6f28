"""Which items a finished job's collection fetches: each ``retrieve`` choice from the products it names."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from xrt_prods_async._products import Product
from xrt_prods_async.campaign._collect import (
    RETRIEVABLE,
    RETRIEVALS,
    RETRIEVED_FROM,
    Retrieve,
    collection_steps,
)
from xrt_prods_async.client import XRTClient
from xrt_prods_async.wire import StatusCode


def _steps(retrieve: set[str], products: tuple[Product, ...], tmp_path: Path) -> list[tuple[str, Any]]:
    """The retrieval steps of a job whose ``products`` all completed (no archives asked for)."""
    client = SimpleNamespace(**{method: object() for _, _, method in RETRIEVALS})
    entry: Any = SimpleNamespace(codes={p.short: int(StatusCode.COMPLETE) for p in products})
    job: Any = SimpleNamespace(products=products)
    return collection_steps(
        entry, job, client, dest=tmp_path, download=(), archive_format="tar.gz", retrieve=retrieve
    )


@pytest.mark.parametrize("choice", sorted(RETRIEVABLE))
def test_each_choice_retrieves_from_exactly_the_products_it_is_said_to_come_from(
    choice: str, tmp_path: Path
) -> None:
    steps = _steps({choice}, tuple(Product), tmp_path)
    assert all(isinstance(step, Retrieve) for _, step in steps)
    if choice == "positions":
        assert [kind for kind, _ in steps] == [f"position:{p.short}" for p in RETRIEVED_FROM[choice]]
        assert all(step.target is None for _, step in steps)  # kept in the ledger
    else:
        assert [(kind, step.target) for kind, step in steps] == [
            (f"data:{choice}", tmp_path / f"{choice}.json")
        ]
    # A job without those products retrieves nothing for the choice.
    others = tuple(p for p in Product if p not in RETRIEVED_FROM[choice])
    assert _steps({choice}, others, tmp_path) == []


def test_every_retrieval_is_a_method_of_the_client() -> None:
    for _, _, method in RETRIEVALS:
        assert callable(getattr(XRTClient, method, None)), method
