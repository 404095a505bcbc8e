"""The `/ws` endpoint: accept sockets, judge every frame under the limits, run the requests.

uvicorn parses each HTTP request; an upgrade to websocket is handed to the protocol class
`protocol_class(app)` gives it (uvicorn's `ws=` setting takes an asyncio protocol class), which
is a `gameserver.live.connection.Connection` bound to this app's `SocketServer`. So the
websocket path skips ASGI and starlette: frames arrive as bytes and leave as the bytes the
encoder made (`gameserver.wire.frames`), and the server sees what ASGI hides (ping frames, the
transport's unsent output). HTTP stays on starlette.

Per socket: the protocol core enforces the frame size (1009) as data arrives; complete
messages wait in the connection's inbox for its one task, which judges them in order (the rate
limit: a refused message gets `rate_limited`, and `flood_strikes` refusals in a row close the
socket with 1008; a ping frame costs a message too; text that is not UTF-8 closes with 1007),
decodes and handles them, and replies. That task is the command's own: the match change it
makes is committed and published from it.

Every connection task, and the keepalive task that pings quiet sockets and drops those that do
not answer, live in the `running()` task group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from itertools import count
from typing import Any, cast

from websockets.http11 import Request, Response

from flowstate import Clock, PersistenceError, RealClock
from gameserver.live.connection import (
    CLOSE_INVALID_DATA,
    CLOSE_POLICY,
    CLOSE_RESTART,
    Connection,
)
from gameserver.live.gate import Gate
from gameserver.live.lobby import Lobby
from gameserver.live.matches import Matches
from gameserver.live.metrics import Metrics
from gameserver.live.ratelimit import TokenBucket
from gameserver.live.session import Session
from gameserver.settings import Settings
from gameserver.wire import frames
from gameserver.wire.errors import (
    BadRequest,
    Internal,
    ProtocolError,
    RateLimited,
    Unavailable,
)
from gameserver.wire.requests import LobbySubscribe, decode, peek_request_id

log = logging.getLogger("gameserver.sockets")

WS_PATH = "/ws"
#: requests that cost more of the rate limit than one message (beyond the one they cost):
#: a lobby page is a big frame, so a socket may ask for it a few times a second at most
EXTRA_COST: dict[type[Any], tuple[str, float]] = {LobbySubscribe: ("lobby_subscribe", 4.0)}


class SocketServer:
    """Everything one app needs to serve sockets."""

    def __init__(self, settings: Settings, session: Session, matches: Matches, lobby: Lobby,
                 metrics: Metrics, clock: Clock, net_clock: Clock | None = None) -> None:
        self._settings = settings
        self._session = session
        self._matches = matches
        self._lobby = lobby
        self._metrics = metrics
        self._clock = clock
        #: the keepalive's clock: the transport's time, apart from the game clock
        self._net_clock = net_clock or RealClock()
        self._ids = count(1)
        self._tg: asyncio.TaskGroup | None = None
        self.connections: set[Connection] = set()
        #: admission of every TCP connection (caps, request-head deadline)
        self.gate = Gate(max_connections=settings.max_connections,
                         per_address=settings.connections_per_address,
                         head_timeout=settings.http_head_timeout, now=self._net_clock.now,
                         per_second=settings.connections_per_address_per_second,
                         max_head_bytes=settings.max_head_bytes,
                         max_head_reads=settings.max_head_reads)
        self.send_buffer_bytes = settings.send_buffer_bytes
        self.inbox_messages = settings.inbox_messages
        self.now = clock.now

    # -- the connection's callbacks ----------------------------------------------------------

    def connect(self) -> Connection:
        """A new upgraded socket (uvicorn builds the protocol through this)."""
        return Connection(self, next(self._ids), self._settings.max_frame_bytes)

    def handshake(self, conn: Connection, request: Request, response: Response,
                  reject: Callable[[int, str], Response]) -> Response:
        """The answer to an upgrade request: websockets' own (101, or an error for a bad
        handshake), or 404 for another path, or 503 while the server is not serving."""
        if response.status_code != 101:
            return response
        path = request.path.partition("?")[0]
        if path != WS_PATH:
            return reject(404, f"no websocket endpoint at {path}; it is {WS_PATH}\n")
        allowed = self._settings.allowed_origins
        origin = request.headers.get("Origin")
        if allowed and origin is not None and origin not in allowed:
            self._metrics.abuse_closes += 1
            return reject(403, f"websocket upgrades from {origin} are not allowed here\n")
        if self._tg is None:
            return reject(503, "the server is starting or stopping\n")
        return response

    def opened(self, conn: Connection) -> None:
        settings = self._settings
        conn.bucket = TokenBucket.full(settings.messages_per_second, settings.message_burst,
                                       self._clock.now())
        conn.last_seen = conn.opened_at = self._net_clock.now()
        self.connections.add(conn)
        self._metrics.connections += 1
        self._metrics.connections_total += 1
        tg = self._tg
        assert tg is not None
        tg.create_task(self._serve(conn), name=f"ws-{conn.id}")

    def of_player(self, player_id: str) -> list[Connection]:
        """This player's open sockets on this server."""
        return [conn for conn in self.connections
                if conn.player is not None and conn.player.id == player_id and not conn.closed]

    def net_now(self) -> float:
        return self._net_clock.now()

    def control(self, conn: Connection) -> None:
        """A ping frame from the peer: it is answered, and it costs a message."""
        conn.last_seen = self._net_clock.now()
        self._allowed(conn)

    def _allowed(self, conn: Connection) -> bool:
        bucket = conn.bucket
        if bucket is None or bucket.take(self._clock.now()):
            conn.refused = 0
            return True
        conn.refused += 1
        if conn.refused >= self._settings.flood_strikes and not conn.closed:
            self._abuse(conn, CLOSE_POLICY, "flood: too many messages per second")
            conn.stop_reading()
            cooldown = self._settings.flood_cooldown
            if cooldown:
                self.gate.ban(conn.peer, self._net_clock.now() + cooldown)
        return False

    def lost(self, conn: Connection) -> None:
        """The transport is gone (the connection's task finishes the clean-up); its place at
        the gate is free (an upgraded connection was admitted there as HTTP)."""
        self.gate.release(conn.peer)

    def slow_consumer(self, conn: Connection) -> None:
        self._metrics.slow_consumers_cut += 1
        log.info("connection %d cut off: it left more than %d bytes unread", conn.id,
                 self.send_buffer_bytes)

    # -- running -------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[SocketServer]:
        """Serve sockets until the block ends; then close every socket (1012: the server is
        restarting) and wait for their tasks to finish their clean-up."""
        async with asyncio.TaskGroup() as tg:
            self._tg = tg
            keepalive = tg.create_task(self._keepalive(), name="ws-keepalive")
            heads = tg.create_task(self.gate.run(self._net_clock), name="http-head-deadlines")
            hellos = tg.create_task(self._hello_deadline(), name="ws-hello-deadline")
            try:
                yield self
            finally:
                self._tg = None
                keepalive.cancel()
                heads.cancel()
                hellos.cancel()
                self.gate.close_pending()
                for conn in list(self.connections):
                    conn.close(CLOSE_RESTART, "the server is restarting")

    async def _serve(self, conn: Connection) -> None:
        try:
            while (message := await conn.next_message()) is not None:
                conn.cork()
                try:
                    await self._request(conn, *message)
                finally:
                    conn.uncork()
        except Exception:  # one connection's failure must not stop the others
            log.exception("connection %d failed", conn.id)
            conn.abort()
        finally:
            self.connections.discard(conn)
            self._metrics.connections -= 1
            self._lobby.unsubscribe(conn)
            try:
                await self._matches.connection_closed(conn)
            except Exception:
                log.exception("clean-up of connection %d failed", conn.id)

    async def _request(self, conn: Connection, data: bytes, text: bool) -> None:
        """Judge one message (rate limit, frame type), decode it, handle it, reply."""
        t0 = time.perf_counter()
        self._metrics.messages_in += 1
        if not self._allowed(conn):
            if not conn.closed:
                self._error(conn, RateLimited(
                    f"too many messages: at most {self._settings.messages_per_second:g} per "
                    "second").with_id(peek_request_id(data)))
            return
        if not text:
            self._error(conn, BadRequest("frames must be text frames holding JSON"))
            return
        try:
            cmd = decode(data)
        except ProtocolError as error:
            if not _utf8(data):
                self._abuse(conn, CLOSE_INVALID_DATA, "text frames must hold UTF-8")
                return
            self._error(conn, error)
            return
        costly = EXTRA_COST.get(type(cmd))
        if costly is not None and conn.bucket is not None and \
                not conn.bucket.take(self._clock.now(), costly[1]):
            self._error(conn, RateLimited(f"{costly[0]} costs {costly[1] + 1:g} messages of "
                                          "the rate limit; wait a moment").with_id(cmd.id))
            return
        try:
            result = await self._session.handle(conn, cmd, t0)
        except ProtocolError as error:
            self._error(conn, error.with_id(cmd.id))
            return
        except PersistenceError:  # a write that waited for the disk, and the disk failed
            log.warning("connection %d: the store failed to write", conn.id, exc_info=True)
            self._error(conn, Unavailable("the server could not save this change (its store "
                                          "is failing to write); try again in a moment")
                        .with_id(cmd.id))
            return
        except Exception:
            log.exception("internal error on connection %d", conn.id)
            self._error(conn, Internal("the server failed to handle this message")
                        .with_id(cmd.id))
            return
        if result is not None and cmd.id is not None:
            conn.send(frames.ok(cmd.id, result))

    async def _keepalive(self) -> None:
        """Ping sockets that have been quiet for `ws_ping_interval`; drop those whose pong has
        not come within `ws_ping_timeout`."""
        interval = self._settings.ws_ping_interval
        timeout = self._settings.ws_ping_timeout
        if not interval:
            return
        clock = self._net_clock
        payload = count()
        while True:
            await clock.sleep_until(clock.now() + interval / 2)
            now = clock.now()
            for conn in list(self.connections):
                sent = conn.ping_sent
                if sent is not None:
                    if timeout and now - sent >= timeout:
                        log.info("connection %d dropped: no pong in %g s", conn.id, timeout)
                        conn.abort()
                elif now - conn.last_seen >= interval:
                    conn.ping(str(next(payload)).encode(), now)

    async def _hello_deadline(self) -> None:
        """Close sockets that have not said hello within `ws_hello_timeout` of opening: an
        open socket that never identifies itself only holds a place."""
        timeout = self._settings.ws_hello_timeout
        if not timeout:
            return
        clock = self._net_clock
        every = min(1.0, timeout / 4)
        while True:
            await clock.sleep_until(clock.now() + every)
            now = clock.now()
            for conn in list(self.connections):
                if conn.player is None and not conn.closed and now - conn.opened_at >= timeout:
                    self._abuse(conn, CLOSE_POLICY, f"say hello within {timeout:g} s")

    def _error(self, conn: Connection, error: ProtocolError) -> None:
        self._metrics.errors_out += 1
        conn.send(frames.error(error))

    def _abuse(self, conn: Connection, code: int, reason: str) -> None:
        self._metrics.abuse_closes += 1
        log.info("closing connection %d: %s", conn.id, reason)
        conn.close(code, reason)


def protocol_factory(sockets: Callable[[], SocketServer | None]) -> type[asyncio.Protocol]:
    """What to give uvicorn's `ws=` setting: uvicorn calls it, with keyword arguments of its
    own (its config and server state, not needed here), for every upgrade request, then hands
    the protocol the transport and the request. Each socket becomes a `Connection` of the
    `SocketServer` that `sockets()` returns (the running app's)."""

    def build(**_uvicorn: Any) -> asyncio.Protocol:
        server = sockets()
        return _Refuse() if server is None else server.connect()

    return cast("type[asyncio.Protocol]", build)


class _Refuse(asyncio.Protocol):
    """An upgrade that arrives while no app runs: 503."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)
        transport.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                        b"Connection: close\r\n\r\n")
        transport.close()


def _utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True
