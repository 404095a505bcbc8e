"""Light cycles' rules on their own: grids written as diagrams (`.` empty, a seat's letter its
trail), riders placed by hand, ticks run at explicit instants."""

from __future__ import annotations

import pytest

from gameserver.core.evolve import evolve
from gameserver.games.cycles import rules
from gameserver.games.cycles.game import Cycles, grid_rows
from gameserver.games.cycles.rules import RESUME_AFTER_MS, Arena, Crashed, Reversal, Rider
from gameserver.wire.errors import ProtocolError

LETTER = {"r": 1, "b": 2, "g": 3, "y": 4}


def arena(diagram: str, **riders: tuple[int, int, str]) -> Arena:
    """A running arena drawn as `diagram`, with each named rider at (x, y, heading); the next
    tick falls due at 1000 ms."""
    rows = diagram.split()
    size = len(rows)
    grid = bytes(LETTER.get(c, 0) for row in rows for c in row)
    seats = tuple(riders)
    base = rules.new_arena(size, seats, 100, 0)
    return evolve(base, grid=grid, riders=tuple(Rider(*riders[s]) for s in seats),
                  base_ms=900, base_tick=0, counting_down=False)


def tick(a: Arena, now_ms: int | None = None) -> tuple[Arena, rules.Tick]:
    due = a.next_ms
    assert due is not None
    return rules.advance(a, due if now_ms is None else now_ms)


def test_every_rider_moves_one_cell_per_tick_leaving_a_trail() -> None:
    a = arena("""
        r....
        .....
        .....
        .....
        ....b""", red=(0, 0, "right"), blue=(4, 4, "left"))
    a, t = tick(a)
    assert t.heads == {"red": (1, 0), "blue": (3, 4)} and t.crashed == ()
    assert grid_rows(a) == ["rr...", ".....", ".....", ".....", "...bb"]
    assert a.tick == 1 and a.next_ms == 1100


def test_a_queued_turn_applies_at_the_next_tick_and_a_later_one_replaces_it() -> None:
    a = arena("""
        .....
        ..r..
        .....
        .....
        ....b""", red=(2, 1, "right"), blue=(4, 4, "left"))
    a = rules.steer(a, "red", "up")
    a = rules.steer(a, "red", "down")  # at most one turn per tick: the latest one
    a, t = tick(a)
    assert t.heads["red"] == (2, 2) and a.rider("red").heading == "down"
    assert a.rider("red").turn is None


def test_a_reversal_is_refused_and_a_crashed_rider_cannot_steer() -> None:
    a = arena("""
        ...
        r.b
        ...""", red=(0, 1, "right"), blue=(2, 1, "left"))
    with pytest.raises(Reversal, match="red rides right: turning left would reverse"):
        rules.steer(a, "red", "left")
    a, t = tick(a)  # both aim at the middle cell: head-on, both crash, a draw
    assert t.crashed == ("red", "blue") and a.winner == "draw"
    assert grid_rows(a) == ["...", "r.b", "..."]  # nobody painted the cell they both wanted
    with pytest.raises(Crashed):
        rules.steer(a, "red", "up")


def test_walls_and_trails_crash_and_the_last_rider_wins() -> None:
    a = arena("""
        ....
        .bbb
        .r..
        ....""", red=(1, 2, "up"), blue=(1, 1, "left"))
    a, t = tick(a)  # red hits blue's trail; blue rides on
    assert t.crashed == ("red",) and t.heads == {"blue": (0, 1)}
    assert a.winner == "blue" and Cycles().result(a) == "blue wins"


def test_two_riders_swapping_cells_both_crash() -> None:
    a = arena("""
        ....
        .rb.
        ....
        ....""", red=(1, 1, "right"), blue=(2, 1, "left"))
    a, t = tick(a)
    assert t.crashed == ("red", "blue") and a.winner == "draw"


def test_off_the_grid_is_a_crash_and_three_riders_play_on_until_one_is_left() -> None:
    a = arena("""
        r....
        .....
        ..g..
        .....
        ....b""", red=(0, 0, "up"), blue=(4, 4, "left"), green=(2, 2, "down"))
    a, t = tick(a)
    assert t.crashed == ("red",) and a.winner is None
    assert a.rider("red") == Rider(0, 0, "up", alive=False)


