"""The ASGI application: the service's paths under ``/user_objects``, the main API at ``/API/main.php`` (its
sibling, for rebinning) plus control paths under ``/emulator``.

Wire behaviour copied from the real service (docs/protocol.md §1): every API call is answered 200 with a
one-line JSON body labelled ``text/html; charset=UTF-8``; unknown paths get the UKSSDC 404 HTML page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from xrt_prods_async.wire._endpoints import MAIN_API_PATH, Endpoint

from . import _api as api
from . import _mainapi as mainapi
from ._config import EmulatorConfig, FaultConfig
from ._downloads import download_route
from ._faults import FaultMiddleware, error_page
from ._retrieval import RETRIEVAL_HANDLERS
from ._state import EmulatorState

__all__ = ["SERVICE_PREFIX", "classify_path", "create_app", "users_to_register"]

#: Path of the service's base URL on the emulator's host.
SERVICE_PREFIX = "/user_objects"
_ENDPOINTS = {e.value: e for e in Endpoint}
_DOWNLOAD_PREFIX = "tprods/USERPROD_"

#: Headers of every service reply: PHP's session-cache defaults, as captured in the A0 docs.
_PHP_HEADERS = {
    "Cache-Control": "no-store, no-cache, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "Thu, 19 Nov 1981 08:52:00 GMT",
}
_HTML = "text/html; charset=UTF-8"


def classify_path(path: str) -> str | None:
    """The fault-rule endpoint of a path: an API path, ``download``, or None (not a service path)."""
    if path == "/" + MAIN_API_PATH:
        return MAIN_API_PATH
    if not path.startswith(SERVICE_PREFIX + "/"):
        return None
    rest = path[len(SERVICE_PREFIX) + 1 :]
    if rest in _ENDPOINTS:
        return rest
    if rest.startswith(_DOWNLOAD_PREFIX):
        return "download"
    return None


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def not_found_page() -> Response:
    """The service's 404 page."""
    return Response(error_page(404), status_code=404, media_type=_HTML)


def _api_route(state: EmulatorState, endpoint: Endpoint, handlers: Mapping[Endpoint, api.Handler]) -> Route:
    version = state.config.api_version

    async def endpoint_handler(request: Request) -> Response:
        raw = await request.body()
        reply = api.call(state, endpoint, raw, base_url=_base_url(request), handlers=handlers)
        return Response(api.encode_reply(reply, version), media_type=_HTML, headers=_PHP_HEADERS)

    return Route(f"{SERVICE_PREFIX}/{endpoint.value}", endpoint_handler, methods=["GET", "POST"])


def _main_api_route(state: EmulatorState) -> Route:
    async def main_api_handler(request: Request) -> Response:
        raw = await request.body()
        reply = mainapi.call(state, raw, base_url=_base_url(request))
        body = api.encode_reply(reply, state.config.main_api_version)
        return Response(body, media_type=_HTML, headers=_PHP_HEADERS)

    return Route("/" + MAIN_API_PATH, main_api_handler, methods=["GET", "POST"])


class _ControlPaths:
    """The control paths under ``/emulator``: faults, metrics, users, reset, clock and config of one state."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/emulator/faults", self.faults, methods=["GET", "PUT"]),
            Route("/emulator/metrics", self.metrics, methods=["GET"]),
            Route("/emulator/users", self.users, methods=["GET", "POST"]),
            Route("/emulator/reset", self.reset, methods=["POST"]),
            Route("/emulator/clock", self.clock, methods=["GET", "PUT"]),
            Route("/emulator/config", self.config, methods=["GET"]),
        ]

    async def faults(self, request: Request) -> Response:
        state = self.state
        if request.method == "PUT":
            try:
                config = FaultConfig.model_validate_json(await request.body())
            except ValidationError as exc:
                return JSONResponse({"error": "invalid fault configuration", "details": _errors(exc)}, 422)
            state.faults.configure(config)
        return JSONResponse({**state.faults.config.model_dump(), "fired": state.faults.fired()})

    async def metrics(self, request: Request) -> Response:
        return JSONResponse(self.state.metrics_snapshot())

    async def users(self, request: Request) -> Response:
        if request.method == "POST":
            wanted = users_to_register(await _json_body(request))
            if wanted is None:
                return JSONResponse({"error": 'send {"UserID": "a@b"} or {"users": ["a@b", ...]}'}, 422)
            try:
                for user in wanted:
                    self.state.register_user(user)
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, 422)
        return JSONResponse({"users": self.state.users})

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        return JSONResponse({"reset": True})

    async def clock(self, request: Request) -> Response:
        state = self.state
        if request.method == "PUT":
            body = await _json_body(request)
            if not isinstance(body, dict):
                return JSONResponse({"error": 'send {"advance": seconds} and/or {"time_scale": x}'}, 422)
            try:
                if "time_scale" in body:
                    state.clock.set_time_scale(float(body["time_scale"]))
                if "advance" in body:
                    state.clock.advance(float(body["advance"]))
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, 422)
        with state.lock:
            now = state.sync()
        return JSONResponse({"simulated_now": now, "time_scale": state.clock.time_scale})

    async def config(self, request: Request) -> Response:
        return JSONResponse(self.state.config.model_dump(mode="json"))


def users_to_register(body: Any) -> list[str] | None:
    """The users a ``POST /emulator/users`` body names (``UserID``, ``users`` or both); None when it names
    none or is not of that shape."""
    if not isinstance(body, dict):
        return None
    wanted = body.get("users", [])
    if isinstance(body.get("UserID"), str) and isinstance(wanted, list):
        wanted = [*wanted, body["UserID"]]
    if not wanted or not isinstance(wanted, list) or not all(isinstance(u, str) for u in wanted):
        return None
    return wanted


def _errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]


async def _json_body(request: Request) -> Any:
    try:
        return api.decode_json(await request.body() or b"null")
    except ValueError:
        return None


async def _not_found(request: Request, exc: Exception) -> Response:
    return not_found_page()


def create_app(
    config: EmulatorConfig | None = None,
    *,
    state: EmulatorState | None = None,
) -> Starlette:
    """The emulator as an ASGI app (serve it with uvicorn, or test it through ``httpx.ASGITransport``).

    Pass ``config`` for a fresh state, or an existing ``state`` to share one. ``app.state.emulator`` is the
    live :class:`EmulatorState`.
    """
    if state is None:
        state = EmulatorState(config)
    elif config is not None:
        raise ValueError("give either config or state, not both")
    table = {**api.CORE_HANDLERS, **RETRIEVAL_HANDLERS}
    routes = [_api_route(state, endpoint, table) for endpoint in Endpoint]
    routes.append(_main_api_route(state))
    routes.append(mainapi.rebin_file_route(state, SERVICE_PREFIX))  # before the job's other files
    routes.append(download_route(state, SERVICE_PREFIX))
    routes += _ControlPaths(state).routes()

    def on_fault(endpoint: str, kind: str) -> None:
        with state.lock:
            state.metrics.record_fault(endpoint, kind)

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                FaultMiddleware,
                injector=lambda: state.faults,
                classify=classify_path,
                on_fault=on_fault,
            )
        ],
        exception_handlers={404: _not_found, 405: _not_found},
    )
    app.state.emulator = state
    return app
