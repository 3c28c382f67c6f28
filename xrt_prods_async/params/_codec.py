"""Values on the wire: encoding for the submit body, and reading the service's loose echo back.

Encoding (docs/protocol.md §5.1): booleans as 1/0, spectral models as a JSON array, numbers as JSON numbers
(whole floats as integers, as the documented bodies write them), strings as given.

Decoding accepts what the service echoes in ``jobPars`` (§5.2): numbers as strings (``"52.8000"``), flags
as ``"0"``/``"yes"``, and the older server's internal codes (declared per field as ``codes``). Decoding is
best effort: a value that cannot be read is passed on unchanged, so that the model's validation names the
parameter and says what was expected.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.fields import FieldInfo

from xrt_prods_async.wire._envelope import API_NAME_KEY, API_VERSION_KEY, REQUEST_ENVELOPE_KEYS, USER_ID_KEY
from xrt_prods_async.wire._loose import read_flag

from ._fields import MAX_EXACT_INT, kind_of, param_of

__all__ = [
    "API_NAME_KEY",
    "API_VERSION_KEY",
    "META_KEYS",
    "USER_ID_KEY",
    "decode_value",
    "encode_value",
    "is_truthy_flag",
]

#: Keys of the envelope every xrt_prods call carries (defined in wire); they are not job parameters.
META_KEYS: frozenset[str] = frozenset(REQUEST_ENVELOPE_KEYS)


def encode_value(value: Any) -> Any:
    """The JSON value the service expects for a validated Python value."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < MAX_EXACT_INT:
        return int(value)
    if isinstance(value, tuple):
        return [encode_value(item) for item in value]
    return value


def is_truthy_flag(value: Any) -> bool:
    """True for the ways a request flag says "yes" on the wire: ``1``, ``true``, ``"1"``, ``"yes"``."""
    return read_flag(value) is True


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # beyond float range: left for the model to report
            return value
    return value


def _count(value: Any) -> Any:
    number = _number(value)
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _flag(value: Any) -> Any:
    flag = read_flag(value)
    return value if flag is None else flag


def _models(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
                return value
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


def _code_of(value: Any) -> str | None:
    """How an old-server code is looked up: the text of a string or a number ("1" for 1); None otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < MAX_EXACT_INT:
        return str(value)
    return None


_DECODERS = {"number": _number, "count": _count, "flag": _flag, "models": _models, "time": _number}


def decode_value(info: FieldInfo, value: Any, *, echo: bool = True) -> Any:
    """The Python value of one parameter given loosely (best effort, see module docstring).

    With ``echo`` (the service's ``jobPars``) the field's old-server codes and echo clean-ups apply too;
    without it (text from a user: a CSV cell, a form) only the type is read.
    """
    facts = param_of(info)
    code = _code_of(value)
    if echo and facts is not None and code is not None and code in facts.codes:
        return facts.codes[code]
    if echo and facts is not None and facts.decode is not None:
        value = facts.decode(value)
    decoder = _DECODERS.get(kind_of(info))
    return decoder(value) if decoder else value
