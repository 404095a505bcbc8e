"""Every frame the server sends, as UTF-8 bytes straight from orjson.

Pure: values in, bytes out. A push is encoded once here and the same bytes are written to every
socket that receives it (`gameserver.live.connection` frames them as websocket text frames), so
nothing downstream encodes text again. The shapes are `docs/protocol.md`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from gameserver.wire.errors import ProtocolError, RequestId

__all__ = ["chat", "chat_history", "error", "lobby", "lobby_remove", "lobby_update", "ok",
           "pong", "quick_match", "rematch", "snapshot", "update", "welcome"]

Json = Any

_encode = orjson.dumps


def _dumps(value: Json) -> bytes:
    """orjson's bytes keep its whole output buffer allocated (4 KiB for a 20-byte frame,
    28 KiB for a 3 KB one); frames are kept (update history, a slow socket's buffer), so
    each is copied once to its exact size."""
    return memoryview(_encode(value)).tobytes()


def ok(request_id: RequestId, result: Mapping[str, Json]) -> bytes:
    """The reply to a request that succeeded (sent only when it carried an `id`)."""
    return _dumps({**result, "type": "ok", "id": request_id})


def error(err: ProtocolError) -> bytes:
    """The reply to a request that failed: its stable `code`, a sentence, and its data."""
    return _dumps(err.to_wire())


def welcome(request_id: RequestId, player_id: str, name: str, token: str) -> bytes:
    return _dumps({"type": "welcome", "id": request_id, "player_id": player_id, "name": name,
                   "token": token})


def pong(request_id: RequestId, t: Json, server_time: float) -> bytes:
    return _dumps({"type": "pong", "id": request_id, "t": t, "server_time": server_time})


def snapshot(game: Mapping[str, Json]) -> bytes:
    """A full `game` push."""
    return _dumps({"type": "game", "game": game})


def update(game_id: str, rev: int, event: Mapping[str, Json], game: Mapping[str, Json]) -> bytes:
    """An `update` push: what happened (`event`) and the whole new state but the moves."""
    return _dumps({"type": "update", "game_id": game_id, "rev": rev, "event": event,
                   "game": game})


def lobby(games: Sequence[Mapping[str, Json]], total: int | None = None,
          nxt: str | None = None) -> bytes:
    """The first page of the open games, how many there are, and the next page's cursor."""
    return _dumps({"type": "lobby", "games": games,
                   "total": len(games) if total is None else total, "next": nxt})


def lobby_update(summary: Mapping[str, Json]) -> bytes:
    return _dumps({"type": "lobby_update", "game": summary})


def lobby_remove(game_id: str) -> bytes:
    return _dumps({"type": "lobby_remove", "game_id": game_id})


def rematch(game_id: str, offer: Mapping[str, Json] | None) -> bytes:
    """How the rematch offered after finished game `game_id` stands: the new game's id and
    phase (`waiting` while the offer is open; `playing` once accepted; `finished` when
    declined), who offered it and to whom."""
    return _dumps({"type": "rematch", "game_id": game_id, "rematch": offer})


def quick_match(status: Mapping[str, Json]) -> bytes:
    """How a player's quick match stands: `waiting`, `paired` (with `game_id`), `cancelled`,
    `expired`."""
    return _dumps({"type": "quick_match", **status})


def chat_history(game_id: str, lines: Sequence[Mapping[str, Json]]) -> bytes:
    """The chat kept with a game, oldest first, for a socket that starts watching it."""
    return _dumps({"type": "chat_history", "game_id": game_id,
                   "lines": [{k: line[k] for k in ("player_id", "name", "text", "at")}
                             for line in lines]})


def chat(game_id: str, player_id: str, name: str, text: str, at: float) -> bytes:
    return _dumps({"type": "chat", "game_id": game_id, "player_id": player_id, "name": name,
                   "text": text, "at": at})
