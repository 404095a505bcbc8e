"""The `/ws` endpoint: accept, read frames under the limits, decode, dispatch, reply."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from itertools import count

import orjson
from starlette.websockets import WebSocket

from gameserver.live.connection import CLOSE_POLICY, CLOSE_TOO_BIG, Connection
from gameserver.live.lobby import Lobby
from gameserver.live.matches import Matches
from gameserver.live.metrics import Metrics
from gameserver.live.session import Session
from gameserver.settings import Settings
from gameserver.wire.errors import BadRequest, Internal, ProtocolError, RateLimited
from gameserver.wire.requests import decode, peek_request_id

log = logging.getLogger("gameserver.live.sockets")


class SocketServer:
    """Everything one app needs to serve sockets; `endpoint` is the starlette route."""

    def __init__(self, settings: Settings, session: Session, matches: Matches, lobby: Lobby,
                 metrics: Metrics, now: Callable[[], float]) -> None:
        self._settings = settings
        self._session = session
        self._matches = matches
        self._lobby = lobby
        self._metrics = metrics
        self._now = now
        self._ids = count(1)
        self.connections: set[Connection] = set()

    async def endpoint(self, ws: WebSocket) -> None:
        await ws.accept()
        conn = Connection(ws, next(self._ids), self._settings, self._metrics, self._now())
        self.connections.add(conn)
        self._metrics.connections += 1
        self._metrics.connections_total += 1
        try:
            await conn.run(lambda conn: self._read(ws, conn))
        finally:
            self.connections.discard(conn)
            self._metrics.connections -= 1
            self._lobby.unsubscribe(conn)
            await self._matches.connection_closed(conn)

    async def _read(self, ws: WebSocket, conn: Connection) -> None:
        settings = self._settings
        metrics = self._metrics
        handle = self._session.handle
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                data = message.get("bytes") or b""
                if len(data) > settings.max_frame_bytes:
                    self._abuse(conn, CLOSE_TOO_BIG, "frame too big")
                    return
                self._error(conn, BadRequest("frames must be text frames holding JSON"))
                continue
            if len(text) > settings.max_frame_bytes or (
                    len(text) * 4 > settings.max_frame_bytes
                    and len(text.encode()) > settings.max_frame_bytes):
                self._abuse(conn, CLOSE_TOO_BIG,
                            f"frame too big (the limit is {settings.max_frame_bytes} bytes)")
                return
            metrics.messages_in += 1
            if not conn.bucket.take(self._now()):
                conn.refused += 1
                if conn.refused >= settings.flood_strikes:
                    self._abuse(conn, CLOSE_POLICY, "flood: too many messages per second")
                    return
                self._error(conn, RateLimited(
                    f"too many messages: at most {settings.messages_per_second:g} per second"
                ).with_id(peek_request_id(text)))
                continue
            conn.refused = 0
            t0 = time.perf_counter()
            try:
                cmd = decode(text)
            except ProtocolError as error:
                self._error(conn, error)
                continue
            try:
                result = await handle(conn, cmd, t0)
            except ProtocolError as error:
                self._error(conn, error.with_id(cmd.id))
                continue
            except Exception:
                log.exception("internal error on connection %d", conn.id)
                failure = Internal("the server failed to handle this message")
                self._error(conn, failure.with_id(cmd.id))
                continue
            if result is not None and cmd.id is not None:
                result["type"] = "ok"
                result["id"] = cmd.id
                conn.send(orjson.dumps(result).decode())

    def _error(self, conn: Connection, error: ProtocolError) -> None:
        self._metrics.errors_out += 1
        conn.send(orjson.dumps(error.to_wire()).decode())

    def _abuse(self, conn: Connection, code: int, reason: str) -> None:
        self._metrics.abuse_closes += 1
        log.info("closing connection %d: %s", conn.id, reason)
        conn.close(code, reason)
