"""The game clock on explicit instants: every system, flags to the millisecond, undo, pause."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gameserver.core import timecontrol as clock_module
from gameserver.core.timecontrol import (
    ClockMismatch,
    Color,
    Event,
    FlagFell,
    GameClock,
    InvalidClockData,
    InvalidTimeControl,
    NoClockRule,
    NotOnTurn,
    Phase,
    System,
    TimeControl,
    UnknownColor,
    WrongClockPhase,
)

T0 = 1_700_000_000.0  # an arbitrary unix instant
MS = 0.001


def at(seconds: float) -> float:
    """The instant ``seconds`` after T0 (rounded to the millisecond like a real timestamp)."""
    return round(T0 + seconds, 3)


def started(tc: dict[str, Any], first: str = "black") -> GameClock:
    return GameClock.new(tc).start(at(0), first)  # type: ignore[arg-type]


ABSOLUTE = {"system": "absolute", "main": 60}
FISCHER = {"system": "fischer", "main": 60, "increment": 10, "max": 65}
BYOYOMI = {"system": "byoyomi", "main": 10, "periods": 3, "period": 30}
CANADIAN = {"system": "canadian", "main": 10, "stones": 3, "period": 60}


# -- time control parsing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "d",
    [
        ABSOLUTE,
        FISCHER,
        BYOYOMI,
        CANADIAN,
        {"system": "none"},
        {"system": "byoyomi", "main": 0, "periods": 5, "period": 30},
        {"system": "absolute", "main": 90.5},
    ],
)
def test_time_control_round_trips(d: dict[str, Any]) -> None:
    """Every protocol time_control parses and serialises back to the same dict."""
    assert TimeControl.from_dict(d).to_dict() == d


def test_time_control_is_kept_in_milliseconds() -> None:
    """Seconds from the wire become whole milliseconds."""
    tc = TimeControl.from_dict({"system": "fischer", "main": 1.5, "increment": 0.25, "max": 2})
    assert (tc.system, tc.main_ms, tc.increment_ms, tc.max_ms) == (System.FISCHER, 1500, 250, 2000)


@pytest.mark.parametrize(
    ("d", "message"),
    [
        ("fast", "time_control.system: time_control must be an object (got 'fast')"),
        (
            {"system": "hourglass", "main": 60},
            "time_control.system: must be one of absolute, fischer, byoyomi, canadian, none "
            "(got 'hourglass')",
        ),
        (
            {"main": 60},
            "time_control.system: must be one of absolute, fischer, byoyomi, "
            "canadian, none (got None)",
        ),
        ({"system": "absolute"}, "time_control.main: is required for absolute (got None)"),
        (
            {"system": "absolute", "main": "60"},
            "time_control.main: must be a number of seconds (got '60')",
        ),
        (
            {"system": "absolute", "main": True},
            "time_control.main: must be a number of seconds (got True)",
        ),
        ({"system": "absolute", "main": -1}, "time_control.main: must not be negative (got -1)"),
        (
            {"system": "absolute", "main": float("inf")},
            "time_control.main: must be finite (got inf)",
        ),
        ({"system": "absolute", "main": 0}, "time_control.main: must be positive (got 0)"),
        (
            {"system": "absolute", "main": 60, "increment": 5},
            "time_control.increment: is not a field of absolute (got 5)",
        ),
        (
            {"system": "fischer", "main": 60, "increment": 5, "max": 30},
            "time_control.max: must be at least main (got 30)",
        ),
        (
            {"system": "fischer", "main": 60, "increment": -5, "max": 90},
            "time_control.increment: must not be negative (got -5)",
        ),
        (
            {"system": "byoyomi", "main": 60, "periods": 0, "period": 30},
            "time_control.periods: must be at least 1 (got 0)",
        ),
        (
            {"system": "byoyomi", "main": 60, "periods": 2.0, "period": 30},
            "time_control.periods: must be an integer (got 2.0)",
        ),
        (
            {"system": "byoyomi", "main": 60, "periods": 2, "period": 0},
            "time_control.period: must be positive (got 0)",
        ),
        (
            {"system": "canadian", "main": 60, "stones": 0, "period": 300},
            "time_control.stones: must be at least 1 (got 0)",
        ),
        (
            {"system": "canadian", "main": 60, "period": 300},
            "time_control.stones: is required for canadian (got None)",
        ),
    ],
)
def test_bad_time_control_names_the_field(d: object, message: str) -> None:
    """A malformed time_control raises a ValueError naming the field and the value."""
    with pytest.raises(InvalidTimeControl) as info:
        TimeControl.from_dict(d)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


# -- lifecycle table --------------------------------------------------------------------------


def test_new_clock_is_idle_and_not_running() -> None:
    """A new clock runs for nobody and has no flag."""
    c = GameClock.new(ABSOLUTE)
    assert (c.phase, c.running, c.flag_at(), c.turn_started_at) == (Phase.IDLE, None, None, None)
    assert c.remaining("black", at(100)) == {"remaining_ms": 60_000, "running": False}


def test_start_runs_the_first_players_clock() -> None:
    """start() runs the given colour's time from now."""
    c = GameClock.new(ABSOLUTE).start(at(0), "white")
    assert (c.phase, c.running, c.turn_started_at) == (Phase.RUNNING, "white", at(0))
    assert c.flag_at() == at(60)


