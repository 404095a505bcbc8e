"""Server settings: one frozen value built from the command line or by tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from gameserver.games import AVAILABLE

#: connect-src allows other origins: the client fails over to the other servers of a cluster
DEFAULT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self' ws: wss: http: https:; object-src 'none'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    db: str = "gameserver.sqlite3"  # ":memory:" keeps nothing on disk
    durability: str = "default"  # "default" (write-behind) | "strict" (group commit)
    log_level: str = "info"
    #: state versions the engine keeps besides each latest one. The server reads only latest
    #: versions (a game's record holds the whole game); the older ones serve the admin view's
    #: history. Each costs memory (a game version carries its record) and the collector's
    #: time: at 1,000 moves/s, 10,000 versions are the last ten seconds or so
    history_limit: int = 10_000
    web_dir: str = str(WEB_DIR)

    # websocket limits
    max_frame_bytes: int = 64 * 1024
    messages_per_second: float = 20.0
    message_burst: float = 60.0
    flood_strikes: int = 20  # refused messages in a row before the socket is closed (1008)
    #: seconds an address whose socket was closed for flooding may not connect again
    flood_cooldown: float = 10.0
    #: unsent output a socket may pile up before it is cut off as a client that stopped reading
    send_buffer_bytes: int = 512 * 1024
    inbox_messages: int = 64  # requests waiting for a socket's task before reading pauses
    ws_ping_interval: float = 20.0  # seconds of silence before a keepalive ping (0: never)
    ws_ping_timeout: float = 20.0  # seconds a ping may wait for its pong before a drop
    #: seconds a new socket has to say hello before it is closed (1008; 0: forever)
    ws_hello_timeout: float = 30.0
    max_chat_length: int = 500
    max_name_length: int = 32
    max_open_games_per_player: int = 10

    # caps against floods (docs/hardening.md); an ordinary player never meets them
    identities_per_address: int = 50  # new identities one address may make per hour
    max_identities: int = 1_000_000  # identities the server holds in total
    open_games_per_address: int = 50  # waiting games created from one address at a time
    max_open_games: int = 5_000  # waiting games in total
    #: new games (bot games too) one address may create a minute (10 at once)
    games_per_address_per_minute: float = 30.0
    #: unfinished games against a bot created from one address at a time: the bot's search
    #: and the moves it answers are the server's own work, shared by everyone
    bot_games_per_address: int = 3
    #: GET /api/games* requests per second per address (bursts of api_request_burst)
    api_requests_per_second: float = 10.0
    api_request_burst: float = 40.0
    lobby_page: int = 100  # games in a `lobby` frame (the rest: GET /api/games?cursor=)
    page_max: int = 200  # the largest `limit` GET /api/games takes (default 50)
    #: seconds a finished game stays in memory (then it is served from storage)
    finished_grace: float = 60.0
    max_connections: int = 10_000  # open TCP connections (HTTP and websocket) in total
    connections_per_address: int = 256  # open TCP connections from one address
    #: new TCP connections per second from one address (bursts of four seconds' worth)
    connections_per_address_per_second: float = 20.0
    #: seconds an HTTP request head (a websocket upgrade too) may take to arrive (0: forever)
    http_head_timeout: float = 10.0
    #: a connection's first request head: at most this many bytes, arriving in at most this
    #: many pieces (a real client writes its head at once); beyond, 431 (0: no cap)
    max_head_bytes: int = 65_536
    max_head_reads: int = 32
    http_keep_alive: float = 5.0  # seconds an idle HTTP connection is kept open
    #: who may read /metrics: "local" (loopback clients), "public" (anyone), "off"; a
    #: request carrying `metrics_token` (Authorization: Bearer, or ?token=) always may
    metrics: str = "local"
    metrics_token: str = ""
    #: origins a browser's websocket upgrade may come from (empty: any); requests without an
    #: Origin header (not from a browser) are not affected
    allowed_origins: tuple[str, ...] = ()
    csp: str = DEFAULT_CSP  # the Content-Security-Policy of every HTTP answer ("" : none)
    update_history: int = 64  # updates kept per game for `watch since_rev`

    # a cluster (several servers on one PostgreSQL database; see docs/cluster.md)
    node_id: str = ""  # this server's name among them (default: a random one per start)
    public_url: str = ""  # how clients reach this server (default: http://host:port)
    node_heartbeat: float = 2.0  # seconds between heartbeats
    node_timeout: float = 6.0  # a node silent this long is lost: its players disconnect
    reuse_port: bool = False  # several processes may listen on one port (SO_REUSEPORT)

    quick_match_timeout: float = 600.0  # seconds a quick match waits for a partner

    #: the games served, by name (see gameserver.games.AVAILABLE)
    games: tuple[str, ...] = tuple(AVAILABLE)

    # match limits in seconds (None: no limit); see docs/clocks.md
    lobby_timeout: float | None = 3600.0  # a game nobody joins is cancelled
    #: a waiting game whose creator's last socket left this long ago leaves the lobby
    lobby_away: float | None = 30.0
    abandon_after: float | None = 600.0  # a game with no clock whose player stays away
    scoring_timeout: float | None = 600.0  # a scoring phase nobody finishes is scored as marked

    # bots (`create {opponent: "bot"}`; see docs/bots.md)
    bot: str = "gnugo"  # "gnugo" (the GTP engine below; built-in when missing) | "builtin"
    bot_level: int = 1  # GNU Go --level (1-10)
    gtp_command: str = ""  # any GTP engine's command line, instead of GNU Go
    bot_timeout: float = 10.0  # seconds a bot may think per move (less when its clock says so)
    bot_games: int = 0  # keep this many bot-vs-bot games running (load tests)
    bot_games_size: int = 9  # their board size
    bot_move_delay: float = 0.0  # seconds a bot waits before each move (pacing load tests)
    #: worker processes the built-in bot thinks in, off the event loop (0: on the loop, for
    #: tests on a fake clock; python -m gameserver uses 1)
    bot_workers: int = 0

    # process: freeze startup objects and raise GC thresholds (python -m gameserver does)
    tune_gc: bool = False

    # flowstate's UI (read-only) under /admin/flowstate for requests carrying this token
    admin_token: str = ""

    # uvicorn (websockets are served by gameserver.live.connection, not by a uvicorn backend)
    loop: str = "uvloop"
    http: str = "httptools"

    def without_address_limits(self) -> Settings:
        """These settings with every per-address limit off: for load tests whose thousands of
        clients all come from one address, and for a server behind a proxy that limits per
        client itself (every client then has the proxy's address)."""
        return replace(self, identities_per_address=0, open_games_per_address=0,
                       games_per_address_per_minute=0.0, bot_games_per_address=0,
                       connections_per_address=0,
                       connections_per_address_per_second=0.0, api_requests_per_second=0.0,
                       flood_cooldown=0.0)
