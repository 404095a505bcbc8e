"""The lobby: sockets that want to see open games appear, fill and end, live.

It observes committed changes (`Matches.observers`): a change of a game that is or was waiting
becomes one `lobby_update` or `lobby_remove` frame, encoded once for every subscriber.
"""

from __future__ import annotations

from gameserver.core.plan import Plan
from gameserver.live.connection import Connection
from gameserver.live.matches import Hub, listed
from gameserver.wire import frames


class Lobby:
    def __init__(self) -> None:
        self.subscribers: set[Connection] = set()

    def subscribe(self, conn: Connection, lobby: bytes) -> None:
        """`lobby` is the `lobby` frame (`frames.lobby`): the first page of the open games,
        their total and the cursor of the rest (`GET /api/games?phase=open&cursor=...`)."""
        self.subscribers.add(conn)
        conn.lobby = True
        conn.send(lobby)

    def unsubscribe(self, conn: Connection) -> None:
        self.subscribers.discard(conn)
        conn.lobby = False

    def observe(self, hub: Hub, outcome: Plan, t0: float) -> None:
        """A committed change: tell the subscribers if it changed the lobby."""
        if not outcome.lobby:
            return
        if listed(hub):
            hub.in_lobby = True
            self._send(frames.lobby_update(hub.summary()))
        elif hub.in_lobby:
            hub.in_lobby = False
            self._send(frames.lobby_remove(hub.match.id))

    def _send(self, data: bytes) -> None:
        for conn in self.subscribers:
            conn.send(data)
