"""One match as a pure value, and its state machine as a table keyed (phase, request).

A match is a game (`gameserver.core.game.Game`) played by seated players, watched by anyone:
its seats, its game state, the record of every action, who is connected and who is away. The
match core knows nothing about any one game. `step(match, game, player_id, request, now)`
returns the next `Match` and the event it caused, or raises a `ProtocolError` leaf:

- a (match phase, request) pair missing from `TABLE` is `wrong_phase` by construction; match
  phases are `waiting` (seats open), the game's own phases while it runs, and `finished`;
- a game action (`Act`) must come from a seated player, with the rev the client saw when the
  action's class says so (`stale_rev`), in a phase the game allows it (`wrong_phase`); the game
  judges it (`apply`) and it is recorded with the instant it was made, so replaying the record
  rebuilds the match, clocks and all.

Deadlines: the game's own (`Game.deadline`: a flag, a tick, a phase timeout) and the match's
(`Limits`: a game nobody joins is cancelled; a player who stays away forfeits where the game
says absence forfeits). `deadline` and `expire` are pure; `gameserver.live.timers` runs them.
No I/O, no clock: `now` is an argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from gameserver.core.evolve import evolve, evolver
from gameserver.core.game import Action, Deadline, Event, Game, Json
from gameserver.core.timecontrol import to_ms
from gameserver.wire import requests as c
from gameserver.wire.errors import BadRequest, Forbidden, StaleRev, WrongPhase

__all__ = [
    "ABANDONED",
    "CANCELLED",
    "CHUNK_ACTIONS",
    "DORMANT",
    "LOBBY",
    "Connect",
    "Deadline",
    "Disconnect",
    "Event",
    "Limits",
    "Match",
    "MatchPhase",
    "Rename",
    "Seat",
    "act",
    "bump",
    "deadline",
    "expire",
    "game_view",
    "join",
    "new_match",
    "present",
    "snapshot_view",
    "start",
    "step",
    "summary_view",
]

MatchPhase = str  # "waiting" | a game phase | "finished"
CANCELLED = "Void"  # the result of a game nobody joined in time
#: actions sealed into one chunk of the record: part of the stored format
CHUNK_ACTIONS = 32

LOBBY = "match.lobby_timeout"
ABANDONED = "match.abandoned"
DORMANT = "match.creator_away"


@dataclass(frozen=True, slots=True)
class Seat:
    player_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Limits:
    """How long a match may wait for something (seconds; None: forever)."""

    lobby: float | None = None  # a game nobody joins is cancelled
    abandon: float | None = None  # a player who stays away forfeits (where the game says so)
    #: a waiting game whose creator stays away this long leaves the lobby until they are back
    lobby_away: float | None = None


@dataclass(frozen=True, slots=True)
class Connect:
    """Internal request: a seated player's first socket on server `node` arrived."""

    node: str = ""
    id: None = None


