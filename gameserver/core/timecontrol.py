"""The game clock: a pure state machine over both players' time.

No asyncio and no wall clock. Every operation takes ``now`` (unix seconds as a float; only whole
milliseconds count) and returns a new frozen value. Internally all times are integer milliseconds,
so there is no float drift between a deadline and a move.

Two tables drive it:

- ``_PHASES`` maps (phase, event) to the next phase; a missing entry raises ``WrongClockPhase``
  naming both (for example a move on a paused clock).
- ``_RULES`` maps (system, event) to the rule that charges the running player's time; a missing
  entry raises ``NoClockRule`` naming the system and the event.

The flag is an absolute time (``flag_at``): the shell waits until then and asks ``is_flagged(now)``.
A move made exactly at ``flag_at`` is too late; one millisecond before is in time. See
``docs/clocks.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, NotRequired, TypedDict, cast

from gameserver.core.evolve import evolve, evolver

__all__ = [
    "COLORS",
    "ClockError",
    "ClockMismatch",
    "ClockView",
    "Color",
    "Event",
    "FlagFell",
    "GameClock",
    "InvalidClockData",
    "InvalidTimeControl",
    "NoClockRule",
    "NotOnTurn",
    "Phase",
    "PlayerTime",
    "System",
    "TimeControl",
    "UnknownColor",
    "WrongClockPhase",
    "to_ms",
]

Color = Literal["black", "white"]
COLORS: tuple[Color, Color] = ("black", "white")


class System(StrEnum):
    ABSOLUTE = "absolute"
    FISCHER = "fischer"
    BYOYOMI = "byoyomi"
    CANADIAN = "canadian"
    NONE = "none"


class Phase(StrEnum):
    IDLE = "idle"  # created, not started
    RUNNING = "running"  # one player's time is running
    PAUSED = "paused"  # scoring phase: nobody's time runs
    STOPPED = "stopped"  # game over: frozen for display


class Event(StrEnum):
    START = "start"
    MOVED = "moved"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


# -- errors -----------------------------------------------------------------------------------


class ClockError(Exception):
    """Root of every clock error."""


class InvalidTimeControl(ClockError, ValueError):
    """A ``time_control`` from the wire is malformed; names the field."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"time_control.{field}: {reason} (got {value!r})")


class InvalidClockData(ClockError, ValueError):
    """A stored clock (``GameClock.from_dict``) is malformed; names the field."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"clock.{field}: {reason} (got {value!r})")


class UnknownColor(ClockError, ValueError):
    def __init__(self, color: object) -> None:
        self.color = color
        super().__init__(f"unknown color {color!r}: expected 'black' or 'white'")


class WrongClockPhase(ClockError):
    """The event is not allowed in the clock's phase (missing ``_PHASES`` entry)."""

    def __init__(self, phase: Phase, event: Event) -> None:
        self.phase = phase
        self.event = event
        super().__init__(f"clock event {event.value!r} is not allowed in phase {phase.value!r}")


class NoClockRule(ClockError):
    """No rule for this (system, event) pair (missing ``_RULES`` entry)."""

    def __init__(self, system: System, event: Event) -> None:
        self.system = system
        self.event = event
        super().__init__(f"no clock rule for system {system.value!r} and event {event.value!r}")


class NotOnTurn(ClockError):
    def __init__(self, color: Color, running: Color | None) -> None:
        self.color = color
        self.running = running
        super().__init__(f"{color} moved but the clock is running for {running}")


class FlagFell(ClockError):
    """The player on turn acted at or after their flag time; they lose on time."""

    def __init__(self, color: Color, flag_at_ms: int, now_ms: int) -> None:
        self.color = color
        self.flag_at_ms = flag_at_ms
        self.now_ms = now_ms
        late = now_ms - flag_at_ms
        super().__init__(
            f"{color}'s flag fell at {flag_at_ms / 1000:.3f}; "
            f"the action came at {now_ms / 1000:.3f} ({late} ms late)"
        )


