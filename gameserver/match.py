"""One match as a pure value, and its state machine as a table keyed (phase, command).

`step(match, rules, player_id, command)` returns the next `Match` and the event it caused, or
raises a `ProtocolError` leaf; a (phase, command) pair missing from the table is `wrong_phase`
by construction. No I/O, no clock: `now` is an argument where it matters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from gameserver import commands as c
from gameserver import rules as r
from gameserver.clock import TimeControl
from gameserver.errors import BadRequest, Forbidden, StaleRev, WrongPhase
from gameserver.rules import COLORS, Color, Json, Rules, other

MatchPhase = str  # "waiting" | "playing" | "scoring" | "finished"
RECORD_VERSION = 1


@dataclass(frozen=True, slots=True)
class Seat:
    player_id: str
    name: str


@dataclass(frozen=True, slots=True)
class PendingUndo:
    color: Color  # who asks to take their last move back
    rev: int  # the game rev at which they asked


@dataclass(frozen=True, slots=True)
class Connect:
    """Internal command: a seated player's first socket arrived."""

    id: None = None


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Internal command: a seated player's last socket left."""

    id: None = None


@dataclass(frozen=True, slots=True)
class Match:
    id: str
    game: str
    options: Mapping[str, Json]
    time_control: TimeControl
    created_at: float
    state: Any
    rev: int = 1
    black: Seat | None = None
    white: Seat | None = None
    #: the recorded actions as JSON list items, comma-separated: appending one per commit keeps
    #: the stored record O(1) to extend instead of re-encoding every action every move
    actions_json: str = ""
    undo: PendingUndo | None = None
    connected: frozenset[Color] = field(default_factory=frozenset)

    def seat(self, color: Color) -> Seat | None:
        return self.black if color == "black" else self.white

    def color_of(self, player_id: str) -> Color | None:
        if self.black is not None and self.black.player_id == player_id:
            return "black"
        if self.white is not None and self.white.player_id == player_id:
            return "white"
        return None

    def phase(self, rules: Rules) -> MatchPhase:
        if self.black is None or self.white is None:
            return "waiting"
        return rules.phase(self.state)


def new_match(rules: Rules, game_id: str, options: Mapping[str, Json], time_control: TimeControl,
              creator: Seat, color: Color, now: float) -> Match:
    match = Match(id=game_id, game=rules.name, options=options, time_control=time_control,
                  created_at=now, state=rules.new(options))
    return replace(match, black=creator) if color == "black" else replace(match, white=creator)


# -- the table -----------------------------------------------------------------------------------

Event = dict[str, Json]
Handler = Callable[[Match, Rules, str, Any], tuple[Match, Event]]


def _seated(match: Match, player_id: str) -> Color:
    color = match.color_of(player_id)
    if color is None:
        raise Forbidden(f"you do not hold a seat in game {match.id}")
    return color


def _check_rev(match: Match, rev: int) -> None:
    if rev != match.rev:
        raise StaleRev(rev, match.rev)


def _act(match: Match, rules: Rules, color: Color, action: r.Action) -> tuple[Match, Event]:
    state, event = rules.apply(match.state, color, action)
    item = orjson.dumps(r.encode_action(color, action)).decode()
    actions = f"{match.actions_json},{item}" if match.actions_json else item
    return replace(match, state=state, actions_json=actions, undo=None), event


def join(match: Match, rules: Rules, seat: Seat) -> tuple[Match, Event]:
    """Take the free seat of a waiting game."""
    phase = match.phase(rules)
    if phase != "waiting":
        raise WrongPhase("join", phase)
    if match.color_of(seat.player_id) is not None:
        raise Forbidden(f"you already hold a seat in game {match.id}")
    color: Color = "black" if match.black is None else "white"
    joined = replace(match, black=seat) if color == "black" else replace(match, white=seat)
    return joined, {"kind": "player_joined", "color": color, "player_id": seat.player_id,
                    "name": seat.name}


