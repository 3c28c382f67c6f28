"""Campaigns: many requests run through a throttled, resumable queue recorded in a SQLite ledger."""

from ._events import CampaignEvent, CampaignSummary, EventKind, SourceOutcome, summarise
from ._lock import lock_ledger
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
    "Entry",
    "EntryState",
    "EventKind",
    "NewEntry",
    "SourceOutcome",
    "load_campaign_file",
    "lock_ledger",
    "summarise",
    "write_report",
]
