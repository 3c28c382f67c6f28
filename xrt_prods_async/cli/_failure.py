"""What a command prints when it stops on an error: one line on stderr in the command line's words
(``--user``, not ``user_id=``), a JSON object on stdout under ``--json``, and the documented exit status;
never a traceback."""

from __future__ import annotations

import re
import sys

from ._exit import status_for

__all__ = ["one_line", "report_failure"]

#: The Python API's advice in the client's messages, and what a command-line user does instead.
_CLI_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words)
    for pattern, words in (
        (r"pass overwrite=True", "use --overwrite"),
        (r"pass XRTClient\(user_id='[^']*'\)", "give --user you@example.org"),
        (r"\(wait for the job first: Job\.wait\(\)\)", "(wait for it first: xrt-prods-async wait JOB)"),
        (r"wait for the job first \(Job\.wait\(\)\)", "wait for it first: xrt-prods-async wait JOB"),
        (r"look with list_old_jobs\(\)", "look with 'xrt-prods-async jobs'"),
        (r", and attach\(\) to it if found", ": if there is one, use its JobID"),
        (r"\bbase_url='([^'\s]*)'", r"--base-url \1"),
        (r"\bbase_url\b", "--base-url"),
        (r"\bpoll_interval >= ", "--poll-interval "),
        (r"\bpoll_interval\b", "--poll-interval"),
        (r"\buser_id\b", "--user"),
    )
)


def one_line(error: BaseException) -> str:
    """The error's message on one line, in the command line's words.

    Multi-line messages (every problem of a request, the service's ``listErr``) keep their items, joined by
    ``;`` after the first line.
    """
    if isinstance(error, KeyboardInterrupt):
        return "interrupted; jobs already submitted keep running on the service"
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        lines = [type(error).__name__]
    head, items = lines[0], [line.removeprefix("* ").strip() for line in lines[1:]]
    text = head + (" " + "; ".join(items) if items else "")
    for pattern, words in _CLI_WORDS:
        text = pattern.sub(words, text)
    return text


def report_failure(error: BaseException, *, as_json: bool) -> int:
    """Print the failure (and its JSON form under ``--json``); return the exit status it means."""
    status = status_for(error)
    text = one_line(error)
    print(f"error: {text}", file=sys.stderr, flush=True)
    if as_json:
        from ._output import emit_json

        emit_json({"error": type(error).__name__, "message": text, "exit_status": int(status)})
    return int(status)
