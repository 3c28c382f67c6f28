"""Reading a request body: the one place where the bytes a client sent become values a handler can trust.

The service is PHP, whose ``json_decode`` refuses malformed UTF-8, lone UTF-16 surrogates, ``NaN`` and
``Infinity``, and nesting deeper than 512; the service then answers with its own error envelope, HTTP 200 and
``OK`` 0 (docs/protocol.md §1, §4). :func:`decode_json` refuses the same, and numbers beyond a double's range,
so every value that reaches a handler can be printed, compared and encoded again. :class:`Body` reads fields
the way the service does and raises :class:`RequestError` with the service's words; the dispatcher turns that
into the ``OK`` 0 reply in one place, so no handler needs its own guard.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from xrt_prods_async._products import Product

from ._values import parse_job_id, php_str, version_text

__all__ = ["MAX_DEPTH", "Body", "RequestError", "decode_json"]

#: Deepest nesting of arrays and objects PHP's ``json_decode`` reads by default.
MAX_DEPTH = 512
#: Largest magnitude a PHP number can have (a double); JSON integers beyond it are refused.
_MAX_NUMBER = sys.float_info.max

_SURROGATE = re.compile("[\ud800-\udfff]")
_SHORT_NAMES = {p.value: p for p in Product}
_SHORT_LIST = ", ".join(p.value for p in Product)


class RequestError(Exception):
    """A request the service refuses: ``text`` is its ``ERROR``, ``extra`` any further reply keys."""

    def __init__(self, text: str, **extra: Any) -> None:
        super().__init__(text)
        self.text = text
        self.extra = extra

    def reply(self) -> dict[str, Any]:
        """The ``OK`` 0 reply (the dispatcher adds ``APIVersion``)."""
        return {"OK": 0, "ERROR": self.text, **self.extra}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def _bounded_int(text: str) -> int:
    value = int(text)
    if abs(value) > _MAX_NUMBER:
        raise ValueError("integer out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float, parse_int=_bounded_int)


def _check_tree(data: Any) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` and strings holding lone surrogates (iteratively)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise ValueError("a string holds a lone UTF-16 surrogate")
        elif isinstance(node, dict | list):
            if depth >= MAX_DEPTH:
                raise ValueError(f"nested deeper than {MAX_DEPTH}")
            items = [*node.keys(), *node.values()] if isinstance(node, dict) else node
            stack.extend((item, depth + 1) for item in items)


def decode_json(raw: bytes) -> Any:
    """The JSON value of a body, read as strictly as PHP reads it. Raises ValueError for anything else."""
    text = raw.decode("utf-8")
    try:
        data = _DECODER.decode(text)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_DEPTH}") from None
    # Only a \u escape can make a lone surrogate (the UTF-8 decoder refuses encoded ones), and nesting needs
    # brackets: an ordinary body skips the walk.
    if "\\u" in text or text.count("[") + text.count("{") > MAX_DEPTH:
        _check_tree(data)
    return data


class Body:
    """A request's JSON object, read field by field.

    Values are as decoded (any JSON type); the readers accept what the service accepts and raise
    :class:`RequestError` otherwise, so a handler never sees a value it cannot use.
    """

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self._fields = fields

    @property
    def fields(self) -> Mapping[str, Any]:
        """Every field as sent: the submit checks read the whole table, and ``jobPars`` echoes some."""
        return self._fields

    def get(self, key: str) -> Any:
        """A field as sent, None when absent."""
        return self._fields.get(key)

    def text(self, key: str) -> str:
        """A field as PHP would print it into a message (``true`` → ``1``, absent → empty)."""
        return php_str(self._fields.get(key))

    def version(self) -> str | None:
        """``api_version`` as text (``1.5`` → ``"1.5"``); None when absent or not a version."""
        return version_text(self._fields.get("api_version"))

    def job_id(self, key: str = "JobID") -> int:
        """A JobID field (an int or a string of digits)."""
        raw = self._fields.get(key)
        if raw is None or raw == "":
            raise RequestError(f"No {key} was supplied.")
        job_id = parse_job_id(raw)
        if job_id is None:
            raise RequestError(f"{key} `{php_str(raw)}` is not a valid job ID.")
        return job_id

    def products(self, key: str, *, required: bool) -> list[Product]:
        """Product short names, as a comma-separated string or a list; duplicates dropped, order kept."""
        raw = self._fields.get(key)
        if raw is None or raw == "" or raw == []:
            if not required:
                return []
            raise RequestError(f"No products were given in `{key}`; list short names from: {_SHORT_LIST}.")
        items = [php_str(item) for item in raw] if isinstance(raw, list) else php_str(raw).split(",")
        names = [name for name in (item.strip() for item in items) if name]
        unknown = [name for name in names if name not in _SHORT_NAMES]
        if unknown:
            raise RequestError(
                f"Unknown product(s) in `{key}`: {', '.join(unknown)}; use short names from: {_SHORT_LIST}."
            )
        return list(dict.fromkeys(_SHORT_NAMES[name] for name in names))

    def option(self, key: str, options: Sequence[str], default: str) -> str:
        """One word of ``options`` (case-insensitive); JSON ``true``/``false`` read as yes/no."""
        raw = self._fields.get(key)
        if raw is None:
            return default
        value = ("yes" if raw else "no") if isinstance(raw, bool) else php_str(raw).strip().lower()
        if value not in options:
            choices = f"{', '.join(options[:-1])} or {options[-1]}" if len(options) > 1 else options[0]
            raise RequestError(f"{key} must be one of {choices}; you sent `{php_str(raw)}`.")
        return value
