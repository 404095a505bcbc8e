"""The lobby: sockets that want to see open games appear, fill and end, live."""

from __future__ import annotations

from typing import Any

import orjson

from gameserver.live.connection import Connection


class Lobby:
    def __init__(self) -> None:
        self.subscribers: set[Connection] = set()

    def subscribe(self, conn: Connection, games: list[dict[str, Any]]) -> None:
        self.subscribers.add(conn)
        conn.lobby = True
        conn.send(orjson.dumps({"type": "lobby", "games": games}).decode())

    def unsubscribe(self, conn: Connection) -> None:
        self.subscribers.discard(conn)
        conn.lobby = False

    def update(self, summary: dict[str, Any]) -> None:
        self._send({"type": "lobby_update", "game": summary})

    def remove(self, game_id: str) -> None:
        self._send({"type": "lobby_remove", "game_id": game_id})

    def _send(self, push: dict[str, Any]) -> None:
        if not self.subscribers:
            return
        text = orjson.dumps(push).decode()
        for conn in self.subscribers:
            conn.send(text)
