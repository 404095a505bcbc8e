"""Light cycles as a pure value: a square grid, two to four riders moving at once, one step per
tick, each leaving a wall behind it.

An `Arena` is immutable; `steer` and `advance` return new ones. Time is an input: `start` and
`advance` take `now` (unix seconds) and the arena keeps its schedule in whole milliseconds, so
replaying a record (whose instants are whole milliseconds) lands on exactly the same ticks.

One tick (`advance` when it is due):

1. every rider still riding takes its queued turn, if any, as its heading;
2. each one's target is the next cell in its heading;
3. a rider crashes if its target is off the grid, already a wall (any rider's trail, its own
   included, as it stood before this tick), or the target of another rider too (a head-on
   collision: both crash; two riders swapping cells each hit the other's trail);
4. the others move there and paint it; a crashed rider stays where it was;
5. when at most one rider is left the game is over: the last one wins, none left is a draw.

Steering (`steer`): a turn is queued for the next tick; at most one turn per rider per tick (a
later `steer` before that tick replaces the queued one); a turn back onto the rider's own
trail (the reverse of its heading as of the last tick) is refused (`Reversal`).

The schedule: ticks fall every `period_ms` from the end of the countdown. With a `phase_ms`
(the server spreads games' phases: `gameserver.core.phases`) every tick falls on an instant
whose offset in the period is that phase: the countdown ends on the first such instant after
its length. A tick judged late (the server was busy) moves as usual and the next one falls due
on the schedule, or, if the schedule is already past, a whole period after the late one (on
its phase: the first instant of it at or after the late tick, plus a period); never a burst of
catch-up ticks. A tick more than `RESUME_AFTER_MS` late means the server was stopped (a
restart): nobody moves, and the game counts down again from the tick it had reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from gameserver.core.evolve import evolve
from gameserver.core.phases import on_grid

__all__ = ["DIRECTIONS", "OPPOSITE", "RESUME_AFTER_MS", "SEATS", "Arena", "Crashed",
           "CyclesError", "Dir", "Reversal", "Rider", "Tick", "advance", "new_arena",
           "resign", "start", "steer"]

Dir = Literal["up", "down", "left", "right"]
#: x grows to the right, y downwards
DIRECTIONS: Mapping[str, tuple[int, int]] = {
    "up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}
OPPOSITE: Mapping[str, str] = {"up": "down", "down": "up", "left": "right", "right": "left"}
SEATS = ("red", "blue", "green", "yellow")
#: a tick this late (ms) means the server was stopped: the game counts down again instead
RESUME_AFTER_MS = 1000


class CyclesError(Exception):
    """A rider's input the rules refuse."""

    reason = "illegal"


class Reversal(CyclesError):
    reason = "reversal"

    def __init__(self, seat: str, heading: str, wanted: str) -> None:
        super().__init__(f"{seat} rides {heading}: turning {wanted} would reverse onto its trail")
        self.seat, self.heading, self.wanted = seat, heading, wanted


class Crashed(CyclesError):
    reason = "crashed"

    def __init__(self, seat: str) -> None:
        super().__init__(f"{seat}'s cycle has crashed")
        self.seat = seat


@dataclass(frozen=True, slots=True)
class Rider:
    x: int
    y: int
    heading: str
    alive: bool = True
    turn: str | None = None  # the turn queued for the next tick


@dataclass(frozen=True, slots=True)
class Tick:
    """What one tick did: the cells riders moved to, and who crashed."""

    tick: int
    heads: Mapping[str, tuple[int, int]]
    crashed: tuple[str, ...]
    resumed: bool = False  # a restart: nobody moved, a countdown began


@dataclass(frozen=True, slots=True)
class Arena:
    size: int
    period_ms: int
    countdown_ms: int
    seats: tuple[str, ...]
    riders: tuple[Rider, ...]
    #: size * size cells, row after row: 0 empty, 1 + i the trail of seats[i]
    grid: bytes
    tick: int = 0  # ticks played
    #: the schedule: tick `base_tick` fell at `base_ms`, so tick `tick + 1` falls due at
    #: `base_ms + (tick + 1 - base_tick) * period_ms`; while counting down (the start, a
    #: resume) `base_ms` is when the countdown ends (None before the start)
    base_ms: int | None = None
    base_tick: int = 0
    counting_down: bool = True
    winner: str | None = None  # a seat, "draw", or None while riding
    #: ticks fall on unix-ms instants `t` with `t % period_ms == phase_ms` (None: anywhere)
    phase_ms: int | None = None

    @property
    def next_ms(self) -> int | None:
        """When the next tick falls due (ms), None before the start and once over."""
        if self.base_ms is None or self.winner is not None:
            return None
        if self.counting_down:
            return self.base_ms
        return self.base_ms + (self.tick + 1 - self.base_tick) * self.period_ms

    def rider(self, seat: str) -> Rider:
        return self.riders[self.seats.index(seat)]

    def cell(self, x: int, y: int) -> int:
        return self.grid[y * self.size + x]