def _move(match: Match, rules: Rules, player_id: str, cmd: c.Move) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    _check_rev(match, cmd.rev)
    return _act(match, rules, color, r.Play(cmd.x, cmd.y))


def _pass(match: Match, rules: Rules, player_id: str, cmd: c.Pass) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    _check_rev(match, cmd.rev)
    return _act(match, rules, color, r.PassTurn())


def _resign(match: Match, rules: Rules, player_id: str, cmd: c.Resign) -> tuple[Match, Event]:
    return _act(match, rules, _seated(match, player_id), r.Resign())


def _undo_request(match: Match, rules: Rules, player_id: str,
                  cmd: c.UndoRequest) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    _check_rev(match, cmd.rev)
    if match.undo is not None:
        raise BadRequest(f"{match.undo.color} already asked for an undo")
    if rules.last_mover(match.state) != color:
        raise Forbidden("you can only take back your own last move")
    return (replace(match, undo=PendingUndo(color, match.rev)),
            {"kind": "undo_requested", "color": color})


def _undo_reply(match: Match, rules: Rules, player_id: str,
                cmd: c.UndoReply) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    pending = match.undo
    if pending is None:
        raise BadRequest("there is no undo request to answer")
    if pending.color == color:
        raise Forbidden("you cannot answer your own undo request")
    if not cmd.accept:
        return replace(match, undo=None), {"kind": "undo_rejected", "color": pending.color}
    undone, _ = _act(match, rules, pending.color, r.Undo())
    return undone, {"kind": "undo_accepted", "color": pending.color, "moves": 1}


def _mark_dead(match: Match, rules: Rules, player_id: str, cmd: c.MarkDead) -> tuple[Match, Event]:
    return _act(match, rules, _seated(match, player_id), r.MarkDead(cmd.x, cmd.y, cmd.dead))


def _accept_score(match: Match, rules: Rules, player_id: str,
                  cmd: c.AcceptScore) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    _check_rev(match, cmd.rev)
    return _act(match, rules, color, r.AcceptScore())


def _resume_play(match: Match, rules: Rules, player_id: str,
                 cmd: c.ResumePlay) -> tuple[Match, Event]:
    return _act(match, rules, _seated(match, player_id), r.ResumePlay())


def _connect(match: Match, rules: Rules, player_id: str, cmd: Connect) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    return (replace(match, connected=match.connected | {color}),
            {"kind": "player_connected", "color": color})


def _disconnect(match: Match, rules: Rules, player_id: str,
                cmd: Disconnect) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    return (replace(match, connected=match.connected - {color}),
            {"kind": "player_disconnected", "color": color})


TABLE: dict[tuple[MatchPhase, type[Any]], Handler] = {
    ("playing", c.Move): _move,
    ("playing", c.Pass): _pass,
    ("playing", c.Resign): _resign,
    ("playing", c.UndoRequest): _undo_request,
    ("playing", c.UndoReply): _undo_reply,
    ("scoring", c.Resign): _resign,
    ("scoring", c.MarkDead): _mark_dead,
    ("scoring", c.AcceptScore): _accept_score,
    ("scoring", c.ResumePlay): _resume_play,
    **{(phase, Connect): _connect for phase in ("waiting", "playing", "scoring")},
    **{(phase, Disconnect): _disconnect for phase in ("waiting", "playing", "scoring")},
}

COMMAND_NAMES: dict[type[Any], str] = {
    c.Move: "move", c.Pass: "pass", c.Resign: "resign", c.UndoRequest: "undo_request",
    c.UndoReply: "undo_reply", c.MarkDead: "mark_dead", c.AcceptScore: "accept_score",
    c.ResumePlay: "resume_play", Connect: "connect", Disconnect: "disconnect",
}