def test_move_on_an_idle_clock_names_phase_and_event() -> None:
    """An event the phase table lacks raises an error naming phase and event."""
    with pytest.raises(WrongClockPhase) as info:
        GameClock.new(ABSOLUTE).moved("black", at(1))
    assert str(info.value) == "clock event 'moved' is not allowed in phase 'idle'"
    assert (info.value.phase, info.value.event) == (Phase.IDLE, Event.MOVED)


def test_start_twice_is_a_wrong_phase() -> None:
    """A running clock cannot be started again."""
    with pytest.raises(WrongClockPhase, match="'start' is not allowed in phase 'running'"):
        started(ABSOLUTE).start(at(1))


def test_missing_rule_names_system_and_event(monkeypatch: pytest.MonkeyPatch) -> None:
    """A (system, event) pair missing from the rule table raises naming both."""
    rules = dict(clock_module._RULES)
    del rules[(System.BYOYOMI, Event.MOVED)]
    monkeypatch.setattr(clock_module, "_RULES", rules)
    with pytest.raises(NoClockRule) as info:
        started(BYOYOMI).moved("black", at(1))
    assert str(info.value) == "no clock rule for system 'byoyomi' and event 'moved'"


def test_every_system_has_a_rule_for_every_charging_event() -> None:
    """The rule table is complete for the events that charge time."""
    for system in System:
        for event in (Event.MOVED, Event.PAUSE, Event.STOP):
            assert (system, event) in clock_module._RULES


def test_moving_out_of_turn_is_refused() -> None:
    """Only the running colour can move."""
    with pytest.raises(NotOnTurn, match="white moved but the clock is running for black"):
        started(ABSOLUTE).moved("white", at(1))


def test_unknown_colour_is_refused() -> None:
    """Colours are the strings 'black' and 'white'."""
    with pytest.raises(UnknownColor, match="unknown color 'red'"):
        started(ABSOLUTE).moved("red", at(1))  # type: ignore[arg-type]


# -- absolute ---------------------------------------------------------------------------------


def test_absolute_move_charges_elapsed_and_starts_opponent() -> None:
    """A move charges the mover the time since their turn started; the opponent runs."""
    c = started(ABSOLUTE).moved("black", at(12.345))
    assert c.black.main_ms == 47_655
    assert (c.running, c.turn_started_at) == ("white", at(12.345))
    assert c.remaining("black", at(30)) == {"remaining_ms": 47_655, "running": False}
    assert c.remaining("white", at(30)) == {"remaining_ms": 42_345, "running": True}
    assert c.flag_at() == at(72.345)


def test_absolute_move_one_ms_before_flag_succeeds() -> None:
    """A move 1 ms before the flag is in time and leaves 1 ms."""
    c = started(ABSOLUTE).moved("black", at(60) - MS)
    assert c.black.main_ms == 1


