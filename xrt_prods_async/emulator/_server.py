"""Running the emulator on a real loopback socket: in the current event loop, or in a background thread.

Both helpers bind ``127.0.0.1:0`` (a free port) themselves before uvicorn starts, so the URL is known and
there is no race for a port between tests.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect

from ._app import SERVICE_PREFIX, create_app
from ._config import EmulatorConfig
from ._faults import ConnectionDropped
from ._state import EmulatorState

__all__ = ["RunningEmulator", "bind_socket", "emulator_in_thread", "install_log_filter", "running_emulator"]


@dataclass(frozen=True, slots=True)
class RunningEmulator:
    """A started emulator: where it listens and its live state."""

    root_url: str
    """``http://127.0.0.1:PORT`` (control paths live under ``/emulator``)."""
    base_url: str
    """``http://127.0.0.1:PORT/user_objects``: give this to a client as the service's base URL."""
    state: EmulatorState
    app: Starlette
    port: int


class _DroppedConnectionFilter(logging.Filter):
    """Keep uvicorn quiet about connections the fault injector drops on purpose, and about clients that
    hung up before their (possibly delayed) request was read: both are expected, neither is a bug."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped | ClientDisconnect)


_FILTER = _DroppedConnectionFilter()


def install_log_filter() -> None:
    """Hide the tracebacks of deliberately dropped connections from uvicorn's error log (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound to ``host:port`` (port 0 picks a free one), ready for uvicorn."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP, and
    # without it every keep-alive reply waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    # Listening before anyone is told the address: a client that connects as soon as the URL is printed waits
    # in the backlog until uvicorn accepts, instead of being refused (swifttools does not retry).
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _prepare(
    config: EmulatorConfig | None, state: EmulatorState | None, host: str, port: int, log_level: str
) -> tuple[Starlette, uvicorn.Server, socket.socket, RunningEmulator]:
    app = create_app(config, state=state)
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    install_log_filter()
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level=log_level, access_log=False, lifespan="off", timeout_graceful_shutdown=2
        )
    )
    url_host = f"[{host}]" if ":" in host else host
    root = f"http://{url_host}:{bound_port}"
    emu = RunningEmulator(
        root_url=root, base_url=root + SERVICE_PREFIX, state=app.state.emulator, app=app, port=bound_port
    )
    return app, server, sock, emu


@asynccontextmanager
async def running_emulator(
    config: EmulatorConfig | None = None,
    *,
    state: EmulatorState | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
) -> AsyncIterator[RunningEmulator]:
    """Serve the emulator over loopback inside the running event loop for the ``async with`` block."""
    _, server, sock, emu = _prepare(config, state, host, port, log_level)
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(server.serve, [sock])
            while not server.started:
                if server.should_exit:
                    raise RuntimeError("the emulator's server failed to start")
                await anyio.sleep(0.002)
            try:
                yield emu
            finally:
                server.should_exit = True
    finally:
        sock.close()


@contextmanager
def emulator_in_thread(
    config: EmulatorConfig | None = None,
    *,
    state: EmulatorState | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
    startup_timeout: float = 10.0,
) -> Iterator[RunningEmulator]:
    """Serve the emulator over loopback from a background thread, for synchronous callers."""
    _, server, sock, emu = _prepare(config, state, host, port, log_level)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"xrt-emulator-{emu.port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    try:
        while not server.started:
            if failure or not thread.is_alive():
                raise RuntimeError("the emulator's server failed to start") from (
                    failure[0] if failure else None
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"the emulator did not start within {startup_timeout} s")
            time.sleep(0.002)
        yield emu
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()