def step(match: Match, rules: Rules, player_id: str, cmd: Any) -> tuple[Match, Event]:
    """Apply one command from one player; the rev goes up by one on success."""
    phase = match.phase(rules)
    handler = TABLE.get((phase, type(cmd)))
    if handler is None:
        raise WrongPhase(COMMAND_NAMES.get(type(cmd), type(cmd).__name__), phase)
    nxt, event = handler(match, rules, player_id, cmd)
    return replace(nxt, rev=match.rev + 1), event


def bump(match: Match) -> Match:
    return replace(match, rev=match.rev + 1)


# -- views ---------------------------------------------------------------------------------------


def _player_view(match: Match, color: Color, captures: Mapping[str, int]) -> Json:
    seat = match.seat(color)
    if seat is None:
        return None
    return {"id": seat.player_id, "name": seat.name, "captures": captures.get(color, 0),
            "connected": color in match.connected, "clock": None}


def game_view(match: Match, rules: Rules) -> dict[str, Json]:
    """The wire `Game` without `moves` (an `update` carries this; a snapshot adds moves)."""
    view = rules.view(match.state)
    captures = view.pop("captures", {})
    phase = match.phase(rules)
    undo = match.undo
    return {
        "id": match.id,
        "rev": match.rev,
        "game": match.game,
        "phase": phase,
        "settings": {**match.options, "time_control": match.time_control.to_dict()},
        "players": {color: _player_view(match, color, captures) for color in COLORS},
        "turn": rules.turn(match.state) if phase == "playing" else None,
        "undo": None if undo is None else {"color": undo.color, "rev": undo.rev},
        **view,
    }


def snapshot_view(match: Match, rules: Rules) -> dict[str, Json]:
    view = game_view(match, rules)
    view["moves"] = rules.moves(match.state)
    return view


def summary_view(match: Match, rules: Rules) -> dict[str, Json]:
    """A `GameSummary` for the lobby and `/api/games`."""
    return {
        "id": match.id,
        "game": match.game,
        "rev": match.rev,
        "phase": match.phase(rules),
        "settings": {**match.options, "time_control": match.time_control.to_dict()},
        "players": {color: (None if (s := match.seat(color)) is None
                            else {"id": s.player_id, "name": s.name}) for color in COLORS},
        "moves": len(rules.moves(match.state)),
        "created_at": match.created_at,
    }


# -- the record: what is stored, and the replay that rebuilds a match from it -------------------


def to_record(match: Match) -> str:
    def seat(s: Seat | None) -> Json:
        return None if s is None else {"id": s.player_id, "name": s.name}

    head = orjson.dumps({
        "v": RECORD_VERSION,
        "id": match.id,
        "game": match.game,
        "options": match.options,
        "time_control": match.time_control.to_dict(),
        "created_at": match.created_at,
        "rev": match.rev,
        "seats": {"black": seat(match.black), "white": seat(match.white)},
        "undo": None if match.undo is None else [match.undo.color, match.undo.rev],
    }).decode()
    return f'{head[:-1]},"actions":[{match.actions_json}]}}'


def from_record(text: str | bytes, rules_by_name: Mapping[str, Rules]) -> Match:
    """Rebuild a match by replaying its recorded actions (nobody is connected after a load)."""
    data = orjson.loads(text)
    rules = rules_by_name[data["game"]]
    state = rules.new(data["options"])
    for item in data["actions"]:
        color, action = r.decode_action(item)
        state, _ = rules.apply(state, color, action)

    def seat(s: Json) -> Seat | None:
        return None if s is None else Seat(s["id"], s["name"])

    undo = data["undo"]
    return Match(
        id=data["id"], game=data["game"], options=data["options"],
        time_control=c.parse_time_control(data["time_control"]), created_at=data["created_at"],
        state=state, rev=data["rev"], black=seat(data["seats"]["black"]),
        white=seat(data["seats"]["white"]),
        actions_json=",".join(orjson.dumps(item).decode() for item in data["actions"]),
        undo=None if undo is None else PendingUndo(undo[0], undo[1]),
    )


__all__ = ["Match", "Seat", "bump", "game_view", "join", "new_match", "other", "snapshot_view",
           "step", "summary_view"]
