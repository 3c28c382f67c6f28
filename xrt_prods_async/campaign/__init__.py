"""Campaigns: many requests run through a throttled, resumable queue recorded in a SQLite ledger."""

from .store import CampaignStore, Entry, EntryState, NewEntry

__all__ = ["CampaignStore", "Entry", "EntryState", "NewEntry"]
