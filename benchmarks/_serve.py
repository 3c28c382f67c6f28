"""``xrt-prods-async serve`` in its own process, started and stopped the same way by every benchmark.

``serve --port 0`` binds a free loopback port and listens before it prints its first line
(``XRT product service emulator at <base URL>``), so a client may connect as soon as the URL is read: it
waits in the backlog until uvicorn accepts. The benchmarks import this module as a sibling (a script's own
folder is first on ``sys.path``), as ``campaign.py`` imports ``reference_recipe``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self

#: The start of serve's first line; the base URL follows it.
BANNER = "XRT product service emulator at "


def wire_request(user: str, **flags: Any) -> dict[str, Any]:
    """A valid submission body, in wire names, for the benchmarks that talk to the emulator below the client:
    a light curve of GRB 200416A, plus ``flags`` (``spec=1, specz=0``, ``dopsf=1``...)."""
    return {
        "UserID": user,
        "name": "GRB 200416A",
        "targ": "00966554",
        "RA": 335.6985,
        "Dec": -7.5179,
        "cent": 1,
        "poserr": 1,
        "lc": 1,
        "binMeth": "counts",
        "pccounts": 20,
        "wtcounts": 30,
        "dynamic": 1,
        **flags,
    }


class Serve:
    """``python -m xrt_prods_async serve --port 0 *args``, running from construction until :meth:`stop`.

    ``cwd`` and ``env`` are the process's (default: this one's). Its stderr is this process's; its stdout is
    read for the first line only (serve prints three, then logs to stderr).
    """

    def __init__(
        self, args: Sequence[str] = (), *, cwd: str | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        command = [sys.executable, "-m", "xrt_prods_async", "serve", "--port", "0", *args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=cwd, env=env)
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if not first.startswith(BANNER):
            self.stop()
            raise SystemExit(f"the emulator did not start: {first!r} (exit status {self.process.returncode})")
        #: The service's base URL, ``http://127.0.0.1:PORT/user_objects``.
        self.base_url = first.removeprefix(BANNER).strip()
        #: Scheme, host and port: where ``/emulator/...`` lives.
        self.root = self.base_url.rsplit("/", 1)[0]

    def metrics(self) -> dict[str, Any]:
        """The emulator's metrics snapshot (``GET /emulator/metrics``)."""
        import httpx  # here: campaign_memory.py's measured children import this module too

        reply = httpx.get(f"{self.root}/emulator/metrics", timeout=30)
        reply.raise_for_status()
        data: dict[str, Any] = reply.json()
        return data

    def stop(self, timeout: float = 10) -> None:
        """Terminate the process and wait for it; kill it if it has not ended within ``timeout`` seconds."""
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
