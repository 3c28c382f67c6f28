"""The exit statuses of every ``xrt-prods-async`` command, in one place (the README and ``--help`` list them).

Scripts branch on these, so each outcome has its own number and a number never changes meaning.
"""

from __future__ import annotations

import enum

from xrt_prods_async._errors import (
    ConfigurationError,
    DownloadError,
    InvalidRequestError,
    JobTimeoutError,
    LocalIOError,
    ProductNotReadyError,
    ServerError,
    SubmitUncertainError,
    TransportError,
)

__all__ = ["EXIT_STATUS_HELP", "ExitStatus", "status_for"]


class ExitStatus(enum.IntEnum):
    """What a command's exit status says happened."""

    #: Everything asked for was done (for a campaign: every source done, every file on disk and verified).
    OK = 0
    #: The command ran, but some of what was asked is not done: a source failed or is incomplete, a job or
    #: product failed, a product was missing. Resuming (or asking again) may finish it.
    INCOMPLETE = 1
    #: The command line, a request or campaign file or a setting is wrong (nothing was sent to the service).
    USAGE = 2
    #: The service could not be reached, or kept failing, for longer than the outage budget.
    UNREACHABLE = 3
    #: A local file could not be read or written (disk full, permissions, a locked ledger's folder).
    LOCAL_IO = 4
    #: The service answered and said no: the user is not registered, the job is not the user's (or does not
    #: exist), it rejected the request's parameters, or the user has as many active jobs as it allows.
    REFUSED = 5
    #: Stopped by Ctrl-C (128 + SIGINT, as shells report it); the ledger is consistent and resumable.
    INTERRUPTED = 130
    #: Stopped by SIGTERM (128 + SIGTERM); the ledger is consistent and resumable.
    TERMINATED = 143


#: One line per status, as ``--help`` and the README list them.
_SHORT: dict[ExitStatus, str] = {
    ExitStatus.OK: "all done (every file asked for is on disk and verified)",
    ExitStatus.INCOMPLETE: "some sources or products failed or are incomplete (the output names them)",
    ExitStatus.USAGE: "usage error: options, request or campaign file, settings (nothing sent)",
    ExitStatus.UNREACHABLE: "the service was unreachable or failing for longer than the outage budget",
    ExitStatus.LOCAL_IO: "local I/O failure (disk full, permissions)",
    ExitStatus.REFUSED: "refused by the service: unknown user, not your job, bad request, job cap",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C); resumable",
    ExitStatus.TERMINATED: "terminated (SIGTERM); resumable",
}

#: The table printed at the end of every command's ``--help`` (argparse epilog).
EXIT_STATUS_HELP = "exit statuses:\n" + "\n".join(
    f"  {status.value:<4} {text}" for status, text in _SHORT.items()
)


def status_for(error: BaseException) -> ExitStatus:
    """The exit status of a command that stopped on ``error`` (an ``XRTError``, an ``OSError``, Ctrl-C)."""
    if isinstance(error, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED
    if isinstance(error, LocalIOError):  # a disk that refused a write (a campaign's output or ledger)
        return ExitStatus.LOCAL_IO
    if isinstance(error, InvalidRequestError | ConfigurationError):
        return ExitStatus.USAGE
    if isinstance(error, ServerError):
        return ExitStatus.REFUSED
    if isinstance(error, TransportError | SubmitUncertainError):
        return ExitStatus.UNREACHABLE  # an uncertain submit lost its reply: the service failed us
    if isinstance(error, DownloadError):
        causes = _causes(error)
        if any(isinstance(cause, TransportError) for cause in causes):
            return ExitStatus.UNREACHABLE
        return ExitStatus.INCOMPLETE  # a file in the way, an archive that did not verify: ask again
    if isinstance(error, JobTimeoutError | ProductNotReadyError):
        return ExitStatus.INCOMPLETE  # the job goes on: waiting (or asking) again may finish it
    if isinstance(error, OSError):
        return ExitStatus.LOCAL_IO
    return ExitStatus.INCOMPLETE


def _causes(error: BaseException) -> list[BaseException]:
    """``error``'s chain of causes (``raise ... from``), nearest first."""
    out: list[BaseException] = []
    cause = error.__cause__
    while cause is not None and cause not in out:
        out.append(cause)
        cause = cause.__cause__
    return out
