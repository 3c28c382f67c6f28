"""The exit statuses of every ``xrt-prods-async`` command, in one place (the README and ``--help`` list them).

Scripts branch on these, so each outcome has its own number and a number never changes meaning.
"""

from __future__ import annotations

import enum

__all__ = ["EXIT_STATUS_HELP", "ExitStatus"]


class ExitStatus(enum.IntEnum):
    """What a command's exit status says happened."""

    #: Everything asked for was done (for a campaign: every source done, every file on disk and verified).
    OK = 0
    #: The command ran, but some of what was asked is not done: a source failed or is incomplete, a job or
    #: product failed, a product was missing. Resuming (or asking again) may finish it.
    INCOMPLETE = 1
    #: The command line, a campaign file or a setting is wrong (nothing was sent to the service).
    USAGE = 2
    #: The service could not be reached, or kept failing, for longer than the outage budget.
    UNREACHABLE = 3
    #: A local file could not be read or written (disk full, permissions, a locked ledger's folder).
    LOCAL_IO = 4
    #: Stopped by Ctrl-C (128 + SIGINT, as shells report it); the ledger is consistent and resumable.
    INTERRUPTED = 130
    #: Stopped by SIGTERM (128 + SIGTERM); the ledger is consistent and resumable.
    TERMINATED = 143


#: One line per status, as ``--help`` and the README list them.
_SHORT: dict[ExitStatus, str] = {
    ExitStatus.OK: "all done (every file asked for is on disk and verified)",
    ExitStatus.INCOMPLETE: "some sources or products failed or are incomplete (the summary names them)",
    ExitStatus.USAGE: "usage error: options, campaign file or settings (nothing was sent)",
    ExitStatus.UNREACHABLE: "the service was unreachable or failing for longer than the outage budget",
    ExitStatus.LOCAL_IO: "local I/O failure (disk full, permissions)",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C); resumable",
    ExitStatus.TERMINATED: "terminated (SIGTERM); resumable",
}

#: The table printed at the end of every command's ``--help`` (argparse epilog).
EXIT_STATUS_HELP = "exit statuses:\n" + "\n".join(
    f"  {status.value:<4} {text}" for status, text in _SHORT.items()
)
