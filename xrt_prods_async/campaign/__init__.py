"""Campaigns: many requests run through a throttled, resumable queue recorded in a SQLite ledger."""

from .events import CampaignEvent, CampaignSummary, EventKind, SourceOutcome, summarise
from .scheduler import Campaign, CampaignItem, CampaignOptions
from .sources import CampaignFile, load_campaign_file
from .store import CampaignStore, Entry, EntryState, NewEntry

__all__ = [
    "Campaign",
    "CampaignEvent",
    "CampaignFile",
    "CampaignItem",
    "CampaignOptions",
    "CampaignStore",
    "CampaignSummary",
    "Entry",
    "EntryState",
    "EventKind",
    "NewEntry",
    "SourceOutcome",
    "load_campaign_file",
    "summarise",
]