class ClockMismatch(ClockError):
    def __init__(self, mine: TimeControl, theirs: TimeControl) -> None:
        self.mine = mine
        self.theirs = theirs
        super().__init__(
            f"cannot restore a clock with time control {theirs.to_dict()!r} "
            f"over one with {mine.to_dict()!r}"
        )


# -- time control -----------------------------------------------------------------------------


def to_ms(seconds: float) -> int:
    """Unix seconds (float) to whole milliseconds, rounding to the nearest."""
    return round(seconds * 1000)


def _seconds_out(ms: int) -> int | float:
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


_FIELDS: dict[System, tuple[str, ...]] = {
    System.ABSOLUTE: ("main",),
    System.FISCHER: ("main", "increment", "max"),
    System.BYOYOMI: ("main", "periods", "period"),
    System.CANADIAN: ("main", "stones", "period"),
    System.NONE: (),
}
_COUNT_FIELDS = frozenset({"periods", "stones"})


def _parse_seconds(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidTimeControl(field, value, "must be a number of seconds")
    if not math.isfinite(value):
        raise InvalidTimeControl(field, value, "must be finite")
    if value < 0:
        raise InvalidTimeControl(field, value, "must not be negative")
    return to_ms(value)


def _parse_count(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTimeControl(field, value, "must be an integer")
    if value < 1:
        raise InvalidTimeControl(field, value, "must be at least 1")
    return value


@dataclass(frozen=True, slots=True)
class TimeControl:
    """A validated ``time_control``; durations in milliseconds, unused fields 0."""

    system: System
    main_ms: int = 0
    increment_ms: int = 0
    max_ms: int = 0
    periods: int = 0
    period_ms: int = 0
    stones: int = 0

    @classmethod
    def from_dict(cls, d: object) -> TimeControl:
        """Parse the protocol dict; raises ``InvalidTimeControl`` naming the bad field."""
        if not isinstance(d, Mapping):
            raise InvalidTimeControl("system", d, "time_control must be an object")
        raw_system = d.get("system")
        if not isinstance(raw_system, str) or raw_system not in System.__members__.values():
            known = ", ".join(s.value for s in System)
            raise InvalidTimeControl("system", raw_system, f"must be one of {known}")
        system = System(raw_system)
        fields = _FIELDS[system]
        for key in d:
            if key != "system" and key not in fields:
                raise InvalidTimeControl(str(key), d[key], f"is not a field of {system.value}")
        values: dict[str, int] = {}
        for field in fields:
            if field not in d:
                raise InvalidTimeControl(field, None, f"is required for {system.value}")
            parse = _parse_count if field in _COUNT_FIELDS else _parse_seconds
            values[field] = parse(field, d[field])
        tc = cls(
            system=system,
            main_ms=values.get("main", 0),
            increment_ms=values.get("increment", 0),
            max_ms=values.get("max", 0),
            periods=values.get("periods", 0),
            period_ms=values.get("period", 0),
            stones=values.get("stones", 0),
        )
        tc._check()
        return tc

    def _check(self) -> None:
        if self.system in (System.ABSOLUTE, System.FISCHER) and self.main_ms <= 0:
            raise InvalidTimeControl("main", _seconds_out(self.main_ms), "must be positive")
        if self.system is System.FISCHER and self.max_ms < self.main_ms:
            raise InvalidTimeControl("max", _seconds_out(self.max_ms), "must be at least main")
        if self.system in (System.BYOYOMI, System.CANADIAN) and self.period_ms <= 0:
            raise InvalidTimeControl("period", _seconds_out(self.period_ms), "must be positive")

    def to_dict(self) -> dict[str, Any]:
        """The protocol dict (seconds; whole seconds as ints)."""
        out: dict[str, Any] = {"system": self.system.value}
        for field in _FIELDS[self.system]:
            if field in _COUNT_FIELDS:
                out[field] = getattr(self, field)
            else:
                out[field] = _seconds_out(getattr(self, f"{field}_ms"))
        return out


# -- per-player time and the rules ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlayerTime:
    """One player's time at rest (as of the start of their current turn, or when stopped).

    ``main_ms`` is main time left (0 once in overtime); ``periods`` byo-yomi periods left,
    counting the current one; ``period_ms`` what is left of the current overtime period
    (byo-yomi, Canadian); ``stones`` moves still owed in the current Canadian period.
    """

    main_ms: int
    periods: int = 0
    period_ms: int = 0
    stones: int = 0

    @classmethod
    def fresh(cls, tc: TimeControl) -> PlayerTime:
        return cls(main_ms=tc.main_ms, periods=tc.periods, period_ms=tc.period_ms, stones=tc.stones)


Rule = Callable[[TimeControl, PlayerTime, int], PlayerTime]


def _budget_ms(tc: TimeControl, pt: PlayerTime) -> int | None:
    """Milliseconds the player may still use before their flag falls (None: no limit)."""
    if tc.system is System.NONE:
        return None
    if tc.system is System.BYOYOMI:
        if pt.periods == 0:
            return pt.main_ms
        return pt.main_ms + pt.period_ms + (pt.periods - 1) * tc.period_ms
    if tc.system is System.CANADIAN:
        return pt.main_ms + pt.period_ms
    return pt.main_ms


def _exhausted(tc: TimeControl, pt: PlayerTime) -> PlayerTime:
    return evolve(pt, main_ms=0, periods=0, period_ms=0)


def _spend_main(tc: TimeControl, pt: PlayerTime, elapsed: int) -> PlayerTime:
    return evolve(pt, main_ms=pt.main_ms - elapsed)


def _spend_byoyomi(tc: TimeControl, pt: PlayerTime, elapsed: int) -> PlayerTime:
    if elapsed < pt.main_ms:
        return evolve(pt, main_ms=pt.main_ms - elapsed)
    over = elapsed - pt.main_ms
    if over < pt.period_ms:
        return evolve(pt, main_ms=0, period_ms=pt.period_ms - over)
    # The current period ran out; whole periods after it are consumed too.
    over -= pt.period_ms
    consumed = 1 + over // tc.period_ms
    return evolve(
        pt, main_ms=0, periods=pt.periods - consumed, period_ms=tc.period_ms - over % tc.period_ms
    )


def _spend_canadian(tc: TimeControl, pt: PlayerTime, elapsed: int) -> PlayerTime:
    if elapsed < pt.main_ms:
        return evolve(pt, main_ms=pt.main_ms - elapsed)
    return evolve(pt, main_ms=0, period_ms=pt.period_ms - (elapsed - pt.main_ms))


def _spend_nothing(tc: TimeControl, pt: PlayerTime, elapsed: int) -> PlayerTime:
    return pt


def _move_absolute(tc: TimeControl, pt: PlayerTime, elapsed: int) -> PlayerTime:
    return _spend_main(tc, pt, elapsed)


def _move_fischer(tc: TimeControl, pt: PlayerTime, elapsed: int) -> PlayerTime:
    left = pt.main_ms - elapsed
    return evolve(pt, main_ms=min(left + tc.increment_ms, tc.max_ms))


def _move_byoyomi(tc: TimeControl, pt: PlayerTime, elapsed: int) -> PlayerTime:
    after = _spend_byoyomi(tc, pt, elapsed)
    if after.main_ms == 0:  # moved in overtime: the period starts afresh
        return evolve(after, period_ms=tc.period_ms)
    return after


def _move_canadian(tc: TimeControl, pt: PlayerTime, elapsed: int) -> PlayerTime:
    after = _spend_canadian(tc, pt, elapsed)
    if after.main_ms > 0:
        return after
    if after.stones > 1:
        return evolve(after, stones=after.stones - 1)
    # Last stone of the period played in time: a new period.
    return evolve(after, stones=tc.stones, period_ms=tc.period_ms)


_RULES: dict[tuple[System, Event], Rule] = {
    (System.ABSOLUTE, Event.MOVED): _move_absolute,
    (System.ABSOLUTE, Event.PAUSE): _spend_main,
    (System.ABSOLUTE, Event.STOP): _spend_main,
    (System.FISCHER, Event.MOVED): _move_fischer,
    (System.FISCHER, Event.PAUSE): _spend_main,
    (System.FISCHER, Event.STOP): _spend_main,
    (System.BYOYOMI, Event.MOVED): _move_byoyomi,
    (System.BYOYOMI, Event.PAUSE): _spend_byoyomi,
    (System.BYOYOMI, Event.STOP): _spend_byoyomi,
    (System.CANADIAN, Event.MOVED): _move_canadian,
    (System.CANADIAN, Event.PAUSE): _spend_canadian,
    (System.CANADIAN, Event.STOP): _spend_canadian,
    (System.NONE, Event.MOVED): _spend_nothing,
    (System.NONE, Event.PAUSE): _spend_nothing,
    (System.NONE, Event.STOP): _spend_nothing,
}

_PHASES: dict[tuple[Phase, Event], Phase] = {
    (Phase.IDLE, Event.START): Phase.RUNNING,
    (Phase.RUNNING, Event.MOVED): Phase.RUNNING,
    (Phase.RUNNING, Event.PAUSE): Phase.PAUSED,
    (Phase.RUNNING, Event.STOP): Phase.STOPPED,
    (Phase.PAUSED, Event.RESUME): Phase.RUNNING,
    (Phase.PAUSED, Event.STOP): Phase.STOPPED,
    (Phase.IDLE, Event.STOP): Phase.STOPPED,
}


def _rule(system: System, event: Event) -> Rule:
    try:
        return _RULES[(system, event)]
    except KeyError:
        raise NoClockRule(system, event) from None


def _next_phase(phase: Phase, event: Event) -> Phase:
    try:
        return _PHASES[(phase, event)]
    except KeyError:
        raise WrongClockPhase(phase, event) from None


def _check_color(color: object) -> Color:
    if color == "black":
        return "black"
    if color == "white":
        return "white"
    raise UnknownColor(color)


def _other(color: Color) -> Color:
    return "white" if color == "black" else "black"


# -- the clock --------------------------------------------------------------------------------


class ClockView(TypedDict):
    """What ``Player.clock`` shows: the time as of one instant."""

    remaining_ms: int | None  # main time left; None for system "none"
    running: bool
    periods: NotRequired[int]  # byo-yomi periods left, counting the current one
    stones: NotRequired[int]  # Canadian stones still owed in the current period
    period_ms: NotRequired[int]  # left in the current overtime period


@dataclass(frozen=True, slots=True)
class GameClock:
    """Both players' clocks. ``started_ms`` is when the running player's turn began."""

    control: TimeControl
    black: PlayerTime
    white: PlayerTime
    phase: Phase = Phase.IDLE
    running: Color | None = None
    started_ms: int | None = None

    @classmethod
    def new(cls, control: TimeControl | Mapping[str, Any]) -> GameClock:
        tc = control if isinstance(control, TimeControl) else TimeControl.from_dict(control)
        return cls(control=tc, black=PlayerTime.fresh(tc), white=PlayerTime.fresh(tc))

    # -- queries --

    def player(self, color: Color) -> PlayerTime:
        return self.black if _check_color(color) == "black" else self.white

    @property
    def turn_started_at(self) -> float | None:
        """Unix seconds at which the running player's turn started (None if not running)."""
        return None if self.started_ms is None else self.started_ms / 1000

    def flag_at_ms(self) -> int | None:
        """Absolute time (ms) at which the running player's flag falls, or None."""
        if self.running is None or self.started_ms is None:
            return None
        budget = _budget_ms(self.control, self.player(self.running))
        return None if budget is None else self.started_ms + budget

    def flag_at(self) -> float | None:
        """Absolute time (unix seconds) at which the running player's flag falls, or None."""
        at = self.flag_at_ms()
        return None if at is None else at / 1000

    def flagged(self, now: float) -> Color | None:
        """The colour whose flag has fallen as of ``now`` (at the deadline counts), or None."""
        at = self.flag_at_ms()
        if at is not None and to_ms(now) >= at:
            return self.running
        return None

    def is_flagged(self, now: float) -> bool:
        return self.flagged(now) is not None

    def _elapsed(self, now_ms: int) -> int:
        # A clock that steps backwards charges nothing rather than refunding time.
        assert self.started_ms is not None
        return max(0, now_ms - self.started_ms)

    def _as_of(self, color: Color, now_ms: int, event: Event = Event.PAUSE) -> PlayerTime:
        pt = self.player(color)
        if self.phase is not Phase.RUNNING or self.running != color:
            return pt
        elapsed = self._elapsed(now_ms)
        budget = _budget_ms(self.control, pt)
        if budget is not None and elapsed >= budget:
            return _exhausted(self.control, pt)
        return _rule(self.control.system, event)(self.control, pt, elapsed)

    def until_flag_ms(self, color: Color, now: float) -> int | None:
        """Milliseconds ``color`` may still use as of ``now`` (0 once flagged; None: no limit)."""
        return _budget_ms(self.control, self._as_of(_check_color(color), to_ms(now)))

    def remaining(self, color: Color, now: float) -> ClockView:
        """The display view of ``color``'s clock as of ``now``."""
        color = _check_color(color)
        running = self.phase is Phase.RUNNING and self.running == color
        system = self.control.system
        if system is System.NONE:  # nothing to count
            return {"remaining_ms": None, "running": running}
        pt = self._as_of(color, to_ms(now))
        view: ClockView = {"remaining_ms": pt.main_ms, "running": running}
        if system is System.BYOYOMI:
            view["periods"] = pt.periods
            view["period_ms"] = pt.period_ms
        elif system is System.CANADIAN:
            view["stones"] = pt.stones
            view["period_ms"] = pt.period_ms
        return view

    # -- events --

    def _with(
        self,
        color: Color,
        pt: PlayerTime,
        phase: Phase,
        running: Color | None,
        started_ms: int | None,
    ) -> GameClock:
        black = pt if color == "black" else self.black
        white = pt if color == "white" else self.white
        return _charged(
            self, black=black, white=white, phase=phase, running=running, started_ms=started_ms
        )

    def start(self, now: float, first: Color = "black") -> GameClock:
        """Start the game: ``first``'s time runs from ``now``."""
        first = _check_color(first)
        phase = _next_phase(self.phase, Event.START)
        return evolve(self, phase=phase, running=first, started_ms=to_ms(now))

    def moved(self, color: Color, now: float) -> GameClock:
        """``color`` (on turn) moved or passed at ``now``; the opponent's time starts.

        Raises ``FlagFell`` if ``now`` is at or after ``color``'s flag.
        """
        color = _check_color(color)
        phase = _next_phase(self.phase, Event.MOVED)
        if color != self.running:
            raise NotOnTurn(color, self.running)
        now_ms = to_ms(now)
        if self.control.system is System.NONE:  # no time to charge
            return _turned(self, phase=phase, running=_other(color), started_ms=now_ms)
        pt = self._charge(color, now_ms, Event.MOVED)
        return self._with(color, pt, phase=phase, running=_other(color), started_ms=now_ms)

    def pause(self, now: float) -> GameClock:
        """Stop both clocks (scoring phase); the running player is charged up to ``now``.

        Raises ``FlagFell`` if the running player's flag had already fallen.
        """
        phase = _next_phase(self.phase, Event.PAUSE)
        assert self.running is not None
        pt = self._charge(self.running, to_ms(now), Event.PAUSE)
        return self._with(self.running, pt, phase=phase, running=None, started_ms=None)

    def resume(self, color: Color, now: float) -> GameClock:
        """Leave the pause: ``color``'s time runs from ``now``."""
        color = _check_color(color)
        phase = _next_phase(self.phase, Event.RESUME)
        return evolve(self, phase=phase, running=color, started_ms=to_ms(now))

    def stop(self, now: float) -> GameClock:
        """Freeze the clock for good (game over); never raises for a fallen flag."""
        phase = _next_phase(self.phase, Event.STOP)
        if self.phase is not Phase.RUNNING or self.running is None:
            return evolve(self, phase=phase, running=None, started_ms=None)
        color = self.running
        pt = self._as_of(color, to_ms(now), Event.STOP)
        return self._with(color, pt, phase=phase, running=None, started_ms=None)

    def undo(self, previous: GameClock) -> GameClock:
        """Restore the value stored before the undone move, unchanged.

        The player whose move is taken back is on turn again with the turn start they had, so
        all the time since then (including the opponent's) counts against them; the opponent
        gets back what they spent. Their flag may therefore already have fallen.
        """
        if previous.control != self.control:
            raise ClockMismatch(self.control, previous.control)
        return previous

    def _charge(self, color: Color, now_ms: int, event: Event) -> PlayerTime:
        pt = self.player(color)
        elapsed = self._elapsed(now_ms)
        budget = _budget_ms(self.control, pt)
        if budget is not None and elapsed >= budget:
            assert self.started_ms is not None
            raise FlagFell(color, self.started_ms + budget, now_ms)
        return _rule(self.control.system, event)(self.control, pt, elapsed)

    # -- storage --

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict for storage; ``from_dict`` restores an equal value."""

        def player(pt: PlayerTime) -> dict[str, int]:
            return {
                "main_ms": pt.main_ms,
                "periods": pt.periods,
                "period_ms": pt.period_ms,
                "stones": pt.stones,
            }

        return {
            "control": self.control.to_dict(),
            "phase": self.phase.value,
            "running": self.running,
            "started_ms": self.started_ms,
            "black": player(self.black),
            "white": player(self.white),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GameClock:
        try:
            control = TimeControl.from_dict(d["control"])
        except KeyError:
            raise InvalidClockData("control", None, "is required") from None
        phase_raw = d.get("phase")
        if phase_raw not in Phase.__members__.values():
            raise InvalidClockData("phase", phase_raw, "is not a clock phase")
        phase = Phase(str(phase_raw))
        running = d.get("running")
        if running is not None and running not in COLORS:
            raise InvalidClockData("running", running, "must be 'black', 'white' or null")
        started = d.get("started_ms")
        if started is not None and (isinstance(started, bool) or not isinstance(started, int)):
            raise InvalidClockData("started_ms", started, "must be an integer or null")
        if (phase is Phase.RUNNING) != (running is not None and started is not None):
            raise InvalidClockData("phase", phase_raw, "disagrees with running/started_ms")

        def player(field: str) -> PlayerTime:
            raw = d.get(field)
            if not isinstance(raw, Mapping):
                raise InvalidClockData(field, raw, "must be an object")
            values: dict[str, int] = {}
            for key in ("main_ms", "periods", "period_ms", "stones"):
                v = raw.get(key)
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    raise InvalidClockData(f"{field}.{key}", v, "must be a non-negative integer")
                values[key] = v
            return PlayerTime(**values)

        return cls(
            control=control,
            black=player("black"),
            white=player("white"),
            phase=phase,
            running=cast(Color | None, running),
            started_ms=started,
        )


# the copies a move makes of the clock, found once (see `evolver`)
_turned = evolver(GameClock, "phase", "running", "started_ms")
_charged = evolver(GameClock, "black", "white", "phase", "running", "started_ms")