def _starts(size: int, count: int) -> list[tuple[int, int, str]]:
    """Start cells: a pinwheel a quarter in from each corner, nobody aimed at anybody."""
    q, far = size // 4, size - 1 - size // 4
    spots = [(q, q, "right"), (far, far, "left"), (far, q, "down"), (q, far, "up")]
    return spots[:count]


def new_arena(size: int, seats: Sequence[str], period_ms: int, countdown_ms: int,
              phase_ms: int | None = None) -> Arena:
    grid = bytearray(size * size)
    riders = []
    for i, (x, y, heading) in enumerate(_starts(size, len(seats))):
        grid[y * size + x] = i + 1
        riders.append(Rider(x, y, heading))
    if phase_ms is not None and not 0 <= phase_ms < period_ms:
        raise ValueError(f"phase {phase_ms} ms is not within the period of {period_ms} ms")
    return Arena(size, period_ms, countdown_ms, tuple(seats), tuple(riders), bytes(grid),
                 phase_ms=phase_ms)


def _countdown_end(arena: Arena, now_ms: int) -> int:
    """When a countdown begun at `now_ms` ends: its length (at least a period) on, on the
    arena's phase."""
    return on_grid(now_ms + max(arena.countdown_ms, arena.period_ms), arena.period_ms,
                   arena.phase_ms)


def start(arena: Arena, now_ms: int) -> Arena:
    """Every seat is taken: the countdown runs; the first tick falls due at its end."""
    return evolve(arena, base_ms=_countdown_end(arena, now_ms), base_tick=arena.tick,
                  counting_down=True)


def steer(arena: Arena, seat: str, wanted: str) -> Arena:
    i = arena.seats.index(seat)
    rider = arena.riders[i]
    if not rider.alive:
        raise Crashed(seat)
    if wanted == OPPOSITE[rider.heading]:
        raise Reversal(seat, rider.heading, wanted)
    turned = evolve(rider, turn=None if wanted == rider.heading else wanted)
    return evolve(arena, riders=(*arena.riders[:i], turned, *arena.riders[i + 1:]))


def resign(arena: Arena, seat: str) -> Arena:
    """A rider leaves the race at once (its cycle stops where it is)."""
    i = arena.seats.index(seat)
    rider = arena.riders[i]
    if not rider.alive:
        raise Crashed(seat)
    riders = (*arena.riders[:i], evolve(rider, alive=False, turn=None), *arena.riders[i + 1:])
    return evolve(arena, riders=riders, winner=_winner(arena.seats, riders))


def _winner(seats: Sequence[str], riders: Sequence[Rider]) -> str | None:
    alive = [seats[i] for i, r in enumerate(riders) if r.alive]
    if len(alive) > 1:
        return None
    return alive[0] if alive else "draw"


def advance(arena: Arena, now_ms: int) -> tuple[Arena, Tick]:
    """The tick that fell due, run at `now_ms` (at or after `next_ms`)."""
    due = arena.next_ms
    assert due is not None, "advance: no tick is due"
    if now_ms - due > RESUME_AFTER_MS:
        return (evolve(arena, base_ms=_countdown_end(arena, now_ms), base_tick=arena.tick,
                       counting_down=True),
                Tick(arena.tick, {}, (), resumed=True))
    size = arena.size
    grid = arena.grid
    riders = arena.riders
    # (heading, x, y) this tick for every rider still riding, None for the others
    moving: list[tuple[str, int, int] | None] = []
    for rider in riders:
        if rider.alive:
            heading = rider.turn or rider.heading
            dx, dy = DIRECTIONS[heading]
            moving.append((heading, rider.x + dx, rider.y + dy))
        else:
            moving.append(None)
    targets = [(m[1], m[2]) for m in moving if m is not None]
    cells = bytearray(grid)
    moved: list[Rider] = []
    heads: dict[str, tuple[int, int]] = {}
    crashed: list[str] = []
    seats = arena.seats
    for i, rider in enumerate(riders):
        m = moving[i]
        if m is None:
            moved.append(rider)
            continue
        heading, x, y = m
        if (not (0 <= x < size and 0 <= y < size) or grid[y * size + x]
                or targets.count((x, y)) > 1):
            moved.append(Rider(rider.x, rider.y, heading, False))
            crashed.append(seats[i])
            continue
        cells[y * size + x] = i + 1
        moved.append(Rider(x, y, heading))
        heads[seats[i]] = (x, y)
    tick = arena.tick + 1
    base_ms, base_tick = arena.base_ms, arena.base_tick
    late = due + arena.period_ms <= now_ms
    if arena.counting_down or late:
        # the countdown's end, or a tick late past the next one's instant: the schedule
        # starts again from this tick, on the arena's phase (no burst of catch-up ticks)
        base_ms = on_grid(now_ms, arena.period_ms, arena.phase_ms) if late else due
        base_tick = tick
    return (evolve(arena, riders=tuple(moved), grid=bytes(cells), tick=tick, base_ms=base_ms,
                   base_tick=base_tick, counting_down=False,
                   winner=_winner(seats, moved) if crashed else None),
            Tick(tick, heads, tuple(crashed)))
