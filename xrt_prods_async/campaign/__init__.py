"""Campaigns: many requests run through a throttled, resumable queue recorded in a SQLite ledger."""

from typing import TYPE_CHECKING

from xrt_prods_async._lazy import lazy_names

if TYPE_CHECKING:
    from ._display import show_progress
    from ._events import CampaignEvent, CampaignSummary, CancelTally, EventKind, SourceOutcome, summarise
    from ._lock import lock_ledger
    from ._outage import Outage, Recovery
    from ._report import CampaignReport, write_report
    from ._scheduler import Campaign, CampaignItem, CampaignOptions
    from ._sources import CampaignFile, load_campaign_file
    from ._store import CampaignStore, Entry, EntryState, NewEntry

__all__ = [
    "Campaign",
    "CampaignEvent",
    "CampaignFile",
    "CampaignItem",
    "CampaignOptions",
    "CampaignReport",
    "CampaignStore",
    "CampaignSummary",
    "CancelTally",
    "Entry",
    "EntryState",
    "EventKind",
    "NewEntry",
    "Outage",
    "Recovery",
    "SourceOutcome",
    "load_campaign_file",
    "lock_ledger",
    "show_progress",
    "summarise",
    "write_report",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "._display": ("show_progress",),
            "._events": (
                "CampaignEvent",
                "CampaignSummary",
                "CancelTally",
                "EventKind",
                "SourceOutcome",
                "summarise",
            ),
            "._lock": ("lock_ledger",),
            "._outage": ("Outage", "Recovery"),
            "._report": ("CampaignReport", "write_report"),
            "._scheduler": ("Campaign", "CampaignItem", "CampaignOptions"),
            "._sources": ("CampaignFile", "load_campaign_file"),
            "._store": ("CampaignStore", "Entry", "EntryState", "NewEntry"),
        },
    )
