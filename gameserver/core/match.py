"""One match as a pure value, and its state machine as a table keyed (phase, command).

`step(match, rules, player_id, command, now)` returns the next `Match` and the event it caused,
or raises a `ProtocolError` leaf; a (phase, command) pair missing from the table is
`wrong_phase` by construction. No I/O, no clock: `now` is an argument.

The game clock (`gameserver.core.timecontrol.GameClock`) is part of the value: every action is
recorded with the instant it was made, and the clock follows the actions (moves charge the
mover, two passes pause it, resuming starts it for the player on turn, the end stops it, an
accepted undo restores the clock kept from before the undone move). `from_record` replays the
same code, so a restart rebuilds the clock exactly. Deadlines (the flag, lobby, abandonment and
scoring limits) and what happens when one passes are `deadline` and `expire`, also pure;
`gameserver.live.timers` runs them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from gameserver.core import rules as r
from gameserver.core.evolve import evolve
from gameserver.core.rules import COLORS, Color, Json, Rules, other
from gameserver.core.timecontrol import FlagFell, GameClock, Phase, System, TimeControl, to_ms
from gameserver.wire import requests as c
from gameserver.wire.errors import BadRequest, Forbidden, StaleRev, WrongPhase

MatchPhase = str  # "waiting" | "playing" | "scoring" | "finished"
CANCELLED = "Void"  # the result of a game nobody joined in time
#: actions sealed into one chunk of the record: part of the stored format (record version 3)
CHUNK_ACTIONS = 32


@dataclass(frozen=True, slots=True)
class Seat:
    player_id: str
    name: str


@dataclass(frozen=True, slots=True)
class PendingUndo:
    color: Color  # who asks to take their last move back
    rev: int  # the game rev at which they asked


@dataclass(frozen=True, slots=True)
class ClockStack:
    """The clock as it was before each move still on the board, newest first (for undo)."""

    clock: GameClock
    below: ClockStack | None


@dataclass(frozen=True, slots=True)
class Limits:
    """How long a match may wait for something (seconds; None: forever)."""

    lobby: float | None = None  # a game nobody joins is cancelled
    abandon: float | None = None  # a game with no clock whose player stays away is forfeited
    scoring: float | None = None  # a scoring phase nobody finishes is scored as marked


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
    #: the recorded actions (JSON list items, each with its instant). The newest are in
    #: `tail_json`, comma-separated; every `CHUNK_ACTIONS` of them are sealed into `log` as one
    #: JSON list text, which is stored once and never rewritten (see gameserver.core.record)
    log: tuple[str, ...] = ()
    tail_json: str = ""
    action_count: int = 0
    undo: PendingUndo | None = None
    connected: frozenset[Color] = field(default_factory=frozenset)
    #: the clock; None stands for a fresh clock of `time_control` (see `game_clock`)
    clock: GameClock | None = None
    clocks: ClockStack | None = None
    started_at: float | None = None  # when the second player joined
    scoring_since: float | None = None  # when the current scoring phase began
    #: seated players whose last socket left, and since when (a bot never leaves)
    away: Mapping[Color, float] = field(default_factory=dict)
    #: a result the match layer decided (cancelled, forfeited), and when
    ended: tuple[str, float] | None = None

    @property
    def game_clock(self) -> GameClock:
        return self.clock if self.clock is not None else GameClock.new(self.time_control)

    def seat(self, color: Color) -> Seat | None:
        return self.black if color == "black" else self.white

    def color_of(self, player_id: str) -> Color | None:
        if self.black is not None and self.black.player_id == player_id:
            return "black"
        if self.white is not None and self.white.player_id == player_id:
            return "white"
        return None

    def phase(self, rules: Rules) -> MatchPhase:
        if self.ended is not None:
            return "finished"
        if self.black is None or self.white is None:
            return "waiting"
        return rules.phase(self.state)


def new_match(rules: Rules, game_id: str, options: Mapping[str, Json], time_control: TimeControl,
              creator: Seat, color: Color, now: float) -> Match:
    match = Match(id=game_id, game=rules.name, options=options, time_control=time_control,
                  created_at=now, state=rules.new(options), clock=GameClock.new(time_control))
    return replace(match, black=creator) if color == "black" else replace(match, white=creator)


# -- the table -----------------------------------------------------------------------------------

Event = dict[str, Json]
Handler = Callable[[Match, Rules, str, Any, float], tuple[Match, Event]]


def _seated(match: Match, player_id: str) -> Color:
    color = match.color_of(player_id)
    if color is None:
        raise Forbidden(f"you do not hold a seat in game {match.id}")
    return color


def _check_rev(match: Match, rev: int) -> None:
    if rev != match.rev:
        raise StaleRev(rev, match.rev)


def _clocked(match: Match, rules: Rules, before: MatchPhase, state: Any, color: Color,
             action: r.Action, now: float) -> tuple[GameClock, ClockStack | None, float | None]:
    """The clock, the clocks kept for undo and the scoring start after `action` took the
    match to `state`."""
    clock = match.game_clock
    stack = match.clocks
    if isinstance(action, r.Play | r.PassTurn):
        stack = ClockStack(clock, stack)
        if rules.turn(state) != color:
            clock = clock.moved(color, now)
        elif clock.flagged(now) == color:  # a play that keeps the turn (a handicap stone)
            raise FlagFell(color, clock.flag_at_ms() or 0, to_ms(now))
    elif isinstance(action, r.Undo) and stack is not None:
        clock, stack = clock.undo(stack.clock), stack.below
    phase = rules.phase(state)
    if phase == "playing" and clock.phase is Phase.PAUSED:
        turn = rules.turn(state)
        assert turn is not None
        clock = clock.resume(turn, now)
    elif phase == "scoring" and clock.phase is Phase.RUNNING:
        clock = clock.pause(now)
    elif phase == "finished" and clock.phase is not Phase.STOPPED:
        clock = clock.stop(now)
    scoring_since = match.scoring_since
    if phase != "scoring":
        scoring_since = None
    elif before != "scoring":
        scoring_since = now
    return clock, stack, scoring_since


def act(match: Match, rules: Rules, color: Color, action: r.Action,
        now: float) -> tuple[Match, Event]:
    """Apply one seat's game action at `now` and record it (the clock follows); the replay of
    a record runs exactly this."""
    state, event = rules.apply(match.state, color, action)
    try:
        clock, stack, scoring_since = _clocked(match, rules, match.phase(rules), state, color,
                                               action, now)
    except FlagFell as flag:
        raise WrongPhase(_ACTION_NAMES.get(type(action), "move"), "finished",
                         f"too late: {flag}") from None
    item = orjson.dumps([*r.encode_action(color, action), to_ms(now)]).decode()
    count = match.action_count + 1
    if count % CHUNK_ACTIONS == 0:
        log, tail = (*match.log, f"[{match.tail_json},{item}]" if match.tail_json
                     else f"[{item}]"), ""
    else:
        log, tail = match.log, f"{match.tail_json},{item}" if match.tail_json else item
    return evolve(match, state=state, clock=clock, clocks=stack, scoring_since=scoring_since,
                  log=log, tail_json=tail, action_count=count, undo=None), event


_ACTION_NAMES: dict[type[Any], str] = {r.Play: "move", r.PassTurn: "pass"}


def join(match: Match, rules: Rules, seat: Seat, now: float | None = None) -> tuple[Match, Event]:
    """Take the free seat of a waiting game; the clock of the player on turn starts `now`
    (default: when the game was created)."""
    phase = match.phase(rules)
    if phase != "waiting":
        raise WrongPhase("join", phase)
    if match.color_of(seat.player_id) is not None:
        raise Forbidden(f"you already hold a seat in game {match.id}")
    color: Color = "black" if match.black is None else "white"
    joined = replace(match, black=seat) if color == "black" else replace(match, white=seat)
    joined = start(joined, rules, match.created_at if now is None else now)
    return joined, {"kind": "player_joined", "color": color, "player_id": seat.player_id,
                    "name": seat.name}


def start(match: Match, rules: Rules, now: float) -> Match:
    """Both seats are taken: the clock of the player on turn starts `now`."""
    turn = rules.turn(match.state) or "black"
    return replace(match, started_at=now, clock=match.game_clock.start(now, first=turn))


def _move(match: Match, rules: Rules, player_id: str, cmd: c.Move,
          now: float) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    _check_rev(match, cmd.rev)
    return act(match, rules, color, r.Play(cmd.x, cmd.y), now)


def _pass(match: Match, rules: Rules, player_id: str, cmd: c.Pass,
          now: float) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    _check_rev(match, cmd.rev)
    return act(match, rules, color, r.PassTurn(), now)


def _resign(match: Match, rules: Rules, player_id: str, cmd: c.Resign,
            now: float) -> tuple[Match, Event]:
    return act(match, rules, _seated(match, player_id), r.Resign(), now)


def _undo_request(match: Match, rules: Rules, player_id: str, cmd: c.UndoRequest,
                  now: float) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    _check_rev(match, cmd.rev)
    if match.undo is not None:
        raise BadRequest(f"{match.undo.color} already asked for an undo")
    if rules.last_mover(match.state) != color:
        raise Forbidden("you can only take back your own last move")
    return (replace(match, undo=PendingUndo(color, match.rev)),
            {"kind": "undo_requested", "color": color})


def _undo_reply(match: Match, rules: Rules, player_id: str, cmd: c.UndoReply,
                now: float) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    pending = match.undo
    if pending is None:
        raise BadRequest("there is no undo request to answer")
    if pending.color == color:
        raise Forbidden("you cannot answer your own undo request")
    if not cmd.accept:
        return replace(match, undo=None), {"kind": "undo_rejected", "color": pending.color}
    undone, _ = act(match, rules, pending.color, r.Undo(), now)
    return undone, {"kind": "undo_accepted", "color": pending.color, "moves": 1}


def _mark_dead(match: Match, rules: Rules, player_id: str, cmd: c.MarkDead,
               now: float) -> tuple[Match, Event]:
    return act(match, rules, _seated(match, player_id), r.MarkDead(cmd.x, cmd.y, cmd.dead),
                now)


def _accept_score(match: Match, rules: Rules, player_id: str, cmd: c.AcceptScore,
                  now: float) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    _check_rev(match, cmd.rev)
    return act(match, rules, color, r.AcceptScore(), now)


def _resume_play(match: Match, rules: Rules, player_id: str, cmd: c.ResumePlay,
                 now: float) -> tuple[Match, Event]:
    return act(match, rules, _seated(match, player_id), r.ResumePlay(), now)


def _connect(match: Match, rules: Rules, player_id: str, cmd: Connect,
             now: float) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    away = {k: v for k, v in match.away.items() if k != color}
    return (replace(match, connected=match.connected | {color}, away=away),
            {"kind": "player_connected", "color": color})


def _disconnect(match: Match, rules: Rules, player_id: str, cmd: Disconnect,
                now: float) -> tuple[Match, Event]:
    color = _seated(match, player_id)
    return (replace(match, connected=match.connected - {color},
                    away={**match.away, color: match.away.get(color, now)}),
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


def step(match: Match, rules: Rules, player_id: str, cmd: Any,
         now: float | None = None) -> tuple[Match, Event]:
    """Apply one command from one player at `now` (default: the match's creation time, for
    untimed tests); the rev goes up by one on success."""
    phase = match.phase(rules)
    handler = TABLE.get((phase, type(cmd)))
    if handler is None:
        raise WrongPhase(COMMAND_NAMES.get(type(cmd), type(cmd).__name__), phase)
    nxt, event = handler(match, rules, player_id, cmd, match.created_at if now is None else now)
    return evolve(nxt, rev=match.rev + 1), event


def bump(match: Match) -> Match:
    return replace(match, rev=match.rev + 1)


# -- deadlines: what falls due when nobody acts ---------------------------------------------------

FLAG = "clock.flag"
LOBBY = "match.lobby_timeout"
ABANDONED = "match.abandoned"
SCORING = "match.scoring_timeout"
DEADLINES = (FLAG, LOBBY, ABANDONED, SCORING)


Deadline = tuple[float, str]


def deadline(match: Match, rules: Rules, limits: Limits,
             phase: MatchPhase | None = None) -> Deadline | None:
    """The next instant something happens to this match unless a player acts, and what (one
    of `DEADLINES`); None if nothing ever will. `phase` saves deriving it again."""
    if phase is None:
        phase = match.phase(rules)
    if phase == "waiting":
        return None if limits.lobby is None else (match.created_at + limits.lobby, LOBBY)
    if phase == "playing":
        clock = match.game_clock
        if clock.control.system is not System.NONE:
            at = clock.flag_at()
            return None if at is None else (at, FLAG)
        if limits.abandon is None or not match.away:
            return None
        return min(match.away.values()) + limits.abandon, ABANDONED
    if phase == "scoring" and limits.scoring is not None and match.scoring_since is not None:
        return match.scoring_since + limits.scoring, SCORING
    return None


def expire(match: Match, rules: Rules, limits: Limits, now: float) -> tuple[Match, Event] | None:
    """What passing a deadline does as of `now` (the rev goes up by one), or None if nothing is
    due: a flag falls (`timeout`), a game nobody joined is cancelled, a player away too long
    forfeits a game without a clock, a scoring phase nobody finished is scored as marked."""
    due = deadline(match, rules, limits)
    if due is None or to_ms(now) < to_ms(due[0]):
        return None
    at, kind = due
    if kind == FLAG:
        flagged = match.game_clock.flagged(now)
        if flagged is None:  # cannot happen: flag_at is when flagged() turns true
            return None
        nxt, event = act(match, rules, flagged, r.Timeout(), now)
        event = {**event, "flag_at": at}
    elif kind == LOBBY:
        nxt = replace(match, ended=(CANCELLED, now), clock=match.game_clock.stop(now))
        event = {"kind": "cancelled", "reason": "nobody joined", "result": CANCELLED}
    elif kind == ABANDONED:
        gone = min(COLORS, key=lambda k: match.away.get(k, math.inf))
        result = f"{other(gone)[0].upper()}+F"
        nxt = replace(match, ended=(result, now), clock=match.game_clock.stop(now), undo=None)
        event = {"kind": "abandoned", "color": gone, "result": result}
    else:  # SCORING: both players accept the marking as it stands
        nxt, event = match, {}
        for color in COLORS:
            if nxt.phase(rules) == "scoring":
                nxt, event = act(nxt, rules, color, r.AcceptScore(), now)
        event = {**event, "kind": "finished", "reason": "scoring_timeout"}
    return replace(nxt, rev=match.rev + 1), event


# -- views ---------------------------------------------------------------------------------------


def _as_of(match: Match, now: float | None) -> float:
    """`now`, or without one the last instant the match's clock knows of."""
    if now is not None:
        return now
    clock = match.game_clock
    if clock.started_ms is not None:
        return clock.started_ms / 1000
    if match.ended is not None:
        return match.ended[1]
    return match.started_at if match.started_at is not None else match.created_at