@dataclass(frozen=True, slots=True)
class Rename:
    """Internal request: a seated player took another name."""

    name: str
    id: None = None


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Internal request: a seated player's last socket on server `node` left (or `node`
    itself is gone)."""

    node: str = ""
    id: None = None


@dataclass(frozen=True, slots=True)
class Match:
    id: str
    game: str
    settings: Mapping[str, Json]  # the game's normalized settings
    created_at: float
    state: Any  # the game's state value
    #: seat names, in the game's order, and who holds each (None: open)
    seat_names: tuple[str, ...] = ()
    seats: tuple[Seat | None, ...] = ()
    rev: int = 1
    #: the rev of the last commit that changed the game, not only who is connected or what
    #: a player is called: a rev-checked action that saw this rev or a later one is current
    position_rev: int = 1
    #: the recorded actions (JSON list items `[seat, ...action, ms]`). The newest are in
    #: `tail_json`, comma-separated; every `CHUNK_ACTIONS` of them are sealed into `log` as one
    #: JSON list text, which is stored once and never rewritten (see gameserver.core.record)
    log: tuple[str, ...] = ()
    tail_json: str = ""
    action_count: int = 0
    #: presence: for each seat, the servers (nodes) where its player has a socket open
    present: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    started_at: float | None = None  # when the last open seat was taken
    #: seated players whose last socket left, and since when (a bot never leaves)
    away: Mapping[str, float] = field(default_factory=dict)
    #: a result the match decided itself (a game nobody joined), and when
    ended: tuple[str, float] | None = None
    #: a waiting game whose creator has been away longer than the lobby allows: it is not
    #: listed (or joinable) until they are back
    dormant: bool = False
    #: seats kept for one player (a rematch offered to the opponent): seat -> player id
    reserved: Mapping[str, str] = field(default_factory=dict)
    #: the game this one is a rematch of
    rematch_of: str | None = None

    @property
    def connected(self) -> frozenset[str]:
        """Seats whose player has a socket open on some server."""
        return frozenset(seat for seat, nodes in self.present.items() if nodes)

    def seat(self, name: str) -> Seat | None:
        try:
            return self.seats[self.seat_names.index(name)]
        except ValueError:
            return None

    def seat_of(self, player_id: str) -> str | None:
        """The seat `player_id` holds (the first, if several), else None."""
        for i, seat in enumerate(self.seats):  # (not zip: its strict=True costs a move 0.3 us)
            if seat is not None and seat.player_id == player_id:
                return self.seat_names[i]
        return None

    # Go's clients call seats colours; these read well in Go code and tests
    color_of = seat_of

    @property
    def black(self) -> Seat | None:
        return self.seat("black")

    @property
    def white(self) -> Seat | None:
        return self.seat("white")

    def taken(self) -> list[tuple[str, Seat]]:
        return [(n, s) for n, s in zip(self.seat_names, self.seats, strict=True)
                if s is not None]

    def full(self) -> bool:
        return all(s is not None for s in self.seats)

    def phase(self, game: Game) -> MatchPhase:
        if self.ended is not None:
            return "finished"
        if self.started_at is None:
            return "waiting"
        return game.phase(self.state)


def new_match(game: Game, game_id: str, settings: Mapping[str, Json], creator: Seat,
              seat: str, now: float) -> Match:
    """A waiting match with `creator` in `seat` (a name of the game's seats)."""
    names = tuple(game.seat_names(settings))
    if seat not in names:
        raise BadRequest(f"{game.name} has no seat {seat!r} (it has {', '.join(names)})")
    seats = tuple(creator if n == seat else None for n in names)
    return Match(id=game_id, game=game.name, settings=settings, created_at=now,
                 state=game.new(settings), seat_names=names, seats=seats)


# -- the table -----------------------------------------------------------------------------------

Handler = Callable[[Match, Game, str, Any, float], tuple[Match, Event]]


def _seated(match: Match, player_id: str) -> str:
    seat = match.seat_of(player_id)
    if seat is None:
        raise Forbidden(f"you do not hold a seat in game {match.id}")
    return seat


def act(match: Match, game: Game, seat: str | None, action: Action,
        now: float, rev: int | None = None) -> tuple[Match, Event]:
    """Apply one game action at `now` (from `seat`, or from the server with None) and record
    it; the replay of a record runs exactly this. `rev` is the result's rev (default: the
    match's), so a request's bump is part of the same copy."""
    state, event = game.apply(match.state, seat, action, now)
    item = orjson.dumps([seat, *game.encode(action), to_ms(now)]).decode()
    count = match.action_count + 1
    if count % CHUNK_ACTIONS == 0:
        log, tail = (*match.log, f"[{match.tail_json},{item}]" if match.tail_json
                     else f"[{item}]"), ""
    else:
        log, tail = match.log, f"{match.tail_json},{item}" if match.tail_json else item
    rev = match.rev if rev is None else rev
    return _recorded(match, state=state, log=log, tail_json=tail, action_count=count,
                     rev=rev, position_rev=rev), event


_recorded = evolver(Match, "state", "log", "tail_json", "action_count", "rev", "position_rev")


def _act(match: Match, game: Game, player_id: str, request: c.Act,
         now: float, rev: int) -> tuple[Match, Event]:
    seat = _seated(match, player_id)
    action = request.action
    if isinstance(action, Mapping):
        action = game.action(action, "" if request.legacy else "action.")
    if getattr(action, "checks_rev", False):
        if request.rev is None:
            raise BadRequest("field 'rev' is missing")
        if not match.position_rev <= request.rev <= match.rev:
            raise StaleRev(request.rev, match.rev)
        if "rev" in getattr(action, "__dataclass_fields__", ()):
            action = replace(action, rev=request.rev)  # an action that keeps the rev it had
    phase = game.phase(match.state)
    if type(action) not in game.phases.get(phase, ()):
        raise WrongPhase(_action_name(game, action), phase)
    return act(match, game, seat, action, now, rev)


def _action_name(game: Game, action: Action) -> str:
    for name, cls in getattr(game, "actions", {}).items():
        if type(action) is cls:
            return str(name)
    return type(action).__name__


def join(match: Match, game: Game, seat: Seat, now: float | None = None,
         wanted: str | None = None) -> tuple[Match, Event]:
    """Take an open seat (`wanted`, or the first open one) of a waiting match; once every seat
    is taken the game starts `now` (default: when the match was created)."""
    phase = match.phase(game)
    if phase != "waiting":
        raise WrongPhase("join", phase)
    if match.seat_of(seat.player_id) is not None:
        raise Forbidden(f"you already hold a seat in game {match.id}")
    if match.dormant:
        raise Forbidden(f"the creator of game {match.id} is away; try again when they are back")
    open_seats = [n for n, s in zip(match.seat_names, match.seats, strict=True)
                  if s is None and match.reserved.get(n, seat.player_id) == seat.player_id]
    if not open_seats:
        raise Forbidden(f"the open seat of game {match.id} is kept for another player")
    if wanted is not None and wanted not in open_seats:
        raise BadRequest(f"seat {wanted!r} is not open (open: {', '.join(open_seats)})")
    mine = [n for n in open_seats if match.reserved.get(n) == seat.player_id]
    name = wanted or (mine or open_seats)[0]
    seats = tuple(seat if n == name else s
                  for n, s in zip(match.seat_names, match.seats, strict=True))
    joined = replace(match, seats=seats)
    if joined.full():
        joined = start(joined, game, match.created_at if now is None else now)
    return joined, {"kind": "player_joined", "seat": name, "color": name,
                    "player_id": seat.player_id, "name": seat.name}


def start(match: Match, game: Game, now: float) -> Match:
    """Every seat is taken: the game starts `now` (its clock, if it has one, runs)."""
    return replace(match, started_at=now, state=game.start(match.state, match.seat_names, now))


def present(match: Match, seat: str, node: str, here: bool) -> Match:
    """`match` with `seat`'s player present on server `node` or not; a seat nobody is
    present for is away from `now` on (see `_disconnect`)."""
    nodes = match.present.get(seat, ())
    nodes = (*nodes, node) if here and node not in nodes else \
        tuple(n for n in nodes if n != node) if not here else nodes
    changed = {k: v for k, v in match.present.items() if k != seat}
    if nodes:
        changed[seat] = nodes
    return replace(match, present=changed)


def _connect(match: Match, game: Game, player_id: str, request: Connect,
             now: float) -> tuple[Match, Event]:
    seat = _seated(match, player_id)
    away = {k: v for k, v in match.away.items() if k != seat}
    return (replace(present(match, seat, request.node, True), away=away, dormant=False),
            {"kind": "player_connected", "seat": seat, "color": seat})


def _rename(match: Match, game: Game, player_id: str, request: Rename,
            now: float) -> tuple[Match, Event]:
    seat = _seated(match, player_id)
    seats = tuple(Seat(s.player_id, request.name) if s is not None and s.player_id == player_id
                  else s for s in match.seats)
    return (replace(match, seats=seats),
            {"kind": "player_renamed", "seat": seat, "color": seat, "name": request.name})


def _disconnect(match: Match, game: Game, player_id: str, request: Disconnect,
                now: float) -> tuple[Match, Event]:
    seat = _seated(match, player_id)
    nxt = present(match, seat, request.node, False)
    if seat in nxt.connected:  # still on another server
        return nxt, {"kind": "presence", "seat": seat, "color": seat}
    return (replace(nxt, away={**match.away, seat: match.away.get(seat, now)}),
            {"kind": "player_disconnected", "seat": seat, "color": seat})


_PRESENCE: dict[type[Any], Handler] = {Connect: _connect, Disconnect: _disconnect,
                                       Rename: _rename}
_NAMES: dict[type[Any], str] = {Connect: "connect", Disconnect: "disconnect", Rename: "rename",
                                c.Act: "act"}


def step(match: Match, game: Game, player_id: str, request: Any,
         now: float | None = None) -> tuple[Match, Event]:
    """Apply one request from one player at `now` (default: the match's creation time, for
    untimed tests); the rev goes up by one on success."""
    phase = match.phase(game)
    kind = type(request)
    handler = _PRESENCE.get(kind)
    if handler is None:
        if kind is not c.Act or phase in ("waiting", "finished"):
            name = _NAMES.get(kind, kind.__name__)
            if kind is c.Act and isinstance(request.action, Mapping):
                name = str(request.action.get("type", name))
            raise WrongPhase(name, phase)
        return _act(match, game, player_id, request, match.created_at if now is None else now,
                    match.rev + 1)  # the rev goes up in the copy that records the action
    if phase == "finished":
        raise WrongPhase(_NAMES[kind], phase)
    nxt, event = handler(match, game, player_id, request,
                         match.created_at if now is None else now)
    return evolve(nxt, rev=match.rev + 1), event  # presence: the game itself did not change


def bump(match: Match) -> Match:
    """`match` one rev on, as a change to the game (a join, a cancel, another writer's)."""
    return replace(match, rev=match.rev + 1, position_rev=match.rev + 1)


# -- deadlines: what falls due when nobody acts ---------------------------------------------------


def deadline(match: Match, game: Game, limits: Limits,
             phase: MatchPhase | None = None) -> Deadline | None:
    """The next instant something happens to this match unless a player acts, and what (the
    game's own kind, `LOBBY` or `ABANDONED`); None if nothing ever will. `phase` saves
    deriving it again."""
    if phase is None:
        phase = match.phase(game)
    if phase == "finished":
        return None
    if phase == "waiting":
        due = None if limits.lobby is None else (match.created_at + limits.lobby, LOBBY)
        if limits.lobby_away is not None and not match.dormant and match.away:
            at = min(match.away.values()) + limits.lobby_away
            if due is None or at < due[0]:
                return at, DORMANT
        return due
    due = game.deadline(match.state)
    if limits.abandon is not None and match.away:
        seat = min(match.away, key=match.away.__getitem__)
        if game.abandon(match.state, seat) is not None:
            at = match.away[seat] + limits.abandon
            if due is None or at < due[0]:
                return at, ABANDONED
    return due


def expire(match: Match, game: Game, limits: Limits, now: float) -> tuple[Match, Event] | None:
    """What passing a deadline does as of `now` (the rev goes up by one), or None if nothing is
    due: the game's own deadline (its actions applied and recorded), a game nobody joined is
    cancelled, a player away too long forfeits."""
    due = deadline(match, game, limits)
    if due is None or to_ms(now) < to_ms(due[0]):
        return None
    kind = due[1]
    if kind == LOBBY:
        nxt = replace(match, ended=(CANCELLED, now), state=game.stop(match.state, now))
        event: Event = {"kind": "cancelled", "reason": "nobody joined", "result": CANCELLED}
    elif kind == DORMANT:
        nxt = replace(match, dormant=True)
        event = {"kind": "creator_away"}
    elif kind == ABANDONED:
        gone = min(match.away, key=lambda k: match.away.get(k, math.inf))
        action = game.abandon(match.state, gone)
        assert action is not None
        nxt, event = act(match, game, gone, action, now)
        event = {**event, "kind": "abandoned", "seat": gone, "color": gone}
    else:
        actions = game.expire(match.state, kind, now)
        if not actions:
            return None
        nxt, event = match, {}
        for seat, action in actions:
            nxt, event = act(nxt, game, seat, action, now)
    return evolve(nxt, rev=match.rev + 1, position_rev=match.rev + 1), event


# -- views ---------------------------------------------------------------------------------------


def _as_of(match: Match, now: float | None) -> float:
    """`now`, or without one the last instant the match knows of (the last action's, or
    when it ended, started or was created)."""
    if now is not None:
        return now
    if match.ended is not None:
        return match.ended[1]
    tail = match.tail_json or (match.log[-1] if match.log else "")
    if tail:
        return int(tail.rstrip("]").rpartition(",")[2]) / 1000
    return match.started_at if match.started_at is not None else match.created_at


def game_view(match: Match, game: Game, now: float | None = None,
              phase: MatchPhase | None = None, seat: str | None = None,
              full: bool = False) -> dict[str, Json]:
    """The wire `Game` as `seat` sees it (None: a spectator): the match's fields plus the
    game's own view, whose `players` entries extend the match's. `full` (a snapshot) includes
    what an `update` leaves out. Shown as of `now` (default: the last event)."""
    now = to_ms(_as_of(match, now)) / 1000  # whole ms, like the clock
    if phase is None:
        phase = match.phase(game)
    view = game.view(match.state, seat, now, full)
    extras = view.pop("players", {})
    players: dict[str, Json] = {}
    present = match.present  # connected: some server has the seat's player (`connected`)
    names = match.seat_names
    for i, held in enumerate(match.seats):
        name = names[i]
        if held is None:
            players[name] = None
            continue
        entry = {"id": held.player_id, "name": held.name, "connected": bool(present.get(name))}
        extra = extras.get(name)
        if extra:
            entry.update(extra)
        players[name] = entry
    if match.ended is not None:
        view["result"] = match.ended[0]
    return {
        "id": match.id,
        "rev": match.rev,
        "game": match.game,
        "phase": phase,
        "settings": match.settings,
        "players": players,
        "server_time": now,
        **view,
    }


def snapshot_view(match: Match, game: Game, now: float | None = None,
                  seat: str | None = None) -> dict[str, Json]:
    return game_view(match, game, now, seat=seat, full=True)


def summary_view(match: Match, game: Game,
                 phase: MatchPhase | None = None) -> dict[str, Json]:
    """A `GameSummary` for the lobby and `/api/games`."""
    return {
        "id": match.id,
        "game": match.game,
        "rev": match.rev,
        "phase": match.phase(game) if phase is None else phase,
        "settings": match.settings,
        "players": {name: (None if s is None else {"id": s.player_id, "name": s.name})
                    for name, s in zip(match.seat_names, match.seats, strict=True)},
        "moves": game.moves(match.state),
        "created_at": match.created_at,
        "result": match.ended[0] if match.ended is not None else game.result(match.state),
    }


def seated(match: Match) -> Sequence[str]:
    """The player ids holding a seat."""
    return [s.player_id for s in match.seats if s is not None]
