"""What the campaign commands print while they run: the campaign's live view (``campaign._display``) on a
terminal, one sentence per event in a log or a pipe, and plain lines for messages and errors.

The view itself lives with the campaign, so that a notebook shows the same one (``Campaign.run(progress=
True)``); this module chooses the console and says things the command line's way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from xrt_prods_async.campaign._display import CampaignDisplay, show_progress, summary_table
from xrt_prods_async.campaign._events import CampaignSummary

if TYPE_CHECKING:  # pragma: no cover - typing only: 'campaign status' never loads the scheduler and client
    from xrt_prods_async.campaign._scheduler import Campaign

__all__ = ["CampaignDisplay", "run_with_view", "say", "say_error", "summary_table"]


def say(console: Console, text: object, *, wrap: bool = False) -> None:
    """Print a line as it is: no markup (``[...]`` in labels, paths or TOML names stays), no highlighting, and
    no wrapping (paths and commands stay whole for copying); ``wrap`` folds prose at word boundaries."""
    console.print(str(text), markup=False, highlight=False, soft_wrap=not wrap)


def say_error(console: Console, problem: object) -> None:
    """Print ``error: <problem>``, the problem's text as it is."""
    console.print(Text.assemble(("error:", "red"), " ", str(problem)), highlight=False, soft_wrap=True)


async def run_with_view(campaign: Campaign, *, title: str, plain: bool, console: Console) -> CampaignSummary:
    """Run ``campaign`` while showing it: the live view on a terminal, else (or with ``plain``) a sentence
    per event between two counts lines."""
    if plain:
        console = Console(file=console.file, width=console.width, force_terminal=False, force_jupyter=False)
    with show_progress(campaign, title=title, console=console, table=False):  # the command prints its own
        return await campaign.run(progress=False)
