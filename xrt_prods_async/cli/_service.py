"""Who and where: the ``--user`` and ``--base-url`` options of every command that talks to the service (the
campaign commands' too), the client they make, and the parser every one-job command starts from."""

from __future__ import annotations

import argparse
import os
import textwrap
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from xrt_prods_async._errors import ConfigurationError
from xrt_prods_async.client._env import ENV_BASE_URL, ENV_USER_ID, REGISTER_URL
from xrt_prods_async.wire import DEFAULT_BASE_URL

from ._exit import EXIT_STATUS_HELP

if TYPE_CHECKING:  # pragma: no cover - typing only
    from stamina.instrumentation import RetryDetails

    from xrt_prods_async.client import XRTClient

__all__ = [
    "add_base_url_option",
    "add_user_option",
    "command_parser",
    "open_client",
    "positive_seconds",
    "run_async",
]

T = TypeVar("T")


def add_user_option(parser: argparse.ArgumentParser) -> None:
    """``--user``: the e-mail address registered with the service (default: ``$XRT_PRODS_USER_ID``)."""
    parser.add_argument("--user", dest="user_id", help=f"registered e-mail (default: ${ENV_USER_ID})")


def add_base_url_option(parser: argparse.ArgumentParser) -> None:
    """``--base-url``: the service root (default: ``$XRT_PRODS_BASE_URL``, else the real service)."""
    parser.add_argument(
        "--base-url",
        dest="base_url",
        help=f"service base URL (default ${ENV_BASE_URL}, else {DEFAULT_BASE_URL})",
    )


def positive_seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def command_parser(subparsers: Any, name: str, text: str, description: str) -> argparse.ArgumentParser:
    """A sub-command that talks to the service: ``--user``, ``--base-url``, ``--json``, exit statuses."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=text,
        description=textwrap.fill(description, width=78),
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_user_option(parser)
    add_base_url_option(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON (for scripts)")
    return parser


def open_client(args: argparse.Namespace, *, poll_interval: float | None = None) -> XRTClient:
    """The client for ``--user`` / ``--base-url`` (or the environment); a missing user names the option."""
    from xrt_prods_async.client import XRTClient  # here: parsing the command line must not load the client

    user = getattr(args, "user_id", None) or os.environ.get(ENV_USER_ID)
    if not user or not user.strip():
        raise ConfigurationError(
            f"no user: give --user you@example.org or set {ENV_USER_ID} to the e-mail address you "
            f"registered at {REGISTER_URL}"
        )
    base_url = getattr(args, "base_url", None) or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    if poll_interval is None:
        return XRTClient(user_id=user, base_url=base_url)
    return XRTClient(user_id=user, base_url=base_url, poll_interval=poll_interval)


def run_async(body: Callable[[], Awaitable[T]]) -> T:
    """Run one command's coroutine to its end; errors go up to ``cli.main``, which reports them.

    While it runs, a retry after a transient failure is one line on stderr saying so (instead of the retry
    library's log record), so that a wait on a struggling service is explained.
    """
    import anyio
    from stamina.instrumentation import get_on_retry_hooks, set_on_retry_hooks

    previous = get_on_retry_hooks()
    set_on_retry_hooks([_say_retry])
    try:
        return anyio.run(body)
    finally:
        set_on_retry_hooks(previous)


def _say_retry(details: RetryDetails) -> None:
    from ._output import note

    note(f"no usable answer from the service; retry {details.retry_num} in {details.wait_for:.1f} s")
