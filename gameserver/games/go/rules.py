"""Go as a `gameserver.core.rules.Rules`: the adapter between the match layer and the Go
rules library (`gameserver.games.go`).

Adds what the rules library leaves to the server: the `create` options and their defaults
(the ruleset's komi and handicap placement), both players' score acceptance during the scoring
phase (any dead-stone change or resume clears it), and the mapping of `GoError` leaves onto
protocol errors.

Free handicap placement goes through the ordinary `move` request: while Black places the
handicap stones the match is `playing`, `turn` stays black, each stone is a `handicap_stone`
event (not a move: `moves` stays empty) and `handicap_left` counts down; White moves next.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace

from gameserver.core import rules as r
from gameserver.core.rules import Json, Phase
from gameserver.games.go import (
    RULESETS,
    Color,
    EmptyPointError,
    GoError,
    GoGame,
    IllegalMoveError,
    NotYourTurnError,
    SettingsError,
    WrongPhaseError,
    to_sgf,
)
from gameserver.wire.errors import BadRequest, IllegalMove, NotYourTurn, WrongPhase

_COLOR = {"black": Color.BLACK, "white": Color.WHITE}
_RULESET_NAMES = ", ".join(f'"{name}"' for name in RULESETS)


@dataclass(frozen=True, slots=True)
class GoState:
    game: GoGame
    accepted: frozenset[r.Color] = frozenset()


@contextmanager
def _protocol_errors() -> Iterator[None]:
    try:
        yield
    except IllegalMoveError as e:
        raise IllegalMove(e.reason, str(e)) from None
    except NotYourTurnError as e:
        raise NotYourTurn(e.color.value, str(e)) from None
    except WrongPhaseError as e:
        # handicap placement is part of the match's `playing` phase on the wire
        raise WrongPhase(e.action, "playing" if e.phase == "placement" else e.phase,
                         str(e)) from None
    except (SettingsError, EmptyPointError) as e:
        raise BadRequest(str(e)) from None
    except GoError as e:
        raise BadRequest(str(e)) from None


def _given(raw: Mapping[str, Json], key: str, default: Json) -> Json:
    """The option as sent, or ``default`` when it is absent or null."""
    value = raw.get(key)
    return default if value is None else value


def _point(p: tuple[int, int] | None) -> Json:
    return None if p is None else {"x": p[0], "y": p[1]}


class GoRules:
    """Two-player Go on any board from 5x5 to 25x25."""

    name = "go"

    def parse_options(self, raw: Mapping[str, Json]) -> dict[str, Json]:
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
        options = {"size": size, "komi": komi, "handicap": handicap, "ruleset": name,
                   "handicap_placement": placement}
        with _protocol_errors():
            game = self.new(options)
        options["komi"] = game.game.komi
        return options

    def new(self, options: Mapping[str, Json]) -> GoState:
        # records made before free placement existed have no handicap_placement: fixed
        return GoState(GoGame.new(options["size"], options["komi"], options["handicap"],
                                  options["ruleset"],
                                  placement=options.get("handicap_placement", "fixed")))

    def phase(self, state: GoState) -> Phase:
        phase = state.game.phase
        return "playing" if phase == "placement" else phase

    def turn(self, state: GoState) -> r.Color | None:
        to_move = state.game.to_move
        return None if to_move is None else to_move.value

    def last_mover(self, state: GoState) -> r.Color | None:
        last = state.game.last_mover  # a handicap stone counts: undo takes it back
        return None if last is None else last.value

    def apply(self, state: GoState, color: r.Color, action: r.Action) -> tuple[GoState, Json]:
        game = state.game
        c = _COLOR[color]
        with _protocol_errors():
            if isinstance(action, r.Play):
                nxt = game.play(c, (action.x, action.y))
                if game.phase == "placement":
                    return GoState(nxt), {"kind": "handicap_stone", "color": color,
                                          "x": action.x, "y": action.y,
                                          "left": nxt.handicap_left}
                return GoState(nxt), {"kind": "move", "color": color, "x": action.x,
                                      "y": action.y}
            if isinstance(action, r.PassTurn):
                nxt = game.pass_move(c)
                return GoState(nxt), {"kind": "pass", "color": color, "phase": nxt.phase}
            if isinstance(action, r.Resign):
                nxt = game.resign(c)
                return GoState(nxt), {"kind": "resign", "color": color, "result": nxt.result}
            if isinstance(action, r.Timeout):
                nxt = game.timeout(c)
                return GoState(nxt), {"kind": "timeout", "color": color, "result": nxt.result}
            if isinstance(action, r.Undo):
                return GoState(game.undo()), {"kind": "undo", "color": color}
            if isinstance(action, r.MarkDead):
                nxt = game.mark_dead((action.x, action.y), action.dead)
                return GoState(nxt), {"kind": "dead_marked", "color": color, "x": action.x,
                                      "y": action.y, "dead": action.dead}
            if isinstance(action, r.ResumePlay):
                return GoState(game.resume()), {"kind": "play_resumed", "color": color}
            if isinstance(action, r.AcceptScore):
                if game.phase != "scoring":
                    raise WrongPhase("accept_score", game.phase)
                accepted = state.accepted | {color}
                if len(accepted) < 2:
                    return replace(state, accepted=accepted), {"kind": "score_accepted",
                                                               "color": color}
                nxt = game.finish_by_score()
                return GoState(nxt), {"kind": "finished", "color": color, "result": nxt.result}
        raise AssertionError(f"unknown action {action!r}")  # pragma: no cover

    def view(self, state: GoState) -> dict[str, Json]:
        game = state.game
        score: Json = None
        if game.phase == "scoring" or (game.phase == "finished" and game.result is not None
                                       and game.result[2:3].isdigit()):
            s = game.score()
            score = {"black": s.black, "white": s.white, "result": s.result, "komi": s.komi,
                     "handicap_compensation": s.handicap_compensation}
        return {
            "board": game.board_rows(),
            "handicap_left": game.handicap_left,
            "ko": _point(game.ko),
            "dead": sorted((_point(p) for p in game.dead), key=lambda p: (p["y"], p["x"])),
            "accepted": sorted(state.accepted),
            "score": score,
            "result": game.result,
            "captures": {"black": game.black_captures, "white": game.white_captures},
        }

    def moves(self, state: GoState) -> list[dict[str, Json]]:
        return [
            {"color": m.color.value, "pass": True} if m.point is None
            else {"color": m.color.value, "x": m.point[0], "y": m.point[1]}
            for m in state.game.moves
        ]

    def record(self, state: GoState, names: Mapping[r.Color, str]) -> str | None:
        return to_sgf(state.game, black_name=names.get("black", ""),
                      white_name=names.get("white", ""))
