"""Go as a game the server serves: the adapter between the match core and the Go rules library
(`gameserver.games.go`).

It adds what the rules library leaves to the server: the `create` settings and their defaults
(the ruleset's komi and handicap placement, the time control), the clock (moves charge the
mover, two passes pause it, resuming starts it for the player on turn, the end stops it, an
accepted undo restores the clock kept from before the undone move), undo requests and replies,
both players' score acceptance during the scoring phase (any dead-stone change or resume clears
it), the scoring timeout, the forfeit of an untimed game whose player stays away, the SGF
export, and the mapping of `GoError` leaves onto protocol errors.

Seats are `black` and `white`. Free handicap placement goes through the ordinary `move`
action: while Black places the handicap stones the match is `playing`, `turn` stays black, each
stone is a `handicap_stone` event (not a move: `moves` stays empty) and `handicap_left` counts
down; White moves next.

Record codes (kept from the records stored before games were generic): `m` move, `p` pass,
`r` resign, `u` an accepted undo, `d` a dead-stone mark, `a` a score acceptance, `c` resume,
`t` a flag falling; and `q` an undo request, `n` an undo declined, `f` a forfeit, `s` a scoring
phase that timed out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from gameserver.core.evolve import fast_init
from gameserver.core.game import (
    Action,
    Deadline,
    Event,
    ExportInfo,
    GameBase,
    Json,
    read_fields,
)
from gameserver.core.timecontrol import Color as ClockColor
from gameserver.core.timecontrol import FlagFell, GameClock, Phase, System, TimeControl, to_ms
from gameserver.games.go import (
    RULESETS,
    Color,
    GoError,
    GoGame,
    IllegalMoveError,
    NotYourTurnError,
    WrongPhaseError,
    suggest_dead,
    to_sgf,
)
from gameserver.games.go.scoring import score_game
from gameserver.wire.errors import (
    BadRequest,
    Forbidden,
    IllegalMove,
    NotYourTurn,
    UnknownType,
    WrongPhase,
)
from gameserver.wire.requests import parse_time_control

__all__ = ["FLAG", "SCORING", "GoRules", "GoState", "PendingUndo"]

_COLOR = {"black": Color.BLACK, "white": Color.WHITE}
_SEAT: dict[Color | None, str] = {color: seat for seat, color in _COLOR.items()}
_CLOCK_PHASE = {phase: phase.value for phase in Phase}
_OTHER = {"black": "white", "white": "black"}
_RULESET_NAMES = ", ".join(f'"{name}"' for name in RULESETS)

FLAG = "clock.flag"
SCORING = "match.scoring_timeout"

# -- actions ------------------------------------------------------------------------------------


@fast_init
@dataclass(frozen=True, slots=True)
class Move:
    x: int
    y: int
    checks_rev: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Pass:
    checks_rev: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Resign:
    pass


@dataclass(frozen=True, slots=True)
class UndoRequest:
    """Ask to take back your own last move; `rev` is the game rev it was asked at."""

    rev: int = 0
    checks_rev: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class UndoReply:
    accept: bool


@dataclass(frozen=True, slots=True)
class MarkDead:
    x: int
    y: int
    dead: bool


@dataclass(frozen=True, slots=True)
class AcceptScore:
    checks_rev: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class ResumePlay:
    pass


@dataclass(frozen=True, slots=True)
class Undo:
    """An undo applied (recorded for the player whose move it takes back)."""


@dataclass(frozen=True, slots=True)
class Timeout:
    """The flag of the seat it is recorded for fell."""


@dataclass(frozen=True, slots=True)
class Forfeit:
    """The seat it is recorded for stayed away too long in a game without a clock."""


@dataclass(frozen=True, slots=True)
class ScoringTimeout:
    """Nobody finished the scoring phase in time: it is scored as marked."""


# -- state --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingUndo:
    color: str  # who asks to take their last move back
    rev: int  # the game rev at which they asked


@fast_init
@dataclass(frozen=True, slots=True)
class ClockStack:
    """The clock as it was before each move still on the board, newest first (for undo)."""

    clock: GameClock
    below: ClockStack | None


@fast_init
@dataclass(frozen=True, slots=True)
class GoState:
    game: GoGame
    clock: GameClock
    accepted: frozenset[str] = frozenset()
    undo: PendingUndo | None = None
    clocks: ClockStack | None = None
    scoring_since: float | None = None  # when the current scoring phase began


def _protocol_error(e: GoError) -> Exception:
    """The protocol error a Go rules error becomes on the wire."""
    if isinstance(e, IllegalMoveError):
        return IllegalMove(e.reason, str(e))
    if isinstance(e, NotYourTurnError):
        return NotYourTurn(e.color.value, str(e))
    if isinstance(e, WrongPhaseError):
        # handicap placement is part of the match's `playing` phase on the wire
        return WrongPhase(e.action, "playing" if e.phase == "placement" else e.phase, str(e))
    return BadRequest(str(e))


@contextmanager
def _protocol_errors() -> Iterator[None]:
    try:
        yield
    except GoError as e:
        raise _protocol_error(e) from None


def _given(raw: Mapping[str, Json], key: str, default: Json) -> Json:
    """The option as sent, or ``default`` when it is absent or null."""
    value = raw.get(key)
    return default if value is None else value


def _color(seat: str) -> ClockColor:
    assert seat in _COLOR, seat
    return cast(ClockColor, seat)


def _turn(game: GoGame) -> str | None:
    return _SEAT.get(game.to_move)  # (an enum's `.value` is a Python property: slow)


def _lapsed(state: GoState, event: Event) -> Event:
    """A move or pass answers a pending undo request by playing on: say so."""
    if state.undo is not None:
        event["undo_lapsed"] = state.undo.color
    return event


def _withdrawn(state: GoState, event: Event) -> Event:
    """A change of the marking (or resuming play) cancels the score acceptances given."""
    if state.accepted:
        event["withdrawn"] = sorted(state.accepted)
    return event


def _sgf_time(control: TimeControl) -> tuple[float | None, str | None]:
    """SGF's TM (main time, seconds) and OT (overtime) for a time control."""
    system = control.system
    if system is System.NONE:
        return None, None
    main = control.main_ms / 1000
    if system is System.BYOYOMI:
        return main, f"{control.periods}x{_seconds(control.period_ms)} byo-yomi"
    if system is System.CANADIAN:
        return main, f"{control.stones}/{_seconds(control.period_ms)} Canadian"
    if system is System.FISCHER:
        return main, f"{_seconds(control.increment_ms)} Fischer"
    return main, None


