"""Execute with a timeout: start work and, in the same commit, a delayed `timed_out` flow.

The delay commits when it fires, rev-checked against the version that started the work. If
the work finishes in time, its own commit moves the state on and the timeout is dropped
silently; if not, the timeout commits first and the late work's commit is the one that
conflicts (the engine ends that execution quietly). A FakeClock stands in for real time.

Run with `python -m examples.execute_with_timeout`.
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
    execute,
    get_state_by_id,
    park,
    transit,
)
from flowstate.testing import FakeClock

TIMEOUT = 10.0
JOBS = {"fast-job": 5.0, "slow-job": 15.0}  # how long each job's work takes


@dataclass
class Outcome:
    outcomes: dict[str, str]  # job id -> "done" or "timed out"
    timeouts_fired: int
    timeouts_dropped: int


async def main() -> Outcome:
    clock = FakeClock()

    async def work(ctx: StateCtx, engine: Engine) -> Command:
        started = ctx.committed.committed_at
        # Stand-in for the real work: it just takes its time on the engine's clock.
        await clock.sleep_until(started + float(ctx.current.annotations["work_seconds"]))
        return commit(park(ctx, {"outcome": "done"}))

    async def timed_out(ctx: StateCtx, engine: Engine) -> Command:
        # Timeout handling goes here (alert, compensate...).
        return commit(park(ctx, {"outcome": "timed out"}))

    registry = FlowRegistry()
    registry.set_flow("work", work)
    registry.set_flow("timed_out", timed_out)

    async with Engine(MemoryDriver(), registry, clock=clock) as engine:
        for job, seconds in JOBS.items():
            ctx = StateCtx.new(job, annotations={"work_seconds": str(seconds)})
            await engine.do(
                # One atomic step: start the work and arm its timeout.
                commit(transit(ctx, "work"), delay(ctx, "timed_out", TIMEOUT)),
                # Run the work in an engine-owned task.
                execute(ctx),
            )
        # Runs every timer that falls due, and the flows they wake, up to 20 s.
        await clock.advance(20)

        outcomes = {}
        for job in JOBS:
            stored = StateCtx()
            await engine.do(get_state_by_id(stored, job))
            outcomes[job] = stored.committed.annotation("outcome")
            print(f"{job}: {outcomes[job]}")
        stats = engine.delayer_stats()
        return Outcome(outcomes, stats.fired, stats.dropped)


if __name__ == "__main__":
    asyncio.run(main())