def test_absolute_move_exactly_at_flag_loses() -> None:
    """A move exactly at flag_at is too late: the flag has fallen."""
    c = started(ABSOLUTE)
    assert c.is_flagged(at(60)) and not c.is_flagged(at(60) - MS)
    with pytest.raises(FlagFell) as info:
        c.moved("black", at(60))
    assert (info.value.color, info.value.flag_at_ms, info.value.now_ms) == (
        "black",
        round(at(60) * 1000),
        round(at(60) * 1000),
    )


def test_absolute_move_one_ms_after_flag_loses() -> None:
    """A move 1 ms after the flag raises FlagFell saying how late it was."""
    with pytest.raises(FlagFell, match=r"black's flag fell at 1700000060\.000; .* \(1 ms late\)"):
        started(ABSOLUTE).moved("black", at(60) + MS)


def test_flagged_reports_the_running_colour() -> None:
    """flagged(now) names whose flag fell, and the view shows zero."""
    c = started(ABSOLUTE).moved("black", at(5))
    assert c.flagged(at(64)) is None
    assert c.flagged(at(65)) == "white"
    assert c.remaining("white", at(99)) == {"remaining_ms": 0, "running": True}
    assert c.until_flag_ms("white", at(99)) == 0


# -- fischer ----------------------------------------------------------------------------------


def test_fischer_adds_increment_after_move() -> None:
    """Fischer adds the increment after the move is charged."""
    c = started(FISCHER).moved("black", at(20))
    assert c.black.main_ms == 50_000  # 60 - 20 + 10


def test_fischer_caps_at_max() -> None:
    """The increment never lifts the clock above max."""
    c = started(FISCHER).moved("black", at(1))
    assert c.black.main_ms == 65_000  # 60 - 1 + 10 = 69, capped at 65


def test_fischer_move_just_before_flag_gets_increment() -> None:
    """A move 1 ms before the flag survives and gets the increment."""
    c = started(FISCHER).moved("black", at(60) - MS)
    assert c.black.main_ms == 10_001


def test_fischer_move_after_flag_gets_nothing() -> None:
    """A late move raises; the increment does not rescue it."""
    with pytest.raises(FlagFell):
        started(FISCHER).moved("black", at(60) + MS)


# -- byo-yomi ---------------------------------------------------------------------------------


def test_byoyomi_main_time_then_period() -> None:
    """Before main time runs out, a move only charges main time."""
    c = started(BYOYOMI).moved("black", at(4))
    assert c.remaining("black", at(4)) == {
        "remaining_ms": 6_000,
        "running": False,
        "periods": 3,
        "period_ms": 30_000,
    }


def test_byoyomi_move_within_period_resets_it() -> None:
    """A move inside a period resets the period and keeps all periods."""
    c = started(BYOYOMI).moved("black", at(10 + 29.999))
    assert (c.black.main_ms, c.black.periods, c.black.period_ms) == (0, 3, 30_000)


def test_byoyomi_view_counts_down_the_current_period() -> None:
    """While running in overtime, the view shows what is left of the current period."""
    c = started(BYOYOMI)
    assert c.remaining("black", at(25)) == {
        "remaining_ms": 0,
        "running": True,
        "periods": 3,
        "period_ms": 15_000,
    }
    assert c.remaining("black", at(45)) == {
        "remaining_ms": 0,
        "running": True,
        "periods": 2,
        "period_ms": 25_000,
    }


def test_byoyomi_overrunning_a_period_consumes_it() -> None:
    """A move after exactly one period ran out costs that period; the next one resets."""
    c = started(BYOYOMI).moved("black", at(10 + 30))
    assert (c.black.periods, c.black.period_ms) == (2, 30_000)
    c = started(BYOYOMI).moved("black", at(10 + 31))
    assert (c.black.periods, c.black.period_ms) == (2, 30_000)


def test_byoyomi_overrunning_several_periods_in_one_move() -> None:
    """One long think can burn several periods at once."""
    c = started(BYOYOMI).moved("black", at(10 + 30 + 30 + 5))
    assert (c.black.main_ms, c.black.periods, c.black.period_ms) == (0, 1, 30_000)


