"""Durable execute: once the transition is committed, the flow runs even if this process dies
before (or while) executing it: crash recovery re-executes it after `retry_after`.

Run with `python -m examples.durable_execute`.
"""

from __future__ import annotations

import asyncio

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    MemoryDriver,
    State,
    StateCtx,
    commit,
    get_state_by_id,
    park,
    transit,
)


async def send_receipt(ctx: StateCtx, engine: Engine) -> Command:
    # The business logic goes here. Committing the park tells the engine the work is done,
    # so recovery will not run it again.
    ctx.current.annotations["receipt"] = f"sent to {ctx.current.labels['customer']}"
    return commit(park(ctx))


async def main() -> State:
    registry = FlowRegistry()
    registry.set_flow("send_receipt", send_receipt)

    async with Engine(MemoryDriver(), registry) as engine:
        ctx = StateCtx.new("order-1", labels={"customer": "ada"})
        # From this commit on, the flow is guaranteed to run (at least once, up to the
        # recovery attempts) whatever happens to this process.
        await engine.do(commit(transit(ctx, "send_receipt")))
        # Run it now, inline. Had we crashed here, recovery would have run it later.
        await engine.execute(ctx)

        stored = StateCtx()
        await engine.do(get_state_by_id(stored, "order-1"))
        print(f"{stored.committed.id} rev {stored.committed.rev}: {stored.committed.annotations}")
        return stored.committed


if __name__ == "__main__":
    asyncio.run(main())
