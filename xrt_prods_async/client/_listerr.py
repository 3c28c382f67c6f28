"""Translate the service's ``listErr`` (wire parameter names) into the names the user wrote."""

from __future__ import annotations

import re
from collections.abc import Callable

from xrt_prods_async._errors import ProblemGroup, ServerRefusedError

__all__ = ["translate_item", "translate_refusal"]

_WORD = re.compile(r"^(?P<core>.*?)(?P<trail>\W*)$")


def translate_item(text: str, describe: Callable[[str], str | None]) -> str:
    """Replace every word that is a wire name of the request by the user's name for it.

    ``poserr is 0.01, but must be between 1 and 6`` -> ``posErr is 0.01, but must be between 1 and 6``.
    Trailing punctuation is kept (``pccounts,`` -> ``LightCurve.pcCounts,``); unknown words stay as sent.
    """
    words = text.split(" ")
    out: list[str] = []
    for word in words:
        match = _WORD.match(word)
        core, trail = (match.group("core"), match.group("trail")) if match else (word, "")
        name = describe(core) if core else None
        out.append(f"{name}{trail}" if name else word)
    return " ".join(out)


def translate_refusal(error: ServerRefusedError, describe: Callable[[str], str | None]) -> ServerRefusedError:
    """A copy of a refusal whose ``listErr`` items speak the user's parameter names."""
    groups = tuple(
        ProblemGroup(label=group.label, items=tuple(translate_item(item, describe) for item in group.items))
        for group in error.groups
    )
    translated = ServerRefusedError(error.message, groups, endpoint=error.endpoint, reply=error.reply)
    translated.__cause__ = error.__cause__
    return translated