def _player_view(match: Match, color: Color, captures: Mapping[str, int],
                 now: float) -> Json:
    seat = match.seat(color)
    if seat is None:
        return None
    clock: dict[str, Json] = match.game_clock.remaining(color, now)  # type: ignore[assignment]
    clock["as_of"] = now  # remaining() made this dict: no copy needed
    return {"id": seat.player_id, "name": seat.name, "captures": captures.get(color, 0),
            "connected": color in match.connected, "clock": clock}


def game_view(match: Match, rules: Rules, now: float | None = None,
              phase: MatchPhase | None = None) -> dict[str, Json]:
    """The wire `Game` without `moves` (an `update` carries this; a snapshot adds moves).
    Clocks are shown as of `now` (default: the last clock event), which `server_time` and
    each `clock.as_of` repeat."""
    now = to_ms(_as_of(match, now)) / 1000  # whole ms, like the clock
    view = rules.view(match.state)
    captures = view.pop("captures", {})
    if phase is None:
        phase = match.phase(rules)
    undo = match.undo
    clock = match.game_clock
    if match.ended is not None:
        view["result"] = match.ended[0]
    return {
        "id": match.id,
        "rev": match.rev,
        "game": match.game,
        "phase": phase,
        "settings": {**match.options, "time_control": match.time_control.to_dict()},
        "players": {"black": _player_view(match, "black", captures, now),
                    "white": _player_view(match, "white", captures, now)},
        "turn": rules.turn(match.state) if phase == "playing" else None,
        "undo": None if undo is None else {"color": undo.color, "rev": undo.rev},
        "server_time": now,
        "clock": {"as_of": now, "phase": clock.phase.value, "running": clock.running,
                  "flag_at": clock.flag_at()},
        **view,
    }


def snapshot_view(match: Match, rules: Rules, now: float | None = None) -> dict[str, Json]:
    view = game_view(match, rules, now)
    view["moves"] = rules.moves(match.state)
    return view


def summary_view(match: Match, rules: Rules,
                 phase: MatchPhase | None = None) -> dict[str, Json]:
    """A `GameSummary` for the lobby and `/api/games`."""
    return {
        "id": match.id,
        "game": match.game,
        "rev": match.rev,
        "phase": match.phase(rules) if phase is None else phase,
        "settings": {**match.options, "time_control": match.time_control.to_dict()},
        "players": {color: (None if (s := match.seat(color)) is None
                            else {"id": s.player_id, "name": s.name}) for color in COLORS},
        "moves": len(rules.moves(match.state)),
        "created_at": match.created_at,
    }


__all__ = ["ABANDONED", "CANCELLED", "CHUNK_ACTIONS", "DEADLINES", "FLAG", "LOBBY", "SCORING",
           "ClockStack", "Deadline", "Limits", "Match", "Seat", "act", "bump", "deadline", "expire",
           "game_view", "join", "new_match", "other", "snapshot_view", "start", "step",
           "summary_view"]
