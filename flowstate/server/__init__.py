"""Server mode: `python -m flowstate serve` (see docs/server-mode.md).

- `create_app(settings)`: a flowstate server: an engine (with its delayer and recovery) on a
  `Hub` over the driver `settings.db` names, serving the HTTP API, the state stream, the
  websocket `NetDriver` clients use, and the UI at `/`.
- `admin_app(engine_of, token=...)`: the UI and the read-only API for an engine that runs
  elsewhere (the game server mounts it under `/admin/flowstate`).

Needs the `server` extra (starlette, uvicorn, websockets).
"""

from __future__ import annotations

import contextlib
import html
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from flowstate.engine import Engine
from flowstate.hub import Hub
from flowstate.registry import FlowRegistry
from flowstate.urls import open_driver

from . import api
from .api import Served, authorized, endpoint
from .driver_socket import DriverSocket, VersionCache

__all__ = ["UI_DIR", "Served", "ServerSettings", "admin_app", "create_app", "listening_socket"]

UI_DIR = Path(__file__).resolve().parent / "ui"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    db: str = "sqlite:///flowstate.sqlite3"
    host: str = "127.0.0.1"
    port: int = 8080
    lease: float = 5.0  # seconds a disconnected client's session waits for it
    token: str = ""  # if set, every request must carry it
    log_level: str = "info"


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's listening socket (port 0: any free port), with TCP_NODELAY, which
    accepted connections inherit. The plain asyncio loop sets it on accepted sockets only
    when the listening socket was made with proto TCP, which `create_server` does not say:
    an answer and the push after it are two small writes, and the second then waited for a
    delayed ACK (40 ms on Linux)."""
    sock = socket.create_server((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _routes(*, driver_socket: bool) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route("/", _index),
        Route("/api/v1/info", endpoint(api.info)),
        Route("/api/v1/stats", endpoint(api.stats)),
        Route("/api/v1/commit", endpoint(api.do_commit, writes=True), methods=["POST"]),
        Route("/api/v1/store_data", endpoint(api.do_store_data, writes=True), methods=["POST"]),
        Route("/api/v1/get_data", endpoint(api.do_get_data), methods=["POST"]),
        Route("/api/v1/get_state_by_id", endpoint(api.do_get_state_by_id), methods=["POST"]),
        Route(
            "/api/v1/get_state_by_labels", endpoint(api.do_get_state_by_labels), methods=["POST"]
        ),
        Route("/api/v1/get_states", endpoint(api.do_get_states), methods=["POST"]),
        Route(
            "/api/v1/get_delayed_states", endpoint(api.do_get_delayed_states), methods=["POST"]
        ),
        Route("/api/v1/states", endpoint(api.list_states)),
        Route("/api/v1/latest", endpoint(api.latest_states)),
        Route("/api/v1/states/{id:path}/history", endpoint(api.state_history)),
        Route("/api/v1/data/{rev:int}", endpoint(api.get_data_rev)),
        Route("/api/v1/delays", endpoint(api.list_delays)),
        Route("/api/v1/watch", endpoint(api.watch)),
        Mount("/ui", StaticFiles(directory=UI_DIR), name="ui"),
    ]
    if driver_socket:
        routes.append(WebSocketRoute("/api/v1/driver", _driver_socket))
    return routes


async def _index(request: Request) -> Response:
    """The UI's page, with a `<base>` at the app's root (it may be mounted under a prefix)."""
    base = html.escape(request.scope.get("root_path", "").rstrip("/") + "/", quote=True)
    page = (UI_DIR / "index.html").read_text().replace("{{base}}", base)
    return HTMLResponse(page, headers={"cache-control": "no-store"})


async def _driver_socket(ws: WebSocket) -> None:
    served: Served = ws.app.state.served
    if served.token and not authorized(ws, served.token):
        await ws.close(1008, "a valid token is required")
        return
    assert served.hub is not None
    cache: VersionCache = ws.app.state.version_cache
    await DriverSocket(ws, served.engine, served.hub, cache).run()


def create_app(settings: ServerSettings | None = None, *, registry: FlowRegistry | None = None,
               hub: Hub | None = None, ready: Callable[[], None] | None = None) -> Starlette:
    """A flowstate server. Its lifespan opens the store (`settings.db`, or the driver of
    `hub`), runs the engine (flows of `registry`, if given, run in the server itself),
    calls `ready()` and, on shutdown, closes both."""
    settings = settings or ServerSettings()
    holder: dict[str, Engine] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        the_hub = hub if hub is not None else Hub(open_driver(settings.db), lease=settings.lease)
        served.hub = the_hub
        the_hub.delay_listeners.append(served.delays_changed)
        async with Engine(the_hub, registry or FlowRegistry()) as engine:
            holder["engine"] = engine
            if ready is not None:
                ready()
            yield
        holder.clear()

    def engine_of() -> Engine:
        try:
            return holder["engine"]
        except KeyError:
            raise RuntimeError("the flowstate server is not running") from None

    served = Served(engine_of, token=settings.token)
    app = Starlette(routes=_routes(driver_socket=True), lifespan=lifespan)
    app.state.served = served
    app.state.version_cache = VersionCache()
    return app


def admin_app(engine_of: Callable[[], Engine], *, token: str, read_only: bool = True) -> Starlette:
    """The UI and the API (read-only by default) for an engine run by someone else;
    `engine_of` is called per request. `token` must be given with every request (a
    `Bearer` header, or `?token=` for the page and the stream)."""
    if not token:
        raise ValueError("admin_app needs a token")
    app = Starlette(routes=_routes(driver_socket=False))
    app.state.served = Served(engine_of, read_only=read_only, token=token)
    return app
