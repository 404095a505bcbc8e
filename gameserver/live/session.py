"""What each client message does: one handler per command type, given the connection.

A handler returns the `ok` result fields (sent only when the request carried an `id`) or raises
a `ProtocolError`. A match change publishes its own push (`Matches`); the other frames a
request implies (welcome, pong, snapshots, the lobby, chat) are encoded by
`gameserver.wire.frames` and written to the sockets here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from gameserver.live.chats import Chats
from gameserver.live.connection import Connection
from gameserver.live.identity import Identities, Player
from gameserver.live.listing import Answers, Query
from gameserver.live.lobby import Lobby
from gameserver.live.matches import Matches
from gameserver.live.quickmatch import QuickMatch
from gameserver.live.text import clean_chat
from gameserver.settings import Settings
from gameserver.wire import frames
from gameserver.wire import requests as c
from gameserver.wire.errors import BadRequest, Unauthorized

Result = dict[str, Any] | None
Handler = Callable[[Connection, Any, float], Awaitable[Result]]


class Session:
    """The command handlers, shared by every connection of one app."""

    def __init__(self, settings: Settings, identities: Identities, matches: Matches,
                 lobby: Lobby, chats: Chats, quick: QuickMatch,
                 now: Callable[[], float]) -> None:
        self._settings = settings
        self._chats = chats
        self._quick = quick
        self._identities = identities
        self._matches = matches
        self._lobby = lobby
        self._now = now
        self._lobby_frames = Answers(kept=4)
        self.handlers: dict[type[Any], Handler] = {
            c.Hello: self.hello,
            c.Ping: self.ping,
            c.LobbySubscribe: self.lobby_subscribe,
            c.LobbyUnsubscribe: self.lobby_unsubscribe,
            c.Create: self.create,
            c.Join: self.join,
            c.Watch: self.watch,
            c.Unwatch: self.unwatch,
            c.Chat: self.chat,
            c.Act: self.act,
            c.Query: self.query,
            c.Rematch: self.rematch,
            c.QuickMatch: self.quick_match,
            c.QuickMatchCancel: self.quick_match_cancel,
            c.RematchReply: self.rematch_reply,
        }

    async def handle(self, conn: Connection, cmd: c.Command, t0: float) -> Result:
        if conn.player is None and type(cmd) not in (c.Hello, c.Ping):
            raise Unauthorized("say hello first")
        return await self.handlers[type(cmd)](conn, cmd, t0)

    @staticmethod
    def player(conn: Connection) -> Player:
        assert conn.player is not None
        return conn.player

    async def hello(self, conn: Connection, cmd: c.Hello, t0: float) -> Result:
        if conn.player is not None:
            raise BadRequest("this connection already said hello")
        player, token = await self._identities.hello(cmd.token, cmd.name, conn.peer)
        conn.player = player
        conn.send(frames.welcome(cmd.id, player.id, player.name, token))
        await self._matches.player_online(conn, player)
        waiting = self._quick.status(player.id)
        if waiting is not None:
            conn.send(frames.quick_match(waiting))
        return None  # `welcome` is the reply

    async def ping(self, conn: Connection, cmd: c.Ping, t0: float) -> Result:
        conn.send(frames.pong(cmd.id, cmd.t, self._now()))
        return None  # `pong` is the reply

    async def lobby_subscribe(self, conn: Connection, cmd: c.LobbySubscribe, t0: float) -> Result:
        page = self._settings.lobby_page

        def frame() -> bytes:
            hubs, nxt, total = self._matches.listing(Query("open", None, page, None))
            return frames.lobby([hub.summary() for hub in hubs], total, nxt)

        # one encoding while the open games stay as they are, however many subscribe
        self._lobby.subscribe(conn, self._lobby_frames.get(self._matches.lobby_version, page,
                                                           frame))
        return {}

    async def lobby_unsubscribe(self, conn: Connection, cmd: c.LobbyUnsubscribe,
                                t0: float) -> Result:
        self._lobby.unsubscribe(conn)
        return {}

    async def create(self, conn: Connection, cmd: c.Create, t0: float) -> Result:
        hub = await self._matches.create(self.player(conn), cmd, conn)
        seat = hub.match.seat_of(self.player(conn).id)
        return {"game_id": hub.match.id, "seat": seat, "color": seat}

    async def join(self, conn: Connection, cmd: c.Join, t0: float) -> Result:
        hub = await self._matches.join(self.player(conn), cmd.game_id, conn, cmd.seat)
        seat = hub.match.seat_of(self.player(conn).id)
        return {"game_id": hub.match.id, "seat": seat, "color": seat}

    async def watch(self, conn: Connection, cmd: c.Watch, t0: float) -> Result:
        await self._matches.watch(conn, cmd.game_id, cmd.since_rev)
        return {"game_id": cmd.game_id}

    async def unwatch(self, conn: Connection, cmd: c.Unwatch, t0: float) -> Result:
        self._matches.unwatch(conn, cmd.game_id)
        return {"game_id": cmd.game_id}

    async def quick_match(self, conn: Connection, cmd: c.QuickMatch, t0: float) -> Result:
        return await self._quick.ask(self.player(conn), cmd.game, cmd.options)

    async def quick_match_cancel(self, conn: Connection, cmd: c.QuickMatchCancel,
                                 t0: float) -> Result:
        return await self._quick.cancel(self.player(conn))

    async def rematch(self, conn: Connection, cmd: c.Rematch, t0: float) -> Result:
        hub = await self._matches.rematch(self.player(conn), cmd.game_id, conn)
        seat = hub.match.seat_of(self.player(conn).id)
        return {"game_id": hub.match.id, "seat": seat, "color": seat}

    async def rematch_reply(self, conn: Connection, cmd: c.RematchReply, t0: float) -> Result:
        hub = await self._matches.rematch_reply(self.player(conn), cmd.game_id, cmd.accept,
                                                conn)
        seat = hub.match.seat_of(self.player(conn).id)
        return {"game_id": hub.match.id, "seat": seat, "color": seat}

    async def query(self, conn: Connection, cmd: c.Query, t0: float) -> Result:
        hub = await self._matches.find(cmd.game_id)
        answer = hub.game.queries.get(cmd.name)
        if answer is None:
            raise BadRequest(f"{hub.match.game} games answer no query {cmd.name!r}")
        return {"game_id": cmd.game_id, "name": cmd.name, "result": answer(hub.match.state)}

    async def act(self, conn: Connection, cmd: c.Act, t0: float) -> Result:
        hub = await self._matches.command(self.player(conn), cmd, t0)
        return {"game_id": cmd.game_id, "rev": hub.match.rev}

    async def chat(self, conn: Connection, cmd: c.Chat, t0: float) -> Result:
        self._matches.check_store()
        hub = await self._matches.find(cmd.game_id)
        text = clean_chat(cmd.text)
        if not text:
            raise BadRequest("the chat message is empty")
        if len(text) > self._settings.max_chat_length:
            raise BadRequest(f"chat messages are at most {self._settings.max_chat_length} "
                             "characters")
        if any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in text):
            raise BadRequest("chat messages may not hold control characters")
        player = self.player(conn)
        await self._chats.say(hub.match.id, player.id, player.name, text, self._now(),
                              hub.game.moves(hub.match.state))
        if conn not in hub.watchers:
            conn.send(frames.chat(cmd.game_id, player.id, player.name, text, self._now()))
        return {}
