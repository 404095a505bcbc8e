"""The starlette application factory."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket

from flowstate import Clock, Driver
from gameserver.core.game import Game
from gameserver.live import http
from gameserver.live.runtime import Runtime
from gameserver.live.web import ClientFiles, SecurityHeaders
from gameserver.settings import Settings


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               games: Mapping[str, Game] | None = None,
               driver: Driver | None = None,
               net_clock: Clock | None = None) -> Starlette:
    """Build the app; everything it runs is created by its lifespan. Serve it with
    `gameserver.live.server.uvicorn_config`, which gives uvicorn our websocket protocol.

    `clock` (default: the wall clock) drives the engine, rate limits and timestamps; `games`
    (default: Go only) maps a `create`'s `game` field to its rules; `driver` replaces the one
    `make_driver(settings)` builds (tests share one across a restart); `net_clock` (default:
    the wall clock) times the websocket keepalive.
    """
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with Runtime.running(settings, clock=clock, games=games, driver=driver,
                                   net_clock=net_clock) as rt:
            app.state.runtime = rt
            yield

    async def ws_endpoint(ws: WebSocket) -> None:
        # reached only under a server that was not given our websocket protocol
        await ws.close(1011, "run this app with gameserver.live.server.uvicorn_config")

    routes: list[BaseRoute] = []
    if settings.admin_token:
        # flowstate's UI on the game server's own engine, read-only, behind the admin token
        from flowstate.server import admin_app

        routes.append(Mount("/admin/flowstate", app=admin_app(
            lambda: app.state.runtime.engine, token=settings.admin_token)))
    routes += [
        Route("/", http.index),
        Route("/healthz", http.healthz),
        Route("/metrics", http.metrics),
        Route("/api/nodes", http.list_nodes),
        Route("/api/games", http.list_games),
        Route("/api/games/{game_id}", http.get_game),
        Route("/api/games/{game_id}/sgf", http.get_sgf),
        WebSocketRoute("/ws", ws_endpoint),
        Mount("/", ClientFiles(directory=settings.web_dir, check_dir=False), name="web"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(SecurityHeaders, csp=settings.csp),
                                Middleware(http.ApiRateLimit, settings=settings)])
    app.state.settings = settings
    return app