def _seconds(ms: int) -> str:
    return f"{ms / 1000:g}"


def _point(p: tuple[int, int] | None) -> Json:
    return None if p is None else {"x": p[0], "y": p[1]}


def _points(points: Collection[tuple[int, int]]) -> list[Json]:
    """`points` on the wire, row by row (none, while nothing is marked dead: most views)."""
    if not points:
        return []
    return [{"x": x, "y": y} for y, x in sorted((y, x) for x, y in points)]


class GoRules(GameBase):
    """Two-player Go on any board from 5x5 to 25x25, under six rulesets, with a clock."""

    name = "go"
    title = "Go"
    seats = ("black", "white")
    actions: ClassVar[Mapping[str, type[Any]]] = {
        "move": Move, "pass": Pass, "resign": Resign, "undo_request": UndoRequest,
        "undo_reply": UndoReply, "mark_dead": MarkDead, "accept_score": AcceptScore,
        "resume_play": ResumePlay,
    }
    recorded: ClassVar[Mapping[str, type[Any]]] = {
        "m": Move, "p": Pass, "r": Resign, "q": UndoRequest, "u": Undo, "d": MarkDead,
        "a": AcceptScore, "c": ResumePlay, "t": Timeout, "f": Forfeit, "s": ScoringTimeout,
    }
    phases: ClassVar[Mapping[str, frozenset[type[Any]]]] = {
        "playing": frozenset({Move, Pass, Resign, UndoRequest, UndoReply}),
        "scoring": frozenset({Resign, MarkDead, AcceptScore, ResumePlay}),
    }

    def __init__(self, scoring_timeout: float | None = None) -> None:
        #: seconds a scoring phase may last before it is scored as marked (None: forever)
        self.scoring_timeout = scoring_timeout
        self.exports = {"sgf": self._sgf}
        self.queries = {"estimate": self._estimate}

    # -- settings ------------------------------------------------------------------------------

    def settings(self, raw: Mapping[str, Json]) -> dict[str, Json]:
        size, handicap = _given(raw, "size", 19), _given(raw, "handicap", 0)
        for key, value in (("size", size), ("handicap", handicap)):
            if type(value) is not int:
                raise BadRequest(f"field {key!r} must be an integer")
        if not 5 <= size <= 25:
            raise BadRequest("field 'size' must be an integer from 5 to 25")
        name = _given(raw, "ruleset", "chinese")
        rules = RULESETS.get(name) if type(name) is str else None
        if rules is None:
            raise BadRequest(f"field 'ruleset' must be one of {_RULESET_NAMES}")
        komi = _given(raw, "komi", rules.default_komi(handicap))
        if type(komi) not in (int, float):
            raise BadRequest("field 'komi' must be a number")
        if not -1000 <= komi <= 1000:
            raise BadRequest("field 'komi' must be between -1000 and 1000")
        placement = _given(raw, "handicap_placement", rules.placement)
        if placement not in ("fixed", "free"):
            raise BadRequest('field \'handicap_placement\' must be "fixed" or "free"')
        control = parse_time_control(raw.get("time_control"))
        settings: dict[str, Json] = {"size": size, "komi": komi, "handicap": handicap,
                                     "ruleset": name, "handicap_placement": placement,
                                     "time_control": control.to_dict()}
        with _protocol_errors():
            game = self._game(settings)
        settings["komi"] = game.komi
        return settings

    # -- the game ------------------------------------------------------------------------------

    @staticmethod
    def _game(settings: Mapping[str, Json]) -> GoGame:
        # records made before free placement existed have no handicap_placement: fixed
        return GoGame.new(settings["size"], settings["komi"], settings["handicap"],
                          settings["ruleset"],
                          placement=settings.get("handicap_placement", "fixed"))

    def new(self, settings: Mapping[str, Json]) -> GoState:
        control = TimeControl.from_dict(settings.get("time_control", {"system": "none"}))
        return GoState(self._game(settings), GameClock.new(control))

    def start(self, state: GoState, seats: Sequence[str], now: float) -> GoState:
        turn = state.game.to_move
        first = "black" if turn is None else turn.value
        return replace(state, clock=state.clock.start(now, first=_color(first)))

    def stop(self, state: GoState, now: float) -> GoState:
        if state.clock.phase is Phase.STOPPED:
            return state
        return replace(state, clock=state.clock.stop(now))

    def phase(self, state: GoState) -> str:
        phase = state.game.phase
        return "playing" if phase == "placement" else phase

    def turn(self, state: GoState) -> str | None:
        return _turn(state.game)

    def last_mover(self, state: GoState) -> str | None:
        last = state.game.last_mover  # a handicap stone counts: undo takes it back
        return None if last is None else last.value

    def action(self, raw: Mapping[str, Json], prefix: str = "action.") -> Action:
        name = raw.get("type")
        cls = self.actions.get(name) if type(name) is str else None
        if cls is None:
            if type(name) is not str:
                raise BadRequest("field 'action.type' is missing or not a string")
            raise UnknownType(name[:64])
        return cls(**read_fields(cls, raw, prefix))

    def moves(self, state: GoState) -> int:
        return len(state.game.moves)

    # -- actions -------------------------------------------------------------------------------

    def apply(self, state: GoState, seat: str | None, action: Action,
              now: float) -> tuple[GoState, Event]:
        kind = type(action)
        if kind is UndoRequest:
            assert seat is not None
            return self._undo_request(state, seat, action)
        if kind is UndoReply:
            assert seat is not None
            return self._undo_reply(state, seat, action, now)
        if kind is ScoringTimeout:
            return self._scoring_timeout(state, now)
        assert seat is not None
        try:
            game, undo, accepted, event = self._rules(state, seat, action)
        except GoError as error:
            raise _protocol_error(error) from None
        return self._clocked(state, game, undo, accepted, seat, action, now), event

    def _rules(self, state: GoState, color: str,
               action: Action) -> tuple[GoGame, PendingUndo | None, frozenset[str], Event]:
        """What the rules library says: the next position, the pending undo request and the
        score acceptances it leaves, and the event (no clock yet)."""
        game = state.game
        c = _COLOR[color]
        kind = type(action)
        if kind is Move:
            nxt = game.play(c, (action.x, action.y))
            if game.phase == "placement":
                return (nxt, None, state.accepted,
                        _lapsed(state, {"kind": "handicap_stone", "color": color,
                                        "x": action.x, "y": action.y,
                                        "left": nxt.handicap_left}))
            return (nxt, None, state.accepted,
                    _lapsed(state, {"kind": "move", "color": color, "x": action.x,
                                    "y": action.y}))
        if kind is Pass:
            nxt = game.pass_move(c)
            return (nxt, None, state.accepted,
                    _lapsed(state, {"kind": "pass", "color": color, "phase": nxt.phase}))
        if kind is Resign:
            nxt = game.resign(c)
            return (nxt, None, frozenset(),
                    {"kind": "resign", "color": color, "result": nxt.result})
        if kind is Timeout:
            flag_at = state.clock.flag_at()
            nxt = game.timeout(c)
            return (nxt, None, frozenset(),
                    {"kind": "timeout", "color": color, "result": nxt.result,
                     "flag_at": flag_at})
        if kind is Forfeit:
            nxt = game.finish(f"{_OTHER[color][0].upper()}+F")
            return (nxt, None, frozenset(),
                    {"kind": "forfeit", "color": color, "result": nxt.result})
        if kind is Undo:
            return game.undo(), None, state.accepted, {"kind": "undo", "color": color}
        if kind is MarkDead:
            nxt = game.mark_dead((action.x, action.y), action.dead)
            return (nxt, state.undo, frozenset(),
                    _withdrawn(state, {"kind": "dead_marked", "color": color, "x": action.x,
                                       "y": action.y, "dead": action.dead}))
        if kind is ResumePlay:
            return (game.resume(), state.undo, frozenset(),
                    _withdrawn(state, {"kind": "play_resumed", "color": color}))
        if kind is AcceptScore:
            if game.phase != "scoring":
                raise WrongPhase("accept_score", game.phase)
            accepted = state.accepted | {color}
            if len(accepted) < 2:
                return game, state.undo, accepted, {"kind": "score_accepted", "color": color}
            nxt = game.finish_by_score()
            return (nxt, state.undo, frozenset(),
                    {"kind": "finished", "color": color, "result": nxt.result})
        raise AssertionError(f"unknown action {action!r}")  # pragma: no cover

    def _undo_request(self, state: GoState, color: str,
                      action: UndoRequest) -> tuple[GoState, Event]:
        if state.undo is not None:
            raise BadRequest(f"{state.undo.color} already asked for an undo")
        if self.last_mover(state) != color:
            raise Forbidden("you can only take back your own last move")
        return (replace(state, undo=PendingUndo(color, action.rev)),
                {"kind": "undo_requested", "color": color})

    def _undo_reply(self, state: GoState, color: str, action: UndoReply,
                    now: float) -> tuple[GoState, Event]:
        pending = state.undo
        if pending is None:
            raise BadRequest("there is no undo request to answer")
        if pending.color == color:
            raise Forbidden("you cannot answer your own undo request")
        if not action.accept:
            return replace(state, undo=None), {"kind": "undo_rejected", "color": pending.color}
        undone, _ = self.apply(state, pending.color, Undo(), now)
        return undone, {"kind": "undo_accepted", "color": pending.color, "moves": 1}

    def _scoring_timeout(self, state: GoState, now: float) -> tuple[GoState, Event]:
        nxt = state.game.finish_by_score()
        return (self._clocked(state, nxt, state.undo, frozenset(), "black", ScoringTimeout(),
                              now),
                {"kind": "finished", "reason": "scoring_timeout", "result": nxt.result})

    def _clocked(self, before: GoState, game: GoGame, undo: PendingUndo | None,
                 accepted: frozenset[str], color: str, action: Action, now: float) -> GoState:
        """The state after `action` at `now` (the rules' `game`, `undo` and `accepted`): with
        the clock, the clocks kept for undo and the scoring start it leads to. The one copy of
        the state a change makes."""
        clock = before.clock
        stack = before.clocks
        kind = type(action)
        if kind is Move or kind is Pass:
            stack = ClockStack(clock, stack)
            try:
                if _turn(game) != color:
                    clock = clock.moved(_color(color), now)
                elif clock.flagged(now) == color:  # a play that keeps the turn (handicap)
                    raise FlagFell(color, clock.flag_at_ms() or 0, to_ms(now))
            except FlagFell as flag:
                raise WrongPhase("move" if kind is Move else "pass", "finished",
                                 f"too late: {flag}") from None
        elif kind is Undo and stack is not None:
            clock, stack = clock.undo(stack.clock), stack.below
        phase = game.phase
        if phase in ("playing", "placement") and clock.phase is Phase.PAUSED:
            turn = _turn(game)
            assert turn is not None
            clock = clock.resume(_color(turn), now)
        elif phase == "scoring" and clock.phase is Phase.RUNNING:
            clock = clock.pause(now)
        elif phase == "finished" and clock.phase is not Phase.STOPPED:
            clock = clock.stop(now)
        scoring_since = before.scoring_since
        if phase != "scoring":
            scoring_since = None
        elif before.game.phase != "scoring":
            scoring_since = now
        return GoState(game, clock, accepted, undo, stack, scoring_since)

    # -- deadlines and absence -----------------------------------------------------------------

    def deadline(self, state: GoState) -> Deadline | None:
        phase = state.game.phase
        if phase in ("playing", "placement"):
            at = state.clock.flag_at()
            return None if at is None else (at, FLAG)
        if phase == "scoring" and self.scoring_timeout is not None \
                and state.scoring_since is not None:
            return state.scoring_since + self.scoring_timeout, SCORING
        return None

    def expire(self, state: GoState, kind: str,
               now: float) -> Sequence[tuple[str | None, Action]]:
        if kind == FLAG:
            flagged = state.clock.flagged(now)
            return () if flagged is None else ((flagged, Timeout()),)
        if kind == SCORING and state.game.phase == "scoring":
            return ((None, ScoringTimeout()),)
        return ()

    def abandon(self, state: GoState, seat: str) -> Action | None:
        """An untimed game is forfeited by a player who stays away; a clock decides timed
        games (and a scoring phase has its own timeout)."""
        if state.clock.control.system is not System.NONE or state.game.phase != "playing":
            return None
        return Forfeit()

    # -- views ---------------------------------------------------------------------------------

    def view(self, state: GoState, seat: str | None, now: float,
             full: bool) -> dict[str, Json]:
        game = state.game
        score: Json = None
        if game.phase == "scoring" or (game.phase == "finished" and game.result is not None
                                       and game.result[2:3].isdigit()):
            s = game.score()
            score = {"black": s.black, "white": s.white, "result": s.result, "komi": s.komi,
                     "handicap_compensation": s.handicap_compensation}
        clock = state.clock
        phase = self.phase(state)
        undo = state.undo
        view: dict[str, Json] = {
            "players": {
                "black": {"captures": game.black_captures,
                          "clock": {**clock.remaining("black", now), "as_of": now}},
                "white": {"captures": game.white_captures,
                          "clock": {**clock.remaining("white", now), "as_of": now}},
            },
            "turn": self.turn(state) if phase == "playing" else None,
            "undo": None if undo is None else {"color": undo.color, "rev": undo.rev},
            "clock": {"as_of": now, "phase": _CLOCK_PHASE[clock.phase], "running": clock.running,
                      "flag_at": clock.flag_at()},
            "board": game.board_rows(),
            "handicap_left": game.handicap_left,
            "ko": _point(game.ko),
            "dead": _points(game.dead),
            "accepted": sorted(state.accepted) if state.accepted else [],
            "score": score,
            "result": game.result,
        }
        if full:
            view["moves"] = [
                {"color": m.color.value, "pass": True} if m.point is None
                else {"color": m.color.value, "x": m.point[0], "y": m.point[1]}
                for m in game.moves
            ]
        return view

    def _estimate(self, state: GoState) -> Json:
        """The score if the game ended now, the stones the dead-stone suggestion takes for
        dead counted as captured: an estimate, not a result."""
        game = state.game
        guess = dataclasses.replace(game, dead=suggest_dead(game))
        s = score_game(guess)
        return {"estimate": True, "black": s.black, "white": s.white, "result": s.result,
                "dead": _points(guess.dead)}

    def result(self, state: GoState) -> str | None:
        return state.game.result

    def _sgf(self, state: GoState, info: ExportInfo) -> tuple[str, str]:
        """SGF with the date (DT), the time settings (TM, OT) and the chat as comments on the
        move each line followed."""
        comments: dict[int, list[str]] = {}
        for line in info.chat:
            comments.setdefault(int(line.get("moves", 0)), []).append(
                f"{line['name']}: {line['text']}")
        control = state.clock.control
        main, overtime = _sgf_time(control)
        date = datetime.fromtimestamp(info.created_at, UTC).strftime("%Y-%m-%d")
        return "application/x-go-sgf", to_sgf(
            state.game, black_name=info.names.get("black", ""),
            white_name=info.names.get("white", ""), date=date,
            comments={n: "\n".join(lines) for n, lines in comments.items()},
            time_limit=main, overtime=overtime)

    # -- the record ----------------------------------------------------------------------------

    def encode(self, action: Action) -> list[Json]:
        kind = type(action)
        if kind is Move:
            return ["m", action.x, action.y]
        if kind is MarkDead:
            return ["d", action.x, action.y, int(action.dead)]
        if kind is UndoRequest:
            return ["q", action.rev]
        if kind is UndoReply:
            return ["y" if action.accept else "n"]
        for code, cls in self.recorded.items():
            if kind is cls:
                return [code]
        raise ValueError(f"go: {action!r} is not a recorded action")

    def decode(self, item: Sequence[Json]) -> Action:
        code = item[0]
        if code == "m":
            return Move(int(item[1]), int(item[2]))
        if code == "d":
            return MarkDead(int(item[1]), int(item[2]), bool(item[3]))
        if code == "q":
            return UndoRequest(int(item[1]))
        if code in ("y", "n"):
            return UndoReply(code == "y")
        return self.recorded[code]()