def test_byoyomi_last_period_one_ms_before_and_after() -> None:
    """The flag falls when the last period runs out, not before."""
    c = started(BYOYOMI)
    assert c.flag_at() == at(10 + 90)
    last = c.moved("black", at(100) - MS)
    assert (last.black.periods, last.black.period_ms) == (1, 30_000)
    with pytest.raises(FlagFell):
        c.moved("black", at(100))
    with pytest.raises(FlagFell):
        c.moved("black", at(100) + MS)


def test_byoyomi_in_last_period_each_move_resets_it() -> None:
    """With one period left, a player can go on forever if each move is in time."""
    c = started(BYOYOMI).moved("black", at(75))  # main gone, two periods burnt
    assert c.black.periods == 1
    c = c.moved("white", at(76))
    c = c.moved("black", at(76 + 29.999))
    assert (c.black.periods, c.black.period_ms) == (1, 30_000)
    assert c.flag_at() is not None and c.running == "white"
    c = c.moved("white", at(110))
    assert c.flag_at() == at(140)


def test_byoyomi_without_main_time_starts_in_periods() -> None:
    """main 0 means the first move is already in byo-yomi."""
    c = started({"system": "byoyomi", "main": 0, "periods": 1, "period": 10})
    assert c.flag_at() == at(10)
    c = c.moved("black", at(9.999))
    assert (c.black.periods, c.black.period_ms) == (1, 10_000)


# -- canadian ---------------------------------------------------------------------------------


def test_canadian_main_time_moves_do_not_count_stones() -> None:
    """Moves in main time owe no stones."""
    c = started(CANADIAN).moved("black", at(5))
    assert (c.black.main_ms, c.black.stones, c.black.period_ms) == (5_000, 3, 60_000)


def test_canadian_counts_stones_and_keeps_period_time() -> None:
    """In overtime each move owes one stone fewer; the period time carries over."""
    c = started(CANADIAN).moved("black", at(20))  # 10 s into the period
    assert (c.black.main_ms, c.black.stones, c.black.period_ms) == (0, 2, 50_000)
    c = c.moved("white", at(21)).moved("black", at(41))  # 20 s more
    assert (c.black.stones, c.black.period_ms) == (1, 30_000)
    assert c.remaining("black", at(41)) == {
        "remaining_ms": 0,
        "running": False,
        "stones": 1,
        "period_ms": 30_000,
    }


def test_canadian_period_resets_after_the_last_stone() -> None:
    """Playing all stones in time starts a fresh period."""
    c = started(CANADIAN).moved("black", at(20))
    c = c.moved("white", at(21)).moved("black", at(22))
    c = c.moved("white", at(23)).moved("black", at(24))
    assert (c.black.stones, c.black.period_ms) == (3, 60_000)


def test_canadian_flag_when_period_runs_out() -> None:
    """The flag falls when the period runs out with stones still owed."""
    c = started(CANADIAN).moved("black", at(20))  # 50 s left for 2 stones
    c = c.moved("white", at(21))
    assert c.flag_at() == at(71)
    ok = c.moved("black", at(71) - MS)
    assert (ok.black.stones, ok.black.period_ms) == (1, 1)
    with pytest.raises(FlagFell):
        c.moved("black", at(71) + MS)


# -- none -------------------------------------------------------------------------------------


def test_none_never_flags() -> None:
    """Without a time control nothing is charged and no flag falls."""
    c = started({"system": "none"})
    assert c.flag_at() is None
    assert not c.is_flagged(at(10**6))
    c = c.moved("black", at(10**6))
    assert c.remaining("black", at(10**7)) == {"remaining_ms": None, "running": False}
    assert c.remaining("white", at(10**7)) == {"remaining_ms": None, "running": True}
    assert c.until_flag_ms("white", at(10**7)) is None


# -- pause, resume, stop, undo ----------------------------------------------------------------


def test_pause_charges_up_to_pause_and_nothing_after() -> None:
    """Time passing while paused (scoring) is charged to nobody."""
    c = started(ABSOLUTE).moved("black", at(10)).pause(at(15))
    assert (c.phase, c.running, c.flag_at()) == (Phase.PAUSED, None, None)
    assert c.remaining("white", at(5_000)) == {"remaining_ms": 55_000, "running": False}
    c = c.resume("black", at(5_000))
    assert c.remaining("black", at(5_000)) == {"remaining_ms": 50_000, "running": True}
    assert c.flag_at() == at(5_050)
    assert c.remaining("white", at(5_040)) == {"remaining_ms": 55_000, "running": False}


