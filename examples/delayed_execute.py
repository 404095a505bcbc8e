"""Delayed execute: run a flow later. The delay is stored with the state, so it fires even
after a restart; here a FakeClock stands in for ten real seconds.

Run with `python -m examples.delayed_execute`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    MemoryDriver,
    StateCtx,
    commit,
    delay,
    delayed,
    park,
)
from flowstate.testing import FakeClock


@dataclass
class Outcome:
    ran_at: list[float]  # seconds after the delay was requested
    was_delayed: bool


async def main() -> Outcome:
    clock = FakeClock()
    start = clock.now()
    outcome = Outcome([], False)

    async def remind(ctx: StateCtx, engine: Engine) -> Command:
        outcome.ran_at.append(clock.now() - start)
        outcome.was_delayed = delayed(ctx.current)
        return commit(park(ctx))

    registry = FlowRegistry()
    registry.set_flow("remind", remind)

    async with Engine(MemoryDriver(), registry, clock=clock) as engine:
        await engine.do(delay(StateCtx.new("reminder-1"), "remind", 10))

        await clock.advance(9)
        print(f"after 9 s the reminder ran {len(outcome.ran_at)} time(s)")
        await clock.advance(6)
        print(f"after 15 s it ran at {outcome.ran_at} s")
    return outcome


if __name__ == "__main__":
    asyncio.run(main())
