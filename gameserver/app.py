"""The starlette application factory."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gameserver.settings import Settings


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/healthz", healthz)])
    app.state.settings = settings
    return app