def test_byoyomi_pause_keeps_the_partial_period() -> None:
    """A pause mid-period keeps what was used of it; only a move resets the period."""
    c = started(BYOYOMI).pause(at(10 + 40))  # one period burnt, 10 s into the next
    assert (c.black.periods, c.black.period_ms) == (2, 20_000)
    c = c.resume("black", at(500))
    assert c.flag_at() == at(500 + 20 + 30)


def test_pause_after_flag_raises() -> None:
    """A flagged player cannot escape into the scoring phase."""
    with pytest.raises(FlagFell):
        started(ABSOLUTE).pause(at(61))


def test_move_while_paused_is_wrong_phase() -> None:
    """No moves on a paused clock; resume first."""
    with pytest.raises(WrongClockPhase, match="'moved' is not allowed in phase 'paused'"):
        started(ABSOLUTE).pause(at(1)).moved("black", at(2))


def test_stop_freezes_and_clamps_a_fallen_flag() -> None:
    """stop() ends the clock without raising; a fallen flag shows zero."""
    c = started(ABSOLUTE).moved("black", at(10)).stop(at(200))
    assert (c.phase, c.running, c.flag_at()) == (Phase.STOPPED, None, None)
    assert c.remaining("white", at(300)) == {"remaining_ms": 0, "running": False}
    assert c.remaining("black", at(300)) == {"remaining_ms": 50_000, "running": False}
    with pytest.raises(WrongClockPhase):
        c.resume("white", at(301))


def test_undo_restores_the_stored_clock() -> None:
    """Restoring the value kept before a move gives back exactly that clock."""
    before = started(FISCHER).moved("black", at(5)).moved("white", at(7))
    after = before.moved("black", at(20)).moved("white", at(22))
    restored = after.undo(before)
    assert restored == before
    assert restored.running == "black" and restored.flag_at() == before.flag_at()
    # The undoing side pays for the time since its turn began; the opponent gets its time back.
    assert restored.remaining("black", at(30)) == before.remaining("black", at(30))
    assert restored.remaining("white", at(30)) == {"remaining_ms": 65_000, "running": False}


def test_undo_across_time_controls_is_refused() -> None:
    """A clock value from another game cannot be restored."""
    with pytest.raises(ClockMismatch):
        started(ABSOLUTE).undo(started(FISCHER))


def test_stored_clock_survives_a_restart_and_downtime_counts() -> None:
    """A clock saved, reloaded later, flags at the same absolute time."""
    c = started(BYOYOMI).moved("black", at(3)).moved("white", at(50))
    stored = c.to_dict()
    reloaded = GameClock.from_dict(stored)
    assert reloaded == c
    assert reloaded.flag_at() == c.flag_at()
    # The server was down from at(55) to at(80): black was on turn, so it is black's time.
    assert reloaded.remaining("black", at(80)) == {
        "remaining_ms": 0,
        "running": True,
        "periods": 3,
        "period_ms": 7_000,
    }


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"phase": "sleeping"}, "clock.phase: is not a clock phase (got 'sleeping')"),
        ({"running": None}, "clock.phase: disagrees with running/started_ms (got 'running')"),
        ({"black": {"main_ms": -1}}, "clock.black.main_ms: must be a non-negative integer"),
    ],
)
def test_bad_stored_clock_names_the_field(patch: dict[str, Any], message: str) -> None:
    """Corrupt storage raises an error naming the field."""
    d = started(ABSOLUTE).to_dict() | patch
    with pytest.raises(InvalidClockData) as info:
        GameClock.from_dict(d)
    assert str(info.value).startswith(message)


def test_clock_time_stepping_back_charges_nothing() -> None:
    """A now before the turn start charges zero instead of refunding time."""
    c = started(ABSOLUTE).moved("black", at(-5))
    assert c.black.main_ms == 60_000


# -- properties -------------------------------------------------------------------------------

