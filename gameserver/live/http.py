"""The HTTP side: the web client, the JSON API, SGF, health and metrics."""

from __future__ import annotations

import hmac
import ipaddress
from pathlib import Path

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gameserver.core.game import ExportInfo
from gameserver.core.match import snapshot_view
from gameserver.live.listing import parse_query
from gameserver.live.persistence import flush_figures, health
from gameserver.live.runtime import Runtime
from gameserver.settings import Settings
from gameserver.wire.errors import BadRequest, NotFound


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _not_found(game_id: str) -> JSONResponse:
    error = NotFound(game_id)
    return JSONResponse({"code": error.code, "message": error.message}, status_code=404)


async def index(request: Request) -> Response:
    page = Path(runtime_of(request).settings.web_dir) / "index.html"
    if page.is_file():
        return FileResponse(page)
    return PlainTextResponse("gameserver: the web client is not installed; /ws speaks the "
                             "protocol (docs/protocol.md)")


class ApiRateLimit:
    """ASGI middleware: the JSON API's per-address rate limit (`/api/games...`), checked
    before routing, so a refused request costs a token bucket and two ready-made messages
    (429 `rate_limited`, `Retry-After: 1`): no request object, no handler, no encoding."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.rate = settings.api_requests_per_second
        body = orjson.dumps({"code": "rate_limited",
                             "message": f"at most {self.rate:g} API requests per second "
                                        "from one address"})
        self._body: Message = {"type": "http.response.body", "body": body}
        self._headers = [(b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()),
                         (b"retry-after", b"1")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.rate and scope["type"] == "http":
            path: str = scope["path"]
            if path == "/api/games" or path.startswith("/api/games/"):
                runtime: Runtime | None = getattr(scope["app"].state, "runtime", None)
                client = scope.get("client")
                address = client[0] if client else ""
                if runtime is not None and not runtime.api_limits.take(
                        address, runtime.sockets.net_now()):
                    # a new header list each time: middleware outside adds to it
                    await send({"type": "http.response.start", "status": 429,
                                "headers": list(self._headers)})
                    await send(self._body)
                    return
        await self.app(scope, receive, send)


async def list_games(request: Request) -> Response:
    """A page of games: `?phase=open|playing|finished&game=<kind>&limit=N&cursor=C` gives
    `{"games": [GameSummary...], "next": cursor or null, "total": count, "kinds": [{"name",
    "title"}, ...]}` (`kinds`: the games this server serves, for a lobby's create form);
    without `phase`, the games that have not finished."""
    runtime = runtime_of(request)
    matches = runtime.matches
    try:
        query = parse_query(request.query_params, page_max=runtime.settings.page_max,
                            games=matches.games)
    except BadRequest as error:
        return JSONResponse({"code": error.code, "message": error.message}, status_code=400)
    kinds = [{"name": name, "title": game.title} for name, game in matches.games.items()]
    if query.phase == "finished":
        games, nxt, total = await matches.finished_page(query)
        return Response(orjson.dumps({"games": games, "next": nxt, "total": total,
                                      "kinds": kinds}), media_type="application/json")

    def page() -> bytes:
        hubs, nxt, total = matches.listing(query)
        return orjson.dumps({"games": [hub.summary() for hub in hubs], "next": nxt,
                             "total": total, "kinds": kinds})

    # the same page again, while no game it lists changed, is the same bytes
    version = matches.lobby_version if query.phase == "open" else matches.version
    return Response(runtime.api_answers.get(version, query, page),
                    media_type="application/json")


async def get_game(request: Request) -> JSONResponse:
    game_id = request.path_params["game_id"]
    try:
        match, game = await runtime_of(request).matches.stored_match(game_id)
    except NotFound:
        return _not_found(game_id)
    return JSONResponse(snapshot_view(match, game))


async def get_sgf(request: Request) -> Response:
    game_id = request.path_params["game_id"]
    runtime = runtime_of(request)
    try:
        match, game = await runtime.matches.stored_match(game_id)
    except NotFound:
        return _not_found(game_id)
    export = game.exports.get("sgf")
    if export is None:
        return JSONResponse({"code": "not_found",
                             "message": f"{match.game} games have no SGF record"},
                            status_code=404)
    info = ExportInfo({name: seat.name for name, seat in match.taken()},
                      match.created_at, await runtime.chats.stored_lines(match.id))
    media_type, record = export(match.state, info)
    return Response(record, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{match.id}.sgf"'})


async def healthz(request: Request) -> JSONResponse:
    runtime = runtime_of(request)
    persistence = health(runtime.driver)
    ok = persistence["healthy"]
    nodes = runtime.nodes
    return JSONResponse({"ok": ok, "node": runtime.node, "persistence": persistence,
                         "cluster": None if nodes is None else {"nodes": nodes.live()},
                         "games": len(runtime.matches.hubs),
                         "connections": runtime.metrics.connections},
                        status_code=200 if ok else 503)


async def list_nodes(request: Request) -> JSONResponse:
    """The live servers of this server's cluster (just this one when it is alone), for a
    client's reconnect list: `{"node", "nodes": [{"id", "url"}]}`."""
    runtime = runtime_of(request)
    live = runtime.nodes.live() if runtime.nodes is not None else {runtime.node: ""}
    # A page served by one node asks the others too (after a failover): public facts, any origin.
    return JSONResponse({"node": runtime.node,
                         "nodes": [{"id": n, "url": url} for n, url in sorted(live.items())]},
                        headers={"Access-Control-Allow-Origin": "*"})


def metrics_allowed(request: Request, settings: Settings) -> bool:
    """`--metrics`: "public", or "local" for loopback clients; the token always opens it."""
    token = settings.metrics_token
    if token:
        given = request.query_params.get("token", "")
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return True
    if settings.metrics == "public":
        return True
    if settings.metrics == "local" and request.client is not None:
        try:
            return ipaddress.ip_address(request.client.host).is_loopback
        except ValueError:
            return False
    return False


async def metrics(request: Request) -> Response:
    runtime = runtime_of(request)
    if not metrics_allowed(request, runtime.settings):
        return JSONResponse({"code": "not_found", "message": "no such page"}, status_code=404)
    delayer = runtime.engine.delayer_stats()
    extra = [
        ("gameserver_players", "Known identities.", float(len(runtime.identities))),
        ("gameserver_persistence_healthy", "1 when persistence keeps up.",
         1.0 if runtime.driver.healthy else 0.0),
        ("flowstate_delays_pending", "Delayed flows waiting to fire.", float(delayer.pending)),
        ("gameserver_cluster_nodes", "Live servers on this server's store (this one too).",
         float(len(runtime.nodes.live())) if runtime.nodes is not None else 1.0),
        *flush_figures(runtime.driver),
    ]
    runtime.metrics.commit_conflicts = runtime.matches.conflicts
    runtime.metrics.adopted = runtime.matches.adopted
    text = runtime.metrics.render(runtime.matches.count_by_phase(), extra)
    text += ("# HELP gameserver_node_info This server's name in its cluster.\n"
             "# TYPE gameserver_node_info gauge\n"
             f'gameserver_node_info{{node="{runtime.node}"}} 1\n')
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4")
