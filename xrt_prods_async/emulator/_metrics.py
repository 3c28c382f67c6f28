"""What clients did to the emulator, so tests and benchmarks can prove a client was polite.

Counters live here; the job timelines live on the jobs themselves and are read when a snapshot is taken.
Control calls (``/emulator/*``) are never counted.

Snapshot schema (``GET /emulator/metrics``; times are simulated seconds since the start, with the matching
real UTC time as ISO 8601)::

    {
      "schema": 1,
      "clock": {"simulated_now": float, "time_scale": float, "wall_now": str},
      "workers": {"total": int, "busy": int, "queued": int},
      "requests": {"<endpoint>": int},            # every POST API call, all users
      "downloads": {"archives": int, "files": int, "not_found": int, "bytes": int},  # bytes = sent
      "faults": {"<endpoint>": {"<kind>": int}},  # kinds: http_500 ... delay, lost_reply
      "users": {
        "<UserID, lower case>": {
          "registered": bool,
          "requests": {"<endpoint>": int},
          "submissions": int,                      # jobs created
          "refused_submissions": int,              # submit calls answered OK=0
          "active_jobs": int,                      # jobs with a product at code 1, 2, 3 or 5 now
          "max_active_jobs": int,                  # most at once over the run (exact: rises only at a submit)
          "jobs": {
            "<JobID>": {
              "name": str, "active": bool,
              "submitted": {"sim": float, "wall": str},
              "status_requests": int,              # checkProductStatus.php calls for this job
              "min_status_interval": float | null, # shortest simulated gap between two of them
              "products": {
                "<short name>": {
                  "status_code": int, "duration": float,
                  "requested": T, "queued": T | null, "started": T | null, "waiting": T | null,
                  "finished": T | null, "cancelled": T | null     # T = {"sim": float, "wall": str}
                }
              }
            }
          }
        }
      }
    }
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._jobs import Job, ProductRun

__all__ = ["Metrics", "UserMetrics", "job_timeline"]


@dataclass(slots=True)
class UserMetrics:
    """Counters of one user."""

    requests: Counter[str] = field(default_factory=Counter)
    submissions: int = 0
    refused_submissions: int = 0
    max_active_jobs: int = 0


class Metrics:
    """Request, submission and fault counters (the state's lock protects them)."""

    def __init__(self) -> None:
        self.users: dict[str, UserMetrics] = {}
        self.requests: Counter[str] = Counter()
        self.downloads: Counter[str] = Counter({"archives": 0, "files": 0, "not_found": 0, "bytes": 0})
        self.faults: dict[str, Counter[str]] = {}

    def user(self, key: str) -> UserMetrics:
        """The counters of one user (created on first use)."""
        found = self.users.get(key)
        if found is None:
            found = self.users[key] = UserMetrics()
        return found

    def record_request(self, user_key: str | None, endpoint: str) -> None:
        """Count one API call; ``user_key`` None when the body carried no usable ``UserID``."""
        self.requests[endpoint] += 1
        if user_key is not None:
            self.user(user_key).requests[endpoint] += 1

    def record_submission(self, user_key: str, *, accepted: bool, active_now: int) -> None:
        """Count a submit; after an accepted one, ``active_now`` is the user's active-job count."""
        user = self.user(user_key)
        if accepted:
            user.submissions += 1
            user.max_active_jobs = max(user.max_active_jobs, active_now)
        else:
            user.refused_submissions += 1

    def record_fault(self, endpoint: str, kind: str) -> None:
        """Count one injected fault."""
        self.faults.setdefault(endpoint, Counter())[kind] += 1

    def snapshot_users(
        self,
        jobs: Iterable[Job],
        *,
        registered: Callable[[str], bool],
        wall_at: Callable[[float], datetime],
    ) -> dict[str, Any]:
        """The ``users`` part of the snapshot."""
        by_user: dict[str, list[Job]] = {}
        for job in jobs:
            by_user.setdefault(job.owner, []).append(job)
        out: dict[str, Any] = {}
        for key in sorted(set(self.users) | set(by_user)):
            counters = self.users.get(key, UserMetrics())
            user_jobs = by_user.get(key, [])
            out[key] = {
                "registered": registered(key),
                "requests": dict(counters.requests),
                "submissions": counters.submissions,
                "refused_submissions": counters.refused_submissions,
                "active_jobs": sum(1 for job in user_jobs if job.active),
                "max_active_jobs": counters.max_active_jobs,
                "jobs": {str(job.job_id): job_timeline(job, wall_at) for job in user_jobs},
            }
        return out


def _moment(sim: float | None, wall_at: Callable[[float], datetime]) -> dict[str, Any] | None:
    if sim is None:
        return None
    return {"sim": round(sim, 6), "wall": wall_at(sim).isoformat()}


def _run_timeline(run: ProductRun, wall_at: Callable[[float], datetime]) -> dict[str, Any]:
    return {
        "status_code": int(run.code),
        "duration": round(run.duration, 6),
        "requested": _moment(run.requested_at, wall_at),
        "queued": _moment(run.queued_at, wall_at),
        "started": _moment(run.started_at, wall_at),
        "waiting": _moment(run.waiting_at, wall_at),
        "finished": _moment(run.finished_at, wall_at),
        "cancelled": _moment(run.cancelled_at, wall_at),
    }


def job_timeline(job: Job, wall_at: Callable[[float], datetime]) -> dict[str, Any]:
    """One job's entry in the metrics snapshot."""
    return {
        "name": job.name,
        "active": job.active,
        "submitted": {"sim": round(job.submitted_at, 6), "wall": job.submitted_wall.isoformat()},
        "status_requests": job.status_requests,
        "min_status_interval": None if job.min_status_interval is None else round(job.min_status_interval, 6),
        "products": {run.product.value: _run_timeline(run, wall_at) for run in job.products.values()},
    }