CONTROLS = st.one_of(
    st.builds(
        lambda m: {"system": "absolute", "main": m},
        st.integers(1, 600),
    ),
    st.builds(
        lambda m, i, extra: {"system": "fischer", "main": m, "increment": i, "max": m + extra},
        st.integers(1, 600),
        st.integers(0, 30),
        st.integers(0, 600),
    ),
    st.builds(
        lambda m, n, p: {"system": "byoyomi", "main": m, "periods": n, "period": p},
        st.integers(0, 600),
        st.integers(1, 5),
        st.integers(1, 60),
    ),
    st.builds(
        lambda m, n, p: {"system": "canadian", "main": m, "stones": n, "period": p},
        st.integers(0, 600),
        st.integers(1, 25),
        st.integers(1, 600),
    ),
)
# Think times in ms, each either a move or a pause/resume pair.
STEPS = st.lists(st.tuples(st.integers(0, 120_000), st.booleans()), max_size=30)


def play(tc: dict[str, Any], steps: list[tuple[int, bool]]) -> tuple[GameClock, int]:
    """Apply steps until a flag falls; returns the last clock and the instant (ms after T0)."""
    c = started(tc)
    now = 0
    for think, is_move in steps:
        t = now + think
        if c.is_flagged(at(t / 1000)):
            break
        if is_move:
            assert c.running is not None
            c = c.moved(c.running, at(t / 1000))
        else:
            color = c.running
            assert color is not None
            c = c.pause(at(t / 1000)).resume(color, at(t / 1000 + 3600))
            t += 3_600_000
        now = t
    return c, now


@given(CONTROLS, STEPS, st.integers(0, 2_000_000), st.integers(0, 2_000_000))
def test_time_never_increases_without_a_move(
    tc: dict[str, Any], steps: list[tuple[int, bool]], d1: int, d2: int
) -> None:
    """As time passes with no move, time to flag only falls (by exactly the time passed
    until zero) for the running player, and the waiting player's clock stands still."""
    c, now = play(tc, steps)
    running = c.running
    assert running is not None
    waiting: Color = "white" if running == "black" else "black"
    t1, t2 = at((now + d1) / 1000), at((now + d1 + d2) / 1000)
    left1, left2 = c.until_flag_ms(running, t1), c.until_flag_ms(running, t2)
    assert left1 is not None and left2 is not None
    assert left2 == max(0, left1 - d2)
    view1, view2 = c.remaining(running, t1), c.remaining(running, t2)
    assert view1["remaining_ms"] is not None and view2["remaining_ms"] is not None
    assert view2["remaining_ms"] <= view1["remaining_ms"]
    assert c.remaining(waiting, t1) == c.remaining(waiting, t2)


@given(CONTROLS, STEPS)
def test_flag_at_matches_remaining_hitting_zero(
    tc: dict[str, Any], steps: list[tuple[int, bool]]
) -> None:
    """The flag falls exactly when the time to flag reaches zero, never a millisecond apart."""
    c, _ = play(tc, steps)
    flag = c.flag_at()
    assert flag is not None and c.running is not None
    assert c.until_flag_ms(c.running, flag) == 0
    assert c.until_flag_ms(c.running, round(flag - MS, 3)) == 1
    assert c.is_flagged(flag) and not c.is_flagged(round(flag - MS, 3))
    c.moved(c.running, round(flag - MS, 3))  # in time
    with pytest.raises(FlagFell):
        c.moved(c.running, flag)


@given(CONTROLS, STEPS)
def test_a_move_never_leaves_more_than_a_fresh_allowance(
    tc: dict[str, Any], steps: list[tuple[int, bool]]
) -> None:
    """No sequence of moves gives a player more time than the system allows at rest."""
    c, _ = play(tc, steps)
    control = TimeControl.from_dict(tc)
    for pt in (c.black, c.white):
        assert 0 <= pt.main_ms <= max(control.main_ms, control.max_ms)
        assert 0 <= pt.period_ms <= control.period_ms
        assert 0 <= pt.periods <= control.periods
        assert 0 <= pt.stones <= control.stones
    assert GameClock.from_dict(c.to_dict()) == c
