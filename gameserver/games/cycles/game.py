"""Light cycles on the match core: settings, actions, phases, the tick deadline and the view.

The rules are `gameserver.games.cycles.rules`; this module speaks `gameserver.core.game`'s
protocol. Every tick is a deadline of kind `TICK` whose action (`Advance`, from the server) is
applied and recorded like a player's, so the server runs it as its durable flowstate timer and
a replay of the record rebuilds the arena tick for tick.

Late input: a `steer` is judged when the server receives it. It is queued for the next tick
the server runs; a steer that arrives after a tick fell due but before the server ran it
applies at the tick after (the server runs the due tick first: `Matches.command`). At most
one turn per rider per tick (a later one replaces it), and a reversal is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from gameserver.core.game import Action, Deadline, Event, GameBase, Json
from gameserver.core.timecontrol import to_ms
from gameserver.games.cycles import rules
from gameserver.games.cycles.rules import SEATS, Arena, CyclesError, Dir
from gameserver.wire.errors import BadRequest, IllegalMove

__all__ = ["TICK", "Advance", "Cycles", "Resign", "Steer", "grid_rows"]

TICK = "cycles.tick"  # the deadline kind: the next tick fell due
LETTERS = {"red": "r", "blue": "b", "green": "g", "yellow": "y"}
EMPTY = "."

#: setting -> (default, lowest, highest)
LIMITS: Mapping[str, tuple[int, int, int]] = {
    "players": (2, 2, 4),
    "size": (32, 10, 100),
    "tick_rate": (10, 10, 20),  # ticks per second
}
COUNTDOWN = (3.0, 0.0, 10.0)  # seconds before the first tick (and after a resume)


@dataclass(frozen=True, slots=True)
class Steer:
    """Turn at the next tick."""

    dir: Dir


@dataclass(frozen=True, slots=True)
class Resign:
    """Leave the race: the cycle stops at once."""


@dataclass(frozen=True, slots=True)
class Advance:
    """The server's action: the tick that fell due."""


def grid_rows(arena: Arena) -> list[str]:
    """The grid as text rows: `.` empty, a seat's letter for its trail."""
    marks = [EMPTY, *(LETTERS[s] for s in arena.seats)]
    size = arena.size
    grid = arena.grid
    return ["".join(marks[c] for c in grid[y * size:(y + 1) * size]) for y in range(size)]


class Cycles(GameBase):
    name = "cycles"
    title = "Light cycles"
    actions: ClassVar[Mapping[str, type[Any]]] = {"steer": Steer, "resign": Resign}
    recorded: ClassVar[Mapping[str, type[Any]]] = {"s": Steer, "r": Resign, "t": Advance}
    phases: ClassVar[Mapping[str, frozenset[type[Any]]]] = {
        "countdown": frozenset({Steer, Resign}),
        "riding": frozenset({Steer, Resign}),
    }

    def settings(self, raw: Mapping[str, Json]) -> dict[str, Json]:
        out: dict[str, Json] = {}
        for name, (default, low, high) in LIMITS.items():
            value = raw.get(name, default)
            if type(value) is not int or not low <= value <= high:
                raise BadRequest(f"field {name!r} must be an integer from {low} to {high}")
            out[name] = value
        default_s, low_s, high_s = COUNTDOWN
        countdown = raw.get("countdown", default_s)
        if type(countdown) not in (int, float) or not low_s <= countdown <= high_s:
            raise BadRequest(f"field 'countdown' must be a number of seconds from {low_s:g} "
                             f"to {high_s:g}")
        out["countdown"] = countdown
        return out

    def seat_names(self, settings: Mapping[str, Json]) -> Sequence[str]:
        return SEATS[:settings["players"]]

    def tick_period(self, settings: Mapping[str, Json]) -> int:
        rate: int = settings["tick_rate"]
        return round(1000 / rate)

    def new(self, settings: Mapping[str, Json]) -> Arena:
        period = self.tick_period(settings)
        phase = settings.get("tick_phase")  # the server's pick; absent in older records
        return rules.new_arena(settings["size"], SEATS[:settings["players"]], period,
                               round(settings["countdown"] * 1000),
                               phase if type(phase) is int and 0 <= phase < period else None)

    def start(self, state: Arena, seats: Sequence[str], now: float) -> Arena:
        return rules.start(state, to_ms(now))

    def phase(self, state: Arena) -> str:
        if state.winner is not None:
            return "finished"
        return "countdown" if state.counting_down else "riding"

    def apply(self, state: Arena, seat: str | None, action: Action,
              now: float) -> tuple[Arena, Event]:
        if type(action) is Advance:
            arena, tick = rules.advance(state, to_ms(now))
            if tick.resumed:
                return arena, {"kind": "resumed", "tick": tick.tick}
            event: Event = {"kind": "tick", "tick": tick.tick,
                            "heads": {s: list(cell) for s, cell in tick.heads.items()},
                            "crashed": list(tick.crashed)}
            if arena.winner is not None:
                event["result"] = self.result(arena)
            return arena, event
        assert seat is not None
        try:
            if type(action) is Steer:
                return rules.steer(state, seat, action.dir), {"kind": "steer", "seat": seat}
            arena = rules.resign(state, seat)
        except CyclesError as error:
            raise IllegalMove(error.reason, str(error)) from None
        event = {"kind": "resign", "seat": seat}
        if arena.winner is not None:
            event["result"] = self.result(arena)
        return arena, event

    def deadline(self, state: Arena) -> Deadline | None:
        at = state.next_ms
        return None if at is None else (at / 1000, TICK)

    def expire(self, state: Arena, kind: str,
               now: float) -> Sequence[tuple[str | None, Action]]:
        return ((None, Advance()),) if kind == TICK else ()

    def view(self, state: Arena, seat: str | None, now: float, full: bool) -> dict[str, Json]:
        at = state.next_ms
        seats = state.seats
        view: dict[str, Json] = {
            "size": state.size,
            "tick": state.tick,
            "tick_ms": state.period_ms,
            "next_tick_at": None if at is None else at / 1000,
            "riders": {seats[i]: {"x": r.x, "y": r.y, "heading": r.heading, "alive": r.alive}
                       for i, r in enumerate(state.riders)},
            "result": self.result(state),
        }
        if full:  # an update leaves the grid out: a client paints the event's heads
            view["grid"] = grid_rows(state)
        return view

    def result(self, state: Arena) -> str | None:
        winner = state.winner
        if winner is None:
            return None
        return "Draw" if winner == "draw" else f"{winner} wins"

    def moves(self, state: Arena) -> int:
        return state.tick
