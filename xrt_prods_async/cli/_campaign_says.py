"""What the campaign commands tell people besides the live view: a missing user named by its option before
anything is recorded, choices that match no product of a source, what a cancel really did on the service,
hints that the ledger's state allows (no ``resume`` while another process holds it), and the JSON summary.

Light at import, like every command module: the campaign machinery is imported by the functions that need it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xrt_prods_async._errors import LedgerLockedError
from xrt_prods_async._products import Product
from xrt_prods_async.campaign._collect import RETRIEVED_FROM
from xrt_prods_async.client._env import ENV_USER_ID, REGISTER_URL

if TYPE_CHECKING:  # pragma: no cover - typing only
    from xrt_prods_async.campaign import CampaignEvent, CampaignItem, CampaignSummary
    from xrt_prods_async.campaign._events import CancelTally

__all__ = ["CancelReport", "lock_holder", "no_user", "summary_json", "unmatched_choices"]


def no_user(settings: Mapping[str, Any], *, campaign_file: bool) -> str | None:
    """Why no request could be sent (no user, from the options, the settings or the environment), in the
    command line's words; None when there is a user."""
    user = settings.get("user_id") or os.environ.get(ENV_USER_ID)
    if isinstance(user, str) and user.strip():
        return None
    where = ", put user_id in the campaign file's [campaign] table," if campaign_file else ""
    return (
        f"no user: give --user you@example.org{where} or set {ENV_USER_ID} to the e-mail address you "
        f"registered at {REGISTER_URL}"
    )


def _sources(labels: list[str], total: int) -> str:
    if len(labels) == total:
        return f"any of the {total} sources" if total > 1 else "the source"
    shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
    return f"{len(labels)} of the {total} sources ({shown})"


def unmatched_choices(
    items: Iterable[CampaignItem], settings: Mapping[str, Any], given: set[str]
) -> list[str]:
    """A line for each ``download`` or ``retrieve`` choice that matches no product of some sources: those
    sources get nothing for it. ``given`` names the settings that came from the command line (``--download``)
    rather than the campaign file; choices left at their defaults are not checked (they adapt to each job)."""
    requests = [(item.label, set(item.request.products)) for item in items]
    if not requests:
        return []
    notes = []
    choices: list[tuple[str, str, tuple[Product, ...]]] = []
    if settings.get("download") is not None:
        for product in Product.parse_many(settings["download"]):
            choices.append(("download", product.short, (product,)))
    if "retrieve" in settings:
        for name in settings["retrieve"]:
            choices.append(("retrieve", name, RETRIEVED_FROM.get(name, ())))
    for setting, name, products in choices:
        lacking = [label for label, asked in requests if not asked & set(products)]
        if not lacking:
            continue
        option = f"--{setting} {name}" if setting in given else f"{setting} = {name} (campaign file)"
        what = "no archive is downloaded" if setting == "download" else "nothing is retrieved"
        needs = " or ".join(p.label for p in products)
        notes.append(
            f"note: {option} matches no product of {_sources(lacking, len(requests))}: {what} for "
            f"{'it' if len(lacking) == 1 else 'them'} (it needs a {needs})"
        )
    return notes


class CancelReport:
    """Collects the ``cancelled`` events of a cancel and says what the service actually did, job by job."""

    def __init__(self) -> None:
        self.events: list[CampaignEvent] = []

    def handle(self, event: CampaignEvent) -> None:
        from xrt_prods_async.campaign import EventKind

        if event.kind is EventKind.CANCELLED:
            self.events.append(event)

    def lines(self, tally: CancelTally) -> list[str]:
        """One sentence per job the campaign had (or may have) on the service, then ``tally``'s totals."""
        from xrt_prods_async.campaign._events import Cancelled

        told = [e for e in self.events if isinstance(e.detail, Cancelled) and e.detail.result is not None]
        told += [
            e
            for e in self.events
            if isinstance(e.detail, Cancelled) and e.detail.kept in ("uncertain", "unanswered")
        ]
        return [*(str(e) for e in told), str(tally)]


def lock_holder(ledger: Path | str) -> str | None:
    """The process working ``ledger`` right now ("pid 1234"), or None when no one holds it (the lock is
    taken and released at once; a command that would be refused is never suggested)."""
    from xrt_prods_async.campaign import lock_ledger

    try:
        handle = lock_ledger(ledger)
    except LedgerLockedError as exc:
        return f"pid {exc.holder}" if exc.holder else "another process"
    except OSError:  # pragma: no cover - no lock directory: nothing can be said
        return None
    if handle is not None:
        handle.close()
    return None


def summary_json(
    summary: CampaignSummary, *, ledger: Path | str, settings: Mapping[str, Any], status: int
) -> dict[str, Any]:
    """What ``--json`` prints: the ledger, service and output, the exit status and the summary, its sources
    written one at a time as they are read (:class:`~xrt_prods_async.cli._output.Streamed`), so that a ledger
    of any size prints in flat memory."""
    from xrt_prods_async.cli._output import Streamed

    document = summary.to_dict(sources=False)
    return {
        "ledger": str(ledger),
        "base_url": settings.get("base_url"),
        "output": settings.get("output"),
        "exit_status": status,
        **document,
        "sources": Streamed(source.to_dict() for source in summary.sources),
    }
