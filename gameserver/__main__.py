"""`python -m gameserver`: run the server with uvicorn."""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from collections.abc import Sequence

_MISSING = [name for name in ("starlette", "uvicorn", "websockets")
            if importlib.util.find_spec(name) is None]
if _MISSING:
    sys.exit(
        f"python -m gameserver needs the game server's dependencies ({', '.join(_MISSING)} "
        "missing): pip install 'flowstate-gameserver[gameserver]' (or run scripts/serve)"
    )

import uvicorn  # noqa: E402

from gameserver.games import AVAILABLE, UnknownGame, module_of  # noqa: E402
from gameserver.live.app import create_app  # noqa: E402
from gameserver.live.server import (  # noqa: E402
    configure_logging,
    listening_socket,
    uvicorn_config,
)
from gameserver.settings import Settings  # noqa: E402


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(prog="gameserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db", default="gameserver.sqlite3",
                        help="SQLite file the games are kept in (':memory:' keeps nothing), "
                             "or a driver URL: sqlite:///path, postgresql://user@host/db")
    parser.add_argument("--durability", choices=["default", "strict"], default="default",
                        help="default: write-behind snapshots; strict: a commit waits for disk")
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    parser.add_argument("--loop", default=Settings().loop, choices=["uvloop", "asyncio"])
    parser.add_argument("--admin-token", default="",
                        help="serve flowstate's UI for this server's engine, read-only, at "
                             "/admin/flowstate/?token=TOKEN (off when empty)")
    parser.add_argument("--games", type=_games, default=Settings().games,
                        help="the games to serve, comma-separated: names (default: all of "
                             f"{','.join(AVAILABLE)}) or modules' dotted paths")
    cluster = parser.add_argument_group(
        "cluster (several servers on one postgresql:// --db; see docs/cluster.md)")
    cluster.add_argument("--node-id", default="", type=_node_id,
                         help="this server's name in the cluster (default: random per start)")
    cluster.add_argument("--public-url", default="",
                         help="the address clients reach this server at, for the others' "
                              "reconnect lists (default: http://HOST:PORT)")
    cluster.add_argument("--node-heartbeat", type=float, default=Settings().node_heartbeat,
                         help="seconds between this server's heartbeats")
    cluster.add_argument("--node-timeout", type=float, default=Settings().node_timeout,
                         help="a server silent this long is taken for gone: its players are "
                              "disconnected and its bots move elsewhere")
    cluster.add_argument("--reuse-port", action="store_true",
                         help="let several processes on this machine listen on one port "
                              "(SO_REUSEPORT; the kernel spreads connections among them)")
    bots = parser.add_argument_group("bots")
    bots.add_argument("--bot", choices=["gnugo", "builtin"], default=Settings().bot,
                      help="who plays `create {opponent: \"bot\"}`: GNU Go (or --gtp-command; "
                           "the built-in bot when it is not installed) or the built-in bot")
    bots.add_argument("--bot-level", type=int, default=Settings().bot_level,
                      choices=range(1, 11), metavar="1-10", help="GNU Go's --level")
    bots.add_argument("--gtp-command", default="",
                      help="command line of any GTP engine to play instead of GNU Go, "
                           "e.g. \"/usr/games/gnugo --mode gtp --level 5\"")
    bots.add_argument("--bot-timeout", type=float, default=Settings().bot_timeout,
                      help="seconds a bot may think per move (less when its clock is short)")
    bots.add_argument("--bot-games", type=int, default=0,
                      help="keep this many bot-vs-bot games running (load tests)")
    bots.add_argument("--bot-games-size", type=int, default=Settings().bot_games_size,
                      help="board size of those games")
    bots.add_argument("--bot-workers", type=_count, default=1,
                      help="worker processes the built-in bot thinks in, off the event loop "
                           "(0: think on the event loop)")
    bots.add_argument("--bot-move-delay", type=float, default=0.0,
                      help="seconds a bot waits before each move (paces bot-vs-bot games)")
    limits = parser.add_argument_group("match limits (seconds; 0 turns a limit off)")
    limits.add_argument("--lobby-timeout", type=_limit, default=Settings().lobby_timeout,
                        help="cancel a game nobody joins after this long")
    limits.add_argument("--lobby-away", type=_limit, default=Settings().lobby_away,
                        help="take a waiting game out of the lobby while its creator has been "
                             "away this long (it is listed again when they are back)")
    limits.add_argument("--abandon-after", type=_limit, default=Settings().abandon_after,
                        help="a player of a game without a clock who stays disconnected this "
                             "long loses it by forfeit")
    limits.add_argument("--scoring-timeout", type=_limit, default=Settings().scoring_timeout,
                        help="score a scoring phase nobody finishes as marked after this long")
    d = Settings()
    caps = parser.add_argument_group(
        "hardening (docs/hardening.md; 0 turns a cap off; defaults an ordinary player never "
        "meets)")
    caps.add_argument("--identities-per-address", type=_count, default=d.identities_per_address,
                      help="new identities one address may make per hour")
    caps.add_argument("--max-identities", type=_count, default=d.max_identities,
                      help="identities the server holds in total")
    caps.add_argument("--open-games-per-address", type=_count, default=d.open_games_per_address,
                      help="games waiting for players created from one address")
    caps.add_argument("--games-per-address-per-minute", type=_seconds,
                      default=d.games_per_address_per_minute,
                      help="new games (bot games too) one address may create a minute, 10 at "
                           "once")
    caps.add_argument("--bot-games-per-address", type=_count, default=d.bot_games_per_address,
                      help="unfinished games against a bot created from one address at a time")
    caps.add_argument("--max-open-games", type=_count, default=d.max_open_games,
                      help="games waiting for players in total")
    caps.add_argument("--api-requests-per-second", type=_seconds,
                      default=d.api_requests_per_second,
                      help="GET /api/games... requests per second from one address (0: no "
                           "limit); beyond, 429 rate_limited")
    caps.add_argument("--api-request-burst", type=_seconds, default=d.api_request_burst,
                      help="how many of them may come at once")
    caps.add_argument("--lobby-page", type=_positive, default=d.lobby_page,
                      help="open games in the lobby frame (the rest: GET /api/games?cursor=)")
    caps.add_argument("--page-max", type=_positive, default=d.page_max,
                      help="the largest limit GET /api/games takes")
    caps.add_argument("--finished-grace", type=_seconds, default=d.finished_grace,
                      help="seconds a finished game stays in memory before it is served from "
                           "storage")
    caps.add_argument("--max-connections", type=_count, default=d.max_connections,
                      help="open TCP connections in total (503 beyond)")
    caps.add_argument("--connections-per-address", type=_count,
                      default=d.connections_per_address,
                      help="open TCP connections from one address (503 beyond)")
    caps.add_argument("--connections-per-address-per-second", type=_seconds,
                      default=d.connections_per_address_per_second,
                      help="new TCP connections per second from one address, bursts of four "
                           "seconds' worth (503 beyond)")
    caps.add_argument("--http-head-timeout", type=_seconds, default=d.http_head_timeout,
                      help="seconds an HTTP request head or websocket upgrade may take to "
                           "arrive (0: forever)")
    caps.add_argument("--max-head-bytes", type=_count, default=d.max_head_bytes,
                      help="bytes a connection's first HTTP request head may have (431 beyond; "
                           "0: no cap)")
    caps.add_argument("--max-head-reads", type=_count, default=d.max_head_reads,
                      help="pieces a connection's first HTTP request head may arrive in (431 "
                           "beyond: a trickle of header lines; 0: no cap)")
    caps.add_argument("--ws-hello-timeout", type=_seconds, default=d.ws_hello_timeout,
                      help="seconds a new websocket has to say hello before it is closed "
                           "(0: forever)")
    caps.add_argument("--http-keep-alive", type=_seconds, default=d.http_keep_alive,
                      help="seconds an idle HTTP connection is kept open")
    caps.add_argument("--flood-cooldown", type=_seconds, default=d.flood_cooldown,
                      help="seconds an address whose socket was closed for flooding may not "
                           "connect again")
    caps.add_argument("--no-address-limits", action="store_true",
                      help="turn every per-address limit off (load tests from one address; "
                           "behind a proxy that limits per client itself)")
    caps.add_argument("--metrics", choices=["local", "public", "off"], default=d.metrics,
                      help="who may read /metrics: loopback clients, anyone, or nobody "
                           "(a request with --metrics-token always may)")
    caps.add_argument("--metrics-token", default="",
                      help="/metrics answers requests carrying it (Authorization: Bearer "
                           "TOKEN, or ?token=TOKEN) from anywhere")
    caps.add_argument("--allowed-origins", type=_origins, default=d.allowed_origins,
                      help="comma-separated origins (https://host[:port]) a browser's "
                           "websocket may come from (default: any)")
    caps.add_argument("--csp", default=d.csp,
                      help="the Content-Security-Policy header of every HTTP answer "
                           "('' for none)")
    ns = parser.parse_args(argv)
    settings = Settings(
        host=ns.host, port=ns.port, db=ns.db, durability=ns.durability, log_level=ns.log_level,
        loop=ns.loop, games=ns.games, tune_gc=True, bot=ns.bot, bot_level=ns.bot_level,
        gtp_command=ns.gtp_command, bot_timeout=ns.bot_timeout, bot_games=ns.bot_games,
        bot_games_size=ns.bot_games_size, bot_move_delay=ns.bot_move_delay,
        bot_workers=ns.bot_workers,
        lobby_timeout=ns.lobby_timeout, lobby_away=ns.lobby_away,
        abandon_after=ns.abandon_after,
        scoring_timeout=ns.scoring_timeout, node_id=ns.node_id, public_url=ns.public_url,
        reuse_port=ns.reuse_port, node_heartbeat=ns.node_heartbeat,
        node_timeout=ns.node_timeout, admin_token=ns.admin_token,
        identities_per_address=ns.identities_per_address, max_identities=ns.max_identities,
        open_games_per_address=ns.open_games_per_address, max_open_games=ns.max_open_games,
        games_per_address_per_minute=ns.games_per_address_per_minute,
        bot_games_per_address=ns.bot_games_per_address,
        lobby_page=ns.lobby_page, page_max=ns.page_max, finished_grace=ns.finished_grace,
        max_connections=ns.max_connections, connections_per_address=ns.connections_per_address,
        connections_per_address_per_second=ns.connections_per_address_per_second,
        http_head_timeout=ns.http_head_timeout, http_keep_alive=ns.http_keep_alive,
        max_head_bytes=ns.max_head_bytes, max_head_reads=ns.max_head_reads,
        ws_hello_timeout=ns.ws_hello_timeout,
        metrics=ns.metrics, metrics_token=ns.metrics_token, allowed_origins=ns.allowed_origins,
        csp=ns.csp, flood_cooldown=ns.flood_cooldown,
        api_requests_per_second=ns.api_requests_per_second,
        api_request_burst=ns.api_request_burst,
    )
    return settings.without_address_limits() if ns.no_address_limits else settings


