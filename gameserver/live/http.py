"""The HTTP side: the web client, the JSON API, SGF, health and metrics."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response

from gameserver.core.match import snapshot_view
from gameserver.live.matches import Hub
from gameserver.live.persistence import flush_figures, health
from gameserver.live.runtime import Runtime
from gameserver.wire.errors import NotFound


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _not_found(game_id: str) -> JSONResponse:
    error = NotFound(game_id)
    return JSONResponse({"code": error.code, "message": error.message}, status_code=404)


def _hub(request: Request) -> Hub | None:
    return runtime_of(request).matches.hubs.get(request.path_params["game_id"])


async def index(request: Request) -> Response:
    page = Path(runtime_of(request).settings.web_dir) / "index.html"
    if page.is_file():
        return FileResponse(page)
    return PlainTextResponse("gameserver: the web client is not installed; /ws speaks the "
                             "protocol (docs/protocol.md)")


async def list_games(request: Request) -> JSONResponse:
    """Open and running games."""
    hubs = runtime_of(request).matches.hubs.values()
    return JSONResponse({"games": [hub.summary() for hub in hubs if hub.phase != "finished"]})


async def get_game(request: Request) -> JSONResponse:
    hub = _hub(request)
    if hub is None:
        return _not_found(request.path_params["game_id"])
    return JSONResponse(snapshot_view(hub.match, hub.rules))


async def get_sgf(request: Request) -> Response:
    hub = _hub(request)
    if hub is None:
        return _not_found(request.path_params["game_id"])
    names = {color: seat.name for color in ("black", "white")
             if (seat := hub.match.seat(color)) is not None}
    record = hub.rules.record(hub.match.state, names)  # type: ignore[arg-type]
    if record is None:
        return JSONResponse({"code": "not_found",
                             "message": f"{hub.match.game} games have no SGF record"},
                            status_code=404)
    return Response(record, media_type="application/x-go-sgf",
                    headers={"Content-Disposition": f'attachment; filename="{hub.match.id}.sgf"'})


async def healthz(request: Request) -> JSONResponse:
    runtime = runtime_of(request)
    persistence = health(runtime.driver)
    ok = persistence["healthy"]
    return JSONResponse({"ok": ok, "persistence": persistence,
                         "games": len(runtime.matches.hubs),
                         "connections": runtime.metrics.connections},
                        status_code=200 if ok else 503)


async def metrics(request: Request) -> PlainTextResponse:
    runtime = runtime_of(request)
    delayer = runtime.engine.delayer_stats()
    extra = [
        ("gameserver_players", "Known identities.", float(len(runtime.identities))),
        ("gameserver_persistence_healthy", "1 when persistence keeps up.",
         1.0 if runtime.driver.healthy else 0.0),
        ("flowstate_delays_pending", "Delayed flows waiting to fire.", float(delayer.pending)),
        *flush_figures(runtime.driver),
    ]
    runtime.metrics.commit_conflicts = runtime.matches.conflicts
    runtime.metrics.adopted = runtime.matches.adopted
    text = runtime.metrics.render(runtime.matches.count_by_phase(), extra)
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4")
