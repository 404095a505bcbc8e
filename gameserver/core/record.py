"""The match record: what is stored of a match, and the replay that rebuilds it.

A match is stored as its head (the game, its settings, the seats, who is away, how the match
ended if it decided that itself) and its actions, each recorded as `[seat, ...the game's
encoding, ms]` with the instant it was made, so replaying the actions through
`gameserver.core.match.act` rebuilds the game state, clocks included, exactly.

Growth is linear. `act` seals every `CHUNK_ACTIONS` actions into a chunk (`Match.log`); the
live layer stores each chunk once, beside the match, in the commit that sealed it, and the
record a commit writes holds only the head and the unsealed tail. Over a game of N actions the
bytes written are O(N * (head + CHUNK_ACTIONS)), not O(N^2). Replaying needs the chunks in
order, then the tail; since sealing is part of `act`, a replay seals exactly the same chunks.

Version 4 (this one) is generic: `settings` and `seats` by the game's seat names. Go records of
versions 1 (no instants: actions replay at `created_at`), 2 (every action in the record) and 3
(chunks, `base`) still load: their `options` and `time_control` become the settings, and a
pending undo kept in their head becomes an undo request action. Changing `CHUNK_ACTIONS`
changes the stored format (a new version).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import orjson

from gameserver.core.game import Game, Json
from gameserver.core.match import CHUNK_ACTIONS, Match, Seat, act, start

__all__ = ["RECORD_VERSION", "catch_up", "from_record", "record_data", "to_record"]

RECORD_VERSION = 4


def _head(match: Match, base: int) -> dict[str, Json]:
    names = match.seat_names
    return {
        "v": RECORD_VERSION,
        "id": match.id,
        "game": match.game,
        "settings": match.settings,
        "created_at": match.created_at,
        "rev": match.rev,
        "position_rev": match.position_rev,
        "seats": {names[i]: None if s is None else {"id": s.player_id, "name": s.name}
                  for i, s in enumerate(match.seats)},
        "started_at": match.started_at,
        "away": dict(match.away),
        "present": {seat: list(nodes) for seat, nodes in match.present.items()},
        "ended": None if match.ended is None else list(match.ended),
        "dormant": match.dormant,
        "reserved": dict(match.reserved),
        "rematch_of": match.rematch_of,
        "base": base,
    }


def to_record(match: Match, *, full: bool = True) -> str:
    """The record text. `full`: every action, so it replays on its own (exports, tests);
    otherwise only the unsealed tail, for a commit that stores the chunks beside it."""
    if full:
        actions = ",".join([chunk[1:-1] for chunk in match.log] +
                           ([match.tail_json] if match.tail_json else []))
        base = 0
    else:
        actions = match.tail_json
        base = len(match.log) * CHUNK_ACTIONS
    head = orjson.dumps(_head(match, base)).decode()
    return f'{head[:-1]},"actions":[{actions}]}}'


def record_data(text: str | bytes) -> dict[str, Json]:
    data: dict[str, Json] = orjson.loads(text)
    return data


def _settings(data: Mapping[str, Json]) -> Mapping[str, Json]:
    if data["v"] >= 4:
        settings: Mapping[str, Json] = data["settings"]
        return settings
    return {**data["options"], "time_control": data["time_control"]}  # Go, before v4


def from_record(text: str | bytes | Mapping[str, Json], games: Mapping[str, Game],
                chunks: Sequence[str] = ()) -> Match:
    """Rebuild a match by replaying its recorded actions (those in `chunks`, the stored chunk
    texts in order, then the record's own), presence included. Raises
    `ValueError` if the chunks do not hold what the record says they do."""
    data = text if isinstance(text, Mapping) else record_data(text)
    game = games[data["game"]]
    sealed: list[Json] = [item for chunk in chunks for item in orjson.loads(chunk)]
    if len(sealed) != data.get("base", 0):
        raise ValueError(f"game {data['id']}: the record needs {data.get('base', 0)} sealed "
                         f"actions, its chunks hold {len(sealed)}")
    settings = _settings(data)
    names = tuple(game.seat_names(settings))
    match = Match(id=data["id"], game=data["game"], settings=settings,
                  created_at=data["created_at"], state=game.new(settings), seat_names=names,
                  seats=(None,) * len(names))
    return _advance(match, data, [*sealed, *data["actions"]], game)


def catch_up(match: Match, text: str | bytes | Mapping[str, Json],
             game: Game) -> Match | None:
    """`match` brought up to a later record of the same game by replaying only the actions it
    lacks, or None if some of those are only in chunks."""
    data = text if isinstance(text, Mapping) else record_data(text)
    base, tail = data.get("base", 0), data["actions"]
    have = match.action_count
    if not base <= have <= base + len(tail):
        return None
    return _advance(match, data, tail[have - base:], game)


def _seat(s: Json) -> Seat | None:
    return None if s is None else Seat(s["id"], s["name"])


def _advance(match: Match, data: Mapping[str, Json], items: Sequence[Json],
             game: Game) -> Match:
    timed = data["v"] >= 2
    if match.started_at is None:
        held = data["seats"]
        match = replace(match, seats=tuple(_seat(held.get(n)) for n in match.seat_names))
        if match.full():
            started_at = data.get("started_at")
            match = start(match, game, match.created_at if started_at is None else started_at)
    for item in items:
        seat, *action, ms = item if timed else [*item, None]
        t = ms / 1000 if timed else match.created_at
        match, _ = act(match, game, seat, game.decode(action), t)
    undo = data.get("undo")
    if data["v"] < 4 and undo is not None:  # a Go undo request kept in the head before v4
        match, _ = act(match, game, undo[0], game.decode(["q", undo[1]]),
                       match.created_at if not timed else _last_instant(match))
    ended = data.get("ended")
    if ended is not None and match.ended is None:
        match = replace(match, ended=(ended[0], ended[1]),
                        state=game.stop(match.state, ended[1]))
    present = {seat: tuple(nodes) for seat, nodes in data.get("present", {}).items()}
    held = data["seats"]
    seats = tuple(_seat(held.get(n)) for n in match.seat_names)  # renames
    return replace(match, rev=data["rev"], position_rev=data.get("position_rev", data["rev"]),
                   away=data.get("away", {}), present=present,
                   seats=seats, dormant=data.get("dormant", False),
                   reserved=data.get("reserved", {}), rematch_of=data.get("rematch_of"))


def _last_instant(match: Match) -> float:
    tail = match.tail_json or (match.log[-1] if match.log else "")
    return int(tail.rstrip("]").rpartition(",")[2]) / 1000 if tail else match.created_at