def _node_id(text: str) -> str:
    if text and not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", text):
        raise argparse.ArgumentTypeError(f"{text!r}: a node id is 1-64 letters, digits, _ . -")
    return text


def _games(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = []
    for name in names:
        try:
            module_of(name)
        except (UnknownGame, ImportError):
            unknown.append(name)
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the games are {', '.join(AVAILABLE)} (or an importable module's dotted "
            "path with make_game, e.g. examples.rps.game)")
    return names


def _limit(text: str) -> float | None:
    seconds = float(text)
    if not seconds >= 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds >= 0")
    return seconds or None


def _origins(text: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())
    bad = [o for o in origins if not re.fullmatch(r"https?://[^/\s]+", o)]
    if bad:
        raise argparse.ArgumentTypeError(f"{', '.join(bad)}: an origin is "
                                         "http(s)://host[:port]")
    return origins


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return n


def _positive(text: str) -> int:
    n = _count(text)
    if n == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return n


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds >= 0")
    return seconds


def main(argv: Sequence[str] | None = None) -> None:
    settings = parse_args(argv)
    configure_logging(settings.log_level)
    server = uvicorn.Server(uvicorn_config(create_app(settings), settings))
    if settings.reuse_port:
        server.run(sockets=[listening_socket(settings.host, settings.port, reuse_port=True)])
    else:
        server.run()


if __name__ == "__main__":
    main()
