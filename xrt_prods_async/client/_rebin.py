"""Rebinning a finished light curve (docs/protocol.md §15): the binning options, a rebin's status and handle.

A rebin is a job of the UKSSDC main API, not of xrt_prods: it has its own identifier (the RebinID), its own
status call and its own light-curve download, and it belongs to no user. Its options are the light curve's
binning options, so they are checked by the light curve's own model and rules (:class:`Binning` is
``LightCurve`` with the two options the call does not take refused) and sent under their swifttools names,
untranslated, as the reference client sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from xrt_prods_async.params import LightCurve
from xrt_prods_async.params._base import Resolved
from xrt_prods_async.params._naming import Style
from xrt_prods_async.wire._endpoints import StatusCode
from xrt_prods_async.wire._mainapi import RebinStatusReply

from ._api import XRTClient
from ._job import Job, OnHandle
from ._status import STATUS_NAMES
from ._views import View, Viewable

__all__ = ["NOT_REBINNABLE", "Binning", "RebinJob", "RebinStatus"]

P = ParamSpec("P")
R = TypeVar("R")

#: Light-curve options the rebinning call does not take: the web form's hidden bin-length limits, which
#: swifttools neither names nor documents among the rebinning options (docs/parameters.md §4 and §11).
NOT_REBINNABLE = frozenset({"pc_max_bin", "wt_max_bin"})


class Binning(LightCurve):
    """The binning options of a rebin: a ``LightCurve`` whose options and rules they are.

    Any spelling is accepted (``bin_meth``, ``binMeth``); the light curve's rules hold (``bin_meth`` is
    required, counts binning needs ``pc_counts``, ``wt_counts`` and ``dynamic``, time binning ``pc_bin_time``
    and ``wt_bin_time``, bands lie inside the main band...), and every problem is raised at once as one
    ``InvalidRequestError`` naming the options as written, with no product prefix.
    """

    @classmethod
    def _resolve(cls, data: Mapping[Any, Any]) -> Resolved:
        """The light curve's resolution, with the options the call does not take turned into problems."""
        resolved = super()._resolve(data)
        for target in [t for t in resolved.given if t in NOT_REBINNABLE]:
            key = resolved.spelling.pop(target)
            del resolved.given[target]
            resolved.wrong.append(
                (key, "a light-curve option that rebinning does not take; set it when submitting the job")
            )
        return resolved

    @classmethod
    def _context(cls) -> str:
        return "The binning options are not valid"

    @classmethod
    def _what(cls) -> str:
        return "the binning options of a rebin"

    @classmethod
    def _default_prefix(cls, style: Style) -> str | None:
        return None

    def main_api_options(self) -> dict[str, Any]:
        """The options as the main API takes them: swifttools names, the checked values (booleans as such)."""
        names = type(self).__xrt__.st_names
        return {names[f]: value for f in names if (value := self.__dict__.get(f)) is not None}

    def describe_name(self, word: str) -> str | None:
        """The user's name for an option the service names (swifttools name or wire key), else None."""
        field = type(self).__xrt__.lookup.get(word)
        namer = self._written.namer
        if field is None or field in NOT_REBINNABLE:
            return None
        return namer(field) if namer is not None else word


@dataclass(frozen=True, slots=True)
class RebinStatus(Viewable):
    """The status of a rebin: a code as for a product (docs/protocol.md §7.2) and the service's text.

    ``code`` is None for a code the protocol does not document (kept in ``raw_code``); such a rebin counts as
    not finished.
    """

    rebin_id: int
    code: StatusCode | None
    raw_code: int
    text: str
    checked_at: datetime | None = None

    @classmethod
    def from_reply(cls, reply: RebinStatusReply, *, rebin_id: int, checked_at: datetime) -> RebinStatus:
        """The status from a ``checkRebinStatus`` reply."""
        try:
            code: StatusCode | None = StatusCode(reply.code)
        except ValueError:
            code = None
        return cls(rebin_id, code, reply.code, reply.text, checked_at)

    @property
    def finished(self) -> bool:
        """True when the rebin will not change again: complete (4) or failed/cancelled (negative)."""
        return self.code is not None and self.code is not StatusCode.NOT_RETURNED and self.code.finished

    @property
    def complete(self) -> bool:
        """True when the rebinned light curve is ready (code 4)."""
        return self.code is StatusCode.COMPLETE

    @property
    def failed(self) -> bool:
        """True when the rebin will never make a light curve (failed or cancelled: a negative code)."""
        return self.finished and not self.complete

    @property
    def state(self) -> str:
        """The status in words: ``complete``, ``running``, ``cancelled``... (the code's meaning)."""
        return STATUS_NAMES[self.code] if self.code is not None else f"undocumented status ({self.raw_code})"

    def describe(self) -> str:
        """One line: ``rebin 70001: Running (3)``."""
        return f"rebin {self.rebin_id}: {self.text or 'no status text'} ({self.raw_code})"

    def _view(self, *, picture: bool = False) -> View:
        return View(
            f"rebin {self.rebin_id}: {self.state}",
            (("status", self.state), ("service says", self.text or "—")),
        )


class _OnThisRebin(OnHandle["RebinJob", P, R]):
    """A ``RebinJob`` method: a client rebin method with the rebin bound."""


class RebinJob:
    """A rebin of one job's light curve: its RebinID, the job, the binning asked for, and the client.

    Every ``XRTClient`` method that takes a rebin is a method of the handle too, without that argument and
    without ``rebin`` in its name: ``await rebin.wait()`` is ``await client.wait_rebin(rebin)``,
    ``rebin.light_curve()`` is ``client.rebinned_light_curve(rebin)``. ``last_status`` is the newest status
    seen; ``submitted_at`` the client's UTC clock when the service accepted the rebin.
    """

    def __init__(
        self,
        client: XRTClient,
        *,
        rebin_id: int,
        job: Job | int,
        binning: Binning,
        submitted_at: datetime | None = None,
    ) -> None:
        self.client = client
        self.rebin_id = rebin_id
        self.job = job
        self.binning = binning
        self.submitted_at = submitted_at
        self.last_status: RebinStatus | None = None

    @property
    def job_id(self) -> int:
        """The JobID of the job whose light curve this rebins."""
        return self.job.job_id if isinstance(self.job, Job) else self.job

    def __repr__(self) -> str:
        return f"<RebinJob {self.rebin_id} of job {self.job_id} ({self.binning.bin_meth} binning)>"

    def _record(self, status: RebinStatus) -> None:
        self.last_status = status

    # --- what the client can do to this rebin (tests/client/test_rebin.py keeps this list complete) -------

    status = _OnThisRebin(XRTClient.rebin_status, attribute="status")
    wait = _OnThisRebin(XRTClient.wait_rebin, attribute="wait")
    cancel = _OnThisRebin(XRTClient.cancel_rebin, attribute="cancel")
    light_curve = _OnThisRebin(XRTClient.rebinned_light_curve, attribute="light_curve")
