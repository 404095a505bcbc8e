"""Rock, paper, scissors, best of N, for two players who choose at the same time.

The whole game is this module: its settings, its actions, its phases, what each seat may see
(a choice stays hidden from the opponent until both have chosen) and its result. It is pure:
no I/O, no clock, `now` is an argument. `gameserver.core.game.GameBase` fills in the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal

from gameserver.core.game import Action, Deadline, Event, GameBase, Json
from gameserver.wire.errors import BadRequest, WrongPhase

Hand = Literal["rock", "paper", "scissors"]
BEATS: dict[str, str] = {"rock": "scissors", "paper": "rock", "scissors": "paper"}
SEATS = ("one", "two")
ROUND_OVER = "rps.round_over"  # the deadline kind: a round's time ran out


# -- actions: what a player (or the server) can do -------------------------------------------


@dataclass(frozen=True, slots=True)
class Choose:
    hand: Hand  # read from the wire by its annotation: anything else is a bad_request


@dataclass(frozen=True, slots=True)
class Resign:
    pass


@dataclass(frozen=True, slots=True)
class TimeUp:
    """The server's action: the round's time ran out."""


# -- the state: an immutable value -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rps:
    rounds: int  # best of this many
    round_seconds: float  # 0: no time limit
    chosen: Mapping[str, str]  # this round's hidden choices
    played: tuple[Mapping[str, str | None], ...] = ()  # every finished round, revealed
    wins: Mapping[str, int] = field(default_factory=lambda: {seat: 0 for seat in SEATS})
    round_started: float | None = None
    winner: str | None = None  # a seat, "draw", or None while playing


def _wins(state: Rps) -> dict[str, int]:
    return dict(state.wins)


class RockPaperScissors(GameBase):
    name = "rps"
    title = "Rock, paper, scissors"
    seats = SEATS
    hidden = True  # each seat gets its own frames: the opponent's choice stays secret
    actions: ClassVar[Mapping[str, type[Any]]] = {"choose": Choose, "resign": Resign}
    recorded: ClassVar[Mapping[str, type[Any]]] = {"c": Choose, "r": Resign, "t": TimeUp}
    phases: ClassVar[Mapping[str, frozenset[type[Any]]]] = {
        "choosing": frozenset({Choose, Resign}),
    }

    def settings(self, raw: Mapping[str, Json]) -> dict[str, Json]:
        rounds = raw.get("rounds", 3)
        seconds = raw.get("round_seconds", 0)
        if type(rounds) is not int or rounds < 1 or rounds % 2 == 0 or rounds > 99:
            raise BadRequest("field 'rounds' must be an odd number from 1 to 99")
        if type(seconds) not in (int, float) or not 0 <= seconds <= 3600:
            raise BadRequest("field 'round_seconds' must be a number of seconds, 0-3600")
        return {"rounds": rounds, "round_seconds": seconds}

    def new(self, settings: Mapping[str, Json]) -> Rps:
        return Rps(settings["rounds"], float(settings["round_seconds"]), {})

    def start(self, state: Rps, seats: Sequence[str], now: float) -> Rps:
        return replace(state, round_started=now)

    def phase(self, state: Rps) -> str:
        return "finished" if state.winner is not None else "choosing"

    def apply(self, state: Rps, seat: str | None, action: Action,
              now: float) -> tuple[Rps, Event]:
        if isinstance(action, Resign):
            assert seat is not None
            other = SEATS[1 - SEATS.index(seat)]
            return replace(state, winner=other), {"kind": "resign", "seat": seat}
        if isinstance(action, TimeUp):
            return self._reveal(state, now, timed_out=True)
        assert isinstance(action, Choose) and seat is not None
        if seat in state.chosen:
            raise WrongPhase("choose", "choosing", "you already chose this round")
        chosen = {**state.chosen, seat: action.hand}
        if len(chosen) < len(SEATS):  # the event says who chose, never what
            return replace(state, chosen=chosen), {"kind": "chosen", "seat": seat}
        return self._reveal(replace(state, chosen=chosen), now)

    def _reveal(self, state: Rps, now: float, timed_out: bool = False) -> tuple[Rps, Event]:
        hands: dict[str, str | None] = {seat: state.chosen.get(seat) for seat in SEATS}
        one, two = hands["one"], hands["two"]
        if one == two:
            round_winner = None
        elif two is None or (one is not None and BEATS[one] == two):
            round_winner = "one"
        else:
            round_winner = "two"
        wins = _wins(state)
        if round_winner is not None:
            wins[round_winner] += 1
        need = state.rounds // 2 + 1
        winner = next((seat for seat in SEATS if wins[seat] >= need), None)
        nxt = replace(state, chosen={}, played=(*state.played, hands), wins=wins,
                      round_started=now, winner=winner)
        event: Event = {"kind": "round", "hands": hands, "winner": round_winner}
        if timed_out:
            event["timed_out"] = True
        return nxt, event

    def deadline(self, state: Rps) -> Deadline | None:
        if state.winner is not None or not state.round_seconds or state.round_started is None:
            return None
        return state.round_started + state.round_seconds, ROUND_OVER

    def expire(self, state: Rps, kind: str,
               now: float) -> Sequence[tuple[str | None, Action]]:
        return ((None, TimeUp()),) if kind == ROUND_OVER else ()

    def view(self, state: Rps, seat: str | None, now: float, full: bool) -> dict[str, Json]:
        return {
            "chosen": {s: s in state.chosen for s in SEATS},  # who has chosen, for everyone
            "mine": state.chosen.get(seat) if seat is not None else None,  # only your own
            "played": [dict(r) for r in state.played],
            "wins": _wins(state),
            "round": len(state.played) + 1,
            "round_ends_at": None if (d := self.deadline(state)) is None else d[0],
            "result": self.result(state),
        }

    def result(self, state: Rps) -> str | None:
        return None if state.winner is None else f"{state.winner} wins"

    def moves(self, state: Rps) -> int:
        return len(state.played)


def make_game(settings: Any) -> RockPaperScissors:
    return RockPaperScissors()
