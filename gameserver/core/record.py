"""The match record: what is stored of a match, and the replay that rebuilds it.

A match is stored as its head (settings, seats, the pending undo, who is away, how it ended)
and its actions, each recorded with the instant it was made, so replaying the actions through
`gameserver.core.match.act` rebuilds the match and its clock exactly.

Growth is linear. `act` seals every `CHUNK_ACTIONS` actions into a chunk (`Match.log`); the
live layer stores each chunk once, beside the match, in the commit that sealed it, and the
record a commit writes holds only the head and the unsealed tail. Over a game of N actions the
bytes written are O(N * (head + CHUNK_ACTIONS)), not O(N^2). Replaying needs the chunks in
order, then the tail; since sealing is part of `act`, a replay seals exactly the same chunks.

Version 3 (this one) adds `base`: how many actions are in chunks before the record's own
`actions`. Versions 1 (no instants: actions replay at `created_at`) and 2 (every action in the
record) still load. Changing `CHUNK_ACTIONS` changes the stored format (a new version).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import orjson

from gameserver.core import rules as r
from gameserver.core.match import CHUNK_ACTIONS, Match, PendingUndo, Seat, act, start
from gameserver.core.rules import Json, Rules
from gameserver.core.timecontrol import Phase
from gameserver.wire import requests as c

__all__ = ["RECORD_VERSION", "catch_up", "from_record", "record_data", "to_record"]

RECORD_VERSION = 3


def _head(match: Match, base: int) -> dict[str, Json]:
    def seat(s: Seat | None) -> Json:
        return None if s is None else {"id": s.player_id, "name": s.name}

    return {
        "v": RECORD_VERSION,
        "id": match.id,
        "game": match.game,
        "options": match.options,
        "time_control": match.time_control.to_dict(),
        "created_at": match.created_at,
        "rev": match.rev,
        "seats": {"black": seat(match.black), "white": seat(match.white)},
        "undo": None if match.undo is None else [match.undo.color, match.undo.rev],
        "started_at": match.started_at,
        "away": dict(match.away),
        "ended": None if match.ended is None else list(match.ended),
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


def from_record(text: str | bytes | Mapping[str, Json], rules_by_name: Mapping[str, Rules],
                chunks: Sequence[str] = ()) -> Match:
    """Rebuild a match by replaying its recorded actions (those in `chunks`, the stored chunk
    texts in order, then the record's own), clock included; nobody is connected after a
    load. Raises `ValueError` if the chunks do not hold what the record says they do."""
    data = text if isinstance(text, Mapping) else record_data(text)
    rules = rules_by_name[data["game"]]
    sealed: list[Json] = [item for chunk in chunks for item in orjson.loads(chunk)]
    if len(sealed) != data.get("base", 0):
        raise ValueError(f"game {data['id']}: the record needs {data.get('base', 0)} sealed "
                         f"actions, its chunks hold {len(sealed)}")
    match = Match(
        id=data["id"], game=data["game"], options=data["options"],
        time_control=c.parse_time_control(data["time_control"]), created_at=data["created_at"],
        state=rules.new(data["options"]),
    )
    return _advance(match, data, [*sealed, *data["actions"]], rules)


def catch_up(match: Match, text: str | bytes | Mapping[str, Json],
             rules: Rules) -> Match | None:
    """`match` brought up to a later record of the same game by replaying only the actions it
    lacks (its presence kept), or None if some of those are only in chunks."""
    data = text if isinstance(text, Mapping) else record_data(text)
    base, tail = data.get("base", 0), data["actions"]
    have = match.action_count
    if not base <= have <= base + len(tail):
        return None
    return _advance(match, data, tail[have - base:], rules)


def _advance(match: Match, data: Mapping[str, Json], items: Sequence[Json],
             rules: Rules) -> Match:
    def seat(s: Json) -> Seat | None:
        return None if s is None else Seat(s["id"], s["name"])

    timed = data["v"] >= 2
    if match.black is None or match.white is None:
        black, white = seat(data["seats"]["black"]), seat(data["seats"]["white"])
        match = replace(match, black=black, white=white)
        if black is not None and white is not None:
            started_at = data.get("started_at")
            match = start(match, rules, match.created_at if started_at is None else started_at)
    for item in items:
        color, action = r.decode_action(item)
        t = item[-1] / 1000 if timed else match.created_at
        match, _ = act(match, rules, color, action, t)
    undo, ended = data["undo"], data.get("ended")
    if ended is not None and match.ended is None:
        match = replace(match, ended=(ended[0], ended[1]))
        if match.game_clock.phase is not Phase.STOPPED:
            match = replace(match, clock=match.game_clock.stop(ended[1]))
    return replace(
        match, rev=data["rev"], away=data.get("away", {}),
        undo=None if undo is None else PendingUndo(undo[0], undo[1]),
    )