def test_the_countdown_then_ticks_on_schedule_and_a_late_tick_does_not_burst() -> None:
    a = rules.start(rules.new_arena(20, ("red", "blue"), 50, 3000), 10_000)
    assert a.counting_down and a.next_ms == 13_000
    a, _ = rules.advance(a, 13_000)
    assert not a.counting_down and a.tick == 1 and a.next_ms == 13_050
    a, _ = rules.advance(a, 13_070)  # 20 ms late: the next keeps the schedule
    assert a.next_ms == 13_100
    a, _ = rules.advance(a, 13_180)  # late past the next one: a period from now
    assert a.tick == 3 and a.next_ms == 13_230


def test_a_tick_far_overdue_resumes_with_a_countdown_from_the_tick_reached() -> None:
    """The server was stopped: nobody moves, a new countdown runs, then the game goes on."""
    a = rules.start(rules.new_arena(20, ("red", "blue"), 50, 3000), 0)
    a, _ = rules.advance(a, 3000)
    before = a
    a, t = rules.advance(a, 3050 + RESUME_AFTER_MS + 1)
    assert t.resumed and a.tick == 1 and a.riders == before.riders and a.counting_down
    assert a.next_ms == 3050 + RESUME_AFTER_MS + 1 + 3000
    a, t = rules.advance(a, a.next_ms)
    assert a.tick == 2 and not t.resumed


def test_settings_have_defaults_and_bad_ones_are_bad_requests() -> None:
    game = Cycles()
    assert game.settings({}) == {"players": 2, "size": 32, "tick_rate": 10, "countdown": 3.0}
    assert game.seat_names(game.settings({"players": 4})) == ("red", "blue", "green", "yellow")
    cases: list[tuple[dict[str, object], str]] = [
        ({"players": 5}, "'players' must be an integer from 2 to 4"),
        ({"tick_rate": 30}, "'tick_rate' must be an integer from 10 to 20"),
        ({"size": "big"}, "'size' must be an integer from 10 to 100"),
        ({"countdown": -1}, "'countdown' must be a number of seconds")]
    for bad, message in cases:
        with pytest.raises(ProtocolError, match=message) as info:
            game.settings(bad)
        assert info.value.code == "bad_request"
    with pytest.raises(ProtocolError, match="must be one of") as info:
        game.action({"type": "steer", "dir": "north"})
    assert info.value.code == "bad_request"


def test_with_a_phase_every_tick_falls_on_it_also_after_a_late_tick_and_a_resume() -> None:
    """The server's phase (ms into the period): the countdown ends on it, a late tick past
    the next one starts the schedule again on it, and so does a resume's countdown."""
    a = rules.start(rules.new_arena(20, ("red", "blue"), 50, 3000, phase_ms=7), 10_000)
    assert a.next_ms == 13_007  # 3 s on, then the first instant on the phase
    a, _ = rules.advance(a, 13_007)
    assert a.next_ms == 13_057
    a, _ = rules.advance(a, 13_070)  # 13 ms late: the schedule holds
    assert a.next_ms == 13_107
    a, _ = rules.advance(a, 13_180)  # late past the next one: a period on, on the phase
    assert a.tick == 3 and a.next_ms == 13_257
    a, t = rules.advance(a, 13_257 + RESUME_AFTER_MS + 1)
    assert t.resumed and a.next_ms == 17_307  # 14_258 + 3 s, on to the phase
    with pytest.raises(ValueError):
        rules.new_arena(20, ("red", "blue"), 50, 3000, phase_ms=50)


def test_the_server_gives_a_phase_and_a_record_without_one_keeps_the_old_schedule() -> None:
    game = Cycles()
    settings = game.settings({"tick_rate": 20})
    assert game.tick_period(settings) == 50
    assert game.new({**settings, "tick_phase": 12}).phase_ms == 12
    assert game.new(settings).phase_ms is None  # a game recorded before phases
    assert game.new({**settings, "tick_phase": 99}).phase_ms is None  # out of the period
    assert game.settings({"tick_phase": 3}) == settings | {"tick_rate": 10}  # not a client's
