"""Tick phases (`gameserver.core.phases`): new games of one period land on the least-loaded
millisecond of it, the first few far apart, and an ended game gives its millisecond back."""

from __future__ import annotations

import itertools

import pytest

from gameserver.core.phases import TickPhases, on_grid


def test_on_grid_is_the_first_instant_at_or_after_on_the_phase() -> None:
    assert on_grid(1_000, 50, 0) == 1_000
    assert on_grid(1_001, 50, 0) == 1_050
    assert on_grid(1_001, 50, 7) == 1_007
    assert on_grid(1_008, 50, 7) == 1_057
    assert on_grid(1_008, 50, None) == 1_008  # no phase: anywhere


def test_games_spread_evenly_and_the_first_ones_far_apart() -> None:
    phases = TickPhases()
    picked = []
    for i in range(200):
        phase = phases.pick(50)
        phases.hold(f"g{i}", 50, phase)
        picked.append(phase)
    assert phases.held(50) == [4] * 50  # 200 games, 4 per millisecond: none queued behind 4
    first = sorted(picked[:5])
    assert min(b - a for a, b in itertools.pairwise(first)) >= 5
    assert len(phases) == 200


def test_an_ended_game_gives_its_millisecond_back_and_holding_twice_counts_once() -> None:
    phases = TickPhases()
    at: dict[int, str] = {}
    for i in range(100):
        phase = phases.pick(100)
        phases.hold(f"g{i}", 100, phase)
        at[phase] = f"g{i}"
    phases.hold("g0", 100, 3)  # already held: unchanged
    assert phases.held(100) == [1] * 100
    phases.release(at[42])
    phases.release(at[42])  # not held any more: unchanged
    assert phases.pick(100) == 42  # the only millisecond nobody ticks on
    assert phases.pick(50) == 0  # another period: its own load
    with pytest.raises(ValueError):
        phases.pick(0)
