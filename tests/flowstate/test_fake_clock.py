"""The fake clock wakes every sleeper whose deadline `now()` has reached, whatever the float
rounding of its deadline (a light-cycles tick every 50 ms is 1700000000.05, .1, .15...)."""

from __future__ import annotations

import asyncio

from flowstate.testing import FakeClock


async def test_sleepers_on_fractional_deadlines_all_wake_in_order() -> None:
    clock = FakeClock(1_700_000_000.0)
    woke: list[float] = []

    async def sleeper(at: float) -> None:
        await clock.sleep_until(at)
        assert clock.now() >= at
        woke.append(at)

    deadlines = [1_700_000_000.0 + n * 0.05 for n in range(1, 41)]
    async with asyncio.timeout(10), asyncio.TaskGroup() as tasks:
        for at in deadlines:
            tasks.create_task(sleeper(at))
        await asyncio.sleep(0)
        for _ in deadlines:
            await clock.advance(0.05)
    assert woke == deadlines
