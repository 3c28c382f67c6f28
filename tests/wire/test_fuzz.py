"""Whatever JSON the service sends, parsing a reply raises nothing but ProtocolError.

Bodies are the documented examples with random parts replaced by random JSON, so the mutations reach deep
into each reply's structure. The JSON includes what Python's own readers trip on: integers beyond float
range, NaN and infinities, lone surrogates, nesting past the recursion limit. Each body is parsed as the
dictionary it is and, where JSON can carry it, as the text the service would send.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.nasty import nested
from xrt_prods_async._errors import ProtocolError
from xrt_prods_async.client import LightCurveData, SourceList, SpectralFits
from xrt_prods_async.wire._envelope import parse_reply_text
from xrt_prods_async.wire._replies import (
    CancelReply,
    NumJobsReply,
    OldJobsReply,
    OldProductReply,
    PositionReply,
    StatusReply,
    SubmitReply,
    parse_reply,
)

CASES: list[tuple[Any, str]] = [
    (CancelReply, "cancel_partial.json"),
    (LightCurveData, "lcdata_response_reconstructed.json"),
    (NumJobsReply, "getnumjobs_ok.json"),
    (OldJobsReply, "listoldjobs_ok.json"),
    (OldProductReply, "getoldproduct_ok_truncated.json"),
    (PositionReply, "position_psf_gotpos_wire.json"),
    (SourceList, "sourcelist_ok_truncated.json"),
    (SpectralFits, "specdata_grb130925A_current_format.json"),
    (SpectralFits, "specdata_old_format_v1.9.json"),
    (StatusReply, "status_response_all_products.json"),
    (SubmitReply, "submit_ok_gkper_old_server.json"),
]

#: Values that are JSON (or that json.dumps writes) but that Python's readers trip on; drawn by index so
#: that no strategy holds them (hypothesis prints strategies).
HOSTILE: tuple[Any, ...] = (
    nested(3000),
    10**400,
    -(10**400),
    math.nan,
    math.inf,
    "\ud800",
    "1e999",
    "-inf",
    {"\udfff": 1},
)


def _hostile(index: int) -> Any:
    return HOSTILE[index]


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["PC", "1"])
    | st.integers(0, len(HOSTILE) - 1).map(_hostile),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


def _containers(node: Any, out: list[Any]) -> list[Any]:
    if any(node is hostile for hostile in HOSTILE):
        return out  # not mutated (nor walked: one is nested past the recursion limit)
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            _containers(value, out)
    elif isinstance(node, list):
        out.append(node)
        for value in node:
            _containers(value, out)
    return out


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=st.sampled_from(CASES), data=st.data())
def test_mutated_replies_parse_or_raise_protocol_error(
    example: Any, case: tuple[Any, str], data: st.DataObject
) -> None:
    model, name = case
    body = copy.deepcopy(example(name))  # the fixture is a pure loader: safe to share across examples
    for _ in range(data.draw(st.integers(1, 3))):
        containers = _containers(body, [])
        target = data.draw(st.sampled_from(containers))
        if isinstance(target, dict) and target:
            key = data.draw(st.sampled_from(sorted(target)))
            target[key] = data.draw(JSON)
        elif isinstance(target, list) and target:
            target[data.draw(st.integers(0, len(target) - 1))] = data.draw(JSON)
    with contextlib.suppress(ProtocolError):
        parse_reply(model, body)
    try:
        text = json.dumps({"OK": 1, "APIVersion": "1.12", **body})
    except (ValueError, RecursionError):
        return  # no JSON text can carry it (json.dumps refuses the nesting)
    with contextlib.suppress(ProtocolError):
        parse_reply(model, parse_reply_text(text))
